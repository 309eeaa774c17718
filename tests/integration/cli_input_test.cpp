// Hostile or mistyped input to the `lshrs` tool (issue 8): every case is one
// clear error line and a meaningful exit code, never a crash, a huge
// allocation or a half-created index in Redis.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "integration/cli_test_env.hpp"
#include "integration/postgres_test_env.hpp"

namespace lshrs::testing {
namespace {

constexpr const char* kWrappingRows = "4611686018427387905";  // 4 · this wraps to 4

TEST_F(CliTest, OverflowingBandsTimesRowsIsRefusedNotACrash) {
  const auto base = write_data("base.npy", 64, 16, 1);
  const CliRun r = lshrs({"index", base, "--store", "memory", "--batch-size", "16", "--bands", "4",
                          "--rows-per-band", kWrappingRows, "-q"});
  EXPECT_EQ(r.code, 3) << r.err;
  expect_one_error_line(r, "exceeds the supported 65536 hyperplanes");
}

TEST_F(CliTest, DeeplyNestedJsonOnStdinIsOneShortError) {
  const auto base = write_data("base.npy", 64, 4, 2);
  for (const std::size_t depth : {100'000, 50'000, 3}) {
    const std::string input = std::string(depth, '[') + "1" + std::string(depth, ']');
    const CliRun r = lshrs({"query", "-", "--store", "memory", "--from", base, "-q"}, input);
    EXPECT_EQ(r.code, 3) << "depth " << depth << ": " << r.err.substr(0, 300);
    expect_one_error_line(r, "stdin: JSON nested deeper than a list of vectors");
    EXPECT_LT(r.err.size(), 300u) << "depth " << depth;
  }
  // A long non-number is quoted as a short excerpt, not in full.
  const std::string input = "[[1, \"" + std::string(120'000, 'x') + "\", 3, 4]]";
  const CliRun r = lshrs({"query", "-", "--store", "memory", "--from", base, "-q"}, input);
  EXPECT_EQ(r.code, 3);
  expect_one_error_line(r, "holds a non-number: \"xxx");
  EXPECT_LT(r.err.size(), 300u);
}

// The ranges of --threshold, --top-p and --min-similarity are the library's
// (option_rules.hpp): a value the library refuses is refused as a bad flag,
// naming it, before any index is made — not accepted by a looser flag check
// and then refused by the library under its own option name.
TEST_F(CliTest, RealValuedFlagsFollowTheLibrarysRanges) {
  const auto base = write_data("base.npy", 64, 4, 3);
  const std::vector<std::string> query = {"query",  "--vector", "[1, 2, 3, 4]", "--store",
                                          "memory", "--from",   base,           "-q"};
  struct Case {
    const char* flag;
    const char* value;
    const char* rule;
  };
  for (const Case c : {Case{"--top-p", "0", "must be in (0, 1] (got 0)"},
                       Case{"--top-p", "1.5", "must be in (0, 1] (got 1.5)"},
                       Case{"--min-similarity", "-1.25", "must be in [-1, 1] (got -1.25)"},
                       Case{"--threshold", "1", "must be in (0, 1) (got 1)"},
                       Case{"--threshold", "0", "must be in (0, 1) (got 0)"}}) {
    std::vector<std::string> args = query;
    args.insert(args.end(), {c.flag, c.value});
    const CliRun r = lshrs(args);
    EXPECT_EQ(r.code, 2) << c.flag << " " << c.value << ": " << r.err;
    expect_one_error_line(r, std::string(c.flag) + ": " + c.rule);
  }
  const CliRun tune = lshrs({"tune", "--num-perm", "128", "--threshold", "1"});
  EXPECT_EQ(tune.code, 2) << tune.err;
  expect_one_error_line(tune, "--threshold: must be in (0, 1) (got 1)");
}

TEST_F(CliTest, NegativeOrHugeCountsAndSeedsAreRefused) {
  const auto base = write_data("base.npy", 64, 4, 3);
  const std::vector<std::string> query = {"query",  "--vector", "[1, 2, 3, 4]", "--store",
                                          "memory", "--from",   base,           "-q"};
  for (const char* k : {"-1", "99999999999999999999999"}) {
    std::vector<std::string> args = query;
    args.insert(args.end(), {"-k", k});
    const CliRun r = lshrs(args);
    EXPECT_EQ(r.code, 2) << "-k " << k << ": " << r.out;
    expect_one_error_line(r, std::string("'") + k + "'");
  }
  const CliRun seed = lshrs({"index", base, "--store", "memory", "--seed", "-1", "-q"});
  EXPECT_EQ(seed.code, 2) << seed.out;
  expect_one_error_line(seed, "'-1' is not a whole number");
  // 0 keeps its documented meaning (every candidate), and plain numbers work.
  std::vector<std::string> args = query;
  args.insert(args.end(), {"-k", "0", "--seed", "18446744073709551615"});
  EXPECT_EQ(lshrs(args).code, 0);
}

TEST_F(CliTest, AGroundTruthShapeLargerThanItsFileIsRefusedBeforeAllocating) {
  const auto base = write_data("base.npy", 64, 4, 8);
  const auto queries = head_rows(base, 4, "queries.npy");
  // (2^62, 4) int64 wraps rows · cols · 8 around to 0; the file holds 8 bytes.
  std::string header =
      "{'descr': '<i8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }";
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string npy = std::string("\x93NUMPY\x01\x00", 8);
  npy += static_cast<char>(header.size() & 0xff);
  npy += static_cast<char>(header.size() >> 8);
  npy += header + std::string(8, '\0');
  const auto truth = (dir_ / "truth.npy").string();
  std::ofstream(truth, std::ios::binary) << npy;
  const CliRun r = lshrs(
      {"bench", "--store", "memory", "--base", base, "--queries", queries, "--truth", truth, "-q"});
  EXPECT_EQ(r.code, 3) << r.out;
  expect_one_error_line(r, "data shorter than its shape");
}

TEST_F(CliTest, ABrokenVectorReadBackForRerankingNamesItsId) {
  const auto base = write_data("base.npy", 64, 4, 4);
  Matrix broken = read_npy_matrix(base);
  broken.data[3 * 4 + 1] = std::numeric_limits<float>::quiet_NaN();
  const auto vectors = (dir_ / "broken.npy").string();
  write_npy_matrix(vectors, broken);
  const auto queries = head_rows(base, 4, "queries.npy");
  const CliRun r = lshrs({"query", queries, "--rows", "3", "--store", "memory", "--from", base,
                          "--vectors", vectors, "--rerank", "-q"});
  EXPECT_EQ(r.code, 3) << r.out;
  expect_one_error_line(r, "candidate id 3");
}

TEST_F(CliRedisTest, RefusedFirstBatchesDoNotCreateTheIndex) {
  Matrix nan = read_npy_matrix(write_data("base.npy", 32, 16, 5));
  nan.data[5] = std::numeric_limits<float>::quiet_NaN();
  const auto nan_file = (dir_ / "nan.npy").string();
  write_npy_matrix(nan_file, nan);
  CliRun r = lshrs(cat({"index", nan_file, "-q"}, at(prefix_)));
  EXPECT_EQ(r.code, 3);
  expect_one_error_line(r, "non-finite");
  EXPECT_TRUE(keys_of(prefix_).empty()) << "no meta, no bucket";

  const auto good = write_data("good.npy", 32, 8, 6);
  r = lshrs(
      cat({"index", good, "-q", "--bands", "4", "--rows-per-band", kWrappingRows}, at(prefix_)));
  EXPECT_EQ(r.code, 3);
  EXPECT_TRUE(keys_of(prefix_).empty());
  // Refused up front: such a meta would exceed what Redis accepts.
  r = lshrs(cat({"index", good, "-q", "--num-perm", "10000000"}, at(prefix_)));
  EXPECT_EQ(r.code, 3);
  expect_one_error_line(r, "num_perm 10000000 exceeds the supported 65536");
  EXPECT_TRUE(keys_of(prefix_).empty());

  // A later correct run with another dimension creates the index.
  r = lshrs(cat({"index", good, "-q"}, at(prefix_)));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(keys_of(prefix_).count(":meta"), 1u);
}

TEST_F(CliRedisTest, RefusedPostgresRowsDoNotCreateTheIndex) {
  const std::string dsn = pg_dsn();
  LSHRS_REQUIRE_PG(dsn);
  TableGuard tables(dsn);
  const std::string t = tables.add(unique_table("cli_refused"));
  psql(dsn, "CREATE TABLE " + t + " (id bigint, v real[]);" + "INSERT INTO " + t +
                " VALUES (1, '{1,2,3}'), (-4, '{1,0,1}');");
  const std::vector<std::string> index = {"index",   "--from", "postgres",        "--dsn", dsn,
                                          "--table", t,        "--vector-column", "v",     "-q"};
  CliRun r = lshrs(cat(index, at(prefix_)));
  EXPECT_EQ(r.code, 3) << r.err;
  expect_one_error_line(r, "id -4");
  EXPECT_TRUE(keys_of(prefix_).empty()) << "no meta, no bucket";
  psql(dsn, "UPDATE " + t + " SET id = 4, v = '{0,0,0}' WHERE id = -4;");
  r = lshrs(cat(index, at(prefix_)));
  EXPECT_EQ(r.code, 3) << r.err;
  expect_one_error_line(r, "zero vector");
  EXPECT_TRUE(keys_of(prefix_).empty());
}

TEST_F(CliRedisTest, ADisagreeingThresholdIsRefusedLikeTheOtherFlags) {
  const auto base = write_data("base.npy", 64, 8, 7);
  ASSERT_EQ(
      lshrs(cat({"index", base, "-q", "--bands", "16", "--rows-per-band", "8"}, at(prefix_))).code,
      0);
  const auto before = keys_of(prefix_);
  CliRun r = lshrs(cat({"index", base, "-q", "--threshold", "0.9"}, at(prefix_)));
  EXPECT_EQ(r.code, 3);
  expect_one_error_line(r, "--threshold 0.9");
  r = lshrs(
      cat({"query", "--vector", "[1, 2, 3, 4, 5, 6, 7, 8]", "--threshold", "0.9"}, at(prefix_)));
  EXPECT_EQ(r.code, 3);
  expect_one_error_line(r, "--threshold");
  EXPECT_EQ(keys_of(prefix_), before);
  // The threshold the index was made with agrees.
  EXPECT_EQ(lshrs(cat({"index", base, "-q", "--threshold", "0.5"}, at(prefix_))).code, 0);
}

}  // namespace
}  // namespace lshrs::testing
