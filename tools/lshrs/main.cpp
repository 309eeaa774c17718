// lshrs — command-line entry point: parses the subcommand, runs it, and maps
// every failure onto one stderr line and a documented exit code (cli.hpp).
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "lshrs/error.hpp"
#include "lshrs/safe_text.hpp"

namespace {

using namespace lshrs::cli;

// Messages are built to be one line; whatever slipped through (a newline in
// a server's reply, say) is escaped rather than breaking the line. A message
// longer than a screen line or two (a 10,000-character --table echoed in its
// location) loses its middle, not its end: the reason comes last.
constexpr std::size_t kMessageHead = 300, kMessageTail = 500;

std::string bounded(const std::string& message) {
  std::string text = lshrs::printable_line(message);
  if (text.size() <= kMessageHead + kMessageTail + 16) return text;
  // Cut on character boundaries: never inside a UTF-8 sequence.
  auto boundary = [&](std::size_t at) {
    while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) ++at;
    return at;
  };
  const std::size_t head = boundary(kMessageHead), tail = boundary(text.size() - kMessageTail);
  return text.substr(0, head) + " [...] " + text.substr(tail);
}

int fail(int code, const std::string& message) {
  std::cout.flush();
  std::cerr << "lshrs: error: " << bounded(message) << "\n";
  return code;
}

constexpr const char* kTimeoutHint = " (the wait is set by --timeout SECONDS)";

// The one place where exception types become exit codes.
int run_guarded(const std::function<int()>& run) {
  try {
    return run();
  } catch (const UsageError& e) {
    return fail(kExitUsage, std::string(e.what()) + " (see --help)");
  } catch (const lshrs::TimeoutError& e) {
    return fail(kExitStorage, e.what() + std::string(kTimeoutHint));
  } catch (const lshrs::StorageError& e) {  // ConnectionError included
    return fail(kExitStorage, e.what());
  } catch (const lshrs::SourceTimeout& e) {
    return fail(kExitSource, e.what() + std::string(kTimeoutHint));
  } catch (const lshrs::SourceUnavailable& e) {
    return fail(kExitSource, e.what());
  } catch (const lshrs::InvalidArgument& e) {
    return fail(kExitInput, e.what());
  } catch (const lshrs::SourceError& e) {
    return fail(kExitInput, e.what());
  } catch (const lshrs::ConfigurationError& e) {
    return fail(kExitInput, e.what());
  } catch (const std::bad_alloc&) {
    return fail(kExitInternal, "out of memory");
  } catch (const std::exception& e) {
    return fail(kExitInternal, std::string(e.what()) + " (internal error)");
  }
}

// A result that could not be written (a full disk, /dev/full, a closed
// pipe) is a failure, not a success with nothing said: every command's
// output goes through std::cout, checked once here after it flushed.
int output_written() {
  errno = 0;  // before the flush: with stdio-synced streams it is the flush that fails, and says why
  std::cout.flush();
  bool failed = std::cout.fail() || std::fflush(stdout) != 0 || std::ferror(stdout);
  if (!failed) failed = std::fclose(stdout) != 0;  // the last buffered bytes, and NFS-style late errors
  if (!failed) return kExitOk;
  const int error = errno;
  std::cerr << "lshrs: error: could not write the output to stdout"
            << (error != 0 ? std::string(": ") + std::strerror(error) : std::string())
            << " (what was written is incomplete)\n";
  return kExitInput;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "lshrs — approximate nearest-neighbour search over Redis with locality-sensitive hashing.\n"
      "Bucket membership lives in Redis; vectors stay in your PostgreSQL, Parquet or .npy files."};
  app.name("lshrs");
  app.set_version_flag("--version", std::string("lshrs ") + LSHRS_CLI_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  std::vector<Command> commands = {add_index_command(app),  add_query_command(app),
                                   add_delete_command(app), add_clear_command(app),
                                   add_stats_command(app),  add_tune_command(app),
                                   add_bench_command(app),  add_train_command(app),
                                   add_gen_demo_command(app)};

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    const CLI::App* sub = app.get_subcommands().empty() ? &app : app.get_subcommands().front();
    const std::string where = sub == &app ? "lshrs" : "lshrs " + sub->get_name();
    // CLI11 quotes the arguments it could not place, and a misplaced URL or
    // DSN may hold a password.
    return fail(kExitUsage, lshrs::redact_secrets(e.what()) + " (run '" + where + " --help')");
  }
  for (const Command& c : commands) {
    if (c.app->parsed()) {
      const int code = run_guarded(c.run);
      return code == kExitOk ? output_written() : code;
    }
  }
  return fail(kExitUsage, "no subcommand given (run 'lshrs --help')");
}
