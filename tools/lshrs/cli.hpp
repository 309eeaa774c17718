// lshrs CLI — what every subcommand shares: exit codes, the usage error, and
// the registration interface main() uses.
//
// Each cmd_*.cpp adds one subcommand to the CLI11 app and returns a Command
// whose `run` executes it after parsing. Errors are exceptions: main() turns
// them into one `lshrs: error: ...` line and the exit code below.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

namespace CLI {
class App;
}

namespace lshrs::cli {

// Documented in docs/cli.md; scripts rely on them.
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 2,     // bad flags or flag values, missing confirmation
  kExitInput = 3,     // bad file or data, wrong dimension, model/index mismatch
  kExitStorage = 4,   // Redis (the bucket store) unreachable, timed out or failing
  kExitInternal = 5,  // anything else (a bug: please report it)
  kExitSource = 6,    // the vector source's server (PostgreSQL) unreachable or timed out
  kExitNoConfiguration = 7,  // `lshrs tune`: no configuration met the target recall
};

// A flag combination or value that CLI11 cannot check by itself.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;  // returns the exit code
};

Command add_index_command(CLI::App& app);
Command add_query_command(CLI::App& app);
Command add_delete_command(CLI::App& app);
Command add_clear_command(CLI::App& app);
Command add_stats_command(CLI::App& app);
Command add_tune_command(CLI::App& app);
Command add_bench_command(CLI::App& app);
Command add_train_command(CLI::App& app);
Command add_gen_demo_command(CLI::App& app);  // hidden: the demo's data generator

}  // namespace lshrs::cli
