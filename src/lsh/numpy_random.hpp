// Internal: numpy's default random stream, reimplemented so that a seed gives
// the projections `np.random.default_rng(seed).standard_normal(shape)` gives
// (the original Python package draws its hyperplanes that way).
//
//   SeedSequence  O'Neill's seed_seq design as numpy 1.17+ implements it: the
//                 seed's 32-bit words (least significant first) hashed into a
//                 4-word pool, from which generate_state() derives words;
//   Pcg64         PCG XSL RR 128/64 (O'Neill 2014) with numpy's multiplier,
//                 seeded from generate_state(4 uint64) as numpy's PCG64 does;
//   standard_normal  numpy's 256-level float64 ziggurat (Marsaglia & Tsang
//                 2000, numpy's variant: 8 index bits, 1 sign bit, 52 value
//                 bits per draw; exponential tail beyond r via log1p).
// Written from numpy's sources (bit_generator.pyx, pcg64.h,
// distributions.c); only the ziggurat tables are numpy's data. Checked bit
// for bit against the system numpy by tests/unit/numpy_random_test.cpp.
//
// Thread safety: value types without shared state; one object per thread.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace lshrs::detail {

class SeedSequence {
 public:
  static constexpr std::size_t kPoolSize = 4;

  // numpy's SeedSequence(entropy) for a non-negative integer entropy below 2^64
  // (numpy refuses negative seeds; every uint64 is a valid one).
  explicit SeedSequence(std::uint64_t entropy);

  const std::array<std::uint32_t, kPoolSize>& pool() const noexcept { return pool_; }

  // generate_state(n_words, np.uint32).
  std::vector<std::uint32_t> generate_state32(std::size_t n_words) const;
  // generate_state(n_words, np.uint64): pairs of 32-bit words, the first of
  // each pair the low half (numpy views them as little-endian uint64).
  std::vector<std::uint64_t> generate_state64(std::size_t n_words) const;

 private:
  std::array<std::uint32_t, kPoolSize> pool_{};
};

class Pcg64 {
 public:
  // GCC and Clang's 128-bit integer (__extension__: -Wpedantic knows it is one).
  __extension__ typedef unsigned __int128 uint128;

  // np.random.PCG64(seed): state and increment from SeedSequence(seed).
  explicit Pcg64(std::uint64_t seed);
  // From a seed pair as pcg64_set_seed takes it (initstate, initseq).
  Pcg64(uint128 initstate, uint128 initseq);

  std::uint64_t next_uint64() noexcept {
    state_ = state_ * kMultiplier + increment_;
    const auto high = static_cast<std::uint64_t>(state_ >> 64);
    const auto low = static_cast<std::uint64_t>(state_);
    const auto rotation = static_cast<unsigned>(high >> 58);
    const std::uint64_t x = high ^ low;
    return (x >> rotation) | (x << ((64 - rotation) & 63));
  }
  // Uniform in [0, 1) with 53 random bits, as numpy's next_double.
  double next_double() noexcept {
    return static_cast<double>(next_uint64() >> 11) * (1.0 / 9007199254740992.0);
  }

  uint128 state() const noexcept { return state_; }
  uint128 increment() const noexcept { return increment_; }

 private:
  static constexpr uint128 kMultiplier =
      (uint128{2549297995355413924ULL} << 64) | uint128{4865540595714422341ULL};

  uint128 state_ = 0;
  uint128 increment_ = 0;
};

// Which path of the ziggurat produced a draw, for tests that must prove they
// exercised the rare ones.
struct ZigguratCounts {
  std::uint64_t rectangle = 0;  // accepted inside a rectangle (~99.3%)
  std::uint64_t wedge = 0;      // accepted under the density in a wedge
  std::uint64_t tail = 0;       // drawn from the tail beyond r
  std::uint64_t rejected = 0;   // draws that started over
};

// numpy's random_standard_normal: one float64 standard normal.
double standard_normal(Pcg64& rng, ZigguratCounts* counts = nullptr);

}  // namespace lshrs::detail
