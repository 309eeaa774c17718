// The `lshrs` tool against inputs that never end (issue 22 item 1): every
// file input is a regular file, bounded in size, or refused before it is
// read — a FIFO is never waited on, /dev/zero never read into memory; stdin
// JSON and id lists are bounded too. Each run is killed after a limit, so a
// regression shows as exit 124 instead of a hung suite.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "integration/cli_test_env.hpp"

namespace lshrs::testing {
namespace {

constexpr double kLimit = 30;

class CliEndlessInputTest : public CliTest {
 protected:
  std::string fifo(const std::string& name) {
    const auto p = dir_ / name;
    std::filesystem::create_directories(p.parent_path());
    EXPECT_EQ(::mkfifo(p.c_str(), 0600), 0) << p;
    return p.string();
  }
  // `name` (its extension tells the reader) pointing at /dev/zero.
  std::string zero(const std::string& name) {
    const auto p = dir_ / name;
    std::filesystem::create_symlink("/dev/zero", p);
    return p.string();
  }
  void expect_refused(const std::vector<std::string>& args, const std::string& needle) {
    SCOPED_TRACE(::testing::PrintToString(args));
    const CliRun r = lshrs(args, "", kLimit);
    EXPECT_NE(r.code, 124) << "waited on (or read without end) a file that never ends";
    EXPECT_EQ(r.code, 3) << r.err;
    expect_one_error_line(r, needle);
  }
  // `lshrs ARGS < /dev/zero`, killed after kLimit seconds.
  CliRun with_endless_stdin(const std::vector<std::string>& args) {
    return lshrs_redirected(args, "/dev/zero", "", kLimit);
  }
};

TEST_F(CliEndlessInputTest, QueryJsonThatIsAFifoOrDevZeroIsRefused) {
  const auto base = write_data("base.npy", 50, 4, 1);
  for (const auto& q : {fifo("q.json"), zero("zero.json")}) {
    expect_refused({"query", q, "--store", "memory", "--from", base}, "not a regular file");
  }
}

TEST_F(CliEndlessInputTest, GroundTruthThatIsDevZeroIsRefused) {
  const auto base = write_data("base.npy", 50, 4, 2);
  const auto queries = head_rows(base, 3, "queries.npy");
  for (const auto& truth : {zero("truth.npy"), zero("truth.ivecs"), fifo("fifo-truth.npy")}) {
    expect_refused({"bench", "--store", "memory", "--base", base, "--queries", queries, "--truth",
                    truth, "-q"},
                   "not a regular file");
  }
}

TEST_F(CliEndlessInputTest, IdListThatIsDevZeroOrAFifoIsRefused) {
  for (const auto& ids : {std::string("/dev/zero"), fifo("ids.txt")}) {
    expect_refused({"delete", "--redis", "redis://127.0.0.1:1", "--prefix", "p", "--ids-from", ids},
                   "not a regular file");
  }
}

TEST_F(CliEndlessInputTest, QueriesBaseAndTrainingFilesThatAreFifosAreRefused) {
  const auto base = write_data("base.npy", 200, 4, 3);
  const auto q = fifo("q.json");
  expect_refused({"bench", "--store", "memory", "--base", base, "--queries", q, "-q"},
                 "not a regular file");
  expect_refused({"train", "--family", "k-means", "--base", q, "--save-model",
                  (dir_ / "km").string()},
                 "not a regular file");
  expect_refused({"tune", "--store", "memory", "--base", base, "--queries", q, "-q"},
                 "not a regular file");
}

TEST_F(CliEndlessInputTest, StdinJsonAndIdsAreBounded) {
  const auto base = write_data("base.npy", 50, 4, 4);
  CliRun r = with_endless_stdin({"query", "-", "--store", "memory", "--from", base});
  EXPECT_NE(r.code, 124) << "read stdin without end";
  EXPECT_EQ(r.code, 3) << r.err;
  expect_one_error_line(r, "256 MiB");
  r = with_endless_stdin({"delete", "--redis", "redis://127.0.0.1:1", "--prefix", "p",
                          "--ids-from", "-"});
  EXPECT_NE(r.code, 124) << "read stdin without end";
  EXPECT_EQ(r.code, 3) << r.err;
  expect_one_error_line(r, "256 MiB");
}

#ifdef LSHRS_HAVE_DUCKDB
TEST_F(CliEndlessInputTest, ParquetFifosAreRefusedBeforeDuckDbOpensThem) {
  const auto base = write_data("base.npy", 50, 4, 5);
  const auto p = fifo("f.parquet");
  expect_refused({"index", "--store", "memory", p}, "not a regular file");
  expect_refused({"index", "--store", "memory", "--from", "parquet:" + p}, "not a regular file");
  // A directory, and a glob, that hold one: DuckDB's glob lists regular
  // files only, so the FIFO is not read (here: no files at all).
  fifo("shards/a.parquet");
  const std::string shards = (dir_ / "shards").string();
  expect_refused({"index", "--store", "memory", shards}, "shards");
  expect_refused({"index", "--store", "memory", "--from", "parquet:" + shards + "/*.parquet"},
                 "shards");
  expect_refused({"query", base, "--rows", "0", "--store", "memory", "--from", base, "--vectors",
                  "parquet:" + p, "--rerank"},
                 "not a regular file");
}
#endif

}  // namespace
}  // namespace lshrs::testing
