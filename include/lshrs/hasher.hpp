// lshrs — random-hyperplane hashing (Charikar 2002, "Similarity estimation
// techniques from rounding algorithms").
//
// A HyperplaneHasher (formerly Hasher, a name kept as an alias) owns a (num_bands·rows_per_band) × dim float32 projection matrix,
// row-major. The signature of a vector v in band b is the sign pattern of rows
// b·r … b·r+r-1 against v: bit j is 1 iff dot(row_j, v) > 0, packed
// least-significant-bit first into ceil(r/8) bytes. Two vectors at cosine
// similarity s agree on each bit with probability 1 - arccos(s)/π.
//
// Projections are a pure function of (seed, rows, dim) and the generator: by
// default numpy's, so that a seed gives the hyperplanes the original Python
// package draws from it (see generate_projections()). Hashing a batch is one
// matrix product.
//
// It is the hyperplane family's BandHasher (band_hasher.hpp).
//
// Thread safety: a HyperplaneHasher is immutable after construction; hash() may be
// called from any number of threads at once.
#pragma once

#include "lshrs/export.hpp"
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "lshrs/band_hasher.hpp"
#include "lshrs/signatures.hpp"  // Signatures, which hash() returns

namespace lshrs {

// ProjectionGenerator, how projections are drawn from a seed, is declared in
// hash_family.hpp with the rest of an index's family configuration.

// "numpy" / "lshrs-v0".
LSHRS_API std::string_view projection_generator_name(ProjectionGenerator generator) noexcept;
// The inverse; InvalidArgument naming `name` and the choices otherwise.
LSHRS_API ProjectionGenerator parse_projection_generator(std::string_view name);

// The projection matrix for `seed`, `rows` hyperplanes and `dim` dimensions,
// row-major rows × dim, each entry an independent standard normal, drawn in
// that order (row by row) from one stream. With kNumpy, rows = b·r gives the
// original package's b bands of `standard_normal((r, dim))`, concatenated.
LSHRS_API std::vector<float> generate_projections(std::uint64_t seed, std::size_t rows, std::size_t dim,
                                        ProjectionGenerator generator = ProjectionGenerator::kNumpy);

// Limits on an index's shape. They are checked, without overflow, before
// anything is allocated or written, so that a mistyped flag, a hostile model
// file or a crafted `<prefix>:meta` is refused instead of exhausting memory.
inline constexpr std::size_t kMaxDim = 65'536;
// num_bands · rows_per_band (num_perm).
inline constexpr std::size_t kMaxHyperplanes = 65'536;
// num_perm · dim: 2^26 float32 are 256 MiB, half of the largest value Redis
// accepts by default (proto-max-bulk-len 512 MB), so `<prefix>:meta` always fits.
inline constexpr std::size_t kMaxProjectionValues = std::size_t{1} << 26;

// Throws InvalidArgument unless dim, num_bands and rows_per_band are positive
// and within the limits above.
LSHRS_API void validate_shape(std::size_t dim, std::size_t num_bands, std::size_t rows_per_band);

// Throws InvalidArgument naming the row (and column) when a row-major
// rows × dim projection matrix holds a non-finite value or an all-zero row:
// a zero row gives every vector the same bit, so all land in one bucket.
LSHRS_API void validate_projections(std::span<const float> projections, std::size_t dim);

class LSHRS_API HyperplaneHasher : public BandHasher {
 public:
  // Generates the projections from `seed` (see generate_projections()).
  HyperplaneHasher(std::size_t dim, std::size_t num_bands, std::size_t rows_per_band,
                   std::uint64_t seed, ProjectionGenerator generator = ProjectionGenerator::kNumpy);

  // Uses caller-supplied projections, row-major (num_bands·rows_per_band) × dim,
  // e.g. loaded from a model directory written by the Python package; they
  // must pass validate_projections().
  HyperplaneHasher(std::size_t dim, std::size_t num_bands, std::size_t rows_per_band,
                   std::vector<float> projections);

  HashFamily family() const noexcept override { return HashFamily::kHyperplane; }
  std::size_t dim() const noexcept override { return dim_; }
  std::size_t num_bands() const noexcept override { return num_bands_; }
  std::size_t rows_per_band() const noexcept { return rows_per_band_; }
  std::size_t band_bytes() const noexcept override { return (rows_per_band_ + 7) / 8; }
  std::size_t band_bits() const noexcept override { return rows_per_band_; }
  const std::vector<float>& projections() const noexcept { return projections_; }
  const std::vector<float>& model() const noexcept override { return projections_; }

  // Signatures of n vectors, `vectors` row-major n × dim, n = vectors.size()/dim.
  // Only the shape is checked here; Index validates values before hashing.
  Signatures hash(std::span<const float> vectors) const override;

  // Like hash(), and also returns each bit's margin, the distance of v to the
  // hyperplane |dot(row_j, v)| / |row_j|, in `margins` (n × num_bands·rows_per_band):
  // small margins mark the bits most likely to flip for a near neighbour,
  // which multi-probe queries exploit.
  Signatures hash(std::span<const float> vectors, std::vector<float>& margins) const;

  // Probes flip the bits of smallest margin first (family_probes.hpp).
  std::vector<BucketRef> query_buckets(std::span<const float> queries, std::size_t probes,
                                       std::vector<std::size_t>& first) const override;

 private:
  Signatures hash_impl(std::span<const float> vectors, std::vector<float>* margins) const;
  void compute_inverse_norms();

  std::size_t dim_;
  std::size_t num_bands_;
  std::size_t rows_per_band_;
  std::vector<float> projections_;
  std::vector<float> inverse_norms_;  // 1 / |row_j|
};

// The name this class had before the families shared an interface, kept so
// that code (and the Python binding's `Hasher`) written against it builds.
using Hasher = HyperplaneHasher;

}  // namespace lshrs
