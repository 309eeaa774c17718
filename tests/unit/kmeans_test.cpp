// The k-means family: training (deterministic, sane, refusals), hashing against
// a brute-force argmax, the probe order against a brute-force sort of the
// (band, centroid) gaps, recall on clustered data, model directory and meta
// round trips, and the refusal to open one without its centroids.
#include "lshrs/kmeans.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "lsh/family_probes.hpp"
#include "lshrs/error.hpp"
#include "lshrs/exact.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/model_io.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

constexpr std::size_t kDim = 24;

// n points around `clusters` random directions (noise `spread` per component).
std::vector<float> clustered(std::size_t n, std::size_t clusters, float spread, unsigned seed) {
  const auto centres = random_vectors(clusters, kDim, seed);
  std::mt19937 rng(seed + 1);
  std::normal_distribution<float> noise(0.0f, spread);
  std::uniform_int_distribution<std::size_t> pick(0, clusters - 1);
  std::vector<float> out(n * kDim);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t c = pick(rng);
    for (std::size_t k = 0; k < kDim; ++k) out[i * kDim + k] = centres[c * kDim + k] + noise(rng);
  }
  return out;
}


KMeansTrainOptions train_options(std::size_t bands, std::size_t bits, std::uint64_t seed = 7) {
  KMeansTrainOptions o;
  o.num_bands = bands;
  o.bits_per_band = bits;
  o.iterations = 8;
  o.sample_size = 1500;
  o.seed = seed;
  return o;
}

IndexOptions kmeans_options(std::size_t bands, std::size_t bits, std::vector<float> centroids) {
  IndexOptions o;
  o.dim = kDim;
  o.family = HashFamily::kKMeans;
  o.num_bands = bands;
  o.rows_per_band = bits;
  o.num_perm = bands * bits;
  o.projections = std::move(centroids);
  o.prefix = "km";
  return o;
}

double dot(const float* a, const float* b) {
  double s = 0;
  for (std::size_t k = 0; k < kDim; ++k) s += static_cast<double>(a[k]) * b[k];
  return s;
}

TEST(KMeansTraining, IsDeterministicForASeedAndDiffersAcrossSeedsAndBands) {
  const auto data = clustered(2000, 16, 0.3f, 1);
  const auto a = train_kmeans(data, kDim, train_options(2, 4));
  EXPECT_EQ(a, train_kmeans(data, kDim, train_options(2, 4))) << "same seed, same centroids";
  EXPECT_NE(a, train_kmeans(data, kDim, train_options(2, 4, 8)));
  ASSERT_EQ(a.size(), 2u * 16 * kDim);
  EXPECT_FALSE(std::equal(a.begin(), a.begin() + 16 * kDim, a.begin() + 16 * kDim))
      << "bands are trained from their own samples and initialisations";
  for (std::size_t r = 0; r < 32; ++r) EXPECT_NEAR(dot(&a[r * kDim], &a[r * kDim]), 1.0, 1e-4);
}

TEST(KMeansTraining, ConvergesToTheClustersAndReportsProgress) {
  const auto data = clustered(3000, 8, 0.2f, 2);
  KMeansTrainOptions o = train_options(1, 3);
  std::vector<double> similarity;
  o.progress = [&](const KMeansProgress& p) { similarity.push_back(p.mean_similarity); };
  train_kmeans(data, kDim, o);
  ASSERT_FALSE(similarity.empty());
  EXPECT_GE(similarity.back() + 1e-9, similarity.front()) << "Lloyd iterations never get worse";
  EXPECT_GT(similarity.back(), 0.9) << "8 tight clusters, 8 centroids";
}

TEST(KMeansTraining, RefusesShapesItCannotTrain) {
  const auto data = clustered(100, 4, 0.2f, 3);
  expect_contains(message_of<InvalidArgument>([&] { train_kmeans(data, kDim, train_options(1, 0)); }),
                  "must be in 1..16");
  expect_contains(message_of<InvalidArgument>([&] { train_kmeans(data, kDim, train_options(1, 17)); }),
                  "got 17");
  expect_contains(message_of<InvalidArgument>([&] { train_kmeans(data, kDim, train_options(1, 7)); }),
                  "100 usable (finite, non-zero) rows of 100 cannot train 128 centroids");
  KMeansTrainOptions small = train_options(1, 5);
  small.sample_size = 20;
  expect_contains(message_of<InvalidArgument>([&] { train_kmeans(data, kDim, small); }),
                  "a sample of 20 rows cannot train 32 centroids");
  expect_contains(message_of<InvalidArgument>([&] { train_kmeans(std::span(data).first(25), kDim, train_options(1, 2)); }),
                  "not a whole number of rows");
}

TEST(KMeansHasher, EveryRowHashesToItsArgmaxCentroid) {
  const auto data = clustered(1500, 12, 0.4f, 4);
  const std::size_t bands = 3, bits = 9;  // 512 centroids: two bytes a band
  const auto centroids = train_kmeans(data, kDim, train_options(bands, bits));
  const KMeansHasher hasher(kDim, bands, bits, centroids);
  EXPECT_EQ(hasher.band_bytes(), 2u);
  const auto queries = random_vectors(700, kDim, 5);  // more than one block of rows
  std::vector<float> dots;
  const Signatures sigs = hasher.hash(queries, dots);
  ASSERT_EQ(dots.size(), 700u * bands * 512);
  for (std::size_t i = 0; i < 700; ++i) {
    for (std::size_t b = 0; b < bands; ++b) {
      std::size_t best = 0;
      double top = -1e30;
      for (std::size_t j = 0; j < 512; ++j) {
        const double d = dot(&queries[i * kDim], &centroids[(b * 512 + j) * kDim]);
        if (d > top + 1e-5) top = d, best = j;  // a near tie may go either way in float
      }
      const auto band = sigs.band(i, b);
      const std::size_t code = band[0] | (std::size_t{band[1]} << 8);
      const double got = dot(&queries[i * kDim], &centroids[(b * 512 + code) * kDim]);
      EXPECT_NEAR(got, top, 1e-4) << "row " << i << " band " << b << " code " << code << " best " << best;
    }
  }
  const auto first = sigs.row(0);
  EXPECT_EQ(hasher.hash(std::span(queries).first(kDim)).bytes,
            std::vector<std::uint8_t>(first.begin(), first.end()))
      << "one vector hashes as in a batch";
}

TEST(KMeansHasher, RefusesBadCentroids) {
  expect_contains(message_of<InvalidArgument>([] { KMeansHasher(4, 1, 2, std::vector<float>(12, 1.0f)); }),
                  "12 centroid values, expected num_bands · 2^bits · dim = 16");
  std::vector<float> zero(16, 1.0f);
  std::fill(zero.begin() + 4, zero.begin() + 8, 0.0f);
  expect_contains(message_of<InvalidArgument>([&] { KMeansHasher(4, 1, 2, zero); }),
                  "projection row 1 is all zeros");
}

TEST(KMeansProbes, OrderEqualsABruteForceSortOfGaps) {
  const auto data = clustered(1500, 12, 0.4f, 6);
  const std::size_t bands = 3, bits = 5, c = 32;
  const auto centroids = train_kmeans(data, kDim, train_options(bands, bits));
  const KMeansHasher hasher(kDim, bands, bits, centroids);
  for (unsigned q = 0; q < 5; ++q) {
    const auto query = random_vectors(1, kDim, 60 + q);
    std::vector<float> dots;
    const Signatures sigs = hasher.hash(query, dots);
    struct Gap {
      double gap;
      std::uint32_t band;
      std::uint8_t code;
    };
    std::vector<Gap> all;
    for (std::uint32_t b = 0; b < bands; ++b) {
      const std::uint8_t best = sigs.band(0, b)[0];
      const double top = dot(query.data(), &centroids[(b * c + best) * kDim]);
      for (std::size_t j = 0; j < c; ++j) {
        if (j == best) continue;
        all.push_back({top - dot(query.data(), &centroids[(b * c + j) * kDim]), b,
                       static_cast<std::uint8_t>(j)});
      }
    }
    std::sort(all.begin(), all.end(), [](const Gap& x, const Gap& y) { return x.gap < y.gap; });
    for (const std::size_t budget : {1u, 7u, 40u, 200u}) {
      SCOPED_TRACE("query " + std::to_string(q) + ", budget " + std::to_string(budget));
      std::vector<BucketRef> refs;
      detail::append_query_buckets(sigs, 0, detail::kmeans_candidates(dots, bands, c, budget), budget,
                                   bits, refs);
      const std::size_t expected = std::min<std::size_t>(budget, all.size());
      ASSERT_EQ(refs.size(), bands + expected);
      for (std::size_t p = 0; p < expected; ++p) {
        const BucketRef& r = refs[bands + p];
        EXPECT_EQ(r.band, all[p].band) << "probe " << p;
        EXPECT_EQ(static_cast<std::uint8_t>(r.signature[0]), all[p].code) << "probe " << p;
      }
    }
  }
}

// Reranked recall@10 counted by id over queries drawn near the data.
double recall_at_10(Index& index, const std::vector<float>& base, const std::vector<float>& queries,
                    std::size_t probes) {
  const std::size_t nq = queries.size() / kDim;
  const auto truth = exact_neighbors(base, queries, kDim, 10);
  QueryOptions o;
  o.rerank = true;
  o.probes = probes;
  std::size_t hits = 0;
  for (std::size_t i = 0; i < nq; ++i) {
    const auto r = index.query(std::span(queries).subspan(i * kDim, kDim), o);
    for (const auto& nb : r.neighbors) {
      hits += std::find(truth[i].begin(), truth[i].end(), nb.id) != truth[i].end();
    }
  }
  return static_cast<double>(hits) / static_cast<double>(10 * nq);
}

TEST(KMeansIndex, ReachesHighRecallAtASmallProbeBudget) {
  const std::size_t n = 4000;
  const auto base = clustered(n, 40, 0.5f, 9);
  const auto queries = clustered(100, 40, 0.5f, 9 + 100);
  auto fetcher = std::make_shared<CallbackFetcher>(kDim, [&](std::span<const std::int64_t> ids) {
    std::vector<float> out;
    for (const auto id : ids) {
      const auto at = base.begin() + static_cast<std::ptrdiff_t>(id * static_cast<std::int64_t>(kDim));
      out.insert(out.end(), at, at + kDim);
    }
    return out;
  });
  // 64 centroids for 4,000 rows: ~60 a bucket, 2 bands.
  Index index(kmeans_options(2, 6, train_kmeans(base, kDim, train_options(2, 6))), nullptr, fetcher);
  index.index(iota_ids(n), base);
  const double plain = recall_at_10(index, base, queries, 0);
  const double probed = recall_at_10(index, base, queries, 8);
  EXPECT_GT(probed, plain);
  EXPECT_GE(probed, 0.9) << "8 runner-up centroids over 2 bands (probes 0: " << plain << ")";
}

TEST(KMeansIndex, ModelDirectoryAndMetaRoundTrip) {
  const auto base = clustered(600, 8, 0.3f, 11);
  const auto centroids = train_kmeans(base, kDim, train_options(2, 4));
  auto store = std::make_shared<MemoryStore>();
  Index index(kmeans_options(2, 4, centroids), store);
  index.index(iota_ids(600), base);

  const ScratchDir dir("km-model");
  index.save(dir.path());
  std::ifstream in(dir / "metadata.json");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  expect_contains(text, "\"family\": \"k-means\"");
  const Model model = load_model(dir.path());
  EXPECT_EQ(model.projections, centroids);
  EXPECT_EQ(projection_rows_per_band(model.config), 16u);
  Index loaded = Index::load(dir.path(), store);
  EXPECT_EQ(loaded.kmeans_hasher().centroids(), centroids);
  EXPECT_EQ(loaded.query(std::span(base).first(kDim)).neighbors.front().collisions, 2u);

  // From the store's meta alone: it keeps the centroids, so nothing else is needed.
  Index reopened = Index::open(store, "km");
  EXPECT_EQ(reopened.family(), HashFamily::kKMeans);
  EXPECT_EQ(reopened.kmeans_hasher().centroids(), centroids);
  EXPECT_THROW(reopened.hasher(), ConfigurationError);
  EXPECT_EQ(decode_meta(encode_meta(model)).projections, centroids);

  // Other centroids of the same shape are another index.
  expect_contains(message_of<ConfigurationError>([&] {
                    Index(kmeans_options(2, 4, train_kmeans(base, kDim, train_options(2, 4, 99))), store);
                  }),
                  "and different projections");
}

TEST(KMeansIndex, WithoutCentroidsItIsRefusedClearly) {
  auto store = std::make_shared<MemoryStore>();
  const std::string message =
      message_of<ConfigurationError>([&] { Index(kmeans_options(2, 4, {}), store); });
  expect_contains(message, "a k-means index needs its trained centroids, which no seed gives");
  expect_contains(message, "--model DIR");
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_FALSE(store->load_meta("km")) << "a refused open writes nothing";

  IndexOptions no_bands = kmeans_options(2, 4, std::vector<float>(2 * 16 * kDim, 1.0f));
  no_bands.num_bands.reset();
  no_bands.rows_per_band.reset();
  expect_contains(message_of<InvalidArgument>([&] { Index refused(no_bands, store); }),
                  "needs num_bands and rows_per_band");
  expect_contains(message_of<InvalidArgument>([&] {
                    Index(kmeans_options(1, 17, std::vector<float>(kDim, 1.0f)), store);
                  }),
                  "must be in 1..16");
}

TEST(KMeansFamily, NameRoundTripsAndUnknownNamesListIt) {
  EXPECT_EQ(family_name(HashFamily::kKMeans), "k-means");
  EXPECT_EQ(parse_family("k-means"), HashFamily::kKMeans);
  expect_contains(message_of<InvalidArgument>([] { parse_family("kmeans"); }), "k-means");
}

}  // namespace
}  // namespace lshrs::testing
