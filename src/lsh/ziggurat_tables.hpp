// Internal: numpy's float64 ziggurat tables for the standard normal (see
// ziggurat_tables.cpp for where they come from and why they are data).
// Level i covers the strip whose right edge is x_i = kWi[i] · 2^52; level 0 is
// the base strip plus the tail beyond kR.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lshrs::detail::ziggurat {

inline constexpr std::size_t kLevels = 256;
// Right edge of the last rectangle, where the tail starts, and its inverse,
// both exactly as numpy spells them (ziggurat_nor_r, ziggurat_nor_inv_r).
inline constexpr double kR = 3.6541528853610087963519472518;
inline constexpr double kInvR = 0.27366123732975827203338247596;

// A 52-bit draw below kKi[i] lies inside level i's rectangle: accept at once.
extern const std::uint64_t kKi[kLevels];
// Scales a 52-bit draw to x in level i: x = draw · kWi[i].
extern const double kWi[kLevels];
// The density exp(-x_i²/2) at each level's edge; kFi[0] = 1.
extern const double kFi[kLevels];

}  // namespace lshrs::detail::ziggurat
