// Untrusted text made safe to quote in a one-line message (see printable.hpp).
#include "io/printable.hpp"

namespace lshrs::io {

std::string printable(std::string_view text, std::size_t max) {
  static constexpr char kHex[] = "0123456789abcdef";
  text = text.substr(0, text.find_last_not_of(" \n") + 1);  // .npy headers end in padding
  std::string out;
  for (const char c : text.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      out += {'\\', 'x', kHex[u >> 4], kHex[u & 0xf]};
    }
  }
  if (text.size() > max) out += "...";
  return out;
}

}  // namespace lshrs::io
