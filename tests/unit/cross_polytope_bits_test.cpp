// Cross-polytope hashes must never change a bit: existing indexes keep their
// buckets only while every rotation, its rounding and the argmax tie rule stay
// what they were. The reference below is the textbook formulation written
// out scalar (radix-2 FHT level by level, strict-greater argmax, codes packed
// LSB first), independent of the vectorised kernels it checks.
#include "lshrs/cross_polytope.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

void reference_fht(std::vector<float>& x) {
  for (std::size_t h = 1; h < x.size(); h <<= 1) {
    for (std::size_t i = 0; i < x.size(); i += 2 * h) {
      for (std::size_t j = i; j < i + h; ++j) {
        const float a = x[j], b = x[j + h];
        x[j] = a + b;
        x[j + h] = a - b;
      }
    }
  }
}

struct Reference {
  std::vector<std::uint8_t> bytes;
  std::vector<float> rotated;
};

Reference reference_hash(const CrossPolytopeHasher& hasher, const std::vector<float>& vectors) {
  const std::size_t dim = hasher.dim(), padded = hasher.padded_dim(dim);
  const std::size_t bands = hasher.num_bands(), k = hasher.hashes_per_band();
  const std::size_t n = vectors.size() / dim, bits = hasher.bits_per_hash();
  const std::size_t width = hasher.band_bytes();
  Reference r;
  r.bytes.assign(n * bands * width, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t t = 0; t < bands * k; ++t) {
      const float* sign = hasher.signs().data() + t * 3 * padded;
      std::vector<float> x(padded, 0.0f);
      for (std::size_t j = 0; j < dim; ++j) x[j] = vectors[i * dim + j];
      for (std::size_t round = 0; round < 3; ++round) {
        for (std::size_t j = 0; j < padded; ++j) x[j] *= sign[round * padded + j];
        reference_fht(x);
      }
      std::size_t best = 0;
      for (std::size_t j = 1; j < padded; ++j) {
        if (std::fabs(x[j]) > std::fabs(x[best])) best = j;
      }
      const std::uint32_t code = static_cast<std::uint32_t>(2 * best + (x[best] < 0.0f ? 1 : 0));
      std::uint8_t* out = r.bytes.data() + (i * bands + t / k) * width;
      for (std::size_t bit = 0; bit < bits; ++bit) {
        const std::size_t at = (t % k) * bits + bit;
        out[at >> 3] |= static_cast<std::uint8_t>(((code >> bit) & 1u) << (at & 7));
      }
      r.rotated.insert(r.rotated.end(), x.begin(), x.end());
    }
  }
  return r;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Shapes: the benchmark's (128 = d'), padding (100 -> 128), every FHT path
// below 8 (2, 4), one of AVX-512's width (16) and a block tail (n not a
// multiple of the 64-row block).
TEST(CrossPolytopeBits, EveryCodeAndRotationEqualsTheScalarReference) {
  struct Shape { std::size_t dim, bands, k, n; };
  for (const Shape s : {Shape{128, 12, 2, 150}, Shape{100, 3, 2, 70}, Shape{2, 2, 3, 40},
                        Shape{3, 2, 2, 40}, Shape{16, 4, 1, 65}, Shape{300, 2, 1, 9}}) {
    const CrossPolytopeHasher hasher(s.dim, s.bands, s.k, 42);
    const auto vectors = random_vectors(s.n, s.dim, static_cast<unsigned>(s.dim));
    std::vector<float> rotated;
    const Signatures got = hasher.hash(vectors, rotated);
    const Reference want = reference_hash(hasher, vectors);
    EXPECT_EQ(got.bytes, want.bytes) << "dim " << s.dim;
    EXPECT_TRUE(same_bits(rotated, want.rotated)) << "dim " << s.dim;
    EXPECT_EQ(hasher.hash(vectors).bytes, want.bytes) << "dim " << s.dim << " without rotations";
  }
}

// Ties and zeros: the first largest |coordinate| wins, +0 and -0 alike, so a
// vectorised argmax that picks another lane on a tie would fail here.
TEST(CrossPolytopeBits, TiesGoToTheFirstLargestCoordinate) {
  const CrossPolytopeHasher hasher(8, 4, 2, 7);
  std::vector<float> vectors(8 * 4, 0.0f);           // row 0: all zero
  vectors[8 + 3] = 1.0f;                              // row 1: one axis
  for (std::size_t j = 0; j < 8; ++j) vectors[16 + j] = 1.0f;  // row 2: all equal
  for (std::size_t j = 0; j < 8; ++j) vectors[24 + j] = (j % 2) ? -0.5f : 0.5f;
  EXPECT_EQ(hasher.hash(vectors).bytes, reference_hash(hasher, vectors).bytes);
}

}  // namespace
}  // namespace lshrs::testing
