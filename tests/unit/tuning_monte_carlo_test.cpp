// The test that ties the S-curve formulas of lshrs/tuning.hpp to the code
// that hashes: a Monte Carlo run of the real Hasher at known cosines.
#include "lshrs/tuning.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "lshrs/error.hpp"
#include "lshrs/hasher.hpp"

namespace lshrs {
namespace {

// ---------------------------------------------------------------------------
// Monte Carlo against the real Hasher
//
// For one pair, the hyperplanes are i.i.d. Gaussian, so every bit agrees
// independently with probability p(s), every band collides independently with
// probability p^r, and disjoint groups of b bands are independent trials of
// "the pair is a candidate". Pairs are laid in mutually orthogonal planes, so
// the projections that decide different pairs are independent too (Gaussian
// projections onto orthogonal subspaces). Every count below is therefore
// binomial, and 5 sigma is a sound bound.

constexpr std::size_t kDim = 64;
constexpr std::size_t kPairs = kDim / 2;  // one pair per orthogonal plane
constexpr std::size_t kGroups = 40;       // independent b-band "indexes" per hasher
constexpr std::size_t kSeeds = 16;        // independent hashers
const std::vector<double> kCosines = {0.3, 0.6, 0.8, 0.9, 0.95};

struct Shape {
  std::size_t bands;
  std::size_t rows;
};
// r = 8 and 16 fill whole bytes; r = 5 and 12 leave unused high bits.
const std::vector<Shape> kShapes = {{16, 8}, {8, 16}, {10, 12}, {4, 5}};

struct Counts {
  std::size_t band_trials = 0;
  std::size_t band_hits = 0;
  std::size_t candidate_trials = 0;
  std::size_t candidate_hits = 0;
};

// A random orthonormal basis of R^kDim (rows), by Gram-Schmidt, twice.
std::vector<std::vector<double>> random_orthonormal_basis(std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  std::vector<std::vector<double>> basis(kDim, std::vector<double>(kDim));
  for (auto& row : basis) {
    for (double& x : row) x = normal(rng);
  }
  for (std::size_t i = 0; i < kDim; ++i) {
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t j = 0; j < i; ++j) {
        double dot = 0.0;
        for (std::size_t k = 0; k < kDim; ++k) dot += basis[i][k] * basis[j][k];
        for (std::size_t k = 0; k < kDim; ++k) basis[i][k] -= dot * basis[j][k];
      }
      double norm = 0.0;
      for (double x : basis[i]) norm += x * x;
      for (double& x : basis[i]) x /= std::sqrt(norm);
    }
  }
  return basis;
}

// Appends kPairs pairs (u, v) with cos(u, v) = s, pair i in the plane of basis
// vectors 2i and 2i+1: u = e_2i, v = s·e_2i + sqrt(1 - s²)·e_2i+1.
void append_pairs(double s, std::mt19937_64& rng, std::vector<float>& out) {
  const auto basis = random_orthonormal_basis(rng);
  const double c = std::sqrt(1.0 - s * s);
  for (std::size_t i = 0; i < kPairs; ++i) {
    const auto& u = basis[2 * i];
    const auto& w = basis[2 * i + 1];
    for (std::size_t k = 0; k < kDim; ++k) out.push_back(static_cast<float>(u[k]));
    for (std::size_t k = 0; k < kDim; ++k) out.push_back(static_cast<float>(s * u[k] + c * w[k]));
  }
}

bool same_band(const Signatures& sig, std::size_t a, std::size_t b, std::size_t band) {
  const auto x = sig.band(a, band);
  const auto y = sig.band(b, band);
  return std::equal(x.begin(), x.end(), y.begin(), y.end());
}

// counts[shape][cosine], computed once for all Monte Carlo tests.
const std::vector<std::vector<Counts>>& monte_carlo_counts() {
  static const std::vector<std::vector<Counts>> counts = [] {
    std::vector<std::vector<Counts>> result(kShapes.size(), std::vector<Counts>(kCosines.size()));
    std::mt19937_64 rng(20240611);
    for (std::size_t shape = 0; shape < kShapes.size(); ++shape) {
      const auto [b, r] = kShapes[shape];
      for (std::size_t seed = 0; seed < kSeeds; ++seed) {
        const Hasher hasher(kDim, b * kGroups, r, 1000 * (shape + 1) + seed);
        std::vector<float> vectors;
        for (double s : kCosines) append_pairs(s, rng, vectors);
        const Signatures sig = hasher.hash(vectors);
        for (std::size_t c = 0; c < kCosines.size(); ++c) {
          Counts& n = result[shape][c];
          for (std::size_t pair = 0; pair < kPairs; ++pair) {
            const std::size_t u = 2 * (c * kPairs + pair);
            for (std::size_t group = 0; group < kGroups; ++group) {
              bool candidate = false;
              for (std::size_t band = group * b; band < (group + 1) * b; ++band) {
                const bool hit = same_band(sig, u, u + 1, band);
                n.band_hits += hit ? 1 : 0;
                candidate = candidate || hit;
              }
              n.band_trials += b;
              n.candidate_hits += candidate ? 1 : 0;
              n.candidate_trials += 1;
            }
          }
        }
      }
    }
    return result;
  }();
  return counts;
}

// |observed - expected| in units of the binomial sigma under `expected`; the
// 1/N continuity term keeps tiny probabilities from turning one event into
// hundreds of sigmas.
double deviation(std::size_t hits, std::size_t trials, double expected) {
  const double n = static_cast<double>(trials);
  const double observed = static_cast<double>(hits) / n;
  const double sigma = std::sqrt(expected * (1.0 - expected) / n);
  return std::max(0.0, std::abs(observed - expected) - 1.0 / n) / sigma;
}

double band_probability(double s, std::size_t rows) {
  return std::pow(bit_agreement(s), static_cast<double>(rows));
}

TEST(TuningMonteCarlo, HasherMatchesTheSCurve) {
  const auto& counts = monte_carlo_counts();
  for (std::size_t shape = 0; shape < kShapes.size(); ++shape) {
    const auto [b, r] = kShapes[shape];
    for (std::size_t c = 0; c < kCosines.size(); ++c) {
      const double s = kCosines[c];
      const Counts& n = counts[shape][c];
      EXPECT_EQ(n.candidate_trials, kSeeds * kPairs * kGroups);
      EXPECT_LT(deviation(n.band_hits, n.band_trials, band_probability(s, r)), 5.0)
          << b << "x" << r << " s=" << s << ": band collisions " << n.band_hits << "/"
          << n.band_trials << ", expected rate " << band_probability(s, r);
      EXPECT_LT(deviation(n.candidate_hits, n.candidate_trials, candidate_probability(s, b, r)),
                5.0)
          << b << "x" << r << " s=" << s << ": candidates " << n.candidate_hits << "/"
          << n.candidate_trials << ", expected rate " << candidate_probability(s, b, r);
    }
  }
}

// The test has teeth: the Python package's form, which uses the cosine itself
// as the per-bit probability (s^r), fails the same bound at s = 0.6, as does
// an off-by-one in the rows.
TEST(TuningMonteCarlo, WrongFormulasFailTheSameBound) {
  const auto& counts = monte_carlo_counts();
  const std::size_t c =
      static_cast<std::size_t>(std::find(kCosines.begin(), kCosines.end(), 0.6) - kCosines.begin());
  ASSERT_LT(c, kCosines.size());
  for (std::size_t shape = 0; shape < kShapes.size(); ++shape) {
    const auto [b, r] = kShapes[shape];
    const Counts& n = counts[shape][c];
    const double jaccard_band = std::pow(0.6, static_cast<double>(r));
    const double jaccard_candidate = 1.0 - std::pow(1.0 - jaccard_band, static_cast<double>(b));
    EXPECT_GT(deviation(n.band_hits, n.band_trials, jaccard_band), 5.0) << b << "x" << r;
    EXPECT_GT(deviation(n.candidate_hits, n.candidate_trials, jaccard_candidate), 5.0)
        << b << "x" << r;
    EXPECT_GT(deviation(n.band_hits, n.band_trials, band_probability(0.6, r + 1)), 5.0)
        << b << "x" << r;
  }
}

}  // namespace
}  // namespace lshrs
