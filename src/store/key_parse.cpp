// Recognising the keys of one prefix (see key_parse.hpp).
#include "store/key_parse.hpp"

#include <charconv>

namespace lshrs::redis {
namespace {

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

bool is_decimal_id(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  return all_of(s, is_digit);
}

}  // namespace

KeyKind classify_key(std::string_view prefix, std::string_view key) {
  using Kind = KeyKind::Kind;
  if (key.size() <= prefix.size() + 1 || key.substr(0, prefix.size()) != prefix ||
      key[prefix.size()] != ':') {
    return {};
  }
  const std::string_view tail = key.substr(prefix.size() + 1);
  if (tail == "meta") return {Kind::kMeta, 0};
  if (tail.substr(0, 4) == "sig:") {
    return is_decimal_id(tail.substr(4)) ? KeyKind{Kind::kSignature, 0} : KeyKind{};
  }
  if (tail.substr(0, 5) == "sigs:") {
    const std::string_view digits = tail.substr(5);
    std::int64_t range = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), range);
    if (!is_decimal_id(digits) || ec != std::errc() || end != digits.data() + digits.size()) return {};
    return {Kind::kSignatureRange, 0, range};
  }
  const auto colon = tail.find(':');
  if (colon == std::string_view::npos) return {};
  const std::string_view band = tail.substr(0, colon);
  const std::string_view rest = tail.substr(colon + 1);
  constexpr std::string_view kBucket = "bucket:";
  if (!all_of(band, is_digit) || rest.substr(0, kBucket.size()) != kBucket) return {};
  const std::string_view hex = rest.substr(kBucket.size());
  if (!all_of(hex, is_lower_hex) || hex.size() % 2 != 0) return {};
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(band.data(), band.data() + band.size(), value);
  if (ec != std::errc() || end != band.data() + band.size()) return {};
  return {Kind::kBucket, value};
}

std::optional<std::int64_t> parse_member_id(std::string_view text) {
  // Canonical: digits only, no sign, no leading zero (but "0" itself).
  if (!all_of(text, is_digit) || (text.size() > 1 && text.front() == '0')) return std::nullopt;
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;  // beyond int64
  return id;
}

std::string glob_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (const char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace lshrs::redis
