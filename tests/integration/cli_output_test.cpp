// Output that cannot be written is a failure (issue 22, item 2): a full disk
// or /dev/full used to be exit 0 with nothing said.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "integration/cli_test_env.hpp"

namespace lshrs::testing {
namespace {

class CliOutputTest : public CliTest {
 protected:
  // Runs `lshrs ARGS > /dev/full`, stderr kept.
  CliRun to_full_device(const std::vector<std::string>& args) {
    return lshrs_redirected(args, "/dev/null", "/dev/full");
  }
};

TEST_F(CliOutputTest, AResultThatCannotBeWrittenIsExitThreeWithOneLine) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full here";
  // A small table (one buffered write at exit) and a long stream of results.
  const CliRun table = to_full_device({"tune", "--num-perm", "128", "--threshold", "0.5"});
  EXPECT_EQ(table.code, 3) << table.err;
  EXPECT_NE(table.err.find("could not write the output to stdout"), std::string::npos) << table.err;
  EXPECT_NE(table.err.find("No space left on device"), std::string::npos) << table.err;
  EXPECT_EQ(std::count(table.err.begin(), table.err.end(), '\n'), 1) << table.err;

  const auto base = write_data("base.npy", 2'000, 8, 3);
  const CliRun results = to_full_device(
      {"query", base, "--store", "memory", "--from", base, "-k", "5", "--json", "-q"});
  EXPECT_EQ(results.code, 3) << results.err;
  EXPECT_NE(results.err.find("could not write the output"), std::string::npos) << results.err;
}

TEST_F(CliOutputTest, OutputThatWasWrittenIsStillSuccess) {
  const CliRun ok = lshrs({"tune", "--num-perm", "128", "--threshold", "0.5"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("16"), std::string::npos) << ok.out;
}

}  // namespace
}  // namespace lshrs::testing
