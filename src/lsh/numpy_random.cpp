#include "lsh/numpy_random.hpp"

#include <cmath>

#include "lsh/ziggurat_tables.hpp"

namespace lshrs::detail {
namespace {

// numpy's SeedSequence constants (bit_generator.pyx).
constexpr std::uint32_t kInitA = 0x43b0d7e5;
constexpr std::uint32_t kMultA = 0x931e8875;
constexpr std::uint32_t kInitB = 0x8b51f9dd;
constexpr std::uint32_t kMultB = 0x58f38ded;
constexpr std::uint32_t kMixMultL = 0xca01f9dd;
constexpr std::uint32_t kMixMultR = 0x4973f715;
constexpr unsigned kXShift = 16;

// The multiplier evolves with every call, hence the in-out constant.
std::uint32_t hashmix(std::uint32_t value, std::uint32_t& hash_const) {
  value ^= hash_const;
  hash_const *= kMultA;
  value *= hash_const;
  return value ^ (value >> kXShift);
}

std::uint32_t mix(std::uint32_t x, std::uint32_t y) {
  const std::uint32_t result = kMixMultL * x - kMixMultR * y;
  return result ^ (result >> kXShift);
}

}  // namespace

SeedSequence::SeedSequence(std::uint64_t entropy) {
  // The integer's 32-bit words, least significant first; 0 is one word.
  std::uint32_t words[2] = {static_cast<std::uint32_t>(entropy),
                            static_cast<std::uint32_t>(entropy >> 32)};
  const std::size_t n_words = (entropy >> 32) != 0 ? 2 : 1;
  std::uint32_t hash_const = kInitA;
  for (std::size_t i = 0; i < kPoolSize; ++i) {
    pool_[i] = hashmix(i < n_words ? words[i] : 0u, hash_const);
  }
  // Every word influences every other, so late entropy reaches early words.
  // (At most two words of entropy never exceed the pool, so numpy's pass for
  // surplus entropy has nothing to do here.)
  for (std::size_t src = 0; src < kPoolSize; ++src) {
    for (std::size_t dst = 0; dst < kPoolSize; ++dst) {
      if (src != dst) pool_[dst] = mix(pool_[dst], hashmix(pool_[src], hash_const));
    }
  }
}

std::vector<std::uint32_t> SeedSequence::generate_state32(std::size_t n_words) const {
  std::vector<std::uint32_t> state(n_words);
  std::uint32_t hash_const = kInitB;
  for (std::size_t i = 0; i < n_words; ++i) {
    std::uint32_t value = pool_[i % kPoolSize] ^ hash_const;
    hash_const *= kMultB;
    value *= hash_const;
    state[i] = value ^ (value >> kXShift);
  }
  return state;
}

std::vector<std::uint64_t> SeedSequence::generate_state64(std::size_t n_words) const {
  const auto words = generate_state32(2 * n_words);
  std::vector<std::uint64_t> state(n_words);
  for (std::size_t i = 0; i < n_words; ++i) {
    state[i] = std::uint64_t{words[2 * i]} | (std::uint64_t{words[2 * i + 1]} << 32);
  }
  return state;
}

namespace {
Pcg64::uint128 join(std::uint64_t high, std::uint64_t low) {
  return (Pcg64::uint128{high} << 64) | low;
}
Pcg64 seeded(std::uint64_t seed) {
  const auto s = SeedSequence(seed).generate_state64(4);
  return Pcg64(join(s[0], s[1]), join(s[2], s[3]));
}
}  // namespace

Pcg64::Pcg64(std::uint64_t seed) : Pcg64(seeded(seed)) {}

// pcg_setseq_128_srandom_r: an odd increment from the sequence, then the
// initial state folded in between two steps.
Pcg64::Pcg64(uint128 initstate, uint128 initseq) : increment_((initseq << 1) | 1) {
  next_uint64();
  state_ += initstate;
  next_uint64();
}

double standard_normal(Pcg64& rng, ZigguratCounts* counts) {
  using namespace ziggurat;
  for (;;) {
    // One draw: 8 bits of level, 1 of sign, 52 of magnitude (3 unused).
    std::uint64_t r = rng.next_uint64();
    const auto level = static_cast<std::size_t>(r & 0xff);
    r >>= 8;
    const bool negative = (r & 1) != 0;
    const std::uint64_t magnitude = (r >> 1) & 0x000fffffffffffffULL;
    double x = static_cast<double>(magnitude) * kWi[level];
    if (negative) x = -x;
    if (magnitude < kKi[level]) {
      if (counts) ++counts->rectangle;
      return x;
    }
    if (level == 0) {
      // The tail beyond r by Marsaglia's exponential method; numpy takes
      // log1p(-u), i.e. log(1 - u), so that u = 0 cannot reach log(0). The
      // tail's sign reuses bit 8 of the magnitude, as numpy does.
      for (;;) {
        const double xx = -kInvR * std::log1p(-rng.next_double());
        const double yy = -std::log1p(-rng.next_double());
        if (yy + yy > xx * xx) {
          if (counts) ++counts->tail;
          return ((magnitude >> 8) & 1) != 0 ? -(kR + xx) : kR + xx;
        }
      }
    }
    const double under = (kFi[level - 1] - kFi[level]) * rng.next_double() + kFi[level];
    if (under < std::exp(-0.5 * x * x)) {
      if (counts) ++counts->wedge;
      return x;
    }
    if (counts) ++counts->rejected;
  }
}

}  // namespace lshrs::detail
