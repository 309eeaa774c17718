// Tests of the measured tuner (lshrs/tuner.hpp) on the memory store: its
// recommendation holds on queries it never saw, its frontier is exactly the
// non-dominated points, the recommendation rule, and bad options refused
// before anything is written.
#include "lshrs/tuner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <unordered_set>

#include "lshrs/error.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/tuning.hpp"
#include "support/test_support.hpp"

namespace lshrs {
namespace {

using testing::random_vectors;

// n × dim points around `centres` Gaussian centres (noise σ relative to a
// unit-variance centre), the shape of the 1M clustered set, small.
std::vector<float> clustered(std::size_t n, std::size_t dim, std::size_t centres, float sigma,
                             unsigned seed, unsigned centre_seed = 7) {
  const auto c = random_vectors(centres, dim, centre_seed);
  auto v = random_vectors(n, dim, seed);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = (i * 2654435761u + seed) % centres;
    for (std::size_t d = 0; d < dim; ++d) v[i * dim + d] = c[k * dim + d] + sigma * v[i * dim + d];
  }
  return v;
}

std::shared_ptr<VectorFetcher> fetcher_over(const std::vector<float>& base, std::size_t dim) {
  return std::make_shared<CallbackFetcher>(dim, [&base, dim](std::span<const std::int64_t> ids) {
    std::vector<float> out;
    for (const auto id : ids) {
      const auto* r = base.data() + static_cast<std::size_t>(id) * dim;
      out.insert(out.end(), r, r + dim);
    }
    return out;
  });
}

// The test's own brute force (not the library's exact_neighbors).
std::vector<std::int64_t> brute_force(const std::vector<float>& base, std::size_t dim,
                                      std::span<const float> q, std::size_t k) {
  const std::size_t n = base.size() / dim;
  std::vector<double> score(n);
  double qn = 0;
  for (std::size_t d = 0; d < dim; ++d) qn += double(q[d]) * q[d];
  for (std::size_t i = 0; i < n; ++i) {
    double dot = 0, bn = 0;
    for (std::size_t d = 0; d < dim; ++d) {
      dot += double(base[i * dim + d]) * q[d];
      bn += double(base[i * dim + d]) * base[i * dim + d];
    }
    score[i] = dot / std::sqrt(bn * qn);
  }
  std::vector<std::int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&](auto a, auto b) { return score[a] > score[b]; });
  order.resize(k);
  return order;
}

TuneEnvironment memory_env(const std::vector<float>& base, std::size_t dim,
                           std::shared_ptr<BucketStore> store = nullptr) {
  TuneEnvironment env;
  if (!store) store = std::make_shared<MemoryStore>();
  env.store_factory = [store] { return store; };
  env.fetcher = fetcher_over(base, dim);
  return env;
}

TEST(Tuner, RecommendationMeetsTheTargetOnQueriesItNeverSaw) {
  constexpr std::size_t kDim = 32, kN = 20'000, kK = 10;
  const auto base = clustered(kN, kDim, 400, 0.6f, 1);
  TuneOptions o;
  o.target_recall = 0.9;
  o.k = kK;
  o.queries_per_half = 100;
  o.bands = {6, 12};
  o.probes = {0, 16, 64, 256};
  const TuneReport r = tune(base, kDim, {}, memory_env(base, kDim), o);
  ASSERT_TRUE(r.recommended.has_value()) << (r.warnings.empty() ? "" : r.warnings.back());
  const TunePoint& best = r.points[*r.recommended];
  EXPECT_GE(best.recall, o.target_recall);
  EXPECT_GE(best.held_out_recall, o.target_recall);
  EXPECT_EQ(r.indexed, kN - 200);  // the drawn queries are not indexed
  EXPECT_LT(best.fraction_read, 0.5);  // it does not win by reading everything

  // Fresh queries from the same distribution, truth by the test's own brute
  // force, through an index built from the recommendation with its defaults.
  IndexOptions io = tuned_index_options(best, kDim);
  EXPECT_EQ(io.query_defaults, best.query);
  Index index(io, std::make_shared<MemoryStore>(), fetcher_over(base, kDim));
  std::vector<std::int64_t> ids(kN);
  std::iota(ids.begin(), ids.end(), 0);
  index.index(ids, base);
  const auto fresh = clustered(100, kDim, 400, 0.6f, 99);
  double hits = 0;
  QueryOptions q;  // probes and max_candidates left to the index's defaults
  q.top_k = kK;
  q.rerank = true;
  for (std::size_t i = 0; i < 100; ++i) {
    const std::span<const float> v(fresh.data() + i * kDim, kDim);
    const auto truth = brute_force(base, kDim, v, kK);
    const std::unordered_set<std::int64_t> want(truth.begin(), truth.end());
    for (const auto& nb : index.query(v, q).neighbors) hits += static_cast<double>(want.count(nb.id));
  }
  EXPECT_GE(hits / (100.0 * kK), o.target_recall - 0.03);
}

// Rows tied at the k-th similarity in different directions: for each query
// ±e_j, the 30 rows ±0.8·e_j ± 0.6·e_m (m ≠ j) all have cosine 0.8 with it,
// the same float. The truth lists the 10 smallest ids; the index breaks the
// tie by collisions, which differ between directions. (Exact duplicates hash
// alike, so the index would break their tie by id like the truth does.)
TEST(Tuner, RecallOnTiedRowsIsCountedBySimilarity) {
  constexpr std::size_t kDim = 16;
  std::vector<float> base, queries;
  for (std::size_t j = 0; j < kDim; ++j) {
    for (const float sign : {1.0f, -1.0f}) {
      std::vector<float> q(kDim, 0.0f);
      q[j] = sign;
      queries.insert(queries.end(), q.begin(), q.end());
      for (std::size_t m = 0; m < kDim; ++m) {
        for (const float other : {0.6f, -0.6f}) {
          if (m == j) continue;
          std::vector<float> row(kDim, 0.0f);
          row[j] = 0.8f * sign;
          row[m] = other;
          base.insert(base.end(), row.begin(), row.end());
        }
      }
    }
  }
  TuneOptions o;
  o.target_recall = 0.9;
  o.families = {HashFamily::kHyperplane};
  o.bands = {8};
  o.probes = {0, 16, 64, 256};
  const TuneReport r = tune(base, kDim, queries, memory_env(base, kDim), o);
  ASSERT_TRUE(r.recommended.has_value()) << (r.warnings.empty() ? "" : r.warnings.back());
  const TunePoint& best = r.points[*r.recommended];
  EXPECT_GE(best.recall, o.target_recall);
  EXPECT_GE(best.held_out_recall, o.target_recall);
  // Counted by id the same answers fall short: the recommendation would have
  // needed more probes than exist here.
  EXPECT_LT(best.recall_by_id, o.target_recall);
  EXPECT_LT(best.held_out_recall_by_id, o.target_recall);
  for (const TunePoint& p : r.points) {
    EXPECT_GE(p.recall, p.recall_by_id) << p.query.probes << " probes";
    EXPECT_GE(p.held_out_recall, p.held_out_recall_by_id) << p.query.probes << " probes";
  }
}

TEST(Tuner, SearchesTheKMeansFamilyAndItsModelCarriesTheCentroids) {
  constexpr std::size_t kDim = 32, kN = 8'000, kK = 10;
  const auto base = clustered(kN, kDim, 200, 0.6f, 3);
  TuneOptions o;
  o.target_recall = 0.9;
  o.k = kK;
  o.queries_per_half = 50;
  o.families = {HashFamily::kKMeans};
  o.bands = {1, 2};
  o.probes = {0, 4, 8, 16, 32};
  const TuneReport r = tune(base, kDim, {}, memory_env(base, kDim), o);
  ASSERT_TRUE(r.recommended.has_value()) << (r.warnings.empty() ? "" : r.warnings.back());
  const TunePoint& best = r.points[*r.recommended];
  EXPECT_EQ(best.config.family, HashFamily::kKMeans);
  EXPECT_EQ(best.config.rows, 7u) << "7,900 rows in clusters of ~48 to 96: 128 centroids";
  EXPECT_GE(best.held_out_recall, o.target_recall);
  EXPECT_LE(best.query.probes, 32u);
  ASSERT_TRUE(best.config.centroids);
  const IndexOptions io = tuned_index_options(best, kDim);
  EXPECT_EQ(io.projections.size(), best.config.bands * 128 * kDim);
  Index index(io, std::make_shared<MemoryStore>(), fetcher_over(base, kDim));
  EXPECT_EQ(index.kmeans_hasher().centroids(), *best.config.centroids);
}

bool dominates(const TunePoint& a, const TunePoint& b) {
  const double ab = a.bytes_per_vector.value_or(0), bb = b.bytes_per_vector.value_or(0);
  const bool no_worse = a.recall >= b.recall && a.queries_per_second >= b.queries_per_second &&
                        a.ingest_vectors_per_second >= b.ingest_vectors_per_second && ab <= bb;
  const bool better = a.recall > b.recall || a.queries_per_second > b.queries_per_second ||
                      a.ingest_vectors_per_second > b.ingest_vectors_per_second || ab < bb;
  return no_worse && better;
}

TEST(Tuner, FrontierIsExactlyTheNonDominatedPoints) {
  constexpr std::size_t kDim = 16;
  const auto base = clustered(4'000, kDim, 80, 0.5f, 3);
  TuneOptions o;
  o.target_recall = 0.8;
  o.queries_per_half = 40;
  o.bands = {4, 8};
  o.probes = {0, 4, 16, 64};
  o.max_candidates = {std::nullopt, 50};
  const TuneReport r = tune(base, kDim, {}, memory_env(base, kDim), o);
  ASSERT_GE(r.points.size(), 4u);
  const std::set<std::size_t> frontier(r.frontier.begin(), r.frontier.end());
  ASSERT_FALSE(frontier.empty());
  for (std::size_t i = 0; i < r.points.size(); ++i) {
    const bool dominated = std::any_of(r.points.begin(), r.points.end(),
                                       [&](const TunePoint& p) { return dominates(p, r.points[i]); });
    EXPECT_EQ(frontier.count(i) == 1, !dominated) << "point " << i;
  }
  for (std::size_t i = 1; i < r.frontier.size(); ++i) {
    EXPECT_GE(r.points[r.frontier[i - 1]].recall, r.points[r.frontier[i]].recall);
  }
}

TunePoint point(double recall, double held_out, double qps, double bytes) {
  TunePoint p;
  p.recall = recall;
  p.held_out_recall = held_out;
  p.queries_per_second = qps;
  p.bytes_per_vector = bytes;
  p.ingest_vectors_per_second = 1000;
  return p;
}

TEST(Tuner, RecommendsTheFastestMeetingTheTargetOnBothHalves) {
  std::vector<std::string> notes;
  const std::vector<TunePoint> points = {
      point(0.99, 0.99, 100, 50),  // meets, slow
      point(0.96, 0.90, 900, 50),  // fastest on tuning, fails held-out
      point(0.95, 0.95, 500, 80),  // meets, ties on q/s with the next
      point(0.97, 0.96, 500, 60),  // meets, fewer bytes: the pick
      point(0.80, 0.80, 5000, 10), // below target
  };
  EXPECT_EQ(recommend(points, 0.95, notes), 3u);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("passed over: "), std::string::npos);
  EXPECT_NE(notes[0].find("on the held-out ones"), std::string::npos);
  notes.clear();
  EXPECT_FALSE(recommend(points, 0.995, notes).has_value());
}

// The held-out recall must hold with its uncertainty: a point whose held-out
// mean meets the target but whose 95% lower bound does not is passed over.
TEST(Tuner, RecommendsAgainstTheHeldOutLowerBound) {
  std::vector<std::string> notes;
  std::vector<TunePoint> points = {
      point(0.97, 0.96, 900, 50),  // fastest, but its bound falls below 0.95
      point(0.98, 0.97, 500, 50),  // its bound meets the target: the pick
  };
  points[0].held_out_lower = 0.94;
  points[1].held_out_lower = 0.955;
  EXPECT_EQ(recommend(points, 0.95, notes), 1u);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("lower bound 0.94"), std::string::npos) << notes[0];
  // Measured points carry their bound, below the mean.
  const auto base = clustered(2'000, 8, 20, 0.5f, 5);
  TuneOptions o;
  o.families = {HashFamily::kHyperplane};
  o.bands = {8};
  o.probes = {0, 64};
  const TuneReport r = tune(base, 8, {}, memory_env(base, 8), o);  // queries drawn from the base
  for (const TunePoint& p : r.points) {
    ASSERT_TRUE(p.held_out_lower.has_value());
    EXPECT_LE(*p.held_out_lower, p.held_out_recall);
  }
}

TEST(Tuner, ProgressCanCancelAndEveryPrefixIsClearedAfterwards) {
  constexpr std::size_t kDim = 8;
  const auto base = clustered(2'000, kDim, 20, 0.5f, 5);
  auto store = std::make_shared<MemoryStore>();
  TuneEnvironment env = memory_env(base, kDim, store);
  std::size_t calls = 0, point_calls = 0;
  env.progress = [&](const TuneProgress& p) {
    EXPECT_FALSE(p.message.empty());
    point_calls += p.point != nullptr;
    return ++calls < 4;
  };
  TuneOptions o;
  o.queries_per_half = 20;
  o.families = {HashFamily::kHyperplane};
  o.bands = {4, 8};
  o.probes = {0, 1, 2, 4, 8};
  o.prefix = "tune-cancel";
  const TuneReport r = tune(base, kDim, {}, env, o);
  EXPECT_TRUE(r.cancelled);
  EXPECT_EQ(calls, 4u);
  EXPECT_EQ(r.points.size(), point_calls);  // nothing measured after the callback said stop
  for (const char* p : {"tune-cancel-0", "tune-cancel-1"}) EXPECT_FALSE(store->load_meta(p)) << p;
}

TEST(Tuner, GivenQueriesAreSplitInTwoHalves) {
  constexpr std::size_t kDim = 8;
  const auto base = clustered(2'000, kDim, 20, 0.5f, 6);
  const auto queries = clustered(30, kDim, 20, 0.5f, 60);
  TuneOptions o;
  o.queries_per_half = 100;  // more than given: 15 each
  o.families = {HashFamily::kHyperplane};
  o.bands = {8};
  o.probes = {0};
  const TuneReport r = tune(base, kDim, queries, memory_env(base, kDim), o);
  EXPECT_EQ(r.tuning_queries, 15u);
  EXPECT_EQ(r.held_out_queries, 15u);
  EXPECT_EQ(r.indexed, 2'000u);  // nothing held out of the base
}

TEST(Tuner, BadOptionsAreRefusedBeforeAnythingIsWritten) {
  constexpr std::size_t kDim = 8;
  const auto base = clustered(1'000, kDim, 10, 0.5f, 8);
  auto store = std::make_shared<MemoryStore>();
  // Another index already lives under one of the tuner's prefixes.
  IndexOptions theirs;
  theirs.dim = kDim;
  theirs.prefix = "mine-1";
  Index other(theirs, store);
  const std::vector<std::int64_t> one = {0};
  other.index(one, std::span(base).first(kDim));
  const auto before = store->stats("mine-1").buckets;
  const TuneEnvironment env = memory_env(base, kDim, store);
  auto refused = [&](auto change, const std::string& needle) {
    TuneOptions o;
    o.families = {HashFamily::kHyperplane};
    o.bands = {4, 8};
    o.queries_per_half = 20;
    o.prefix = "fresh";
    change(o);
    try {
      tune(base, kDim, {}, env, o);
      ADD_FAILURE() << "accepted; expected an error naming " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  };
  refused([](TuneOptions& o) { o.target_recall = 0; }, "target recall");
  refused([](TuneOptions& o) { o.target_recall = 1; }, "target recall");
  refused([](TuneOptions& o) { o.target_recall = std::nan(""); }, "target recall");
  refused([](TuneOptions& o) { o.k = 0; }, "k must");
  refused([](TuneOptions& o) { o.families.clear(); }, "families");
  refused([](TuneOptions& o) { o.families = {HashFamily::kHyperplane, HashFamily::kHyperplane}; }, "twice");
  refused([](TuneOptions& o) { o.bands = {4, 0}; }, "band count is 0");
  refused([](TuneOptions& o) { o.probes = {kMaxProbes + 1}; }, "probes");
  refused([](TuneOptions& o) { o.max_candidates.clear(); }, "max_candidates");
  refused([](TuneOptions& o) { o.max_candidates = {0}; }, "max_candidates 0");
  refused([](TuneOptions& o) { o.queries_per_half = 600; }, "drawing 1200 queries");
  refused([](TuneOptions& o) { o.prefix = "mine"; }, "\"mine-1\" already holds an index");
  EXPECT_FALSE(store->load_meta("fresh-0"));
  EXPECT_FALSE(store->load_meta("mine-0"));
  EXPECT_EQ(store->stats("mine-1").buckets, before);  // the user's index untouched
  EXPECT_THROW(tune(std::span(base).first(7), kDim, {}, env, TuneOptions{}), InvalidArgument);
}

TEST(Tuner, SampleKeepsBitsPerBandSizedForTheWholeBase) {
  constexpr std::size_t kDim = 8;
  const auto base = clustered(4'000, kDim, 20, 0.5f, 9);
  TuneOptions o;
  o.queries_per_half = 20;
  o.families = {HashFamily::kHyperplane};
  o.bands = {4};
  o.probes = {0};
  o.target_recall = 0.5;
  TuneOptions sampled = o;
  sampled.sample_size = 500;
  const TuneReport whole = tune(base, kDim, {}, memory_env(base, kDim), o);
  const TuneReport part = tune(base, kDim, {}, memory_env(base, kDim), sampled);
  EXPECT_EQ(part.indexed, 500u);
  ASSERT_FALSE(whole.points.empty());
  ASSERT_FALSE(part.points.empty());
  EXPECT_EQ(part.points[0].config.bits_per_band, whole.points[0].config.bits_per_band);
  EXPECT_EQ(whole.points[0].config.bits_per_band,
            size_based_bands(HashFamily::kHyperplane, kDim, 4'000 - 40, 1 << 16).bits_per_band);
}

}  // namespace
}  // namespace lshrs
