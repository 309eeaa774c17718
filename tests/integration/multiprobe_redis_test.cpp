// Every hash family with query-directed multi-probe against a real
// redis-server and a real Redis Cluster: index clustered data, query with a
// probe budget, rerank, and check recall against exact neighbours.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "integration/redis_test_env.hpp"
#include "lshrs/index.hpp"
#include "lshrs/kmeans.hpp"
#include "support/store_contract.hpp"

namespace lshrs::testing {
namespace {

constexpr std::size_t kDim = 32, kBase = 4000, kQueries = 40, kK = 10;

// kBase vectors around 80 Gaussian centres (noise 0.35), and queries that are
// fresh draws around the centres of random base vectors.
struct Clustered {
  std::vector<float> base, queries;
  Clustered() {
    std::mt19937 rng(17);
    std::normal_distribution<float> normal;
    std::vector<float> centres(80 * kDim);
    for (auto& x : centres) x = normal(rng);
    auto around = [&](std::size_t c, std::vector<float>& out) {
      for (std::size_t j = 0; j < kDim; ++j) out.push_back(centres[c * kDim + j] + 0.35f * normal(rng));
    };
    for (std::size_t i = 0; i < kBase; ++i) around(i % 80, base);
    for (std::size_t q = 0; q < kQueries; ++q) around(rng() % 80, queries);
  }
  std::span<const float> query(std::size_t q) const { return std::span(queries).subspan(q * kDim, kDim); }
};

const Clustered& data() {
  static const Clustered d;
  return d;
}

std::vector<std::int64_t> exact_top_k(std::span<const float> q) {
  const auto scores = cosine_similarities(q, data().base);
  std::vector<std::int64_t> ids(kBase);
  std::iota(ids.begin(), ids.end(), 0);
  std::partial_sort(ids.begin(), ids.begin() + kK, ids.end(),
                    [&](auto a, auto b) { return scores[a] > scores[b]; });
  ids.resize(kK);
  return ids;
}

std::shared_ptr<VectorFetcher> fetcher() {
  return std::make_shared<CallbackFetcher>(kDim, [](std::span<const std::int64_t> ids) {
    std::vector<float> out;
    for (const auto id : ids) {
      const auto row = std::span(data().base).subspan(static_cast<std::size_t>(id) * kDim, kDim);
      out.insert(out.end(), row.begin(), row.end());
    }
    return out;
  });
}

struct Case {
  HashFamily family;
  bool cluster;
};

class MultiProbeRedis : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const char* variable = GetParam().cluster ? "LSHRS_TEST_REDIS_CLUSTER_URL" : "LSHRS_TEST_REDIS_URL";
    const std::string url = server_url(variable);
    if (url.empty()) return;
    RedisOptions o = redis_options(url);
    o.cluster = GetParam().cluster ? ClusterMode::kOn : ClusterMode::kOff;
    store_ = std::make_shared<RedisStore>(o);
    prefix_ = unique_prefix("multiprobe");
  }
  void TearDown() override {
    if (store_) store_->clear(prefix_);
  }

  // Mean recall@k of reranked queries, and mean candidates per query.
  std::pair<double, double> measure(Index& index, std::size_t probes) {
    QueryOptions q;
    q.top_k = kK;
    q.rerank = true;
    q.probes = probes;
    const auto results = index.query_batch(data().queries, q);
    double recall = 0, candidates = 0;
    for (std::size_t i = 0; i < kQueries; ++i) {
      const auto truth = exact_top_k(data().query(i));
      std::size_t hits = 0;
      for (const auto& nb : results[i].neighbors) hits += std::count(truth.begin(), truth.end(), nb.id);
      recall += static_cast<double>(hits) / kK;
      candidates += static_cast<double>(results[i].candidates);
      // The batch answers as single queries do (same buckets, same order).
      const auto alone = index.query(data().query(i), q);
      EXPECT_EQ(alone.candidates, results[i].candidates) << "query " << i;
    }
    return {recall / kQueries, candidates / kQueries};
  }

  std::shared_ptr<RedisStore> store_;
  std::string prefix_;
};

TEST_P(MultiProbeRedis, ProbesRaiseRecallOnClusteredData) {
  if (!store_) return;
  IndexOptions o;
  o.dim = kDim;
  o.family = GetParam().family;
  o.expected_size = kBase;
  o.num_perm = 64;
  o.prefix = prefix_;
  if (o.family == HashFamily::kKMeans) {
    // 2 bands of 64 centroids (~60 vectors a bucket), trained on the base.
    KMeansTrainOptions t;
    t.num_bands = 2;
    t.bits_per_band = 6;
    o.num_bands = 2;
    o.rows_per_band = 6;
    o.num_perm = 12;
    o.projections = train_kmeans(data().base, kDim, t);
  }
  Index index(o, store_, fetcher());
  std::vector<std::int64_t> ids(kBase);
  std::iota(ids.begin(), ids.end(), 0);
  index.index(ids, data().base);

  const auto [plain_recall, plain_candidates] = measure(index, 0);
  // A k-means probe reads a whole runner-up cluster (~60 vectors here): a few do.
  const std::size_t probes = o.family == HashFamily::kKMeans ? 6 : 64;
  const auto [probed_recall, probed_candidates] = measure(index, probes);
  EXPECT_GT(probed_candidates, plain_candidates);
  EXPECT_GE(probed_recall, plain_recall);
  EXPECT_GE(probed_recall, 0.8) << family_name(o.family) << ": " << probed_candidates
                                << " candidates per query";
  EXPECT_LT(probed_candidates, 0.5 * kBase) << "multi-probe must not degenerate into a scan";

  // Another client opens the same index from the store alone: same family, same answers.
  Index other = Index::open(store_, prefix_, fetcher());
  EXPECT_EQ(other.family(), o.family);
  QueryOptions q;
  q.probes = 16;
  EXPECT_EQ(other.query(data().query(0), q).candidates, index.query(data().query(0), q).candidates);
}

INSTANTIATE_TEST_SUITE_P(
    Families, MultiProbeRedis,
    ::testing::Values(Case{HashFamily::kHyperplane, false}, Case{HashFamily::kCrossPolytope, false},
                      Case{HashFamily::kKMeans, false}, Case{HashFamily::kHyperplane, true},
                      Case{HashFamily::kCrossPolytope, true}, Case{HashFamily::kKMeans, true}),
    [](const auto& param_info) {
      const HashFamily f = param_info.param.family;
      return std::string(f == HashFamily::kHyperplane      ? "Hyperplane"
                         : f == HashFamily::kCrossPolytope ? "CrossPolytope"
                                                           : "KMeans") +
             (param_info.param.cluster ? "Cluster" : "Single");
    });

}  // namespace
}  // namespace lshrs::testing
