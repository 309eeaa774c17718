// lshrs clear — deletes every key of an index's prefix (buckets, signatures
// and meta), after a confirmation.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli.hpp"
#include "lshrs/safe_text.hpp"
#include "options.hpp"
#include "progress.hpp"

namespace lshrs::cli {
namespace {

struct ClearArgs {
  StoreFlags store;
  bool yes = false, json = false;
};

bool confirmed(const std::string& question) {
  if (isatty(STDIN_FILENO) != 1) {
    throw UsageError("refusing to clear without confirmation: stdin is not a terminal, pass --yes");
  }
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

int run_clear(const ClearArgs& a) {
  auto store = make_store(a.store);
  const std::string where =
      fmt::format("prefix \"{}\" in {}", quote_user_text(a.store.prefix), store->describe());
  if (!a.yes && !confirmed("Delete every key under " + where + "? This cannot be undone.")) {
    std::cerr << "lshrs: nothing deleted\n";
    return kExitOk;
  }
  validate_prefix(a.store.prefix);
  const std::size_t removed = store->clear(a.store.prefix);
  if (a.json) {
    std::cout << nlohmann::json{{"prefix", a.store.prefix}, {"keys_removed", removed}}.dump()
              << "\n";
  } else {
    std::cout << fmt::format("removed {} keys under {}\n", group_digits(removed), where);
  }
  return kExitOk;
}

}  // namespace

Command add_clear_command(CLI::App& app) {
  auto a = std::make_shared<ClearArgs>();
  CLI::App* sub = app.add_subcommand("clear", "Delete an index: every key under its prefix");
  add_store_flags(*sub, a->store, false);
  sub->add_flag("-y,--yes", a->yes, "Do not ask for confirmation");
  sub->add_flag("--json", a->json, "Print {\"prefix\", \"keys_removed\"} as JSON");
  return {sub, [a] { return run_clear(*a); }};
}

}  // namespace lshrs::cli
