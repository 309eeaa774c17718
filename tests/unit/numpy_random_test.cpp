// numpy's random stream (src/lsh/numpy_random.hpp) against the system numpy
// (tests/oracle/numpy_rng.py), bit for bit: SeedSequence pools and states,
// PCG64's raw output, next_double, the ziggurat's standard normals on all of
// its paths, and the original package's float32 projections. Over 10^7 draws
// in all; the oracle writes raw little-endian bytes, compared here.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>

#include "lsh/numpy_random.hpp"
#include "lsh/ziggurat_tables.hpp"
#include "lshrs/error.hpp"
#include "lshrs/hasher.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

using detail::Pcg64;
using detail::SeedSequence;

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// Edge seeds: 0 and 1 word of entropy, the largest 1-word, the smallest
// 2-word, the top bit, the largest seed; then random ones from a fixed stream.
std::vector<std::uint64_t> seeds(std::size_t random_count) {
  std::vector<std::uint64_t> s = {0, 1, 42, (1ull << 32) - 1, 1ull << 32, 1ull << 63, kMax};
  std::mt19937_64 rng(20261201);
  for (std::size_t i = 0; i < random_count; ++i) {
    const auto bits = rng() % 64;  // seeds of every width
    s.push_back(rng() >> bits);
  }
  return s;
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Runs the oracle on `cases`, returning each case's bytes.
std::vector<std::string> numpy(const ScratchDir& dir, const std::vector<std::string>& cases) {
  std::string args = dir.path().string();
  for (const auto& c : cases) args += " " + c;
  run_oracle("numpy_rng.py", args);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    out.push_back(read_bytes(dir / (std::to_string(i) + ".bin")));
  }
  return out;
}

template <typename T>
std::string bytes_of(const std::vector<T>& values) {
  return {reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T)};
}

// Equal bytes, or the first differing element of type T, named.
template <typename T>
void expect_same(const std::string& ours, const std::string& theirs, const std::string& what) {
  ASSERT_EQ(ours.size(), theirs.size()) << what;
  if (ours == theirs) return;
  for (std::size_t i = 0; i < ours.size() / sizeof(T); ++i) {
    T a, b;
    std::memcpy(&a, ours.data() + i * sizeof(T), sizeof(T));
    std::memcpy(&b, theirs.data() + i * sizeof(T), sizeof(T));
    if (std::memcmp(&a, &b, sizeof(T)) != 0) {
      FAIL() << what << ": element " << i << " is " << a << ", numpy has " << b;
    }
  }
}

TEST(NumpyRandom, SeedSequenceAndPcg64SeedingMatchNumpy) {
  ScratchDir dir("ss");
  const auto all = seeds(40);
  std::vector<std::string> cases;
  for (const auto s : all) cases.push_back("seedseq:" + std::to_string(s));
  const auto expected = numpy(dir, cases);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const SeedSequence ss(all[i]);
    const Pcg64 rng(all[i]);
    std::string ours(reinterpret_cast<const char*>(ss.pool().data()), 16);
    ours += bytes_of(ss.generate_state32(8)) + bytes_of(ss.generate_state64(4));
    const std::vector<std::uint64_t> state = {
        static_cast<std::uint64_t>(rng.state() >> 64), static_cast<std::uint64_t>(rng.state()),
        static_cast<std::uint64_t>(rng.increment() >> 64),
        static_cast<std::uint64_t>(rng.increment())};
    ours += bytes_of(state);
    expect_same<std::uint32_t>(ours, expected[i], "seed " + std::to_string(all[i]));
  }
}

TEST(NumpyRandom, Pcg64RawOutputAndDoublesMatchNumpy) {
  ScratchDir dir("raw");
  const auto all = seeds(8);  // 15 seeds × 250,000 uint64 + 4 × 100,000 doubles
  constexpr std::size_t kRaw = 250'000, kDoubles = 100'000;
  std::vector<std::string> cases;
  for (const auto s : all) cases.push_back("raw:" + std::to_string(s) + ":" + std::to_string(kRaw));
  for (std::size_t i = 0; i < 4; ++i) {
    cases.push_back("double:" + std::to_string(all[i * 2]) + ":" + std::to_string(kDoubles));
  }
  const auto expected = numpy(dir, cases);
  for (std::size_t i = 0; i < all.size(); ++i) {
    Pcg64 rng(all[i]);
    std::vector<std::uint64_t> ours(kRaw);
    for (auto& x : ours) x = rng.next_uint64();
    expect_same<std::uint64_t>(bytes_of(ours), expected[i], "raw, seed " + std::to_string(all[i]));
  }
  for (std::size_t i = 0; i < 4; ++i) {
    Pcg64 rng(all[i * 2]);
    std::vector<double> ours(kDoubles);
    for (auto& x : ours) x = rng.next_double();
    expect_same<double>(bytes_of(ours), expected[all.size() + i],
                        "doubles, seed " + std::to_string(all[i * 2]));
  }
}

// 6 × 10^6 normals: about 40,000 wedge draws, 1,500 tail draws and 400 that
// start over, so every branch of the ziggurat is compared with numpy.
TEST(NumpyRandom, StandardNormalMatchesNumpyOnEveryZigguratPath) {
  ScratchDir dir("normal");
  const std::vector<std::uint64_t> chosen = {42, 0, kMax, 1ull << 63, 123456789, 987654321987654321};
  constexpr std::size_t kCount = 1'000'000;
  std::vector<std::string> cases;
  for (const auto s : chosen) cases.push_back("normal:" + std::to_string(s) + ":" + std::to_string(kCount));
  const auto expected = numpy(dir, cases);
  detail::ZigguratCounts counts;
  std::size_t tail_positive = 0, tail_negative = 0;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    Pcg64 rng(chosen[i]);
    std::vector<double> ours(kCount);
    for (auto& x : ours) {
      x = detail::standard_normal(rng, &counts);
      if (x > detail::ziggurat::kR) ++tail_positive;
      if (x < -detail::ziggurat::kR) ++tail_negative;
    }
    expect_same<double>(bytes_of(ours), expected[i], "normals, seed " + std::to_string(chosen[i]));
  }
  EXPECT_GT(counts.rectangle, chosen.size() * kCount / 100 * 98);
  EXPECT_GT(counts.wedge, 1000u);
  EXPECT_GT(counts.tail, 100u);
  EXPECT_GT(counts.rejected, 10u);
  EXPECT_GT(tail_positive, 50u);
  EXPECT_GT(tail_negative, 50u);
}

// What the original package's LSHHasher draws: one default_rng(seed), then
// standard_normal((rows_per_band, dim)).astype(float32) per band.
TEST(NumpyRandom, ProjectionsAreTheOriginalPackagesForTheSameSeed) {
  ScratchDir dir("proj");
  struct Shape {
    std::uint64_t seed;
    std::size_t bands, rows, dim;
  };
  std::vector<Shape> shapes = {{42, 16, 8, 768}, {42, 8, 16, 384}, {0, 1, 1, 1},
                               {kMax, 3, 5, 7},  {1ull << 63, 32, 4, 100}, {4294967295, 4, 32, 1536},
                               {7, 128, 1, 3}};
  std::mt19937_64 rng(99);
  for (int i = 0; i < 6; ++i) shapes.push_back({rng(), 1 + rng() % 20, 1 + rng() % 24, 1 + rng() % 300});
  std::vector<std::string> cases;
  for (const auto& s : shapes) {
    std::ostringstream c;
    c << "projections:" << s.seed << ":" << s.bands << ":" << s.rows << ":" << s.dim;
    cases.push_back(c.str());
  }
  const auto expected = numpy(dir, cases);
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const auto& s = shapes[i];
    expect_same<float>(bytes_of(generate_projections(s.seed, s.bands * s.rows, s.dim)), expected[i],
                       cases[i]);
    const Hasher hasher(s.dim, s.bands, s.rows, s.seed);  // the default generator is numpy's
    expect_same<float>(bytes_of(hasher.projections()), expected[i], "Hasher " + cases[i]);
  }
}

// The literal tables (numpy's data) against the recurrence that defines them
// (Marsaglia & Tsang 2000) run in double: agreement to ~1e-13 shows no entry
// was damaged; bit equality is not expected (numpy computed them in more
// precision), which is why they are data.
TEST(NumpyRandom, ZigguratTablesFollowTheirDefiningRecurrence) {
  using namespace detail::ziggurat;
  constexpr double kV = 4.928673233974655e-3;  // area of each level
  constexpr double kM = 4503599627370496.0;    // 2^52
  double ki[kLevels], wi[kLevels], fi[kLevels];
  double dn = kR, tn = kR;
  const double q = kV / std::exp(-0.5 * dn * dn);
  ki[0] = dn / q * kM;
  ki[1] = 0;
  wi[0] = q / kM;
  wi[kLevels - 1] = dn / kM;
  fi[0] = 1;
  fi[kLevels - 1] = std::exp(-0.5 * dn * dn);
  for (std::size_t i = kLevels - 2; i >= 1; --i) {
    dn = std::sqrt(-2 * std::log(kV / dn + std::exp(-0.5 * dn * dn)));
    ki[i + 1] = dn / tn * kM;
    tn = dn;
    fi[i] = std::exp(-0.5 * dn * dn);
    wi[i] = dn / kM;
  }
  for (std::size_t i = 0; i < kLevels; ++i) {
    EXPECT_NEAR(static_cast<double>(kKi[i]), ki[i], 1e-12 * kM) << "ki " << i;
    EXPECT_NEAR(kWi[i], wi[i], 1e-12 * wi[i]) << "wi " << i;
    EXPECT_NEAR(kFi[i], fi[i], 1e-12 * fi[i]) << "fi " << i;
  }
  EXPECT_DOUBLE_EQ(kInvR, 1.0 / kR);
}

TEST(ProjectionGeneratorNames, RoundTripAndRefuseUnknownNamesNamingThem) {
  for (const auto g : {ProjectionGenerator::kNumpy, ProjectionGenerator::kLshrsV0}) {
    EXPECT_EQ(parse_projection_generator(projection_generator_name(g)), g);
  }
  try {
    parse_projection_generator("numpy2");
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("\"numpy2\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("lshrs-v0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lshrs::testing
