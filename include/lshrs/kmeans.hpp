// lshrs — a data-dependent hash family: spherical k-means, one partition per band.
//
// A band of b bits holds C = 2^b unit-norm centroids trained on the data; the
// band's hash of a vector x is the index of the centroid with the largest dot
// product with x (cosine, as the index ranks), written like any band value:
// packed least-significant-bit first into ceil(b/8) bytes, so keys keep the
// layout `<prefix>:<band>:bucket:<hex>`. One band is an IVF coarse quantiser;
// several bands, each trained from its own seed-derived sample and
// initialisation, give independent chances to find a neighbour. Unlike the
// random families, buckets follow the data: few, evenly filled, so a handful
// of probes (the runner-up centroids by score gap) reaches a high recall.
//
// The centroids are the whole model, (num_bands·C) × dim row-major, band b's
// rows b·C … b·C+C-1; a model directory and `<prefix>:meta` store them as the
// other families store their projections. They cannot be derived from a
// seed: an index of this family is opened from its model directory or from
// the meta of an existing index. Only lshrs reads it (not the Python package).
// KMeansHasher is the family's BandHasher (band_hasher.hpp).
//
// Cost: training is Lloyd iterations of one GEMM (sample × C × dim) each per
// band; hashing one vector is C·dim multiply-adds per band.
//
// Thread safety: train_kmeans() is a pure function (its progress callback is
// called on the caller's thread); a KMeansHasher is immutable after
// construction and hash() may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "lshrs/band_hasher.hpp"
#include "lshrs/export.hpp"
#include "lshrs/hasher.hpp"

namespace lshrs {

// Bits per band (C = 2^bits centroids) a k-means band may have.
inline constexpr std::size_t kMaxKMeansBits = 16;

struct KMeansProgress {
  std::size_t band = 0, num_bands = 0;
  std::size_t iteration = 0, iterations = 0;  // iteration done (1-based) of at most `iterations`
  double mean_similarity = 0;  // mean cosine of the sample rows to their centroid
  std::size_t reseeded = 0;    // empty clusters re-seeded in this iteration
};

struct KMeansTrainOptions {
  std::size_t num_bands = 1;
  // Bits per band, 1 … kMaxKMeansBits: 2^bits centroids per band.
  std::size_t bits_per_band = 8;
  // Lloyd iterations at most per band; a band stops early once no row
  // changes cluster. Each costs sample_size·C·dim multiply-adds.
  std::size_t iterations = 10;
  // Rows each band trains on, drawn without replacement from its own
  // seed-derived stream (all rows, reshuffled, when there are fewer). Must
  // leave at least C usable (non-zero) rows.
  std::size_t sample_size = 50'000;
  // Derives every band's sample and initial centroids (distinct sample rows):
  // the same rows, options and seed give the same centroids, bit for bit.
  std::uint64_t seed = 42;
  // Called after each iteration of each band, when set.
  std::function<void(const KMeansProgress&)> progress;
};

// Trains num_bands·2^bits centroids on `rows` (row-major n × dim, each row
// normalised first; zero and non-finite rows are skipped). Empty clusters are
// re-seeded with the sample rows farthest from their centroid. Returns them
// row-major (num_bands·2^bits) × dim, unit norm. InvalidArgument for a bad
// shape, bits outside 1 … kMaxKMeansBits, a sample smaller than C, or
// fewer usable rows than C.
LSHRS_API std::vector<float> train_kmeans(std::span<const float> rows, std::size_t dim,
                                          const KMeansTrainOptions& options);

class LSHRS_API KMeansHasher : public BandHasher {
 public:
  // `centroids`: (num_bands·2^bits_per_band) × dim, finite, no zero row
  // (InvalidArgument otherwise). Rows need not be unit norm (train_kmeans'
  // are): the hash is the argmax of the dot products.
  KMeansHasher(std::size_t dim, std::size_t num_bands, std::size_t bits_per_band,
               std::vector<float> centroids);

  HashFamily family() const noexcept override { return HashFamily::kKMeans; }
  std::size_t dim() const noexcept override { return dim_; }
  std::size_t num_bands() const noexcept override { return num_bands_; }
  std::size_t bits_per_band() const noexcept { return bits_; }
  std::size_t band_bits() const noexcept override { return bits_; }
  std::size_t centroids_per_band() const noexcept { return std::size_t{1} << bits_; }
  std::size_t band_bytes() const noexcept override { return (bits_ + 7) / 8; }
  const std::vector<float>& centroids() const noexcept { return centroids_; }
  const std::vector<float>& model() const noexcept override { return centroids_; }

  // Signatures of n = vectors.size()/dim vectors (row-major n × dim): per band
  // the first centroid of largest dot product. One GEMM per block of rows.
  Signatures hash(std::span<const float> vectors) const override;
  // Also returns every dot product, n × (num_bands·C), from which multi-probe
  // ranks the runner-up centroids by their gap to the best.
  Signatures hash(std::span<const float> vectors, std::vector<float>& dots) const;

  // Probes read the runner-up centroids by their gap to the best (family_probes.hpp).
  std::vector<BucketRef> query_buckets(std::span<const float> queries, std::size_t probes,
                                       std::vector<std::size_t>& first) const override;

 private:
  Signatures hash_impl(std::span<const float> vectors, std::vector<float>* dots) const;

  std::size_t dim_;
  std::size_t num_bands_;
  std::size_t bits_;
  std::vector<float> centroids_;
};

// Throws InvalidArgument unless 1 <= bits <= kMaxKMeansBits and the
// centroids, num_bands·2^bits·dim values, fit the limits of hasher.hpp.
LSHRS_API void validate_kmeans_shape(std::size_t dim, std::size_t num_bands, std::size_t bits);

}  // namespace lshrs
