// The S-curve of random-hyperplane LSH and the choice of (bands, rows).
//
// Every curve here is evaluated in the angle θ = arccos(s) rather than in the
// cosine s. In θ the per-bit agreement is the straight line 1 - θ/π, so the
// candidate probability is a polynomial in θ, and the integrals over s become
// ∫ f(cos θ)·sin θ dθ with a smooth integrand. In s the same integrands have an
// infinite slope at s = 1 (arccos does), which quadrature handles badly.

#include "lshrs/tuning.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <numbers>
#include <sstream>
#include <string>

#include "lshrs/error.hpp"
#include "lshrs/option_rules.hpp"

namespace lshrs {
namespace {

constexpr double kPi = std::numbers::pi;

std::string format_double(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

void check_shape(std::size_t bands, std::size_t rows) {
  if (bands == 0 || rows == 0) {
    throw InvalidArgument("bands and rows must both be positive (got bands=" +
                          std::to_string(bands) + ", rows=" + std::to_string(rows) + ")");
  }
}

void check_threshold(double threshold) {
  if (const auto problem = similarity_threshold_problem(threshold)) {
    throw InvalidArgument("similarity threshold (a cosine) " + *problem);
  }
}

void check_num_perm(std::size_t num_perm) {
  if (num_perm == 0) {
    throw InvalidArgument(
        "num_perm must be positive (got 0): it is the total number of bits, "
        "bands * rows");
  }
}

// log(1 - (1-d)^rows) for per-bit disagreement d = θ/π in [0, 1]: the log of
// the probability that one band does NOT collide. log(1 - e^x) is evaluated
// the way that keeps its precision on each side of x = -ln 2 (Mächler 2012,
// "Accurately computing log(1 - exp(-|a|))"): log1p when the band hit
// probability is small (down to 1e-300), expm1 when it is close to 1.
double log_band_miss(double disagreement, std::size_t rows) {
  const double log_band_hit = static_cast<double>(rows) * std::log1p(-disagreement);
  if (log_band_hit < -std::numbers::ln2) return std::log1p(-std::exp(log_band_hit));
  return std::log(-std::expm1(log_band_hit));
}

// 1 - (1 - (1-d)^rows)^bands.
double candidate_from_disagreement(double disagreement, std::size_t bands, std::size_t rows) {
  if (disagreement <= 0.0) return 1.0;
  if (disagreement >= 1.0) return 0.0;
  return -std::expm1(static_cast<double>(bands) * log_band_miss(disagreement, rows));
}

// (1 - (1-d)^rows)^bands, computed directly rather than as 1 - P so that small
// miss probabilities keep their relative precision.
double miss_from_disagreement(double disagreement, std::size_t bands, std::size_t rows) {
  if (disagreement <= 0.0) return 0.0;
  if (disagreement >= 1.0) return 1.0;
  return std::exp(static_cast<double>(bands) * log_band_miss(disagreement, rows));
}

// Nodes and weights of n-point Gauss-Legendre quadrature on [-1, 1], found by
// Newton's method on the Legendre recurrence (Golub-Welsch is overkill here).
template <std::size_t N>
struct GaussLegendre {
  std::array<double, N> nodes{};
  std::array<double, N> weights{};

  GaussLegendre() {
    const double n = static_cast<double>(N);
    for (std::size_t i = 0; i < N; ++i) {
      double x = std::cos(kPi * (static_cast<double>(i) + 0.75) / (n + 0.5));
      double derivative = 0.0;
      for (int iteration = 0; iteration < 100; ++iteration) {
        double p0 = 1.0;
        double p1 = x;
        for (std::size_t k = 2; k <= N; ++k) {
          const double kd = static_cast<double>(k);
          const double p2 = ((2.0 * kd - 1.0) * x * p1 - (kd - 1.0) * p0) / kd;
          p0 = p1;
          p1 = p2;
        }
        derivative = n * (x * p1 - p0) / (x * x - 1.0);
        const double step = p1 / derivative;
        x -= step;
        if (std::abs(step) < 1e-16) break;
      }
      nodes[i] = x;
      weights[i] = 2.0 / ((1.0 - x * x) * derivative * derivative);
    }
  }

  double integrate(const std::function<double(double)>& f, double lo, double hi) const {
    const double half = 0.5 * (hi - lo);
    const double mid = 0.5 * (hi + lo);
    double sum = 0.0;
    for (std::size_t i = 0; i < N; ++i) sum += weights[i] * f(mid + half * nodes[i]);
    return half * sum;
  }
};

const GaussLegendre<16>& rule() {
  static const GaussLegendre<16> instance;
  return instance;
}

// Adaptive bisection with a 16-point Gauss-Legendre rule on each piece: a piece
// is accepted once splitting it changes its integral by less than its share of
// the tolerance. Local refinement finds the steep part of the S-curve wherever
// it sits, however large bands·rows makes it.
double adaptive(const std::function<double(double)>& f, double lo, double hi, double whole,
                double tolerance, double estimate, int depth) {
  const double mid = 0.5 * (lo + hi);
  const double left = rule().integrate(f, lo, mid);
  const double right = rule().integrate(f, mid, hi);
  const double share = tolerance * (hi - lo) / whole;
  if (depth >= 40 || std::abs(left + right - estimate) <= share) return left + right;
  return adaptive(f, lo, mid, whole, tolerance, left, depth + 1) +
         adaptive(f, mid, hi, whole, tolerance, right, depth + 1);
}

// ∫ f over [lo, hi], started on 16 pieces so that no feature hides between the
// nodes of the first estimate. Absolute error target ~1e-14 for |f| <= 1
// (the tests check 1e-9 against independent references).
double integrate(const std::function<double(double)>& f, double lo, double hi) {
  constexpr int kPieces = 16;
  constexpr double kTolerance = 1e-14;
  if (hi <= lo) return 0.0;
  const double width = hi - lo;
  double total = 0.0;
  for (int i = 0; i < kPieces; ++i) {
    const double a = lo + width * i / kPieces;
    const double b = i + 1 == kPieces ? hi : lo + width * (i + 1) / kPieces;
    total += adaptive(f, a, b, width, kTolerance, rule().integrate(f, a, b), 0);
  }
  return total;
}

}  // namespace

double bit_agreement(double cosine) {
  if (std::isnan(cosine))
    throw InvalidArgument("cosine similarity is NaN; pass a cosine in [-1, 1]");
  return 1.0 - std::acos(std::clamp(cosine, -1.0, 1.0)) / kPi;
}

double candidate_probability(double cosine, std::size_t bands, std::size_t rows) {
  check_shape(bands, rows);
  return candidate_from_disagreement(1.0 - bit_agreement(cosine), bands, rows);
}

double threshold_cosine(std::size_t bands, std::size_t rows) {
  check_shape(bands, rows);
  // (1/bands)^(1/rows) is the per-bit agreement at which one band collides
  // with probability 1/bands; back through p(s) = 1 - θ/π to a cosine.
  const double agreement =
      std::exp(-std::log(static_cast<double>(bands)) / static_cast<double>(rows));
  return std::cos(kPi * (1.0 - agreement));
}

FalseRates false_rates(std::size_t bands, std::size_t rows, double threshold) {
  check_shape(bands, rows);
  check_threshold(threshold);
  // s = cos θ, ds = -sin θ dθ: s in [0, t) is θ in (θ_t, π/2], s in [t, 1] is θ in [0, θ_t].
  const double theta_t = std::acos(threshold);
  const auto hit = [&](double theta) {
    return candidate_from_disagreement(theta / kPi, bands, rows) * std::sin(theta);
  };
  const auto miss = [&](double theta) {
    return miss_from_disagreement(theta / kPi, bands, rows) * std::sin(theta);
  };
  FalseRates rates;
  rates.false_positive = integrate(hit, theta_t, kPi / 2) / threshold;
  rates.false_negative = integrate(miss, 0.0, theta_t) / (1.0 - threshold);
  return rates;
}

std::vector<BandConfig> band_configs(std::size_t num_perm, double threshold) {
  check_num_perm(num_perm);
  check_threshold(threshold);
  // Divisors come in pairs (d, num_perm/d) with d <= sqrt(num_perm).
  std::vector<std::size_t> divisors;
  std::vector<std::size_t> cofactors;
  for (std::size_t d = 1; d <= num_perm / d; ++d) {
    if (num_perm % d != 0) continue;
    divisors.push_back(d);
    if (d != num_perm / d) cofactors.push_back(num_perm / d);
  }
  divisors.insert(divisors.end(), cofactors.rbegin(), cofactors.rend());
  std::vector<BandConfig> configs;
  for (const std::size_t bands : divisors) {
    const std::size_t rows = num_perm / bands;
    configs.push_back(
        {bands, rows, threshold_cosine(bands, rows), false_rates(bands, rows, threshold)});
  }
  return configs;
}

BandConfig choose_bands(std::size_t num_perm, double threshold, double fp_weight,
                        double fn_weight) {
  if (!(fp_weight >= 0.0) || !(fn_weight >= 0.0) || std::isinf(fp_weight) ||
      std::isinf(fn_weight) || fp_weight + fn_weight == 0.0) {
    throw InvalidArgument(
        "false-positive and false-negative weights must be finite, non-negative "
        "and not both zero (got fp_weight=" +
        format_double(fp_weight) + ", fn_weight=" + format_double(fn_weight) + ")");
  }
  const std::vector<BandConfig> configs = band_configs(num_perm, threshold);
  const auto score = [&](const BandConfig& config) {
    return fp_weight * config.rates.false_positive + fn_weight * config.rates.false_negative;
  };
  double best_score = score(configs.front());
  for (const BandConfig& config : configs) best_score = std::min(best_score, score(config));
  // Scores this close to the best are quadrature noise, not a preference: the
  // first of them has the fewest bands, hence the fewest Redis keys per vector.
  constexpr double kTie = 1e-12;
  for (const BandConfig& config : configs) {
    if (score(config) <= best_score + kTie) return config;
  }
  return configs.front();  // unreachable: the minimum itself passes the test
}

}  // namespace lshrs
