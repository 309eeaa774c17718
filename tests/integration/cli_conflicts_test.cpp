// The `lshrs` tool refuses conflicting or empty inputs (issue 22 item 7):
// two query inputs, two vector sources, --ids-file with a source that has
// its own ids, an empty --rows. One usage line naming the flags, exit 2,
// before anything is read or written.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "integration/cli_test_env.hpp"

namespace lshrs::testing {
namespace {

class CliConflictsTest : public CliTest {
 protected:
  void expect_usage(const std::vector<std::string>& args, const std::vector<std::string>& needles) {
    SCOPED_TRACE(::testing::PrintToString(args));
    const CliRun r = lshrs(args);
    EXPECT_EQ(r.code, 2) << r.out << r.err;
    for (const auto& n : needles) expect_one_error_line(r, n);
  }
};

TEST_F(CliConflictsTest, ConflictingAndEmptyInputsAreUsageErrors) {
  const auto base = write_data("base.npy", 50, 4, 1);
  const auto queries = head_rows(base, 2, "queries.npy");
  const std::vector<std::string> memory = {"--store", "memory", "--from", base};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), memory.begin(), memory.end());
    return args;
  };
  // Two query inputs.
  expect_usage(with({"query", queries, "--vector", "[1, 2, 3, 4]"}), {"--vector", queries});
  expect_usage(with({"query", "-", "--vector", "[1, 2, 3, 4]"}), {"--vector"});
  // Two vector sources.
  expect_usage({"index", "--store", "memory", base, "--from", "parquet:x.parquet"},
               {"--from", base});
  expect_usage({"index", "--store", "memory", base, "--from", "npy:" + base}, {"--from"});
  const CliRun pg =
      lshrs({"index", "--store", "memory", base, "--from", "postgresql://u:S3cretPW@h/db"});
  EXPECT_EQ(pg.code, 2) << pg.err;
  expect_one_error_line(pg, "--from");
  EXPECT_EQ(pg.err.find("S3cretPW"), std::string::npos) << pg.err;
  // --ids-file belongs to .npy sources.
  expect_usage({"index", "--store", "memory", "--from", "parquet:x.parquet", "--ids-file", base},
               {"--ids-file", "parquet"});
  // --rows given but empty, as '' or as ','.
  for (const char* rows : {"", ",", " , "}) {
    expect_usage(with({"query", queries, "--rows", rows}), {"--rows"});
  }
  // What stays allowed: one input each, --from KIND with the path.
  EXPECT_EQ(lshrs(with({"query", queries, "--rows", "1", "-q"})).code, 0);
  EXPECT_EQ(lshrs(with({"query", "--vector", "[1, 2, 3, 4]", "-q"})).code, 0);
  EXPECT_EQ(lshrs({"index", "--store", "memory", "--from", "npy", base, "-q"}).code, 0);
}

// An empty source (a .npy of 0 rows; before: an empty Parquet file) is
// refused, naming it, instead of a summary of an index that was never
// written; ids and id ranges beyond their bound are refused before
// anything is allocated for them.
TEST_F(CliConflictsTest, EmptySourcesAndEndlessIdListsAreRefused) {
  const auto empty = (dir_ / "empty.npy").string();
  write_npy_matrix(empty, Matrix{0, 4, {}});
  const CliRun r = lshrs({"index", empty, "--store", "memory", "--bands", "2", "--rows-per-band", "2"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  expect_one_error_line(r, "no vectors in");
  EXPECT_EQ(r.out.find("index: prefix"), std::string::npos) << r.out;

  std::string many = "0-9999999";
  for (int i = 0; i < 20; ++i) many += ",0-9999999";  // 210M ids: gigabytes, before the bound
  const CliRun ids = lshrs({"delete", "--redis", "redis://127.0.0.1:1", "--prefix", "p", "--ids", many});
  EXPECT_EQ(ids.code, 2) << ids.err;
  expect_one_error_line(ids, "more than 10000000 ids");
  // An id file that is no text: its bytes escaped, the line not cut at a NUL.
  const auto base = write_data("base.npy", 5, 4, 1);
  const CliRun bin = lshrs({"delete", "--redis", "redis://127.0.0.1:1", "--prefix", "p", "--ids-from", base});
  EXPECT_EQ(bin.code, 2) << bin.err;
  expect_one_error_line(bin, "\\x93NUMPY");
}

}  // namespace
}  // namespace lshrs::testing
