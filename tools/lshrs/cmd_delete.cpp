// lshrs delete — removes ids from an index (O(bands) each, through the
// signatures the index keeps).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "id_list.hpp"
#include "lshrs/error.hpp"
#include "lshrs/files.hpp"
#include "lshrs/index.hpp"
#include "matrix_io.hpp"
#include "options.hpp"

namespace lshrs::cli {
namespace {

struct DeleteArgs {
  StoreFlags store;
  std::string ids, ids_from;
  bool json = false;
};

// Ids separated by commas, spaces or newlines, from a file or stdin ("-").
std::vector<std::int64_t> read_id_file(const std::string& path) {
  constexpr const char* kHint = "give ids separated by commas, spaces or newlines";
  std::string list = path == "-" ? read_stdin("--ids-from -", kHint)
                                 : read_input_file(path, kMaxTextInputBytes, kHint);
  return parse_id_text(list, "--ids-from");
}

int run_delete(const DeleteArgs& a) {
  std::vector<std::int64_t> ids;
  if (!a.ids.empty()) ids = parse_id_list(a.ids, "--ids");
  if (!a.ids_from.empty()) {
    auto more = read_id_file(a.ids_from);
    ids.insert(ids.end(), more.begin(), more.end());
  }
  if (ids.empty()) throw UsageError("no ids to delete: give --ids 1,2,3 or --ids-from FILE");
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  // No config flags are needed to remove ids: the layout comes from the
  // index's meta, and an index the Python package built (no meta) is scanned.
  validate_prefix(a.store.prefix);
  const std::size_t removed = Index::remove_from(make_store(a.store), a.store.prefix, ids);
  if (a.json) {
    std::cout << nlohmann::json{{"requested", ids.size()}, {"removed", removed}}.dump() << "\n";
  } else {
    std::cout << fmt::format("removed {} of {} ids from prefix \"{}\" ({} were not indexed)\n",
                             removed, ids.size(), a.store.prefix, ids.size() - removed);
  }
  return kExitOk;
}

}  // namespace

Command add_delete_command(CLI::App& app) {
  auto a = std::make_shared<DeleteArgs>();
  CLI::App* sub = app.add_subcommand("delete", "Remove ids from an index");
  sub->add_option("--ids", a->ids, "Ids to remove: 1,2,3 or ranges 10-19");
  sub->add_option("--ids-from", a->ids_from,
                  "Read ids (separated by commas, spaces or newlines) from a file, - for stdin");
  add_store_flags(*sub, a->store, false);
  sub->add_flag("--json", a->json, "Print {\"requested\", \"removed\"} as JSON");
  return {sub, [a] { return run_delete(*a); }};
}

}  // namespace lshrs::cli
