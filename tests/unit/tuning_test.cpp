// Tests of the S-curve math in lshrs/tuning.hpp: analytic values, quadrature
// against independent references, the band choice and bad input. The Monte
// Carlo run of the real Hasher at known cosines is in
// tuning_monte_carlo_test.cpp.

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

constexpr double kPi = std::numbers::pi;

// ---------------------------------------------------------------------------
// Analytic values

TEST(TuningMath, BitAgreementKnownValues) {
  EXPECT_DOUBLE_EQ(bit_agreement(1.0), 1.0);
  EXPECT_DOUBLE_EQ(bit_agreement(0.0), 0.5);
  EXPECT_DOUBLE_EQ(bit_agreement(-1.0), 0.0);
  EXPECT_NEAR(bit_agreement(0.5), 2.0 / 3.0, 1e-15);                    // arccos = π/3
  EXPECT_NEAR(bit_agreement(std::sqrt(0.5)), 0.75, 1e-15);              // arccos = π/4
  EXPECT_NEAR(bit_agreement(-std::sqrt(3.0) / 2.0), 1.0 / 6.0, 1e-15);  // 5π/6
  // Rounding can push a computed cosine just past ±1: clamped, not NaN.
  EXPECT_DOUBLE_EQ(bit_agreement(1.0000001), 1.0);
  EXPECT_DOUBLE_EQ(bit_agreement(-1.5), 0.0);
}

TEST(TuningMath, CandidateProbabilityEndpointsAndSmallCases) {
  EXPECT_DOUBLE_EQ(candidate_probability(1.0, 16, 8), 1.0);
  EXPECT_DOUBLE_EQ(candidate_probability(-1.0, 16, 8), 0.0);
  // One band of one bit is just p(s).
  for (double s : {-0.7, 0.0, 0.3, 0.9}) {
    EXPECT_NEAR(candidate_probability(s, 1, 1), bit_agreement(s), 1e-15) << s;
  }
  // s = 0, p = 1/2: b = 2, r = 2 gives 1 - (3/4)^2 = 7/16.
  EXPECT_NEAR(candidate_probability(0.0, 2, 2), 7.0 / 16.0, 1e-15);
  // s = 0.5, p = 2/3: b = 3, r = 2 gives 1 - (5/9)^3.
  EXPECT_NEAR(candidate_probability(0.5, 3, 2), 1.0 - 125.0 / 729.0, 1e-14);
}

TEST(TuningMath, CandidateProbabilityIsMonotoneAndBounded) {
  const std::vector<std::pair<std::size_t, std::size_t>> shapes = {
      {1, 1}, {16, 8}, {8, 16}, {32, 4}, {64, 64}, {1, 256}, {256, 1}};
  for (const auto& [b, r] : shapes) {
    double previous = -1.0;
    for (int i = 0; i <= 4000; ++i) {
      const double s = -1.0 + i / 2000.0;
      const double p = candidate_probability(s, b, r);
      ASSERT_GE(p, 0.0);
      ASSERT_LE(p, 1.0);
      ASSERT_GE(p, previous) << "b=" << b << " r=" << r << " s=" << s;
      previous = p;
    }
  }
}

TEST(TuningMath, CandidateProbabilityStableAtExtremes) {
  // p(0) = 1/2, so with r = 1000 one band collides with probability 2^-1000
  // (~9e-302); the textbook 1 - (1 - q)^b rounds that to exactly 0.
  const double q = std::ldexp(1.0, -1000);
  EXPECT_NEAR(candidate_probability(0.0, 1, 1000) / q, 1.0, 1e-12);
  EXPECT_NEAR(candidate_probability(0.0, 3, 1000) / (3.0 * q), 1.0, 1e-12);
  // Millions of bands: compare with long double arithmetic.
  const double s = 0.8;
  const long double p =
      1.0L - std::acos(static_cast<long double>(s)) / std::numbers::pi_v<long double>;
  const std::size_t bands = std::size_t{1} << 22;
  const std::size_t rows = 60;
  const long double hit = std::pow(p, static_cast<long double>(rows));
  const long double expected = -std::expm1(static_cast<long double>(bands) * std::log1p(-hit));
  EXPECT_GT(expected, 0.01L);
  EXPECT_LT(expected, 0.99L);
  EXPECT_NEAR(candidate_probability(s, bands, rows), static_cast<double>(expected), 1e-10);
}

TEST(TuningMath, ThresholdCosineSitsOnTheSteepPart) {
  const std::vector<std::pair<std::size_t, std::size_t>> shapes = {{16, 8},  {8, 16},  {32, 8},
                                                                   {16, 16}, {20, 12}, {50, 20}};
  for (const auto& shape : shapes) {
    // Named copies, not a structured binding: clang 14 cannot capture those in
    // the lambda below.
    const std::size_t b = shape.first, r = shape.second;
    const double s_star = threshold_cosine(b, r);
    const double bd = static_cast<double>(b);
    // Exactly: p(s*)^r = 1/b.
    EXPECT_NEAR(std::pow(bit_agreement(s_star), static_cast<double>(r)), 1.0 / bd, 1e-12);
    // Hence P(s*) = 1 - (1 - 1/b)^b, which falls from 3/4 (b = 2) to 1 - 1/e.
    const double p_star = candidate_probability(s_star, b, r);
    EXPECT_NEAR(p_star, 1.0 - std::pow(1.0 - 1.0 / bd, bd), 1e-12);
    EXPECT_GT(p_star, 1.0 - std::exp(-1.0));
    EXPECT_LE(p_star, 0.75);
    // The slope there is at least half the steepest slope of the curve.
    const auto slope = [&](double s) {
      const double h = 1e-6;
      return (candidate_probability(s + h, b, r) - candidate_probability(s - h, b, r)) / (2 * h);
    };
    double steepest = 0.0;
    for (int i = 1; i < 1000; ++i) steepest = std::max(steepest, slope(-1.0 + i / 500.0));
    EXPECT_GT(slope(s_star), 0.5 * steepest) << "b=" << b << " r=" << r;
  }
  EXPECT_NEAR(threshold_cosine(1, 1), 1.0, 1e-15);  // p = 1: only identical directions
  EXPECT_NEAR(threshold_cosine(2, 1), 0.0, 1e-15);  // p = 1/2
}

// ---------------------------------------------------------------------------
// Quadrature against independent references

// ∫ θ^k sin θ dθ and ∫ θ^k cos θ dθ, by the integration-by-parts recursion.
double antiderivative_theta_sin(int k, double theta) {
  double s = -std::cos(theta);  // S_0
  double c = std::sin(theta);   // C_0
  for (int j = 1; j <= k; ++j) {
    const double next_s = -std::pow(theta, j) * std::cos(theta) + j * c;
    const double next_c = std::pow(theta, j) * std::sin(theta) - j * s;
    s = next_s;
    c = next_c;
  }
  return s;
}

// ∫ p(cos θ)^r sin θ dθ over [lo, hi], exactly, with p = 1 - θ/π expanded by
// the binomial theorem.
double band_hit_integral_closed_form(int r, double lo, double hi) {
  double total = 0.0;
  double binomial = 1.0;
  for (int k = 0; k <= r; ++k) {
    const double term = binomial * std::pow(-1.0 / kPi, k);
    total += term * (antiderivative_theta_sin(k, hi) - antiderivative_theta_sin(k, lo));
    binomial = binomial * (r - k) / (k + 1);
  }
  return total;
}

TEST(TuningQuadrature, OneBandMatchesClosedForm) {
  for (int r = 1; r <= 6; ++r) {
    for (double t : {0.1, 0.5, 0.7, 0.93}) {
      const double theta_t = std::acos(t);
      const double fp = band_hit_integral_closed_form(r, theta_t, kPi / 2) / t;
      // ∫_t^1 (1 - p^r) ds = (1 - t) - ∫_t^1 p^r ds.
      const double fn = 1.0 - band_hit_integral_closed_form(r, 0.0, theta_t) / (1.0 - t);
      const FalseRates rates = false_rates(1, static_cast<std::size_t>(r), t);
      EXPECT_NEAR(rates.false_positive, fp, 1e-12) << "r=" << r << " t=" << t;
      EXPECT_NEAR(rates.false_negative, fn, 1e-12) << "r=" << r << " t=" << t;
    }
  }
  // b = r = 1 in the cosine variable: ∫ arccos s ds = s·arccos s - sqrt(1 - s²).
  const double t = 0.6;
  const double fn = (std::sqrt(1 - t * t) - t * std::acos(t)) / (kPi * (1 - t));
  EXPECT_NEAR(false_rates(1, 1, t).false_negative, fn, 1e-13);
}

// A reference computed a different way: composite Simpson in u with
// s = 1 - u², which straightens arccos's infinite slope at s = 1, over the
// public candidate_probability().
double simpson_in_u(const std::function<double(double)>& f, double u0, double u1, int panels) {
  const double h = (u1 - u0) / panels;
  const auto g = [&](double u) { return f(1.0 - u * u) * 2.0 * u; };
  double sum = g(u0) + g(u1);
  for (int i = 1; i < panels; ++i) sum += (i % 2 == 1 ? 4.0 : 2.0) * g(u0 + i * h);
  return sum * h / 3.0;
}

TEST(TuningQuadrature, ManyBandsMatchSimpsonReference) {
  const std::vector<std::pair<std::size_t, std::size_t>> shapes = {
      {16, 8}, {8, 16}, {32, 8}, {16, 16}, {128, 2}, {64, 64}, {3, 5}};
  constexpr int kPanels = 40000;
  for (const auto& shape : shapes) {
    const std::size_t b = shape.first, r = shape.second;  // lambdas below: see above
    const auto hit = [&](double s) { return candidate_probability(s, b, r); };
    const auto miss = [&](double s) { return 1.0 - candidate_probability(s, b, r); };
    for (double t : {0.2, 0.5, 0.8, 0.9}) {
      const double root = std::sqrt(1.0 - t);
      const double fp = simpson_in_u(hit, root, 1.0, kPanels) / t;
      const double fn = simpson_in_u(miss, 0.0, root, kPanels) / (1.0 - t);
      const FalseRates rates = false_rates(b, r, t);
      EXPECT_NEAR(rates.false_positive, fp, 1e-9) << "b=" << b << " r=" << r << " t=" << t;
      EXPECT_NEAR(rates.false_negative, fn, 1e-9) << "b=" << b << " r=" << r << " t=" << t;
    }
  }
}

TEST(TuningQuadrature, RatesAreProbabilitiesAndMoveWithTheThreshold) {
  double previous_fp = 0.0;
  double previous_fn = 1.0;
  for (double t = 0.05; t < 0.99; t += 0.05) {
    const FalseRates rates = false_rates(16, 8, t);
    EXPECT_GE(rates.false_positive, previous_fp);  // more of the curve's top inside [0, t)
    EXPECT_LE(rates.false_negative, previous_fn);
    EXPECT_GE(rates.false_positive, 0.0);
    EXPECT_LE(rates.false_negative, 1.0);
    previous_fp = rates.false_positive;
    previous_fn = rates.false_negative;
  }
}

// ---------------------------------------------------------------------------
// Band configurations and the choice among them

TEST(TuningChoice, BandConfigsListsEveryDivisorPair) {
  const std::vector<BandConfig> configs = band_configs(12, 0.7);
  const std::vector<std::size_t> bands = {1, 2, 3, 4, 6, 12};
  ASSERT_EQ(configs.size(), bands.size());
  for (std::size_t i = 0; i < configs.size(); ++i) {
    EXPECT_EQ(configs[i].bands, bands[i]);
    EXPECT_EQ(configs[i].bands * configs[i].rows, 12u);
    EXPECT_DOUBLE_EQ(configs[i].threshold, threshold_cosine(configs[i].bands, configs[i].rows));
    const FalseRates rates = false_rates(configs[i].bands, configs[i].rows, 0.7);
    EXPECT_DOUBLE_EQ(configs[i].rates.false_positive, rates.false_positive);
    EXPECT_DOUBLE_EQ(configs[i].rates.false_negative, rates.false_negative);
  }
  EXPECT_EQ(band_configs(1, 0.5).size(), 1u);
  EXPECT_EQ(band_configs(7, 0.5).size(), 2u);
  EXPECT_EQ(band_configs(128, 0.5).size(), 8u);
  EXPECT_EQ(band_configs(720, 0.5).size(), 30u);
  EXPECT_EQ(band_configs(49, 0.5).size(), 3u);  // 7·7 listed once
}

// The chosen threshold cosine must be one of the two available ones that
// bracket the target: no other configuration lies between it and the target.
void expect_brackets_target(std::size_t num_perm, double target) {
  const BandConfig chosen = choose_bands(num_perm, target);
  EXPECT_EQ(chosen.bands * chosen.rows, num_perm);
  const double lo = std::min(chosen.threshold, target);
  const double hi = std::max(chosen.threshold, target);
  for (const BandConfig& other : band_configs(num_perm, target)) {
    EXPECT_FALSE(other.threshold > lo && other.threshold < hi)
        << "num_perm=" << num_perm << " target=" << target << ": chose " << chosen.bands << "x"
        << chosen.rows << " (s*=" << chosen.threshold << ") over " << other.bands << "x"
        << other.rows << " (s*=" << other.threshold << ")";
  }
  EXPECT_LT(std::abs(chosen.threshold - target), 0.3) << num_perm << " " << target;
}

TEST(TuningChoice, ChosenThresholdIsNearTheTarget) {
  for (std::size_t num_perm : {128, 256}) {
    for (double target : {0.5, 0.6, 0.7, 0.8, 0.9}) expect_brackets_target(num_perm, target);
  }
  // With many divisors the choice can land close.
  for (double target : {0.5, 0.6, 0.7, 0.8, 0.9}) {
    const BandConfig chosen = choose_bands(720, target);
    EXPECT_NEAR(chosen.threshold, target, 0.15) << target;
  }
}

TEST(TuningChoice, ChoiceMinimisesTheWeightedScore) {
  for (double fp_weight : {0.1, 0.5, 0.9}) {
    const double fn_weight = 1.0 - fp_weight;
    const BandConfig chosen = choose_bands(240, 0.75, fp_weight, fn_weight);
    const double score =
        fp_weight * chosen.rates.false_positive + fn_weight * chosen.rates.false_negative;
    for (const BandConfig& other : band_configs(240, 0.75)) {
      EXPECT_LE(score, fp_weight * other.rates.false_positive +
                           fn_weight * other.rates.false_negative + 1e-12);
    }
  }
  // Fearing misses more buys more bands (a lower threshold), never fewer.
  EXPECT_LE(choose_bands(240, 0.75, 0.9, 0.1).bands, choose_bands(240, 0.75, 0.5, 0.5).bands);
  EXPECT_LE(choose_bands(240, 0.75, 0.5, 0.5).bands, choose_bands(240, 0.75, 0.1, 0.9).bands);
}

TEST(TuningChoice, TiesGoToFewerBands) {
  // Counting misses only, 128x2 and 256x1 both miss with probability < 1e-30:
  // a tie. The strict minimum would be 256x1.
  const std::vector<BandConfig> configs = band_configs(256, 0.5);
  ASSERT_LT(configs[7].rates.false_negative, 1e-30);
  ASSERT_LT(configs[8].rates.false_negative, configs[7].rates.false_negative);
  ASSERT_GT(configs[6].rates.false_negative, 1e-9);
  EXPECT_EQ(choose_bands(256, 0.5, 0.0, 1.0).bands, 128u);
  // Counting false positives only, one band of 256 rows (fp ~ 0) wins.
  EXPECT_EQ(choose_bands(256, 0.5, 1.0, 0.0).bands, 1u);
}

// ---------------------------------------------------------------------------
// Bad input

template <typename F>
std::string invalid_argument_message(F&& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  } catch (...) {
    return "<other exception>";
  }
  return "<no exception>";
}

TEST(TuningErrors, RejectsBadArguments) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THROW(bit_agreement(nan), InvalidArgument);
  EXPECT_THROW(candidate_probability(nan, 4, 4), InvalidArgument);
  EXPECT_THROW(candidate_probability(0.5, 0, 4), InvalidArgument);
  EXPECT_THROW(candidate_probability(0.5, 4, 0), InvalidArgument);
  EXPECT_THROW(threshold_cosine(0, 4), InvalidArgument);
  EXPECT_THROW(threshold_cosine(4, 0), InvalidArgument);
  EXPECT_THROW(false_rates(0, 4, 0.5), InvalidArgument);
  EXPECT_THROW(false_rates(4, 0, 0.5), InvalidArgument);
  for (double t : {0.0, 1.0, -0.2, 1.5, nan, inf}) {
    EXPECT_THROW(false_rates(4, 4, t), InvalidArgument) << t;
    EXPECT_THROW(band_configs(16, t), InvalidArgument) << t;
    EXPECT_THROW(choose_bands(16, t), InvalidArgument) << t;
  }
  EXPECT_THROW(band_configs(0, 0.5), InvalidArgument);
  EXPECT_THROW(choose_bands(0, 0.5), InvalidArgument);
  EXPECT_THROW(choose_bands(16, 0.5, -0.1, 0.5), InvalidArgument);
  EXPECT_THROW(choose_bands(16, 0.5, 0.5, -1.0), InvalidArgument);
  EXPECT_THROW(choose_bands(16, 0.5, nan, 0.5), InvalidArgument);
  EXPECT_THROW(choose_bands(16, 0.5, inf, 0.5), InvalidArgument);
  EXPECT_THROW(choose_bands(16, 0.5, 0.0, 0.0), InvalidArgument);
}

TEST(TuningErrors, MessagesNameTheOffendingValue) {
  EXPECT_NE(invalid_argument_message([] { false_rates(4, 4, 1.5); }).find("1.5"),
            std::string::npos);
  EXPECT_NE(invalid_argument_message([] { choose_bands(16, 0.5, -0.25, 0.5); }).find("-0.25"),
            std::string::npos);
  EXPECT_NE(invalid_argument_message([] { band_configs(0, 0.5); }).find("num_perm"),
            std::string::npos);
  const std::string shape = invalid_argument_message([] { threshold_cosine(0, 7); });
  EXPECT_NE(shape.find("bands=0"), std::string::npos) << shape;
  EXPECT_NE(shape.find("rows=7"), std::string::npos) << shape;
}

}  // namespace
}  // namespace lshrs
