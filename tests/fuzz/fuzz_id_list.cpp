// Fuzzes the CLI's id lists (`--ids`, `delete --ids-from`, `query --rows`):
// the first byte picks comma-only lists or id-file text (whitespace too).
// Properties: what is accepted is 1..kMaxListedIds ids, each >= 0; every
// error is one bounded, printable line.
#include "cli.hpp"
#include "fuzz_support.hpp"
#include "id_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool file_text = (data[0] & 1) != 0;
  const std::string_view text = lshrs::fuzz::as_view(data + 1, size - 1);
  try {
    const auto ids = file_text ? lshrs::cli::parse_id_text(text, "--ids-from")
                               : lshrs::cli::parse_id_list(text, "--ids");
    lshrs::fuzz::require(!ids.empty(), "accepted an empty list");
    lshrs::fuzz::require(ids.size() <= lshrs::cli::kMaxListedIds, "accepted more ids than the bound");
    for (const std::int64_t id : ids) lshrs::fuzz::require(id >= 0, "accepted a negative id");
  } catch (const lshrs::cli::UsageError& e) {  // the only error an id list raises
    lshrs::fuzz::require_one_line(e.what());
  }
  return 0;
}
