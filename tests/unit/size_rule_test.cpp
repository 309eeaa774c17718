// The data-driven choice of bands and rows from the expected number of vectors.
#include <gtest/gtest.h>

#include <cmath>

#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/tuning.hpp"

namespace lshrs::testing {
namespace {

TEST(SizeBasedBands, HyperplaneBitsGrowWithLog2OfTheSize) {
  // 1M / 16 = 62,500 → 16 bits (2^16 = 65,536 buckets of ~15 ids).
  const auto m = size_based_bands(HashFamily::kHyperplane, 128, 1'000'000, 128);
  EXPECT_EQ(m.rows, 16u);
  EXPECT_EQ(m.bands, 8u);
  EXPECT_EQ(size_based_bands(HashFamily::kHyperplane, 128, 100'000, 128).rows, 13u);
  EXPECT_EQ(size_based_bands(HashFamily::kHyperplane, 128, 10, 128).rows, 1u) << "at least 1 bit";
  std::size_t previous = 0;
  for (std::size_t n = 1'000; n <= 100'000'000; n *= 10) {
    const auto c = size_based_bands(HashFamily::kHyperplane, 64, n, 256);
    EXPECT_GE(c.rows, previous);
    // The rule's promise: n / 2^bits stays within [target/2, target].
    const double mean_bucket = static_cast<double>(n) / std::pow(2.0, static_cast<double>(c.rows));
    EXPECT_LE(mean_bucket, static_cast<double>(kTargetBucketSize)) << n;
    EXPECT_GT(mean_bucket, static_cast<double>(kTargetBucketSize) / 2) << n;
    previous = c.rows;
  }
}

TEST(SizeBasedBands, CrossPolytopeCountsBitsPerHash) {
  // dim 128: d' = 128, 256 vertices = 8 bits a hash; 16 bits → 2 hashes.
  const auto c = size_based_bands(HashFamily::kCrossPolytope, 128, 1'000'000, 128);
  EXPECT_EQ(c.rows, 2u);
  EXPECT_EQ(c.bits_per_band, 16u);
  EXPECT_EQ(c.bands, 8u);
  EXPECT_EQ(size_based_bands(HashFamily::kCrossPolytope, 100, std::nullopt, 64).rows, 1u);
  EXPECT_EQ(size_based_bands(HashFamily::kHyperplane, 8, 1'000'000, 4).rows, 4u) << "budget caps a band";
}

TEST(SizeBasedBands, RefusesZeros) {
  EXPECT_THROW(size_based_bands(HashFamily::kHyperplane, 0, 10, 8), InvalidArgument);
  EXPECT_THROW(size_based_bands(HashFamily::kHyperplane, 8, 10, 0), InvalidArgument);
  EXPECT_THROW(size_based_bands(HashFamily::kHyperplane, 8, 0, 8), InvalidArgument);
}

TEST(SizeBasedBands, IndexOptionsUseItWhenTheSizeIsKnown) {
  IndexOptions o;
  o.dim = 32;
  o.expected_size = 1'000'000;
  Index index(o);
  EXPECT_EQ(index.config().rows_per_band, 16u);
  EXPECT_EQ(index.config().num_bands, 8u);
  EXPECT_EQ(index.config().num_perm, 128u);
  o.expected_size = 0;
  try {
    Index bad(o);
    ADD_FAILURE() << "expected_size 0 accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("expected_size must be positive (got 0)"), std::string::npos);
  }
  o.expected_size = std::nullopt;
  EXPECT_EQ(Index(o).config().num_bands * Index(o).config().rows_per_band, 128u)
      << "unknown size: the threshold rule as before";
}

}  // namespace
}  // namespace lshrs::testing
