// CRC16 and hash slots, as specified in the Redis Cluster specification.
#include <array>

#include "redis/cluster/cluster.hpp"

namespace lshrs::redis {
namespace {

// Table for CRC16-CCITT/XMODEM (polynomial 0x1021, no reflection, init 0).
constexpr std::array<std::uint16_t, 256> make_crc16_table() {
  std::array<std::uint16_t, 256> table{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t crc = byte << 8;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000u) != 0 ? (crc << 1) ^ 0x1021u : crc << 1;
    }
    table[byte] = static_cast<std::uint16_t>(crc & 0xffffu);
  }
  return table;
}

constexpr std::array<std::uint16_t, 256> kCrc16Table = make_crc16_table();

}  // namespace

std::uint16_t crc16(std::string_view data) noexcept {
  std::uint32_t crc = 0;
  for (const char c : data) {
    const auto byte = static_cast<std::uint8_t>(c);
    crc = ((crc << 8) ^ kCrc16Table[((crc >> 8) ^ byte) & 0xffu]) & 0xffffu;
  }
  return static_cast<std::uint16_t>(crc);
}

std::uint16_t key_slot(std::string_view key) noexcept {
  // Only the part between the first '{' and the first '}' after it is hashed,
  // and only if that part is non-empty; otherwise the whole key is.
  const auto open = key.find('{');
  if (open != std::string_view::npos) {
    const auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close != open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return static_cast<std::uint16_t>(crc16(key) & (kClusterSlotCount - 1));
}

}  // namespace lshrs::redis
