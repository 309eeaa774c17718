// End to end: 200,000 vectors (dim 64) in four Parquet files written by
// DuckDB, streamed into an index in Redis, then queried with cosine reranking
// through the Parquet fetcher (both its in-memory and its query mode).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "integration/redis_test_env.hpp"
#include "lshrs/index.hpp"
#include "lshrs/parquet.hpp"

#if LSHRS_HAVE_DUCKDB
#include "integration/parquet_test_env.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

constexpr std::size_t kRows = 200'000;
constexpr std::size_t kDim = 64;
constexpr std::size_t kFiles = 4;

using Clock = std::chrono::steady_clock;

class ParquetRedisE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    LSHRS_REQUIRE(parquet_supported(), "lshrs was built without DuckDB (run scripts/setup)");
  }
  ScratchDir dir_{"parquet-e2e"};
};

TEST_F(ParquetRedisE2ETest, TwoHundredThousandVectorsIntoRedisQueriedWithReranking) {
  auto store = single_store();
  if (!store) return;  // skipped or failed by single_store
  const std::string prefix = "lshrs_pq_e2e_" + std::to_string(::getpid());
  store->clear(prefix);

  auto t0 = Clock::now();
  {
    DuckDb db;
    db.exec("SELECT setseed(0.25)");
    const std::size_t per_file = kRows / kFiles;
    for (std::size_t f = 0; f < kFiles; ++f) {
      db.exec("COPY (SELECT range + " + std::to_string(f * per_file) +
              " AS \"index\", list_transform(range(" + std::to_string(kDim) +
              "), j -> (random() - 0.5)::FLOAT) AS vector FROM range(" + std::to_string(per_file) +
              ")) TO " + sql_literal((dir_ / ("part-" + std::to_string(f) + ".parquet")).string()) +
              " (FORMAT parquet, ROW_GROUP_SIZE 16384)");
    }
  }
  std::printf("[ e2e      ] %zu files of %zu x %zu written by DuckDB in %.1f s\n", kFiles,
              kRows / kFiles, kDim, seconds_since(t0));

  ParquetOptions po;
  po.path = dir_.path().string();  // the directory: all its .parquet files
  IndexOptions io = shaped_index_options(prefix, kDim, 8, 12);

  t0 = Clock::now();
  auto fetcher = open_parquet_fetcher(po);  // in memory: 200,000 × 64 fits the default budget
  std::printf("[ e2e      ] in-memory fetcher loaded in %.1f s\n", seconds_since(t0));
  Index index(io, store, fetcher);

  t0 = Clock::now();
  auto source = open_parquet_source(po);
  EXPECT_EQ(source->total_rows(), kRows);
  ASSERT_EQ(index.ingest_from(*source), kRows);
  const double ingest_s = seconds_since(t0);
  std::printf("[ e2e      ] ingested %zu rows from Parquet into Redis in %.1f s (%.0f rows/s)\n",
              kRows, ingest_s, static_cast<double>(kRows) / ingest_s);
  const StoreStats stats = index.stats().storage;
  if (stats.ids) {
    EXPECT_EQ(*stats.ids, kRows);
  }

  // Queries: stored vectors plus a little noise; the stored one must come first.
  std::mt19937_64 rng(5);
  std::normal_distribution<float> noise(0.0f, 0.01f);
  QueryOptions qo;
  qo.rerank = true;
  qo.top_k = 10;
  qo.max_candidates = 2000;
  constexpr int kQueries = 100;
  std::vector<float> queries;
  std::vector<std::int64_t> targets;
  for (int q = 0; q < kQueries; ++q) {
    targets.push_back(static_cast<std::int64_t>(rng() % kRows));
    FetchedVectors f = fetcher->fetch(std::vector<std::int64_t>{targets.back()});
    ASSERT_EQ(f.data.size(), kDim);
    for (float& x : f.data) x += noise(rng);
    queries.insert(queries.end(), f.data.begin(), f.data.end());
  }
  t0 = Clock::now();
  int found = 0;
  for (int q = 0; q < kQueries; ++q) {
    const QueryResult r =
        index.query(std::span(queries).subspan(static_cast<std::size_t>(q) * kDim, kDim), qo);
    EXPECT_EQ(r.missing_vectors, 0u);
    if (!r.neighbors.empty() && r.neighbors[0].id == targets[static_cast<std::size_t>(q)]) {
      ++found;
      EXPECT_GT(*r.neighbors[0].similarity, 0.99f);
    }
  }
  std::printf(
      "[ e2e      ] %d/%d noisy queries found their vector first; %.1f ms per query "
      "(in-memory fetcher)\n",
      found, kQueries, 1000 * seconds_since(t0) / kQueries);
  EXPECT_GE(found, kQueries * 9 / 10);

  // The same index reranked by a fetcher that queries the files on every call
  // and sees only three of the four: ids of the fourth are counted missing.
  ParquetOptions three = po;
  three.path = (dir_ / "part-[012].parquet").string();
  three.fetch_cache_bytes = 0;
  Index by_query = Index::open(store, prefix, open_parquet_fetcher(three));
  t0 = Clock::now();
  int found_by_query = 0;
  std::size_t missing = 0;
  constexpr int kQueryModeQueries = 10;
  for (int q = 0; q < kQueryModeQueries; ++q) {
    const QueryResult r =
        by_query.query(std::span(queries).subspan(static_cast<std::size_t>(q) * kDim, kDim), qo);
    missing += r.missing_vectors;
    const std::int64_t target = targets[static_cast<std::size_t>(q)];
    if (target >= static_cast<std::int64_t>(3 * kRows / kFiles)) {
      for (const auto& nb : r.neighbors) EXPECT_NE(nb.id, target);
    } else if (!r.neighbors.empty() && r.neighbors[0].id == target) {
      ++found_by_query;
    }
  }
  std::printf("[ e2e      ] query-mode fetcher: %.1f ms per query, %zu candidates missing\n",
              1000 * seconds_since(t0) / kQueryModeQueries, missing);
  EXPECT_GT(missing, 0u);
  EXPECT_GE(found_by_query, 1);

  index.clear();
}

}  // namespace
}  // namespace lshrs::testing

#else  // !LSHRS_HAVE_DUCKDB

TEST(ParquetRedisE2ETest, NeedsDuckDb) {
  if (std::getenv("CI") != nullptr) FAIL() << "lshrs was built without DuckDB under CI";
  GTEST_SKIP() << "lshrs was built without DuckDB (run scripts/setup)";
}

#endif
