#include <string>

#include "lshrs/error.hpp"
#include "lshrs/store.hpp"

namespace lshrs {

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

std::string bucket_key(std::string_view prefix, std::size_t band,
                       std::span<const std::uint8_t> signature) {
  std::string key;
  key.reserve(prefix.size() + 32 + signature.size() * 2);
  key.append(prefix).append(":").append(std::to_string(band)).append(":bucket:");
  key.append(to_hex(signature));
  return key;
}

std::string signature_key(std::string_view prefix, std::int64_t id) {
  return std::string(prefix) + ":sig:" + std::to_string(id);
}

std::string signature_range_key(std::string_view prefix, std::int64_t range) {
  return std::string(prefix) + ":sigs:" + std::to_string(range);
}

std::string meta_key(std::string_view prefix) { return std::string(prefix) + ":meta"; }

void validate_prefix(std::string_view prefix) {
  if (prefix.empty()) {
    throw InvalidArgument("prefix must not be empty: it namespaces every key of the index");
  }
  for (const char c : prefix) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      throw InvalidArgument("prefix \"" + std::string(prefix) +
                            "\" contains whitespace or a control character; use a plain name "
                            "such as \"lsh\" or \"catalog:v2\"");
    }
  }
}

}  // namespace lshrs
