#include "lshrs/hasher.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "lsh/blocked_product.hpp"
#include "lsh/family_probes.hpp"
#include "lshrs/error.hpp"

namespace lshrs {
namespace {

// Rows hashed per matrix product: large enough for GEMM efficiency, small
// enough that the n × bits product stays in cache-friendly memory.
constexpr std::size_t kChunkRows = 2048;

// Components within this of 0 count as zero, as for vectors (Python's rule).
constexpr float kZeroTolerance = 1e-8f;

}  // namespace

void validate_shape(std::size_t dim, std::size_t bands, std::size_t rows) {
  const auto shape = [&] {
    return "dim=" + std::to_string(dim) + ", num_bands=" + std::to_string(bands) +
           ", rows_per_band=" + std::to_string(rows);
  };
  if (dim == 0 || bands == 0 || rows == 0) {
    throw InvalidArgument("dim, num_bands and rows_per_band must be positive (got " + shape() +
                          ")");
  }
  if (dim > kMaxDim) {
    throw InvalidArgument("dim " + std::to_string(dim) + " exceeds the supported " +
                          std::to_string(kMaxDim));
  }
  // Dividing instead of multiplying: bands · rows may not fit in 64 bits.
  if (bands > kMaxHyperplanes / rows) {
    throw InvalidArgument("num_bands · rows_per_band exceeds the supported " +
                          std::to_string(kMaxHyperplanes) + " hyperplanes (got " + shape() + ")");
  }
  if (bands * rows > kMaxProjectionValues / dim) {
    throw InvalidArgument(
        "num_bands · rows_per_band · dim = " + std::to_string(bands * rows * dim) +
        " exceeds the supported " + std::to_string(kMaxProjectionValues) +
        " projection values (got " + shape() + ")");
  }
}

void validate_projections(std::span<const float> projections, std::size_t dim) {
  if (dim == 0) throw InvalidArgument("projections: dim must be positive");
  for (std::size_t row = 0; row < projections.size() / dim; ++row) {
    bool nonzero = false;
    for (std::size_t k = 0; k < dim; ++k) {
      const float x = projections[row * dim + k];
      if (!std::isfinite(x)) {
        throw InvalidArgument("projection row " + std::to_string(row) + ", column " +
                              std::to_string(k) + " is not finite (" + std::to_string(x) + ")");
      }
      nonzero = nonzero || std::fabs(x) > kZeroTolerance;
    }
    if (!nonzero) {
      throw InvalidArgument("projection row " + std::to_string(row) +
                            " is all zeros: every vector would get the same bit");
    }
  }
}

HyperplaneHasher::HyperplaneHasher(std::size_t dim, std::size_t num_bands,
                                   std::size_t rows_per_band, std::uint64_t seed,
                                   ProjectionGenerator generator)
    : dim_(dim), num_bands_(num_bands), rows_per_band_(rows_per_band) {
  validate_shape(dim, num_bands, rows_per_band);
  projections_ = generate_projections(seed, num_bands * rows_per_band, dim, generator);
  compute_inverse_norms();
}

// Margins are distances to each hyperplane, |dot| / |row|, so that bits are
// comparable across rows of different lengths.
void HyperplaneHasher::compute_inverse_norms() {
  const std::size_t bits = num_bands_ * rows_per_band_;
  inverse_norms_.assign(bits, 0.0f);
  for (std::size_t j = 0; j < bits; ++j) {
    double sum = 0;
    for (std::size_t k = 0; k < dim_; ++k) {
      sum += static_cast<double>(projections_[j * dim_ + k]) * projections_[j * dim_ + k];
    }
    inverse_norms_[j] = sum > 0 ? static_cast<float>(1.0 / std::sqrt(sum)) : 0.0f;
  }
}

HyperplaneHasher::HyperplaneHasher(std::size_t dim, std::size_t num_bands,
                                   std::size_t rows_per_band, std::vector<float> projections)
    : dim_(dim), num_bands_(num_bands), rows_per_band_(rows_per_band),
      projections_(std::move(projections)) {
  validate_shape(dim, num_bands, rows_per_band);
  if (projections_.size() != num_bands * rows_per_band * dim) {
    throw InvalidArgument("hasher: projections hold " + std::to_string(projections_.size()) +
                          " floats, expected num_bands·rows_per_band·dim = " +
                          std::to_string(num_bands * rows_per_band * dim));
  }
  try {
    validate_projections(projections_, dim_);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("hasher: ") + e.what());
  }
  compute_inverse_norms();
}

Signatures HyperplaneHasher::hash(std::span<const float> vectors) const {
  return hash_impl(vectors, nullptr);
}

Signatures HyperplaneHasher::hash(std::span<const float> vectors, std::vector<float>& margins) const {
  return hash_impl(vectors, &margins);
}

Signatures HyperplaneHasher::hash_impl(std::span<const float> vectors,
                                       std::vector<float>* margins) const {
  const std::size_t n = detail::whole_rows(vectors, dim_, "hasher");
  const std::size_t bits = num_bands_ * rows_per_band_;
  Signatures sigs{n, num_bands_, band_bytes(), {}};
  sigs.bytes.assign(n * num_bands_ * sigs.band_bytes, 0);
  if (margins) margins->resize(n * bits);
  detail::for_each_scored_row(vectors, dim_, projections_.data(), bits, kChunkRows,
                              [&](std::size_t row, const float* dots) {
    std::uint8_t* out = sigs.bytes.data() + row * num_bands_ * sigs.band_bytes;
    for (std::size_t b = 0; b < num_bands_; ++b) {
      std::uint8_t* band = out + b * sigs.band_bytes;
      const float* band_dots = dots + b * rows_per_band_;
      for (std::size_t j = 0; j < rows_per_band_; ++j) {
        band[j >> 3] |= static_cast<std::uint8_t>((band_dots[j] > 0.0f ? 1u : 0u) << (j & 7));
      }
    }
    if (margins) {
      float* m = margins->data() + row * bits;
      for (std::size_t j = 0; j < bits; ++j) m[j] = std::fabs(dots[j]) * inverse_norms_[j];
    }
  });
  return sigs;
}

std::vector<BucketRef> HyperplaneHasher::query_buckets(std::span<const float> queries,
                                                       std::size_t probes,
                                                       std::vector<std::size_t>& first) const {
  return detail::probe_family(*this, queries, probes, num_bands_ * rows_per_band_, 0, first,
                              [&](std::span<const float> margins) {
                                return detail::hyperplane_candidates(margins, num_bands_,
                                                                     rows_per_band_, probes);
                              });
}

}  // namespace lshrs
