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

}  // namespace
}  // namespace lshrs::testing
