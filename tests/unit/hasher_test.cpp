#include "lshrs/hasher.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <fstream>
#include <sstream>

#include "lshrs/error.hpp"
#include "lshrs/store.hpp"
#include "lsh/random.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

TEST(ProjectionGenerator, LshrsV0MatchesTheIndependentPythonImplementationBitForBit) {
  ScratchDir dir("proj");
  for (const auto& [seed, rows, dim] : {std::tuple<std::uint64_t, std::size_t, std::size_t>{42, 16, 24},
                                        {0, 3, 7}, {18446744073709551615ull, 8, 33}}) {
    run_oracle("projections.py", std::to_string(seed) + " " + std::to_string(rows) + " " +
                                     std::to_string(dim) + " " + (dir / "p.f32").string());
    const auto expected = read_floats(dir / "p.f32");
    const auto got = generate_projections(seed, rows, dim, ProjectionGenerator::kLshrsV0);
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(std::bit_cast<std::uint32_t>(got[i]), std::bit_cast<std::uint32_t>(expected[i]))
          << "seed " << seed << " value " << i << ": " << got[i] << " vs " << expected[i];
    }
  }
}

TEST(ProjectionGenerator, EachGeneratorIsStandardNormal) {
  for (const auto generator : {ProjectionGenerator::kNumpy, ProjectionGenerator::kLshrsV0}) {
    const auto p = generate_projections(7, 200, 500, generator);  // 100,000 draws
    double sum = 0, sum2 = 0, sum4 = 0;
    for (const float x : p) {
      sum += x;
      sum2 += double(x) * x;
      sum4 += std::pow(double(x), 4);
    }
    const double n = static_cast<double>(p.size());
    const auto name = projection_generator_name(generator);
    EXPECT_NEAR(sum / n, 0.0, 0.02) << name;   // sd of the mean: 0.0032
    EXPECT_NEAR(sum2 / n, 1.0, 0.03) << name;  // sd of the variance estimate: 0.0045
    EXPECT_NEAR(sum4 / n, 3.0, 0.15) << name;  // kurtosis of a normal
  }
}

TEST(ProjectionGenerator, PortableLogAgreesWithLibm) {
  for (double x : {1e-300, 1e-9, 0.001, 0.25, 0.5, 0.70710678, 0.9999999, 1.0}) {
    EXPECT_NEAR(detail::portable_log(x), std::log(x), 4e-16 * std::max(1.0, std::fabs(std::log(x))))
        << x;
  }
}

TEST(ProjectionGenerator, SeedsAndGeneratorsGiveDifferentMatrices) {
  EXPECT_NE(generate_projections(1, 4, 4), generate_projections(2, 4, 4));
  EXPECT_EQ(generate_projections(1, 4, 4), generate_projections(1, 4, 4));
  EXPECT_NE(generate_projections(1, 4, 4, ProjectionGenerator::kLshrsV0),
            generate_projections(1, 4, 4, ProjectionGenerator::kNumpy));
  // The default is numpy's.
  EXPECT_EQ(generate_projections(1, 4, 4), generate_projections(1, 4, 4, ProjectionGenerator::kNumpy));
  EXPECT_EQ(Hasher(4, 2, 2, 1).projections(), generate_projections(1, 4, 4, ProjectionGenerator::kNumpy));
  EXPECT_EQ(Hasher(4, 2, 2, 1, ProjectionGenerator::kLshrsV0).projections(),
            generate_projections(1, 4, 4, ProjectionGenerator::kLshrsV0));
}

// The Python package's keys, computed by numpy from the same projections.
TEST(Hasher, BucketKeysMatchTheNumpyOracle) {
  ScratchDir dir("sig");
  for (const auto& [dim, bands, rows] : {std::tuple<std::size_t, std::size_t, std::size_t>{16, 4, 8},
                                         {33, 3, 13}, {8, 2, 1}, {64, 2, 32}}) {
    const Hasher hasher(dim, bands, rows, 1234);
    auto all = random_vectors(80, dim, 99);
    // Keep only vectors with no dot product near 0: float32 summation order
    // may legitimately flip those bits between numpy and Eigen.
    std::vector<float> vecs;
    const auto& p = hasher.projections();
    for (std::size_t i = 0; i < 80; ++i) {
      bool clear = true;
      for (std::size_t j = 0; j < bands * rows && clear; ++j) {
        double dot = 0;
        for (std::size_t k = 0; k < dim; ++k) dot += double(p[j * dim + k]) * all[i * dim + k];
        clear = std::fabs(dot) > 1e-3;
      }
      if (clear) vecs.insert(vecs.end(), all.begin() + i * dim, all.begin() + (i + 1) * dim);
    }
    ASSERT_GT(vecs.size(), 20 * dim);
    write_floats(dir / "p.f32", p);
    write_floats(dir / "v.f32", vecs);
    run_oracle("signatures.py", (dir / "p.f32").string() + " " + (dir / "v.f32").string() + " " +
                                    std::to_string(dim) + " " + std::to_string(bands) + " " +
                                    std::to_string(rows) + " pfx " + (dir / "keys.txt").string());
    const Signatures sigs = hasher.hash(vecs);
    std::ifstream keys(dir / "keys.txt");
    std::string line;
    for (std::size_t i = 0; i < sigs.count; ++i) {
      ASSERT_TRUE(std::getline(keys, line));
      std::istringstream expected(line);
      for (std::size_t b = 0; b < bands; ++b) {
        std::string key;
        expected >> key;
        EXPECT_EQ(bucket_key("pfx", b, sigs.band(i, b)), key) << "vector " << i << " band " << b;
      }
    }
  }
}

TEST(Hasher, PacksBitsLeastSignificantFirst) {
  // Hyperplanes e0, -e0, e1, e0 ... over 2-d vectors make the bits predictable.
  std::vector<float> p = {1, 0, -1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, 1, -1, 0, 1, 0};  // 9 rows
  const Hasher hasher(2, 1, 9, p);
  const std::vector<float> v = {1, 1};  // dots: 1 -1 1 1 -1 1 1 -1 1
  const auto sigs = hasher.hash(v);
  ASSERT_EQ(sigs.band_bytes, 2u);
  EXPECT_EQ(sigs.band(0, 0)[0], 0b01101101);
  EXPECT_EQ(sigs.band(0, 0)[1], 0b00000001);
}

TEST(Hasher, ZeroDotIsBitZero) {
  const Hasher hasher(2, 1, 2, std::vector<float>{1, 0, 0, 1});
  const std::vector<float> v = {0, 1};
  EXPECT_EQ(hasher.hash(v).band(0, 0)[0], 0b10);
}

TEST(Hasher, BatchEqualsOneByOneAcrossChunks) {
  const Hasher hasher(20, 4, 8, 5);
  const auto vecs = random_vectors(5000, 20, 3);  // > one internal chunk
  const auto batch = hasher.hash(vecs);
  for (std::size_t i = 0; i < 5000; i += 613) {
    const auto one = hasher.hash(std::span(vecs).subspan(i * 20, 20));
    EXPECT_TRUE(std::equal(one.bytes.begin(), one.bytes.end(), batch.row(i).begin())) << i;
  }
}

TEST(Hasher, MarginsAreDistancesToTheHyperplanes) {
  const Hasher hasher(2, 1, 2, std::vector<float>{1, 0, 0, -2});
  std::vector<float> margins;
  hasher.hash(std::vector<float>{3, 1}, margins);
  EXPECT_EQ(margins, (std::vector<float>{3, 1}));
}

TEST(Hasher, RefusesBadShapes) {
  EXPECT_THROW(Hasher(0, 1, 1, 1u), InvalidArgument);
  EXPECT_THROW(Hasher(4, 0, 1, 1u), InvalidArgument);
  EXPECT_THROW(Hasher(2, 1, 2, std::vector<float>{1, 2, 3}), InvalidArgument);
  EXPECT_THROW(Hasher(1, 1, 1, std::vector<float>{NAN}), InvalidArgument);
  const Hasher h(3, 1, 1, 1u);
  EXPECT_THROW(h.hash(std::vector<float>{1, 2}), InvalidArgument);
}

TEST(Keys, LayoutIsThePythonPackages) {
  const std::uint8_t sig[] = {0xa1, 0x0f};
  EXPECT_EQ(bucket_key("lsh", 3, sig), "lsh:3:bucket:a10f");
  EXPECT_EQ(signature_key("lsh", 42), "lsh:sig:42");
  EXPECT_EQ(meta_key("lsh"), "lsh:meta");
  EXPECT_THROW(validate_prefix(""), InvalidArgument);
  EXPECT_THROW(validate_prefix("a b"), InvalidArgument);
  EXPECT_THROW(validate_prefix("a\nb"), InvalidArgument);
  EXPECT_NO_THROW(validate_prefix("catalog:v2*"));
}

}  // namespace
}  // namespace lshrs::testing
