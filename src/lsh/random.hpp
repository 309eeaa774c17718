// Internal: the lshrs-v0 projection generator (see ProjectionGenerator in
// include/lshrs/hasher.hpp). Every operation is a basic IEEE-754 double
// operation, compiled without FMA contraction, so results are bit-identical on
// every conforming platform; tests/oracle/projections.py mirrors it.
#pragma once

#include <array>
#include <cstdint>

namespace lshrs::detail {

// SplitMix64 (Steele, Lea and Flood 2014): expands the user's seed.
std::uint64_t splitmix64(std::uint64_t& state);

// xoshiro256** 1.0 (Blackman and Vigna 2018).
class Xoshiro256 {
 public:
  explicit Xoshiro256(std::uint64_t seed);
  std::uint64_t next();
  // Uniform in [-1, 1) with 53 random bits.
  double symmetric_uniform();

 private:
  std::array<std::uint64_t, 4> s_{};
};

// Natural logarithm of x > 0 (finite, normal) from frexp and an atanh series.
double portable_log(double x);

// Standard normals by Marsaglia's polar method, two per accepted draw.
class NormalGenerator {
 public:
  explicit NormalGenerator(std::uint64_t seed) : rng_(seed) {}
  double next();

 private:
  Xoshiro256 rng_;
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace lshrs::detail
