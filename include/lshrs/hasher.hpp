// lshrs — random-hyperplane hashing (Charikar 2002, "Similarity estimation
// techniques from rounding algorithms").
//
// A Hasher owns a (num_bands·rows_per_band) × dim float32 projection matrix,
// row-major. The signature of a vector v in band b is the sign pattern of rows
// b·r … b·r+r-1 against v: bit j is 1 iff dot(row_j, v) > 0, packed
// least-significant-bit first into ceil(r/8) bytes. Two vectors at cosine
// similarity s agree on each bit with probability 1 - arccos(s)/π.
//
// Projections are a pure function of (seed, rows, dim): see
// generate_projections() for the specified generator, so that every build on
// every platform hashes identically. Hashing a batch is one matrix product.
//
// Thread safety: a Hasher is immutable after construction; hash() may be
// called from any number of threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace lshrs {

// Signatures of n vectors: for vector i and band b, the band_bytes bytes at
// bytes[(i·num_bands + b)·band_bytes]. Unused high bits of the last byte are 0.
struct Signatures {
  std::size_t count = 0;
  std::size_t num_bands = 0;
  std::size_t band_bytes = 0;
  std::vector<std::uint8_t> bytes;

  std::span<const std::uint8_t> band(std::size_t i, std::size_t b) const {
    return {bytes.data() + (i * num_bands + b) * band_bytes, band_bytes};
  }
  // All bands of vector i, concatenated (num_bands·band_bytes bytes).
  std::span<const std::uint8_t> row(std::size_t i) const {
    return {bytes.data() + i * num_bands * band_bytes, num_bands * band_bytes};
  }
};

// The projection matrix for `seed`, `rows` hyperplanes and `dim` dimensions,
// row-major rows × dim, each entry an independent standard normal.
//
// Generator (normative, mirrored by tests/oracle/projections.py):
//   state   xoshiro256** (Blackman & Vigna 2018) seeded with four successive
//           outputs of SplitMix64 started at `seed`;
//   uniform u = (next() >> 11) · 2^-53 mapped to [-1, 1) as 2u - 1;
//   normal  Marsaglia's polar method: draw x, y uniform in [-1, 1), s = x²+y²,
//           reject s >= 1 or s == 0, f = sqrt(-2·ln(s)/s), emit x·f then y·f;
//           ln is evaluated with basic IEEE double operations only (frexp and
//           an atanh series), so no libm difference can change a bit;
//   output  each double rounded to float32, filling the matrix row by row.
std::vector<float> generate_projections(std::uint64_t seed, std::size_t rows, std::size_t dim);

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
void validate_shape(std::size_t dim, std::size_t num_bands, std::size_t rows_per_band);

// Throws InvalidArgument naming the row (and column) when a row-major
// rows × dim projection matrix holds a non-finite value or an all-zero row:
// a zero row gives every vector the same bit, so all land in one bucket.
void validate_projections(std::span<const float> projections, std::size_t dim);

class Hasher {
 public:
  // Generates the projections from `seed` (see generate_projections()).
  Hasher(std::size_t dim, std::size_t num_bands, std::size_t rows_per_band, std::uint64_t seed);

  // Uses caller-supplied projections, row-major (num_bands·rows_per_band) × dim,
  // e.g. loaded from a model directory written by the Python package; they
  // must pass validate_projections().
  Hasher(std::size_t dim, std::size_t num_bands, std::size_t rows_per_band,
         std::vector<float> projections);

  std::size_t dim() const noexcept { return dim_; }
  std::size_t num_bands() const noexcept { return num_bands_; }
  std::size_t rows_per_band() const noexcept { return rows_per_band_; }
  std::size_t band_bytes() const noexcept { return (rows_per_band_ + 7) / 8; }
  const std::vector<float>& projections() const noexcept { return projections_; }

  // Signatures of n vectors, `vectors` row-major n × dim, n = vectors.size()/dim.
  // Only the shape is checked here; Index validates values before hashing.
  Signatures hash(std::span<const float> vectors) const;

  // Like hash(), and also returns each bit's margin, the distance of v to the
  // hyperplane |dot(row_j, v)| / |row_j|, in `margins` (n × num_bands·rows_per_band):
  // small margins mark the bits most likely to flip for a near neighbour,
  // which multi-probe queries exploit.
  Signatures hash(std::span<const float> vectors, std::vector<float>& margins) const;

 private:
  Signatures hash_impl(std::span<const float> vectors, std::vector<float>* margins) const;
  void compute_inverse_norms();

  std::size_t dim_;
  std::size_t num_bands_;
  std::size_t rows_per_band_;
  std::vector<float> projections_;
  std::vector<float> inverse_norms_;  // 1 / |row_j|
};

}  // namespace lshrs
