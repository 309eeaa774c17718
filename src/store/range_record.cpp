#include "store/range_record.hpp"

#include <cstdint>

namespace lshrs {

std::string encode_record(std::string_view signature, const RecordExtras& extras) {
  std::string out(signature);
  out.reserve(signature.size() + 9 + (extras.attributes ? 5 + extras.attributes->size() : 0));
  if (extras.expires_at_ms) {
    out.push_back(kRecordExpiryTag);
    const auto v = static_cast<std::uint64_t>(*extras.expires_at_ms);
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
  if (extras.attributes) {
    out.push_back(kRecordAttributesTag);
    const auto n = static_cast<std::uint32_t>(extras.attributes->size());  // <= kMaxAttributeBytes
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
    out.append(*extras.attributes);
  }
  return out;
}

std::optional<RecordView> decode_record(std::string_view value, std::size_t signature_bytes) {
  if (value.size() < signature_bytes) return std::nullopt;
  RecordView r;
  r.signature = value.substr(0, signature_bytes);
  std::string_view tail = value.substr(signature_bytes);
  if (!tail.empty() && tail.front() == kRecordExpiryTag) {
    if (tail.size() < 9) return std::nullopt;
    std::uint64_t v = 0;
    for (std::size_t i = 1; i <= 8; ++i) v = (v << 8) | static_cast<unsigned char>(tail[i]);
    if (v == 0 || v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    r.extras.expires_at_ms = static_cast<std::int64_t>(v);
    tail.remove_prefix(9);
  }
  if (!tail.empty()) {
    if (tail.front() != kRecordAttributesTag || tail.size() < 5) return std::nullopt;
    std::uint32_t n = 0;
    for (std::size_t i = 1; i <= 4; ++i) n = (n << 8) | static_cast<unsigned char>(tail[i]);
    if (n != tail.size() - 5) return std::nullopt;
    r.extras.attributes = std::string(tail.substr(5));
  }
  return r;
}

}  // namespace lshrs
