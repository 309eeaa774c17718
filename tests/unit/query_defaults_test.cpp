// Query defaults (lshrs/query_defaults.hpp): recorded in model directories
// and `<prefix>:meta`, used by an Index when a query leaves probes /
// max_candidates empty, overridden by explicit values, refused when bad.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <numeric>

#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/model_io.hpp"
#include "support/model_test_util.hpp"
#include "support/test_support.hpp"

namespace lshrs {
namespace {

constexpr std::size_t kDim = 16, kN = 3'000;

IndexOptions tuned_options() {
  IndexOptions o = testing::shaped_index_options("lsh", kDim, 8, 12);
  o.query_defaults = {24, 5};
  return o;
}

std::vector<float> data() { return testing::random_vectors(kN, kDim, 11); }

void fill(Index& index, const std::vector<float>& v) {
  std::vector<std::int64_t> ids(kN);
  std::iota(ids.begin(), ids.end(), 0);
  index.index(ids, v);
}

std::shared_ptr<VectorFetcher> fetcher(const std::vector<float>& v) {
  return std::make_shared<CallbackFetcher>(kDim, [&v](std::span<const std::int64_t> ids) {
    std::vector<float> out;
    for (const auto id : ids) {
      const auto* r = v.data() + static_cast<std::size_t>(id) * kDim;
      out.insert(out.end(), r, r + kDim);
    }
    return out;
  });
}

// Mean candidates and mean neighbours of the first 50 rows as queries.
std::pair<std::size_t, std::size_t> totals(Index& index, const std::vector<float>& v,
                                           const QueryOptions& q) {
  std::size_t candidates = 0, neighbours = 0;
  for (std::size_t i = 0; i < 50; ++i) {
    const auto r = index.query(std::span(v).subspan(i * kDim, kDim), q);
    candidates += r.candidates;
    neighbours += r.neighbors.size();
  }
  return {candidates, neighbours};
}

TEST(QueryDefaults, SavedModelRoundTripsAndAnIndexLoadedFromItProbesAsTuned) {
  const auto v = data();
  test::TempDir dir;
  {
    Index tuned(tuned_options());
    tuned.save(dir.path());
  }
  const Model model = load_model(dir.path());
  EXPECT_EQ(model.query_defaults, (QueryDefaults{24, 5}));
  const auto j = nlohmann::json::parse(test::read_bytes(dir / "metadata.json"));
  EXPECT_EQ(j["query_defaults"]["probes"], 24);
  EXPECT_EQ(j["query_defaults"]["max_candidates"], 5);
  EXPECT_FALSE(j["config"].contains("query_defaults"));  // the Python package's config stays as it was

  Index loaded = Index::load(dir.path(), std::make_shared<MemoryStore>(), fetcher(v));
  EXPECT_EQ(loaded.query_defaults(), (QueryDefaults{24, 5}));
  EXPECT_EQ(loaded.stats().config.query_defaults, (QueryDefaults{24, 5}));
  fill(loaded, v);
  QueryOptions defaults;  // probes and max_candidates empty
  defaults.top_k = std::nullopt;
  defaults.rerank = true;
  QueryOptions explicit_24 = defaults;
  explicit_24.probes = 24;
  explicit_24.max_candidates = 5;
  QueryOptions no_probes = defaults;
  no_probes.probes = 0;
  QueryOptions uncapped = defaults;
  uncapped.max_candidates = kAllCandidates;
  const auto [with_defaults, kept] = totals(loaded, v, defaults);
  EXPECT_EQ(with_defaults, totals(loaded, v, explicit_24).first);
  EXPECT_GT(with_defaults, totals(loaded, v, no_probes).first);  // the defaults really probe more
  EXPECT_LE(kept, 50u * 5u);                                      // and cap the rerank at 5
  const auto [same, all] = totals(loaded, v, uncapped);
  EXPECT_EQ(same, with_defaults);
  EXPECT_GT(all, kept);  // kAllCandidates lifts the default cap

  // save() writes them back.
  test::TempDir again;
  loaded.save(again.path());
  EXPECT_EQ(load_model(again.path()).query_defaults, (QueryDefaults{24, 5}));
}

TEST(QueryDefaults, TheMetaRecordsThemForClientsThatOpenTheIndexFromTheStore) {
  const auto v = data();
  auto store = std::make_shared<MemoryStore>();
  {
    IndexOptions o = tuned_options();
    o.prefix = "tuned";
    Index creator(o, store);
    fill(creator, v);
  }
  EXPECT_EQ(decode_meta(*store->load_meta("tuned")).query_defaults, (QueryDefaults{24, 5}));
  Index opened = Index::open(store, "tuned");
  EXPECT_EQ(opened.query_defaults(), (QueryDefaults{24, 5}));
  // clear() keeps the creator's meta, defaults and all.
  opened.clear();
  EXPECT_EQ(decode_meta(*store->load_meta("tuned")).query_defaults, (QueryDefaults{24, 5}));
  // A client with other defaults shares the index: defaults are per client.
  IndexOptions mine = tuned_options();
  mine.prefix = "tuned";
  mine.query_defaults = {};
  Index other(mine, store);
  EXPECT_TRUE(other.query_defaults().empty());
}

TEST(QueryDefaults, AnUntunedModelAndMetaCarryNone) {
  IndexOptions o = tuned_options();
  o.query_defaults = {};
  test::TempDir dir;
  Index(o).save(dir.path());
  const auto j = nlohmann::json::parse(test::read_bytes(dir / "metadata.json"));
  EXPECT_FALSE(j.contains("query_defaults"));
  Model m = load_model(dir.path());
  EXPECT_TRUE(m.query_defaults.empty());
  EXPECT_EQ(encode_meta(m).find("query_defaults"), std::string::npos);
}

TEST(QueryDefaults, BadDefaultsAreRefusedWithTheirValue) {
  IndexOptions o = tuned_options();
  o.query_defaults.probes = kMaxProbes + 1;
  try {
    Index index(o);
    ADD_FAILURE() << "accepted probes above kMaxProbes";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("query_defaults: probes (100001)"), std::string::npos)
        << e.what();
  }
  o.query_defaults = {0, 0};
  EXPECT_THROW(Index{o}, InvalidArgument);

  test::TempDir dir;
  Index(tuned_options()).save(dir.path());
  const std::string text = test::read_bytes(dir / "metadata.json");
  for (const auto& [bad, needle] : std::vector<std::pair<std::string, std::string>>{
           {R"("probes": -3)", "\"probes\""},
           {R"("probes": "many")", "\"probes\""},
           {R"("probes": 100001)", "\"probes\""}}) {
    std::string changed = text;
    changed.replace(changed.find(R"("probes": 24)"), 12, bad);
    test::write_bytes(dir / "metadata.json", changed);
    try {
      load_model(dir.path());
      ADD_FAILURE() << "accepted " << bad;
    } catch (const ConfigurationError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("query_defaults"), std::string::npos) << e.what();
    }
  }
}

TEST(QueryDefaults, RerankingIsImpliedByTopPAndMinSimilarity) {
  QueryOptions q;
  EXPECT_FALSE(q.reranks());
  q.top_p = 0.5;
  EXPECT_TRUE(q.reranks());
  q = {};
  q.min_similarity = 0.2f;
  EXPECT_TRUE(q.reranks());
  q = {};
  q.rerank = true;
  EXPECT_TRUE(q.reranks());
}

}  // namespace
}  // namespace lshrs
