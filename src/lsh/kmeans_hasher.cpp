// k-means hashing (kmeans.hpp): the argmax centroid of every band, from one
// matrix product per block of rows.
#include <algorithm>
#include <string>

#include "lsh/blocked_product.hpp"
#include "lsh/family_probes.hpp"
#include "lshrs/error.hpp"
#include "lshrs/kmeans.hpp"

namespace lshrs {
namespace {

// Rows per product: the block × (bands·C) scores stay a few MiB (256 × 8,192
// floats is 8 MiB at 4 bands of 2,048 centroids).
constexpr std::size_t kChunkRows = 256;

std::string str(std::size_t v) { return std::to_string(v); }

}  // namespace

void validate_kmeans_shape(std::size_t dim, std::size_t num_bands, std::size_t bits) {
  if (bits == 0 || bits > kMaxKMeansBits) {
    throw InvalidArgument("k-means: bits per band (rows_per_band) must be in 1.." +
                          str(kMaxKMeansBits) + " (2^bits centroids a band), got " + str(bits));
  }
  validate_shape(dim, num_bands, bits);
  const std::size_t rows = std::size_t{1} << bits;
  // Divided, not multiplied: num_bands·rows·dim may not fit.
  if (num_bands > kMaxProjectionValues / rows / dim) {
    throw InvalidArgument("k-means: num_bands · 2^bits · dim = " + str(num_bands) + " · " +
                          str(rows) + " · " + str(dim) + " exceeds the supported " +
                          str(kMaxProjectionValues) + " centroid values");
  }
}

KMeansHasher::KMeansHasher(std::size_t dim, std::size_t num_bands, std::size_t bits_per_band,
                           std::vector<float> centroids)
    : dim_(dim), num_bands_(num_bands), bits_(bits_per_band), centroids_(std::move(centroids)) {
  validate_kmeans_shape(dim, num_bands, bits_per_band);
  const std::size_t expected = num_bands * centroids_per_band() * dim;
  if (centroids_.size() != expected) {
    throw InvalidArgument("k-means hasher: " + str(centroids_.size()) +
                          " centroid values, expected num_bands · 2^bits · dim = " + str(expected));
  }
  try {
    validate_projections(centroids_, dim_);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("k-means hasher: centroids: ") + e.what());
  }
}

Signatures KMeansHasher::hash(std::span<const float> vectors) const {
  return hash_impl(vectors, nullptr);
}

Signatures KMeansHasher::hash(std::span<const float> vectors, std::vector<float>& dots) const {
  return hash_impl(vectors, &dots);
}

Signatures KMeansHasher::hash_impl(std::span<const float> vectors, std::vector<float>* dots) const {
  const std::size_t n = detail::whole_rows(vectors, dim_, "k-means hasher");
  const std::size_t per_band = centroids_per_band();
  const std::size_t width = num_bands_ * per_band;
  Signatures sigs{n, num_bands_, band_bytes(), {}};
  sigs.bytes.assign(n * num_bands_ * sigs.band_bytes, 0);
  if (dots) dots->resize(n * width);
  detail::for_each_scored_row(vectors, dim_, centroids_.data(), width, kChunkRows,
                              [&](std::size_t i, const float* row) {
    std::uint8_t* out = sigs.bytes.data() + i * num_bands_ * sigs.band_bytes;
    for (std::size_t b = 0; b < num_bands_; ++b) {
      const float* scores = row + b * per_band;
      // max_element returns the first of equal maxima: ties go to the lower index.
      const auto best = static_cast<std::size_t>(std::max_element(scores, scores + per_band) - scores);
      for (std::size_t byte = 0; byte < sigs.band_bytes; ++byte) {
        out[b * sigs.band_bytes + byte] = static_cast<std::uint8_t>((best >> (8 * byte)) & 0xffu);
      }
    }
    if (dots) std::copy(row, row + width, dots->data() + i * width);
  });
  return sigs;
}

// One hash a band: the centroid's index, in all of the band's bits.
std::vector<BucketRef> KMeansHasher::query_buckets(std::span<const float> queries,
                                                   std::size_t probes,
                                                   std::vector<std::size_t>& first) const {
  const std::size_t centroids = centroids_per_band();
  return detail::probe_family(*this, queries, probes, num_bands_ * centroids, bits_, first,
                              [&](std::span<const float> dots) {
                                return detail::kmeans_candidates(dots, num_bands_, centroids, probes);
                              });
}

}  // namespace lshrs
