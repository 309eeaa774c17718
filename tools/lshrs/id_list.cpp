#include "id_list.hpp"

#include <charconv>
#include <string>

#include "cli.hpp"
#include "lshrs/safe_text.hpp"

namespace lshrs::cli {
namespace {

constexpr std::size_t kQuoted = 40;  // characters of a bad item echoed back

bool separates(char c, bool whitespace) {
  return c == ',' || (whitespace && (c == ' ' || c == '\t' || c == '\n' || c == '\r'));
}

std::int64_t parse_id(std::string_view s, std::string_view item, const char* flag) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) {
    throw UsageError(std::string(flag) + ": " + quote_user_text(item, kQuoted) +
                     " is not an id (ids are integers >= 0, as 1,2,5-9)");
  }
  return v;
}

std::vector<std::int64_t> parse(std::string_view rest, const char* flag, bool whitespace) {
  std::vector<std::int64_t> ids;
  auto too_many = [&] {
    return UsageError(std::string(flag) + ": more than " + std::to_string(kMaxListedIds) +
                      " ids; give fewer at a time");
  };
  while (!rest.empty()) {
    std::size_t cut = 0;
    while (cut < rest.size() && !separates(rest[cut], whitespace)) ++cut;
    std::string_view item = rest.substr(0, cut);
    rest.remove_prefix(cut == rest.size() ? cut : cut + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    const auto dash = item.find('-', 1);
    if (dash == std::string_view::npos) {
      if (ids.size() >= kMaxListedIds) throw too_many();
      ids.push_back(parse_id(item, item, flag));
      continue;
    }
    const std::int64_t lo = parse_id(item.substr(0, dash), item, flag);
    const std::int64_t hi = parse_id(item.substr(dash + 1), item, flag);
    if (hi < lo) {
      throw UsageError(std::string(flag) + ": range " + quote_user_text(item, kQuoted) +
                       " ends before it starts");
    }
    if (static_cast<std::uint64_t>(hi - lo) >= kMaxListedIds - ids.size()) throw too_many();
    // Counted, not 'v <= hi': hi may be INT64_MAX, where ++v would overflow.
    for (std::int64_t k = 0; k <= hi - lo; ++k) ids.push_back(lo + k);
  }
  if (ids.empty()) throw UsageError(std::string(flag) + ": no ids given");
  return ids;
}

}  // namespace

std::vector<std::int64_t> parse_id_list(std::string_view text, const char* flag) {
  return parse(text, flag, /*whitespace=*/false);
}

std::vector<std::int64_t> parse_id_text(std::string_view text, const char* flag) {
  return parse(text, flag, /*whitespace=*/true);
}

}  // namespace lshrs::cli
