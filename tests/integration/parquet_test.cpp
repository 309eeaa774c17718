// The Parquet source and fetcher on files written by DuckDB (COPY ... TO ...
// (FORMAT parquet)) and by an independent writer (parquetjs-lite via
// tests/oracle/write_parquet.js): types, row groups, globs and directories,
// quoting, and every kind of bad input.
#include "lshrs/parquet.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "lshrs/error.hpp"

#if LSHRS_HAVE_DUCKDB

#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>

#include "integration/parquet_test_env.hpp"
#include "lshrs/index.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

float value(std::int64_t id, std::size_t j) {
  return static_cast<float>(
      static_cast<double>((id * 131 + static_cast<std::int64_t>(j) * 17) % 2001 - 1000) / 64.0);
}

void expect_values(const Drained& d, std::size_t dim) {
  ASSERT_EQ(d.dim, dim);
  ASSERT_EQ(d.data.size(), d.ids.size() * dim);
  for (std::size_t r = 0; r < d.ids.size(); ++r) {
    for (std::size_t j = 0; j < dim; ++j) {
      ASSERT_EQ(d.data[r * dim + j], value(d.ids[r], j)) << "id " << d.ids[r] << " element " << j;
    }
  }
}

std::vector<std::int64_t> range_ids(std::int64_t first, std::size_t n) {
  std::vector<std::int64_t> ids(n);
  for (std::size_t i = 0; i < n; ++i) ids[i] = first + static_cast<std::int64_t>(i);
  return ids;
}


ParquetOptions options_for(const std::filesystem::path& path, std::size_t batch = 10'000) {
  ParquetOptions o;
  o.path = path.string();
  o.batch_size = batch;
  return o;
}

class ParquetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LSHRS_REQUIRE(parquet_supported(), "lshrs was built without DuckDB (run scripts/setup)");
  }
  // The independent writer's node_modules; fails/skips the test when npm fails.
  std::string node_modules() {
    std::string error;
    std::string modules = parquetjs_modules(error);
    if (modules.empty()) {
      if (under_ci())
        ADD_FAILURE() << error;
      else
        std::cerr << "skipping: " << error << "\n";
    }
    return modules;
  }
  ScratchDir dir_{"parquet"};
  DuckDb db_;
};

#define NODE_MODULES_OR_RETURN(var)                     \
  const std::string var = node_modules();               \
  if (var.empty()) {                                    \
    if (!under_ci()) GTEST_SKIP() << "npm unavailable"; \
    return;                                             \
  }

TEST_F(ParquetTest, DuckDbFileWithSeveralRowGroupsStreamsInBatches) {
  const auto path = dir_ / "items.parquet";
  duckdb_write(db_, path, 5000, 8, 0, 1000);
  // DuckDB rounds ROW_GROUP_SIZE up to whole 2048-row vectors: 2048 + 2048 + 904.
  EXPECT_EQ(db_.exec("SELECT count(DISTINCT row_group_id) FROM parquet_metadata(" +
                     sql_literal(path.string()) + ")"),
            "3");
  auto source = open_parquet_source(options_for(path, 777));
  EXPECT_EQ(source->total_rows(), 5000u);
  EXPECT_EQ(source->describe(), path.string());
  const Drained d = drain(*source);
  EXPECT_EQ(d.batch_sizes, (std::vector<std::size_t>{777, 777, 777, 777, 777, 777, 338}));
  EXPECT_EQ(d.ids, range_ids(0, 5000));
  expect_values(d, 8);
  VectorBatch batch;
  EXPECT_FALSE(source->next(batch));
}

TEST_F(ParquetTest, DuckDbIdAndVectorTypes) {
  struct Case {
    const char* id_type;
    const char* vector_type;
  };
  for (const Case& c : {Case{"INTEGER", "DOUBLE[]"}, Case{"UBIGINT", "FLOAT[6]"},
                        Case{"BIGINT", "DOUBLE[6]"}, Case{"UBIGINT", "FLOAT[]"}}) {
    SCOPED_TRACE(std::string(c.id_type) + " " + c.vector_type);
    const auto path = dir_ / "typed.parquet";
    duckdb_write(db_, path, 2100, 6, 1'000'000, 500, c.id_type, c.vector_type);
    auto source = open_parquet_source(options_for(path, 1000));
    const Drained d = drain(*source);
    EXPECT_EQ(d.ids, range_ids(1'000'000, 2100));
    expect_values(d, 6);
  }
}

TEST_F(ParquetTest, IndependentlyWrittenFiles) {
  NODE_MODULES_OR_RETURN(modules);
  struct Case {
    const char* args;
    std::int64_t start;
  };
  for (const Case& c :
       {Case{"--vector float --id int64", 10}, Case{"--vector double --id int32", 0},
        Case{"--vector float --id uint64", 5}}) {
    SCOPED_TRACE(c.args);
    const auto path = dir_ / "js.parquet";
    node_write(modules, path,
               std::string("--rows 2500 --dim 5 --row-group 1000 --start ") +
                   std::to_string(c.start) + " " + c.args);
    // Really another writer, and really three row groups.
    EXPECT_EQ(db_.exec("SELECT created_by NOT ILIKE '%duckdb%' FROM parquet_file_metadata(" +
                       sql_literal(path.string()) + ")"),
              "true");
    EXPECT_EQ(db_.exec("SELECT count(DISTINCT row_group_id) FROM parquet_metadata(" +
                       sql_literal(path.string()) + ")"),
              "3");
    auto source = open_parquet_source(options_for(path, 600));
    EXPECT_EQ(source->total_rows(), 2500u);
    const Drained d = drain(*source);
    EXPECT_EQ(d.ids, range_ids(c.start, 2500));
    expect_values(d, 5);
  }
}

TEST_F(ParquetTest, GlobsAndDirectoriesOfMixedWriters) {
  NODE_MODULES_OR_RETURN(modules);
  const auto shards = dir_ / "shards";
  std::filesystem::create_directories(shards);
  node_write(modules, shards / "part-0.parquet", "--rows 1000 --dim 4 --row-group 400 --start 0");
  node_write(modules, shards / "part-1.parquet",
             "--rows 1000 --dim 4 --row-group 400 --start 1000");
  duckdb_write(db_, shards / "part-2.parquet", 1000, 4, 2000, 300);
  write_floats(shards / "notes.txt", {1, 2, 3});  // not matched by the pattern
  for (const auto& path : {(shards / "part-*.parquet").string(), shards.string()}) {
    SCOPED_TRACE(path);
    ParquetOptions o;
    o.path = path;
    o.batch_size = 512;
    auto source = open_parquet_source(o);
    EXPECT_EQ(source->total_rows(), 3000u);
    Drained d = drain(*source);
    expect_values(d, 4);
    std::sort(d.ids.begin(), d.ids.end());
    EXPECT_EQ(d.ids, range_ids(0, 3000));
  }
}

TEST_F(ParquetTest, MissingColumnsListWhatTheFilesHave) {
  NODE_MODULES_OR_RETURN(modules);
  const auto path = dir_ / "renamed.parquet";
  node_write(modules, path, "--rows 10 --dim 3 --vector-name embedding");
  const SourceError e = source_error([&] { open_parquet_source(options_for(path)); });
  expect_contains(e.what(), "no column \"vector\" (vector_column)");
  expect_contains(e.what(), "embedding FLOAT[]");
  expect_contains(e.location(), path.string());

  ParquetOptions o = options_for(path);
  o.vector_column = "embedding";
  o.id_column = "id";
  expect_contains(source_error([&] { open_parquet_fetcher(o); }).what(),
                  "no column \"id\" (id_column)");
  o.id_column = "INDEX";  // DuckDB binds names case-insensitively
  EXPECT_EQ(drain(*open_parquet_source(o)).ids.size(), 10u);
}

TEST_F(ParquetTest, WrongColumnTypes) {
  NODE_MODULES_OR_RETURN(modules);
  const auto text = dir_ / "text.parquet";
  node_write(modules, text, "--rows 10 --dim 3 --vector text");
  expect_contains(source_error([&] { open_parquet_source(options_for(text)); }).what(),
                  "the vector column \"vector\" has type VARCHAR; expected FLOAT[]");

  const auto ints = dir_ / "ints.parquet";
  db_.exec("COPY (SELECT 1 AS \"index\", [1, 2, 3] AS vector) TO " + sql_literal(ints.string()));
  expect_contains(source_error([&] { open_parquet_source(options_for(ints)); }).what(),
                  "has type INTEGER[]");
  const auto ids = dir_ / "string_ids.parquet";
  db_.exec("COPY (SELECT 'a' AS \"index\", [1.0::FLOAT] AS vector) TO " +
           sql_literal(ids.string()));
  expect_contains(source_error([&] { open_parquet_source(options_for(ids)); }).what(),
                  "the id column \"index\" has type VARCHAR; expected INTEGER, BIGINT or UBIGINT");
}

TEST_F(ParquetTest, RaggedRowsStopTheirBatchAndNameFileAndRow) {
  NODE_MODULES_OR_RETURN(modules);
  const auto path = dir_ / "ragged.parquet";
  node_write(modules, path, "--rows 20 --dim 4 --vector ragged");
  auto source = open_parquet_source(options_for(path, 5));
  VectorBatch batch;
  ASSERT_TRUE(source->next(batch));  // rows 0-4
  const std::vector<std::int64_t> first = batch.ids;
  const SourceError e = source_error([&] { source->next(batch); });
  EXPECT_EQ(e.location(), path.string() + " row 7");
  expect_contains(e.what(), "has 5 values but earlier rows have 4");
  EXPECT_EQ(batch.ids, first) << "a failed batch leaves the previous one in place";
}

TEST_F(ParquetTest, NullsAndOutOfRangeIdsNameFileAndRow) {
  struct Case {
    const char* select;
    const char* message;
    std::size_t row;
  };
  const Case cases[] = {
      {"SELECT range AS \"index\", CASE WHEN range = 3 THEN NULL ELSE [1.0, 2.0]::FLOAT[] END AS "
       "vector FROM range(10)",
       "the vector (column \"vector\") of id 3 is NULL", 3},
      {"SELECT CASE WHEN range = 4 THEN NULL ELSE range END AS \"index\", [1.0, 2.0]::FLOAT[] AS "
       "vector FROM range(10)",
       "the id (column \"index\") is NULL", 4},
      {"SELECT range AS \"index\", [1.0, CASE WHEN range = 6 THEN NULL ELSE 2.0 END]::FLOAT[] AS "
       "vector FROM range(10)",
       "element 1 of the vector of id 6 is NULL", 6},
      {"SELECT CASE WHEN range = 2 THEN 18446744073709551615 ELSE range END::UBIGINT AS "
       "\"index\", [1.0]::DOUBLE[] AS vector FROM range(10)",
       "the id 18446744073709551615 does not fit in int64", 2},
      {"SELECT range AS \"index\", []::FLOAT[] AS vector FROM range(10)",
       "the vector of id 0 is empty", 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    const auto path = dir_ / "bad.parquet";
    db_.exec("COPY (" + std::string(c.select) + ") TO " + sql_literal(path.string()) +
             " (FORMAT parquet)");
    auto source = open_parquet_source(options_for(path, 100));
    VectorBatch batch;
    const SourceError e = source_error([&] { source->next(batch); });
    EXPECT_EQ(e.location(), path.string() + " row " + std::to_string(c.row));
    expect_contains(e.what(), c.message);
    EXPECT_TRUE(batch.ids.empty());
  }
}

TEST_F(ParquetTest, AGlobWithAMismatchedFileNamesIt) {
  NODE_MODULES_OR_RETURN(modules);
  const auto shards = dir_ / "mixed";
  std::filesystem::create_directories(shards);
  node_write(modules, shards / "a.parquet", "--rows 10 --dim 3");
  node_write(modules, shards / "b.parquet", "--rows 10 --dim 3 --vector text --start 10");
  // Reported when the files are opened or when the file is reached.
  const SourceError e =
      source_error([&] { drain(*open_parquet_source(options_for(shards, 100))); });
  expect_contains(e.what(), "b.parquet");
}

// Files of different schemas in one directory: DuckDB's reason on one line,
// without its SQL advice (union_by_name) and URL (issue 22 item 7: a
// 723-byte line before).
TEST_F(ParquetTest, AMixedSchemaDirectoryIsOneShortLine) {
  const auto shards = dir_ / "schemas";
  std::filesystem::create_directories(shards);
  duckdb_write(db_, shards / "a.parquet", 10, 3);
  db_.exec("COPY (SELECT range AS key, [1.0, 2.0, 3.0]::FLOAT[] AS emb, 'x' AS note FROM range(10)) TO " +
           sql_literal((shards / "b.parquet").string()) + " (FORMAT parquet)");
  const SourceError e =
      source_error([&] { drain(*open_parquet_source(options_for(shards, 100))); });
  const std::string what = e.what();
  EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  EXPECT_EQ(what.find("union_by_name"), std::string::npos) << what;
  EXPECT_EQ(what.find("http"), std::string::npos) << what;
  EXPECT_LT(what.size(), 400u) << what;
}

TEST_F(ParquetTest, NamesAndPathsAreQuotedNotInjected) {
  const auto odd_dir = dir_ / "it's a dir";
  std::filesystem::create_directories(odd_dir);
  const auto path = odd_dir / "o'k.parquet";
  db_.exec(
      "COPY (SELECT range AS \"my \"\"id\"\"\", [range::FLOAT, 1.0]::FLOAT[] AS "
      "\"vec; DROP TABLE x\" FROM range(50)) TO " +
      sql_literal(path.string()) + " (FORMAT parquet)");
  ParquetOptions o = options_for(path, 20);
  o.id_column = "my \"id\"";
  o.vector_column = "vec; DROP TABLE x";
  EXPECT_EQ(drain(*open_parquet_source(o)).ids, range_ids(0, 50));
  EXPECT_EQ(open_parquet_fetcher(o)->fetch(std::vector<std::int64_t>{7}).ids,
            std::vector<std::int64_t>{7});

  o.id_column = "my \"id\", 1 AS \"x";  // would add a column if it were pasted into the SQL
  expect_contains(source_error([&] { open_parquet_source(o); }).what(), "no column");
  ParquetOptions evil = options_for(dir_ / "x') UNION SELECT 1, [1.0] --");
  expect_contains(source_error([&] { open_parquet_source(evil); }).what(), "No files found");
}

TEST_F(ParquetTest, MissingFilesAndBadOptions) {
  const auto path = dir_ / "nothing-here.parquet";
  const SourceError e = source_error([&] { open_parquet_source(options_for(path)); });
  EXPECT_EQ(e.location(), path.string());
  expect_contains(e.what(), "No files found");
  EXPECT_THROW(open_parquet_source(options_for(dir_ / "empty-dir-has-none")), SourceError);
  EXPECT_THROW(open_parquet_source(ParquetOptions{}), InvalidArgument);
  duckdb_write(db_, dir_ / "ok.parquet", 10, 2);
  EXPECT_THROW(open_parquet_source(options_for(dir_ / "ok.parquet", 0)), InvalidArgument);
  ParquetOptions o = options_for(dir_ / "ok.parquet");
  o.vector_column = "";
  EXPECT_THROW(open_parquet_source(o), InvalidArgument);
  // A corrupt file: a header that is not Parquet.
  write_floats(dir_ / "corrupt.parquet", {1, 2, 3, 4});
  expect_contains(
      source_error([&] { open_parquet_source(options_for(dir_ / "corrupt.parquet")); }).location(),
      "corrupt.parquet");
}

// Both fetcher modes: in memory (default budget) and one query per fetch.
TEST_F(ParquetTest, FetcherInMemoryAndByQuery) {
  const auto path = dir_ / "fetch.parquet";
  // ids 0, 3, 6, ... 8997, then id 42 again with another vector (the last wins).
  db_.exec(
      "COPY (SELECT range * 3 AS \"index\", " + sql_vector("range * 3", 5) +
      "::FLOAT[] AS vector FROM range(3000) UNION ALL SELECT 42, [9, 9, 9, 9, 9]::FLOAT[]) TO " +
      sql_literal(path.string()) + " (FORMAT parquet, ROW_GROUP_SIZE 1000)");
  for (const std::size_t budget : {std::size_t{256} << 20, std::size_t{0}, std::size_t{1000}}) {
    SCOPED_TRACE(budget);
    ParquetOptions o = options_for(path);
    o.fetch_cache_bytes = budget;
    auto fetcher = open_parquet_fetcher(o);
    const std::vector<std::int64_t> want = {0, 3, 4, 8997, 9000, -3, 42};
    FetchedVectors got = fetcher->fetch(want);
    std::vector<std::pair<std::int64_t, std::vector<float>>> rows;
    for (std::size_t i = 0; i < got.ids.size(); ++i) {
      rows.emplace_back(got.ids[i],
                        std::vector<float>(got.data.begin() + static_cast<long>(i * 5),
                                           got.data.begin() + static_cast<long>(i * 5 + 5)));
    }
    std::sort(rows.begin(), rows.end());
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0].first, 0);
    EXPECT_EQ(rows[1].first, 3);
    EXPECT_EQ(rows[2].first, 42);
    EXPECT_EQ(rows[2].second, std::vector<float>(5, 9.0f));
    EXPECT_EQ(rows[3].first, 8997);
    for (const std::size_t k : {0u, 1u, 3u}) {
      for (std::size_t j = 0; j < 5; ++j) EXPECT_EQ(rows[k].second[j], value(rows[k].first, j));
    }
    EXPECT_TRUE(fetcher->fetch(std::vector<std::int64_t>{}).ids.empty());

    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&, t] {
        for (std::int64_t i = t; i < 60; i += 3) {
          const std::int64_t id = 3 * i * 7 + 3;  // never 42, whose row is repeated
          const FetchedVectors one = fetcher->fetch(std::vector<std::int64_t>{id, id + 1});
          if (one.ids != std::vector<std::int64_t>{id} || one.data[4] != value(id, 4)) ++wrong;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(wrong.load(), 0);
  }
}

// ingest_from() independently written shards of random vectors, then each
// vector finds itself, reranked through the Parquet fetcher (query mode).
TEST_F(ParquetTest, RoundTripThroughIndex) {
  NODE_MODULES_OR_RETURN(modules);
  constexpr std::size_t kDim = 16;
  const std::vector<float> vectors = random_vectors(2000, kDim, 11);
  write_floats(dir_ / "random.f32", vectors);
  const auto shards = dir_ / "rt";
  std::filesystem::create_directories(shards);
  const std::string raw = " --values-from '" + (dir_ / "random.f32").string() + "'";
  node_write(modules, shards / "a.parquet", "--rows 1000 --dim 16 --row-group 300" + raw);
  write_floats(dir_ / "random-b.f32",
               std::vector<float>(vectors.begin() + 1000 * kDim, vectors.end()));
  node_write(modules, shards / "b.parquet",
             "--rows 1000 --dim 16 --row-group 300 --start 1000 --values-from '" +
                 (dir_ / "random-b.f32").string() + "'");
  ParquetOptions po = options_for(shards, 256);
  po.fetch_cache_bytes = 0;  // exercise the query path end to end
  IndexOptions o = shaped_index_options("lsh", kDim, 16, 4);
  Index index(o, nullptr, open_parquet_fetcher(po));
  EXPECT_EQ(index.ingest_from(*open_parquet_source(po)), 2000u);
  QueryOptions q;
  q.top_k = 1;
  q.rerank = true;
  for (std::size_t id = 0; id < 2000; id += 37) {
    const QueryResult r = index.query(std::span(vectors).subspan(id * kDim, kDim), q);
    ASSERT_EQ(r.neighbors.size(), 1u);
    EXPECT_EQ(r.neighbors[0].id, static_cast<std::int64_t>(id));
    EXPECT_NEAR(*r.neighbors[0].similarity, 1.0f, 1e-5f);
    EXPECT_EQ(r.missing_vectors, 0u);
  }
}

TEST_F(ParquetTest, WriterOutputReadsBackExactly) {
  constexpr std::size_t kDim = 5, kRows = 5000;  // several DuckDB vectors of 2048 rows
  std::vector<std::int64_t> ids(kRows);
  std::vector<float> data(kRows * kDim);
  for (std::size_t r = 0; r < kRows; ++r) {
    ids[r] = static_cast<std::int64_t>(r * 3 + 1);
    for (std::size_t j = 0; j < kDim; ++j) data[r * kDim + j] = value(ids[r], j);
  }
  const auto path = (dir_ / "written.parquet").string();
  write_parquet(path, ids, data, kDim);
  ParquetOptions po;
  po.path = path;
  po.batch_size = 1000;
  const Drained d = drain(*open_parquet_source(po));
  EXPECT_EQ(d.ids, ids);
  expect_values(d, kDim);
  EXPECT_THROW(write_parquet(path, ids, std::span(data).subspan(1), kDim), InvalidArgument);
}

}  // namespace
}  // namespace lshrs::testing

#else  // !LSHRS_HAVE_DUCKDB

namespace lshrs::testing {
namespace {

TEST(ParquetTest, UnavailableWithoutDuckDb) {
  EXPECT_FALSE(parquet_supported());
  EXPECT_THROW(open_parquet_source(ParquetOptions{}), ConfigurationError);
  if (std::getenv("CI") != nullptr) {
    FAIL() << "lshrs was built without DuckDB under CI: scripts/setup must provision it";
  }
}

}  // namespace
}  // namespace lshrs::testing

#endif
