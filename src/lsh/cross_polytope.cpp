#include "lshrs/cross_polytope.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

#include "lsh/blocked_product.hpp"
#include "lsh/family_probes.hpp"
#include "lsh/rotation_kernel.hpp"
#include "lshrs/error.hpp"

namespace lshrs {
namespace {

// Rows rotated together per hash: the block (kBlock × d' floats) stays in L1/L2
// while its three rounds run.
constexpr std::size_t kBlock = 64;

void check_shape(std::size_t dim, std::size_t bands, std::size_t k) {
  if (dim == 0 || bands == 0 || k == 0) {
    throw InvalidArgument("cross-polytope hasher: dim, num_bands and hashes per band must be "
                          "positive (got dim=" + std::to_string(dim) + ", num_bands=" +
                          std::to_string(bands) + ", rows_per_band=" + std::to_string(k) + ")");
  }
}

}  // namespace

std::size_t CrossPolytopeHasher::padded_dim(std::size_t dim) {
  return std::max<std::size_t>(2, std::bit_ceil(dim));
}

CrossPolytopeHasher::CrossPolytopeHasher(std::size_t dim, std::size_t num_bands,
                                         std::size_t hashes_per_band, std::uint64_t seed)
    : CrossPolytopeHasher(dim, num_bands, hashes_per_band, [&] {
        check_shape(dim, num_bands, hashes_per_band);
        std::vector<float> s = generate_projections(seed, num_bands * hashes_per_band, sign_width(dim));
        for (float& x : s) x = x > 0.0f ? 1.0f : -1.0f;
        return s;
      }()) {}

CrossPolytopeHasher::CrossPolytopeHasher(std::size_t dim, std::size_t num_bands,
                                         std::size_t hashes_per_band, std::vector<float> signs)
    : dim_(dim), num_bands_(num_bands), hashes_per_band_(hashes_per_band),
      padded_(padded_dim(dim)), bits_per_hash_(static_cast<std::size_t>(std::countr_zero(padded_)) + 1),
      signs_(std::move(signs)) {
  check_shape(dim, num_bands, hashes_per_band);
  const std::size_t expected = num_bands * hashes_per_band * sign_width(dim);
  if (signs_.size() != expected) {
    throw InvalidArgument("cross-polytope hasher: " + std::to_string(signs_.size()) +
                          " sign values given, expected num_bands·rows_per_band·3·d' = " +
                          std::to_string(expected));
  }
  const auto bad = std::find_if(signs_.begin(), signs_.end(), [](float x) { return x != 1.0f && x != -1.0f; });
  if (bad != signs_.end()) {
    throw InvalidArgument("cross-polytope hasher: sign value " + std::to_string(*bad) + " at " +
                          std::to_string(bad - signs_.begin()) + " is neither -1 nor +1");
  }
}

Signatures CrossPolytopeHasher::hash(std::span<const float> vectors) const {
  return hash_impl(vectors, nullptr);
}

Signatures CrossPolytopeHasher::hash(std::span<const float> vectors,
                                     std::vector<float>& rotated) const {
  return hash_impl(vectors, &rotated);
}

Signatures CrossPolytopeHasher::hash_impl(std::span<const float> vectors,
                                          std::vector<float>* rotated) const {
  const std::size_t n = detail::whole_rows(vectors, dim_, "cross-polytope hasher");
  const std::size_t hashes = num_bands_ * hashes_per_band_;
  Signatures sigs{n, num_bands_, band_bytes(), {}};
  sigs.bytes.assign(n * num_bands_ * sigs.band_bytes, 0);
  if (rotated) rotated->resize(n * hashes * padded_);
  std::vector<float> block(std::min(kBlock, std::max<std::size_t>(n, 1)) * padded_);
  std::uint32_t codes[kBlock];
  for (std::size_t first = 0; first < n; first += kBlock) {
    const std::size_t count = std::min(kBlock, n - first);
    for (std::size_t t = 0; t < hashes; ++t) {
      detail::rotate_block(vectors.data() + first * dim_, count, dim_, signs_.data() + t * 3 * padded_,
                           padded_, block.data(), codes);
      const std::size_t band = t / hashes_per_band_, h = t % hashes_per_band_;
      for (std::size_t i = 0; i < count; ++i) {
        std::uint8_t* out = sigs.bytes.data() + ((first + i) * num_bands_ + band) * sigs.band_bytes;
        for (std::size_t bit = 0; bit < bits_per_hash_; ++bit) {
          const std::size_t at = h * bits_per_hash_ + bit;
          out[at >> 3] |= static_cast<std::uint8_t>(((codes[i] >> bit) & 1u) << (at & 7));
        }
        if (rotated) {
          const float* x = block.data() + i * padded_;
          std::copy(x, x + padded_, rotated->data() + ((first + i) * hashes + t) * padded_);
        }
      }
    }
  }
  return sigs;
}

std::vector<BucketRef> CrossPolytopeHasher::query_buckets(std::span<const float> queries,
                                                          std::size_t probes,
                                                          std::vector<std::size_t>& first) const {
  const std::size_t width = num_bands_ * hashes_per_band_ * padded_;
  return detail::probe_family(*this, queries, probes, width, bits_per_hash_, first,
                              [&](std::span<const float> rotated) {
                                return detail::polytope_candidates(rotated, num_bands_,
                                                                   hashes_per_band_, padded_, probes);
                              });
}

}  // namespace lshrs
