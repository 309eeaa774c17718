// Cross-polytope hashing: the fast Hadamard transform against the dense
// matrix, collision rates against Monte-Carlo with truly random rotations,
// option validation, and an index of this family end to end in memory.
#include "lshrs/cross_polytope.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/model_io.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(FastHadamard, EqualsTheDenseHadamardMatrix) {
  for (const std::size_t n : {1u, 2u, 4u, 8u, 16u, 64u, 256u}) {
    const auto x = random_vectors(1, n, static_cast<unsigned>(n));
    std::vector<float> fast = x;
    fast_hadamard_transform(fast);
    for (std::size_t i = 0; i < n; ++i) {
      double dense = 0;
      for (std::size_t j = 0; j < n; ++j) dense += (std::popcount(i & j) % 2 ? -1.0 : 1.0) * x[j];
      EXPECT_NEAR(fast[i], dense, 1e-4 * std::sqrt(static_cast<double>(n))) << "n " << n << " i " << i;
    }
  }
}

TEST(FastHadamard, RefusesSizesThatAreNotPowersOfTwo) {
  std::vector<float> x(12, 1.0f);
  expect_contains(message_of<InvalidArgument>([&] { fast_hadamard_transform(x); }),
                  "size 12 is not a power of two");
}

// One cross-polytope hash with a Gaussian random rotation (the scheme the
// pseudo-random rotations approximate), estimated by Monte-Carlo.
double gaussian_collision_rate(const std::vector<float>& a, const std::vector<float>& b,
                               std::size_t trials) {
  std::mt19937 rng(99);
  std::normal_distribution<double> normal;
  const std::size_t d = a.size();
  std::size_t same = 0;
  std::vector<double> g(d);
  for (std::size_t t = 0; t < trials; ++t) {
    std::size_t best_a = 0, best_b = 0;
    double top_a = -1, top_b = -1, sign_a = 0, sign_b = 0;
    for (std::size_t i = 0; i < d; ++i) {
      double pa = 0, pb = 0;
      for (std::size_t j = 0; j < d; ++j) {
        const double w = normal(rng);
        pa += w * a[j];
        pb += w * b[j];
      }
      if (std::fabs(pa) > top_a) top_a = std::fabs(pa), best_a = i, sign_a = pa;
      if (std::fabs(pb) > top_b) top_b = std::fabs(pb), best_b = i, sign_b = pb;
    }
    same += best_a == best_b && (sign_a < 0) == (sign_b < 0);
  }
  return static_cast<double>(same) / static_cast<double>(trials);
}

// b = cosine·a + sqrt(1 - cosine²)·(a unit vector orthogonal to a).
std::vector<float> at_cosine(const std::vector<float>& a, double cosine, unsigned seed) {
  auto r = random_vectors(1, a.size(), seed);
  double ar = 0, aa = 0;
  for (std::size_t i = 0; i < a.size(); ++i) ar += a[i] * r[i], aa += a[i] * a[i];
  double rr = 0;
  for (std::size_t i = 0; i < a.size(); ++i) r[i] -= static_cast<float>(ar / aa * a[i]), rr += r[i] * r[i];
  std::vector<float> b(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    b[i] = static_cast<float>(cosine * a[i] / std::sqrt(aa) + std::sqrt(1 - cosine * cosine) * r[i] / std::sqrt(rr));
  }
  return b;
}

TEST(CrossPolytope, CollisionRatesMatchMonteCarloEstimates) {
  const std::size_t dim = 32, hashes = 3000;
  const CrossPolytopeHasher hasher(dim, hashes, 1, 5);  // 3000 independent one-hash bands
  const auto a = random_vectors(1, dim, 1);
  double previous = 0;
  for (const double cosine : {0.3, 0.6, 0.8, 0.95}) {
    const auto b = at_cosine(a, cosine, 2);
    std::vector<float> pair(a);
    pair.insert(pair.end(), b.begin(), b.end());
    const Signatures sigs = hasher.hash(pair);
    std::size_t same = 0;
    for (std::size_t t = 0; t < hashes; ++t) same += sigs.band(0, t)[0] == sigs.band(1, t)[0];
    const double ours = static_cast<double>(same) / hashes;
    const double expected = gaussian_collision_rate(a, b, 3000);
    // Two binomial estimates of ~3000 draws: 4 standard deviations apart at most.
    const double sd = std::sqrt(expected * (1 - expected) * 2 / 3000);
    EXPECT_NEAR(ours, expected, 4 * sd + 0.01) << "cosine " << cosine;
    EXPECT_GT(ours, previous) << "collisions grow with similarity";
    previous = ours;
  }
}

TEST(CrossPolytope, CodesAreTheLargestSignedCoordinate) {
  // One round of flips and H from an axis vector: e_0 rotates to the sign row
  // spread out; instead check the code range and determinism on random data.
  const CrossPolytopeHasher hasher(10, 4, 3, 8);
  EXPECT_EQ(hasher.bits_per_hash(), 5u) << "d' = 16: 32 vertices";
  EXPECT_EQ(hasher.band_bytes(), 2u) << "3 hashes × 5 bits";
  const auto v = random_vectors(50, 10, 3);
  const Signatures one = hasher.hash(v);
  EXPECT_EQ(one.bytes, CrossPolytopeHasher(10, 4, 3, hasher.signs()).hash(v).bytes);
  for (std::size_t i = 0; i < 50; ++i) {
    for (std::size_t b = 0; b < 4; ++b) EXPECT_EQ(one.band(i, b)[1] >> 7, 0) << "bit 15 unused";
  }
}

TEST(CrossPolytope, RefusesBadSignsAndShapes) {
  expect_contains(message_of<InvalidArgument>([] { CrossPolytopeHasher(0, 1, 1, 1); }),
                  "dim=0");
  std::vector<float> signs(3 * 8, 1.0f);
  signs[5] = 0.5f;
  expect_contains(message_of<InvalidArgument>([&] { CrossPolytopeHasher(5, 1, 1, signs); }),
                  "sign value 0.5");
  expect_contains(message_of<InvalidArgument>([&] {
                    CrossPolytopeHasher(5, 2, 1, std::vector<float>(24, 1.0f));
                  }),
                  "24 sign values given, expected");
  expect_contains(message_of<InvalidArgument>([] { parse_family("cube"); }),
                  "unknown hash family \"cube\"");
  EXPECT_EQ(parse_family(family_name(HashFamily::kCrossPolytope)), HashFamily::kCrossPolytope);
}

IndexOptions polytope_options() {
  IndexOptions o;
  o.dim = 16;
  o.family = HashFamily::kCrossPolytope;
  o.num_perm = 12;
  o.num_bands = 6;
  o.rows_per_band = 2;
  o.prefix = "cp";
  return o;
}

TEST(CrossPolytopeIndex, FindsNearDuplicatesAndProbesReadMore) {
  Index index(polytope_options());
  const auto vecs = random_vectors(2000, 16, 21);
  const std::vector<std::int64_t> ids = iota_ids(2000);
  index.index(ids, vecs);
  std::size_t plain = 0, probed = 0, found = 0;
  QueryOptions q;
  q.top_k = std::nullopt;
  for (std::size_t i = 0; i < 40; ++i) {
    std::vector<float> near(vecs.begin() + static_cast<std::ptrdiff_t>(i * 16),
                            vecs.begin() + static_cast<std::ptrdiff_t>(i * 16 + 16));
    for (auto& x : near) x *= 1.01f;
    q.probes = 0;
    const auto r = index.query(near, q);
    plain += r.candidates;
    found += !r.neighbors.empty() && r.neighbors.front().id == static_cast<std::int64_t>(i);
    q.probes = 20;
    probed += index.query(near, q).candidates;
  }
  EXPECT_EQ(found, 40u) << "a scaled copy hashes like the original in every band";
  EXPECT_GT(probed, plain);
}

TEST(CrossPolytopeIndex, FamilyIsRecordedInMetaAndModelAndChecked) {
  auto store = std::make_shared<MemoryStore>();
  Index index(polytope_options(), store);
  const auto vecs = random_vectors(30, 16, 4);
  const std::vector<std::int64_t> ids = iota_ids(30);
  index.index(ids, vecs);

  Index reopened = Index::open(store, "cp");
  EXPECT_EQ(reopened.family(), HashFamily::kCrossPolytope);
  EXPECT_EQ(reopened.query(std::span(vecs).first(16)).neighbors.front().id, 0);
  EXPECT_THROW(reopened.hasher(), ConfigurationError);

  IndexOptions hyper = polytope_options();
  hyper.family = HashFamily::kHyperplane;
  expect_contains(message_of<ConfigurationError>([&] { Index(hyper, store); }),
                  "family=cross-polytope");

  const ScratchDir dir("cp-model");
  index.save(dir.path());
  expect_contains(read_text(dir / "metadata.json"), "\"family\": \"cross-polytope\"");
  Index loaded = Index::load(dir.path());
  EXPECT_EQ(loaded.polytope_hasher().signs(), index.polytope_hasher().signs());
}

TEST(CrossPolytopeIndex, HyperplaneModelsHaveNoFamilyKey) {
  IndexOptions o = polytope_options();
  o.family = HashFamily::kHyperplane;
  Index index(o);
  const ScratchDir dir("hp-model");
  index.save(dir.path());
  EXPECT_EQ(read_text(dir / "metadata.json").find("family"), std::string::npos)
      << "the Python package's format, unchanged";
}

}  // namespace
}  // namespace lshrs::testing
