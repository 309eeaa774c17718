// lshrs — cross-polytope hashing (Andoni, Indyk, Laarhoven, Razenshteyn and
// Schmidt, "Practical and Optimal LSH for Angular Distance", NeurIPS 2015).
//
// Each hash rotates the vector, zero-padded to d' = the next power of two of
// dim, pseudo-randomly by three rounds of (random ±1 sign flips, fast Hadamard
// transform) and returns the closest vertex of the cross-polytope {±e_j}: the
// index j of the largest |coordinate| and its sign, one of 2·d' values, coded
// as 2·j + (negative ? 1 : 0) in bits_per_hash() = log2(d') + 1 bits. A band
// concatenates hashes_per_band such codes, hash h at bits h·bits_per_hash …,
// packed least-significant-bit first into band_bytes() bytes (the same bucket
// key layout as hyperplanes: `<prefix>:<band>:bucket:<hex>`).
//
// The signs are the whole model: row t (hash t = band·k + h) of signs() holds
// its three rounds, 3·d' values in {-1, +1}. Only lshrs reads this family; the
// Python package reads hyperplane models only. It is the cross-polytope
// family's BandHasher (band_hasher.hpp).
//
// Thread safety: immutable after construction; hash() may run concurrently.
#pragma once

#include "lshrs/export.hpp"
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lshrs/band_hasher.hpp"
#include "lshrs/hasher.hpp"

namespace lshrs {

// In-place unnormalised fast Walsh-Hadamard transform of x (size a power of
// two): x ← H·x with H_{ij} = (-1)^popcount(i & j). InvalidArgument otherwise.
LSHRS_API void fast_hadamard_transform(std::span<float> x);

class LSHRS_API CrossPolytopeHasher : public BandHasher {
 public:
  // Draws the signs from `seed` (the signs of generate_projections(seed, …)).
  CrossPolytopeHasher(std::size_t dim, std::size_t num_bands, std::size_t hashes_per_band,
                      std::uint64_t seed);
  // Uses stored signs, row-major (num_bands·hashes_per_band) × sign_width(dim),
  // each exactly -1 or +1 (InvalidArgument otherwise).
  CrossPolytopeHasher(std::size_t dim, std::size_t num_bands, std::size_t hashes_per_band,
                      std::vector<float> signs);

  // The next power of two >= dim (>= 2), and the stored values per hash.
  static std::size_t padded_dim(std::size_t dim);
  static std::size_t sign_width(std::size_t dim) { return 3 * padded_dim(dim); }

  HashFamily family() const noexcept override { return HashFamily::kCrossPolytope; }
  std::size_t dim() const noexcept override { return dim_; }
  std::size_t num_bands() const noexcept override { return num_bands_; }
  std::size_t hashes_per_band() const noexcept { return hashes_per_band_; }
  std::size_t bits_per_hash() const noexcept { return bits_per_hash_; }
  std::size_t band_bytes() const noexcept override { return (band_bits() + 7) / 8; }
  std::size_t band_bits() const noexcept override { return hashes_per_band_ * bits_per_hash_; }
  const std::vector<float>& signs() const noexcept { return signs_; }
  const std::vector<float>& model() const noexcept override { return signs_; }

  // Signatures of n = vectors.size()/dim vectors (row-major n × dim). The batch
  // is rotated hash by hash, a block of rows at a time.
  Signatures hash(std::span<const float> vectors) const override;
  // Also returns every rotated vector, n × (num_bands·hashes_per_band) × d',
  // from which multi-probe ranks the runner-up vertices.
  Signatures hash(std::span<const float> vectors, std::vector<float>& rotated) const;

  // Probes move a hash to its runner-up vertices, nearest first (family_probes.hpp).
  std::vector<BucketRef> query_buckets(std::span<const float> queries, std::size_t probes,
                                       std::vector<std::size_t>& first) const override;

 private:
  Signatures hash_impl(std::span<const float> vectors, std::vector<float>* rotated) const;

  std::size_t dim_;
  std::size_t num_bands_;
  std::size_t hashes_per_band_;
  std::size_t padded_;
  std::size_t bits_per_hash_;
  std::vector<float> signs_;
};

}  // namespace lshrs
