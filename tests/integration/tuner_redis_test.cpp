// The tuner against a real redis-server: candidates built in Redis, bytes per
// vector from Redis' own accounting, every candidate prefix gone afterwards,
// and the recommendation saved as a model that an index built from it
// queries with its tuned probes.
#include <gtest/gtest.h>

#include <numeric>

#include "integration/redis_test_env.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/model_io.hpp"
#include "lshrs/tuner.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

constexpr std::size_t kDim = 16, kN = 5'000;

std::vector<float> clustered() {
  const auto centres = random_vectors(60, kDim, 21);
  auto v = random_vectors(kN, kDim, 22);
  for (std::size_t i = 0; i < kN; ++i) {
    for (std::size_t d = 0; d < kDim; ++d) v[i * kDim + d] = centres[(i % 60) * kDim + d] + 0.5f * v[i * kDim + d];
  }
  return v;
}

TEST(TunerRedis, MeasuresInRedisAndLeavesNoCandidateBehind) {
  auto store = single_store();
  if (!store) return;
  const auto base = clustered();
  TuneEnvironment env;
  env.store_factory = [store] { return store; };
  env.fetcher = std::make_shared<CallbackFetcher>(kDim, [&base](std::span<const std::int64_t> ids) {
    std::vector<float> out;
    for (const auto id : ids) {
      const auto* r = base.data() + static_cast<std::size_t>(id) * kDim;
      out.insert(out.end(), r, r + kDim);
    }
    return out;
  });
  TuneOptions o;
  o.target_recall = 0.9;
  o.queries_per_half = 100;
  o.bands = {4, 8};
  o.probes = {0, 8, 32, 128};
  o.prefix = "it-tuner";
  store->clear("it-tuner-0");
  const TuneReport r = tune(base, kDim, {}, env, o);
  ASSERT_FALSE(r.points.empty());
  for (const auto& p : r.points) {
    ASSERT_TRUE(p.bytes_per_vector.has_value());
    EXPECT_GT(*p.bytes_per_vector, 0);
    EXPECT_GT(p.ingest_vectors_per_second, 0);
  }
  std::string measured;
  for (const auto& p : r.points) {
    measured += std::to_string(p.config.bands) + "b/" + std::to_string(p.query.probes) + "p: " +
                std::to_string(p.recall) + " " + std::to_string(p.held_out_recall) + "\n";
  }
  ASSERT_TRUE(r.recommended.has_value()) << measured;
  const TunePoint& best = r.points[*r.recommended];
  EXPECT_GE(best.held_out_recall, o.target_recall);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_FALSE(store->load_meta("it-tuner-" + std::to_string(i))) << i;
    EXPECT_EQ(store->stats("it-tuner-" + std::to_string(i)).buckets, 0u) << i;
  }

  // The recommendation as a model, built in Redis from it, queried with its defaults.
  ScratchDir dir("tuned-model");
  Index(tuned_index_options(best, kDim), std::make_shared<MemoryStore>(), nullptr).save(dir.path());
  store->clear("it-tuned");
  Model model = load_model(dir.path());
  EXPECT_EQ(model.query_defaults, best.query);
  IndexOptions io = options_from_model(model, "it-tuned");
  Index index(io, std::move(model.projections), store, nullptr);
  std::vector<std::int64_t> ids(kN);
  std::iota(ids.begin(), ids.end(), 0);
  index.index(ids, base);
  Index opened = Index::open(store, "it-tuned");  // the meta records the defaults
  EXPECT_EQ(opened.query_defaults(), best.query);
  QueryOptions by_default, explicit_probes;
  explicit_probes.probes = best.query.probes;
  std::size_t a = 0, b = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    const auto q = std::span(base).subspan(i * kDim, kDim);
    a += opened.query(q, by_default).candidates;
    b += opened.query(q, explicit_probes).candidates;
  }
  EXPECT_EQ(a, b);
  store->clear("it-tuned");
}

}  // namespace
}  // namespace lshrs::testing
