#include "lsh/random.hpp"

#include <cmath>

namespace lshrs::detail {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

namespace {
constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

Xoshiro256::Xoshiro256(std::uint64_t seed) {
  std::uint64_t state = seed;
  for (auto& word : s_) word = splitmix64(state);
}

std::uint64_t Xoshiro256::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Xoshiro256::symmetric_uniform() {
  const double u = static_cast<double>(next() >> 11) * 0x1.0p-53;  // exact
  return 2.0 * u - 1.0;                                             // exact
}

double portable_log(double x) {
  // x = m · 2^e with m in [1/√2, √2), then ln m = 2·atanh(z), z = (m-1)/(m+1),
  // |z| < 0.172: 2·Σ z^(2k+1)/(2k+1) converges below 1 ulp within 22 terms.
  int e = 0;
  double m = std::frexp(x, &e);  // exact; m in [0.5, 1)
  if (m < 0.70710678118654752440) {
    m *= 2.0;  // exact
    e -= 1;
  }
  const double z = (m - 1.0) / (m + 1.0);
  const double z2 = z * z;
  double term = z;
  double sum = 0.0;
  for (int k = 0; k < 22; ++k) {
    sum += term / static_cast<double>(2 * k + 1);
    term *= z2;
  }
  constexpr double kLn2 = 0.693147180559945309417232121458176568;
  return 2.0 * sum + static_cast<double>(e) * kLn2;
}

double NormalGenerator::next() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  for (;;) {
    const double x = rng_.symmetric_uniform();
    const double y = rng_.symmetric_uniform();
    const double s = x * x + y * y;
    if (s >= 1.0 || s == 0.0) continue;
    const double f = std::sqrt(-2.0 * portable_log(s) / s);  // sqrt is correctly rounded
    spare_ = y * f;
    has_spare_ = true;
    return x * f;
  }
}

}  // namespace lshrs::detail
