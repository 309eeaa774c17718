// lshrs — choosing bands and rows: the S-curve of random-hyperplane LSH.
//
// For random hyperplanes two vectors at cosine similarity s agree on one bit
// with probability p(s) = 1 - arccos(s)/π (Charikar 2002). A band of r bits
// collides with probability p^r, and with b bands a pair becomes a candidate
// with probability 1 - (1 - p^r)^b: an S-curve in s whose steep part sits near
// the threshold cosine s* with p(s*) = (1/b)^(1/r) (Leskovec, Rajaraman and
// Ullman, "Mining of Massive Datasets", ch. 3.4).
//
// Unlike the Python package, whose table and formulas treat the threshold as
// a per-bit agreement probability (the Jaccard form s^r), every similarity
// here is a cosine, converted through p(s) above.
//
// These are the models; the tuner, which measures configurations on the
// data, is tuner.hpp (above the Index it drives: include it yourself, or
// lshrs/lshrs.hpp; this header no longer pulls it in).
//
// Thread safety: pure functions.
#pragma once

#include "lshrs/export.hpp"
#include <cstddef>
#include <optional>
#include <vector>

#include "lshrs/hash_family.hpp"

namespace lshrs {

// p(s): probability that one random hyperplane puts both vectors on one side.
// Cosines outside [-1, 1] (rounding) are clamped; NaN throws InvalidArgument.
LSHRS_API double bit_agreement(double cosine);

// Probability that a pair at `cosine` shares at least one of `bands` buckets
// of `rows` bits each. Computed through log1p/expm1, so it keeps its relative
// precision when tiny (p^r near 1e-300) and stays accurate for millions of
// bands, where the textbook 1 - (1 - p^r)^b cancels to 0 or 1. Throws
// InvalidArgument when bands or rows is 0.
LSHRS_API double candidate_probability(double cosine, std::size_t bands, std::size_t rows);

// The cosine s* at which p(s*) = (1/bands)^(1/rows): one band collides with
// probability 1/bands there, so the pair is a candidate with probability
// 1 - (1 - 1/bands)^bands (3/4 for 2 bands, falling to 1 - 1/e ≈ 0.63), on the steep part
// of the S-curve, a little above its midpoint. Throws InvalidArgument for 0.
LSHRS_API double threshold_cosine(std::size_t bands, std::size_t rows);

// Error rates around a target cosine threshold t, for pairs whose cosine is
// uniform on [0, 1]: false_positive is the mean candidate probability over
// [0, t), false_negative the mean miss probability over [t, 1]. Computed by
// adaptive Gauss-Legendre quadrature in the angle arccos(s), where the
// integrand is smooth; accurate to about 1e-12. Throws InvalidArgument for
// bands or rows 0 and threshold outside (0, 1).
struct FalseRates {
  double false_positive = 0;
  double false_negative = 0;
};
LSHRS_API FalseRates false_rates(std::size_t bands, std::size_t rows, double threshold);

struct BandConfig {
  std::size_t bands = 0;
  std::size_t rows = 0;
  double threshold = 0;  // threshold_cosine(bands, rows)
  FalseRates rates;      // at the target threshold asked for
};

// Every (bands, rows) with bands·rows = num_perm, in increasing bands.
// Throws InvalidArgument for num_perm == 0 or threshold outside (0, 1).
LSHRS_API std::vector<BandConfig> band_configs(std::size_t num_perm, double threshold);

// The (bands, rows) minimising fp_weight·false_positive + fn_weight·false_negative
// at `threshold`; ties (scores within 1e-12 of the best) go to fewer bands
// (fewer Redis keys per vector). With divisor-poor num_perm (powers of two) the
// chosen threshold_cosine can sit 0.1–0.2 from `threshold`: it is the best of
// few choices. Throws InvalidArgument as band_configs() does, and for weights
// that are negative, NaN, infinite or both zero.
LSHRS_API BandConfig choose_bands(std::size_t num_perm, double threshold, double fp_weight = 0.5,
                        double fn_weight = 0.5);

// Data-driven bands for an index of about `expected_size` vectors (derivation
// in docs/tuning.md). A band of B bits splits n vectors into ~2^B buckets, so
// the expected bucket size stays near `target_bucket_size` when
//   B = ceil(log2(expected_size / target_bucket_size)), at least 1 bit;
// rows = B for hyperplanes, and ceil(B / (log2(d')+1)) cross-polytope hashes of log2(d')+1 bits each (d' = padded dim). Bands take
// the rest of the bit budget: bands = max(1, floor(bit_budget / (rows·bits per
// hash))); recall is then recovered by multi-probe, not by bigger buckets.
// k-means counts like hyperplanes (rows = B bits), at most kMaxKMeansBits.
// Without expected_size (cross-polytope only) one hash per band. Throws
// InvalidArgument for dim, bit_budget, target_bucket_size or expected_size 0.
inline constexpr std::size_t kTargetBucketSize = 16;
struct SizeBasedBands {
  std::size_t bands = 0;
  std::size_t rows = 0;          // hashes per band
  std::size_t bits_per_band = 0; // rows · bits per hash
};
LSHRS_API SizeBasedBands size_based_bands(HashFamily family, std::size_t dim,
                                std::optional<std::size_t> expected_size, std::size_t bit_budget,
                                std::size_t target_bucket_size = kTargetBucketSize);

// k-means bits per band for about n rows, trained on `sample_rows` of them:
// the most bits that keep clusters of at least kKMeansClusterSize rows (a
// probe reads a whole cluster, so a few probes reach the recall: 10 bits at
// 59,000 man pages) and kKMeansRowsPerCentroid training rows a centroid (11
// bits from a sample of 50,000). At least 1, at most kMaxKMeansBits.
inline constexpr std::size_t kKMeansClusterSize = 48, kKMeansRowsPerCentroid = 16;
LSHRS_API std::size_t kmeans_bits(std::size_t n, std::size_t sample_rows);

}  // namespace lshrs
