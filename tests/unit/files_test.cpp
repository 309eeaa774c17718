// .npy and .fvecs sources and the .npy fetcher, on files written by numpy and
// Python's struct module (tests/oracle/npy_files.py), never by lshrs itself.
#include "lshrs/files.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <thread>

#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

constexpr std::size_t kRows = 1234;
constexpr std::size_t kCols = 7;

// The oracle's value(i, j), exact in float32.
float value(std::size_t i, std::size_t j) {
  return static_cast<float>(
      static_cast<double>(static_cast<long>((i * 131 + j * 17) % 2001) - 1000) / 64.0);
}

std::int64_t oracle_id(std::size_t i) {
  return 1'000'000'000'000 + 7 * static_cast<std::int64_t>(kRows - i);
}

class FilesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir("files");
    run_oracle("npy_files.py", "write " + dir_->path().string());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::filesystem::path file(const std::string& name) { return dir_->path() / name; }

  static void expect_oracle_values(const Drained& d, std::size_t rows, std::size_t cols) {
    ASSERT_EQ(d.dim, cols);
    ASSERT_EQ(d.data.size(), rows * cols);
    for (std::size_t i = 0; i < rows; ++i) {
      for (std::size_t j = 0; j < cols; ++j) {
        ASSERT_EQ(d.data[i * cols + j], value(i, j)) << "row " << i << " col " << j;
      }
    }
  }

  static ScratchDir* dir_;
};
ScratchDir* FilesTest::dir_ = nullptr;


TEST_F(FilesTest, NpyFloat32InBatchesWithRowNumbersAsIds) {
  auto source = open_npy_source({file("f32.npy"), std::nullopt, 500});
  EXPECT_EQ(source->total_rows(), kRows);
  expect_contains(source->describe(), "f32.npy");
  const Drained d = drain(*source);
  EXPECT_EQ(d.batch_sizes, (std::vector<std::size_t>{500, 500, 234}));
  for (std::size_t i = 0; i < kRows; ++i) ASSERT_EQ(d.ids[i], static_cast<std::int64_t>(i));
  expect_oracle_values(d, kRows, kCols);
  VectorBatch batch;
  EXPECT_FALSE(source->next(batch)) << "a drained source stays drained";
}

TEST_F(FilesTest, NpyFloat64AndFormatVersions2And3) {
  for (const char* name : {"f64.npy", "v2.npy", "v3.npy"}) {
    SCOPED_TRACE(name);
    auto source = open_npy_source({file(name), std::nullopt, 1000});
    expect_oracle_values(drain(*source), kRows, kCols);
  }
  // numpy really wrote the versions we asked for (byte 6 of the magic).
  for (const auto& [name, version] : {std::pair{"v2.npy", 2}, std::pair{"v3.npy", 3}}) {
    std::ifstream in(file(name), std::ios::binary);
    char head[8];
    in.read(head, 8);
    EXPECT_EQ(head[6], version) << name;
  }
}

TEST_F(FilesTest, Float64IsRoundedToNearestFloat32) {
  const Matrix m = read_npy_matrix(file("round.npy"));
  ASSERT_EQ(m.rows, 2u);
  ASSERT_EQ(m.cols, 3u);
  const double expected[] = {1.0 / 3, 0.1, 1e-50, 2.0 / 3, -0.7, 1e10};
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(m.data[i], static_cast<float>(expected[i]));
}

TEST_F(FilesTest, NpyIdsFromASecondFile) {
  auto source = open_npy_source({file("f32.npy"), file("ids.npy"), 100});
  const Drained d = drain(*source);
  ASSERT_EQ(d.ids.size(), kRows);
  for (std::size_t i = 0; i < kRows; ++i) ASSERT_EQ(d.ids[i], oracle_id(i));
  expect_oracle_values(d, kRows, kCols);
}

TEST_F(FilesTest, EmptyMatrixYieldsNothing) {
  auto source = open_npy_source({file("empty.npy"), std::nullopt, 10});
  EXPECT_EQ(source->total_rows(), 0u);
  VectorBatch batch;
  EXPECT_FALSE(source->next(batch));
}

TEST_F(FilesTest, NpyBadInputNamesTheFile) {
  struct Case {
    const char* file;
    const char* ids;
    const char* message;
  };
  const Case cases[] = {
      {"missing.npy", nullptr, "No such file"},
      {"ok.fvecs", nullptr, "magic"},
      {"fortran.npy", nullptr, "Fortran order"},
      {"i32.npy", nullptr, "'<i4'"},
      {"be.npy", nullptr, "big-endian"},
      {"one_d.npy", nullptr, "shape (7,)"},
      {"three_d.npy", nullptr, "shape (2, 3, 4)"},
      {"truncated.npy", nullptr, "truncated from row 1233"},
      {"trailing.npy", nullptr, "trailing bytes"},
      {"f32.npy", "ids_short.npy", "holds 1233 ids"},
      {"f32.npy", "ids_f8.npy", "'<f8'"},
      {"f32.npy", "ids_i4.npy", "'<i4'"},
      {"f32.npy", "f32.npy", "'<f4'"},
      {"f32.npy", "missing_ids.npy", "No such file"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    NpyOptions o{file(c.file), std::nullopt, 100};
    if (c.ids != nullptr) o.ids = file(c.ids);
    const SourceError e = source_error([&] { open_npy_source(o); });
    expect_contains(e.what(), c.message);
    expect_contains(e.location(), c.ids != nullptr ? c.ids : c.file);
    // The fetcher opens the same files with the same checks.
    const SourceError f = source_error([&] { open_npy_fetcher(o); });
    expect_contains(f.what(), c.message);
  }
  EXPECT_THROW(open_npy_source({file("f32.npy"), std::nullopt, 0}), InvalidArgument);
  EXPECT_THROW(open_npy_source({dir_->path(), std::nullopt, 10}), SourceError);  // a directory
}

TEST_F(FilesTest, NanRowsReachTheIndexWhichRefusesThem) {
  auto source = open_npy_source({file("nan.npy"), std::nullopt, 100});
  const Drained d = drain(*source);
  EXPECT_TRUE(std::isnan(d.data[5 * kCols]));

  IndexOptions o;
  o.dim = kCols;
  o.num_bands = 4;
  o.rows_per_band = 4;
  o.num_perm = 16;
  Index index(o);
  auto again = open_npy_source({file("nan.npy"), std::nullopt, 100});
  try {
    index.ingest_from(*again);
    FAIL() << "a NaN row was indexed";
  } catch (const InvalidArgument& e) {
    expect_contains(e.what(), "non-finite");
  }
}

constexpr NpyResidency kResidencies[] = {NpyResidency::kMapped, NpyResidency::kInMemory,
                                         NpyResidency::kAuto};

TEST_F(FilesTest, NpyFetcherByRowNumber) {
 for (const NpyResidency residency : kResidencies) {
  SCOPED_TRACE(static_cast<int>(residency));
  auto fetcher = open_npy_fetcher({file("f64.npy"), std::nullopt, 10, residency});
  const std::int64_t ids[] = {5, -1, 1233, 1234, 0, 5};
  const FetchedVectors got = fetcher->fetch(ids);
  EXPECT_EQ(got.ids, (std::vector<std::int64_t>{5, 1233, 0, 5}));
  ASSERT_EQ(got.data.size(), 4 * kCols);
  for (std::size_t k = 0; k < got.ids.size(); ++k) {
    for (std::size_t j = 0; j < kCols; ++j) {
      EXPECT_EQ(got.data[k * kCols + j], value(static_cast<std::size_t>(got.ids[k]), j));
    }
  }
 }
}

// Rows held in memory are the mapped rows: every row fetched and scored from
// the copy gives the same floats as from the mapping, float32 and float64
// (rounded once at open), by row number and through an ids file.
TEST_F(FilesTest, NpyFetcherInMemoryGivesTheMappedRowsAndScores) {
  std::vector<float> query(kCols);
  for (std::size_t j = 0; j < kCols; ++j) query[j] = 0.5f * static_cast<float>(j) - 1.25f;
  for (const char* name : {"f32.npy", "f64.npy"}) {
    for (const bool with_ids : {false, true}) {
      SCOPED_TRACE(std::string(name) + (with_ids ? " with ids" : ""));
      const auto ids_file = with_ids ? std::optional(file("ids.npy")) : std::nullopt;
      auto mapped = open_npy_fetcher({file(name), ids_file, 10, NpyResidency::kMapped});
      auto held = open_npy_fetcher({file(name), ids_file, 10, NpyResidency::kInMemory});
      std::vector<std::int64_t> ids;
      for (std::size_t i = 0; i < kRows; i += 3) ids.push_back(with_ids ? oracle_id(i) : static_cast<std::int64_t>(i));
      ids.push_back(-1);  // not an id either way
      const FetchedVectors a = mapped->fetch(ids), b = held->fetch(ids);
      EXPECT_EQ(a.ids, b.ids);
      EXPECT_EQ(a.data, b.data);
      EXPECT_EQ(a.ids.size(), ids.size() - 1);
      const ScoredIds sa = mapped->similarities(query, ids), sb = held->similarities(query, ids);
      EXPECT_EQ(sa.ids, sb.ids);
      EXPECT_EQ(sa.scores, sb.scores);
    }
  }
}

TEST_F(FilesTest, NpyFetcherThroughTheIdsFileFromManyThreads) {
  auto fetcher = open_npy_fetcher({file("f32.npy"), file("ids.npy"), 10});
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = static_cast<std::size_t>(t); i < kRows; i += 4) {
        const std::int64_t ids[] = {oracle_id(i), 42 /* not an id */};
        const FetchedVectors got = fetcher->fetch(ids);
        if (got.ids != std::vector<std::int64_t>{oracle_id(i)} || got.data.size() != kCols ||
            got.data[kCols - 1] != value(i, kCols - 1)) {
          ++wrong;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

// The rerank's scores: in place for float32 (no copy), through fetch() for
// float64; either way the cosine of the stored row, in the order asked, with
// unknown ids left out.
TEST_F(FilesTest, NpyFetcherScoresCandidatesAsTheirCosines) {
  std::vector<float> query(kCols);
  for (std::size_t j = 0; j < kCols; ++j) query[j] = static_cast<float>(j) - 2.5f;
  double qq = 0;
  for (const float x : query) qq += double{x} * x;
  for (const char* name : {"f32.npy", "f64.npy"}) {
   for (const NpyResidency residency : kResidencies) {
    SCOPED_TRACE(static_cast<int>(residency));
    auto fetcher = open_npy_fetcher({file(name), std::nullopt, 10, residency});
    const std::int64_t ids[] = {7, -3, 1233, 99999, 0, 7};
    const ScoredIds got = fetcher->similarities(query, ids);
    ASSERT_EQ(got.ids, (std::vector<std::int64_t>{7, 1233, 0, 7})) << name;
    ASSERT_EQ(got.scores.size(), got.ids.size()) << name;
    for (std::size_t k = 0; k < got.ids.size(); ++k) {
      double dot = 0, vv = 0;
      for (std::size_t j = 0; j < kCols; ++j) {
        const double v = value(static_cast<std::size_t>(got.ids[k]), j);
        dot += v * query[j];
        vv += v * v;
      }
      EXPECT_NEAR(got.scores[k], dot / std::sqrt(vv * qq), 1e-6) << name << " id " << got.ids[k];
    }
   }
  }
}

// Scoring in place skips the per-component checks for rows whose norm shows
// they are sound; a zero row, a row of components all below the zero
// tolerance, and a NaN are still refused, naming the candidate. (The file is
// written by write_npy_matrix: its rows, not the writer, are under test.)
TEST_F(FilesTest, NpyFetcherStillRefusesBrokenStoredRows) {
  Matrix m{4, 3, {1, 2, 3, 0, 0, 0, 1e-9f, -1e-9f, 1e-9f, 1, std::nanf(""), 1}};
  const auto path = dir_->path() / "broken-rows.npy";
  write_npy_matrix(path, m);
 for (const NpyResidency residency : kResidencies) {
  SCOPED_TRACE(static_cast<int>(residency));
  auto fetcher = open_npy_fetcher({path, std::nullopt, 10, residency});
  const std::vector<float> query{1, 1, 1};
  EXPECT_EQ(fetcher->similarities(query, std::vector<std::int64_t>{0}).ids.size(), 1u);
  for (const std::int64_t id : {1, 2, 3}) {
    try {
      fetcher->similarities(query, std::vector<std::int64_t>{0, id});
      ADD_FAILURE() << "row " << id << " must be refused";
    } catch (const SourceError& e) {
      EXPECT_EQ(e.location(), "candidate id " + std::to_string(id)) << e.what();
      EXPECT_NE(std::string(e.what()).find(id == 3 ? "non-finite" : "zero vector"), std::string::npos)
          << e.what();
    }
  }
 }
}

TEST_F(FilesTest, ReadNpyMatrixMatchesTheRawFloats) {
  const Matrix m = read_npy_matrix(file("random.npy"));
  EXPECT_EQ(m.rows, 2000u);
  EXPECT_EQ(m.cols, 32u);
  EXPECT_EQ(m.data, read_floats(file("random.f32")));
  const Matrix one = read_npy_matrix(file("one_d.npy"));  // a single query vector
  EXPECT_EQ(one.rows, 1u);
  EXPECT_EQ(one.cols, kCols);
  EXPECT_THROW(read_npy_matrix(file("three_d.npy")), SourceError);
}

TEST_F(FilesTest, WriteNpyMatrixIsReadByNumpy) {
  Matrix m{300, 9, {}};
  for (std::size_t i = 0; i < m.rows; ++i) {
    for (std::size_t j = 0; j < m.cols; ++j) m.data.push_back(value(i, j));
  }
  const auto path = dir_->path() / "written.npy";
  write_npy_matrix(path, m);
  run_oracle("npy_files.py", "check " + path.string() + " 300 9");
  const Matrix back = read_npy_matrix(path);
  EXPECT_EQ(back.data, m.data);

  m.data.pop_back();
  EXPECT_THROW(write_npy_matrix(path, m), InvalidArgument);
  m.data.push_back(0);
  EXPECT_THROW(write_npy_matrix(dir_->path() / "no-such-dir" / "x.npy", m), SourceError);
}

TEST_F(FilesTest, FvecsWrittenByStruct) {
  auto source = open_fvecs_source({file("ok.fvecs"), 300});
  EXPECT_EQ(source->total_rows(), 1000u);
  const Drained d = drain(*source);
  EXPECT_EQ(d.batch_sizes, (std::vector<std::size_t>{300, 300, 300, 100}));
  for (std::size_t i = 0; i < 1000; ++i) ASSERT_EQ(d.ids[i], static_cast<std::int64_t>(i));
  expect_oracle_values(d, 1000, 16);
}

TEST_F(FilesTest, FvecsBadRecordsNameTheRow) {
  {
    auto source = open_fvecs_source({file("ragged.fvecs"), 2});
    VectorBatch batch;
    ASSERT_TRUE(source->next(batch));  // rows 0, 1
    const SourceError e = source_error([&] { source->next(batch); });
    expect_contains(e.location(), "ragged.fvecs row 3");
    expect_contains(e.what(), "dimension 17");
    EXPECT_EQ(batch.ids, (std::vector<std::int64_t>{0, 1})) << "a failed batch is not returned";
  }
  {
    auto source = open_fvecs_source({file("truncated.fvecs"), 10'000});
    EXPECT_EQ(source->total_rows(), std::nullopt);
    VectorBatch batch;
    const SourceError e = source_error([&] { source->next(batch); });
    expect_contains(e.location(), "truncated.fvecs row 999");
    expect_contains(e.what(), "truncated");
  }
  expect_contains(source_error([&] {
                    open_fvecs_source({file("zero_dim.fvecs"), 10});
                  }).what(),
                  "dimension 0");
  expect_contains(source_error([&] {
                    open_fvecs_source({file("nope.fvecs"), 10});
                  }).what(),
                  "No such file");
  EXPECT_THROW(open_fvecs_source({file("ok.fvecs"), 0}), InvalidArgument);
}

// 8 bytes declaring dim 2^31 - 1 must fail when opened, before a buffer sized
// by the declared dimension (8 GiB) exists.
TEST(FvecsSource, ADeclaredDimensionLargerThanTheFileFailsAtOnce) {
  ScratchDir dir("fvecs-huge");
  const auto path = dir / "huge.fvecs";
  {
    std::ofstream out(path, std::ios::binary);
    const std::int32_t dim = 2147483647;
    const float one = 1.0f;
    out.write(reinterpret_cast<const char*>(&dim), 4);
    out.write(reinterpret_cast<const char*>(&one), 4);
  }
  const SourceError e = source_error([&] { open_fvecs_source({path, 10'000}); });
  expect_contains(e.location(), "huge.fvecs row 0");
  expect_contains(e.what(), "declares dimension 2147483647 but the file has 8 bytes");
}

// ingest_from() a numpy-written file, then every vector finds itself, first by
// collisions and, through the .npy fetcher, by cosine.
TEST_F(FilesTest, RoundTripThroughIndex) {
  IndexOptions o = shaped_index_options("lsh", 32, 16, 4);
  const NpyOptions npy{file("random.npy"), std::nullopt, 256};
  Index index(o, nullptr, open_npy_fetcher(npy));
  auto source = open_npy_source(npy);
  std::vector<IngestProgress> progress;
  IngestOptions ingest;
  ingest.progress = [&](const IngestProgress& p) { progress.push_back(p); };
  ingest.progress_interval = std::chrono::milliseconds(0);
  EXPECT_EQ(index.ingest_from(*source, ingest), 2000u);
  ASSERT_FALSE(progress.empty());
  EXPECT_TRUE(progress.back().finished);
  EXPECT_EQ(progress.back().rows_done, 2000u);
  EXPECT_EQ(progress.back().total_rows, 2000u);

  const Matrix queries = read_npy_matrix(file("random.npy"));
  QueryOptions q;
  q.top_k = 1;
  q.rerank = true;
  const auto results = index.query_batch(queries.data, q);
  ASSERT_EQ(results.size(), 2000u);
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_FALSE(results[i].neighbors.empty()) << "row " << i;
    EXPECT_EQ(results[i].neighbors[0].id, static_cast<std::int64_t>(i));
    EXPECT_NEAR(*results[i].neighbors[0].similarity, 1.0f, 1e-5f);
    EXPECT_EQ(results[i].missing_vectors, 0u);
  }
}

}  // namespace
}  // namespace lshrs::testing
