// The data-driven choice of bands and rows (tuning.hpp, docs/tuning.md).
#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

#include "lshrs/cross_polytope.hpp"
#include "lshrs/error.hpp"
#include "lshrs/kmeans.hpp"
#include "lshrs/tuning.hpp"

namespace lshrs {

SizeBasedBands size_based_bands(HashFamily family, std::size_t dim,
                                std::optional<std::size_t> expected_size, std::size_t bit_budget,
                                std::size_t target_bucket_size) {
  if (dim == 0 || bit_budget == 0 || target_bucket_size == 0) {
    throw InvalidArgument("size_based_bands: dim, bit budget (num_perm) and target bucket size "
                          "must be positive (got " + std::to_string(dim) + ", " +
                          std::to_string(bit_budget) + ", " + std::to_string(target_bucket_size) + ")");
  }
  if (expected_size && *expected_size == 0) {
    throw InvalidArgument("expected_size must be positive (got 0): leave it unset when unknown");
  }
  const std::size_t bits_per_hash =
      family == HashFamily::kCrossPolytope
          ? static_cast<std::size_t>(std::countr_zero(CrossPolytopeHasher::padded_dim(dim))) + 1
          : 1;
  std::size_t rows = 1;
  if (expected_size) {
    const double ratio = static_cast<double>(*expected_size) / static_cast<double>(target_bucket_size);
    const auto bits = static_cast<std::size_t>(std::max(1.0, std::ceil(std::log2(ratio))));
    // Rounded up, so a cross-polytope band is never coarser than the target.
    rows = (bits + bits_per_hash - 1) / bits_per_hash;
  }
  // A band never holds more bits than the whole budget.
  rows = std::min(rows, std::max<std::size_t>(1, bit_budget / bits_per_hash));
  // A k-means band of b bits has 2^b centroids to train and score.
  if (family == HashFamily::kKMeans) rows = std::min(rows, kMaxKMeansBits);
  const std::size_t bands = std::max<std::size_t>(1, bit_budget / (rows * bits_per_hash));
  return {bands, rows, rows * bits_per_hash};
}

std::size_t kmeans_bits(std::size_t n, std::size_t sample_rows) {
  std::size_t bits = 1;
  while (bits < kMaxKMeansBits && (std::size_t{2} << bits) * kKMeansClusterSize <= n &&
         (std::size_t{2} << bits) * kKMeansRowsPerCentroid <= sample_rows) {
    ++bits;
  }
  return bits;
}

}  // namespace lshrs
