// lshrs CLI — lists of ids as users type them (`--ids 1,2,5-9`, `query
// --rows 0-99`, `delete --ids-from FILE`): integers >= 0 and inclusive ranges,
// separated by commas (and, in files, by spaces or newlines).
//
// Bounded: at most kMaxListedIds ids in all, so that `0-9999999` repeated
// cannot exhaust memory; errors quote what the user typed, printable and
// cut short, never raw bytes (an --ids-from pointed at a binary file).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace lshrs::cli {

inline constexpr std::size_t kMaxListedIds = 10'000'000;

// "1,2,5-9" -> {1, 2, 5, 6, 7, 8, 9} in the order given; UsageError naming
// `flag` when malformed, empty, or over kMaxListedIds ids.
std::vector<std::int64_t> parse_id_list(std::string_view text, const char* flag);

// The same, with spaces, tabs and newlines also separating ids (id files, stdin).
std::vector<std::int64_t> parse_id_text(std::string_view text, const char* flag);

}  // namespace lshrs::cli
