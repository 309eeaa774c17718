// The `lshrs` command-line tool run as a user runs it: the built binary (or
// $LSHRS_CLI) in a child process, with its exit code, stdout and stderr, plus
// the fixture's scratch data files. Shared by the CLI test files.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "lshrs/files.hpp"
#include "unit/test_support.hpp"

namespace lshrs::testing {

using nlohmann::json;

struct CliRun {
  int code = -1;
  std::string out, err;
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The binary under test: $LSHRS_CLI, else the one this build made.
inline std::string cli_path() {
  if (const char* p = std::getenv("LSHRS_CLI"); p != nullptr && *p != '\0') return p;
  return std::string(LSHRS_BINARY_DIR) + "/tools/lshrs/lshrs";
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(cli_path())) {
      if (std::getenv("CI") != nullptr)
        GTEST_FAIL() << "the lshrs binary is missing: " << cli_path();
      GTEST_SKIP() << "the lshrs binary is not built (" << cli_path() << ")";
    }
  }

  // Runs `lshrs ARGS` with `input` on stdin (empty: /dev/null). With
  // `limit_seconds`, a run that would hang is killed then (code 124).
  CliRun lshrs(const std::vector<std::string>& args, const std::string& input = "",
               double limit_seconds = 0) {
    std::string cmd = limit_seconds > 0
                          ? "timeout -k 5 " + std::to_string(limit_seconds) + " "
                          : std::string();
    cmd += "env -u LSHRS_REDIS_URL -u REDIS_URL " + shell_quote(cli_path());
    for (const auto& a : args) cmd += " " + shell_quote(a);
    const auto in = dir_ / "stdin", out = dir_ / "stdout", err = dir_ / "stderr";
    std::ofstream(in) << input;
    cmd += " <" + shell_quote(in.string()) + " >" + shell_quote(out.string()) + " 2>" +
           shell_quote(err.string());
    const int status = std::system(cmd.c_str());
    CliRun r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  // n × dim vectors around 8 centres (so that neighbours exist), as .npy.
  std::string write_data(const std::string& name, std::size_t n, std::size_t dim, unsigned seed) {
    Matrix m{n, dim, random_vectors(n, dim, seed)};
    const auto centres = random_vectors(8, dim, 1000 + seed);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t d = 0; d < dim; ++d)
        m.data[i * dim + d] = centres[(i % 8) * dim + d] + 0.5f * m.data[i * dim + d];
    }
    const auto path = dir_ / name;
    write_npy_matrix(path, m);
    return path.string();
  }

  // The first `rows` rows of a .npy, as another .npy (queries whose best match is known).
  std::string head_rows(const std::string& from, std::size_t rows, const std::string& name) {
    Matrix m = read_npy_matrix(from);
    m.data.resize(rows * m.cols);
    m.rows = rows;
    const auto path = dir_ / name;
    write_npy_matrix(path, m);
    return path.string();
  }

  static std::vector<json> json_lines(const std::string& text) {
    std::vector<json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(json::parse(line));
    }
    return out;
  }

  ScratchDir dir_{"cli"};
};

// An error is exactly one line on stderr, starting "lshrs: error: ".
inline void expect_one_error_line(const CliRun& r, const std::string& needle) {
  EXPECT_EQ(r.err.rfind("lshrs: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.err;
}

TEST_F(CliTest, MemoryStoreIndexesAndQueriesInOneRun) {
  const auto base = write_data("base.npy", 800, 16, 1);
  const auto queries = head_rows(base, 5, "queries.npy");
  const CliRun r = lshrs({"query", "--store", "memory", "--from", base, queries, "--vectors", base,
                          "--rerank", "-k", "4", "--json", "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 5u) << r.out;
  for (std::size_t q = 0; q < lines.size(); ++q) {
    const json& j = lines[q];
    EXPECT_EQ(j["query"], q);
    ASSERT_EQ(j["ids"].size(), 4u);
    EXPECT_EQ(j["ids"][0], q) << "a base row must be its own nearest neighbour";
    EXPECT_NEAR(j["scores"][0].get<double>(), 1.0, 1e-5);
    for (std::size_t i = 1; i < 4; ++i)
      EXPECT_GE(j["scores"][i - 1].get<double>(), j["scores"][i].get<double>());
    EXPECT_GE(j["candidates"].get<std::size_t>(), 4u);
    EXPECT_TRUE(j["time_us"].is_number_integer());
  }
}

TEST_F(CliTest, QueryReadsJsonFromStdinAndSelectsRows) {
  const auto base = write_data("base.npy", 300, 8, 2);
  const Matrix m = read_npy_matrix(base);
  json rows = json::array();
  for (std::size_t i = 0; i < 3; ++i)
    rows.push_back(std::vector<float>(m.data.begin() + static_cast<long>(i * 8),
                                      m.data.begin() + static_cast<long>(i * 8 + 8)));
  const CliRun r = lshrs({"query", "--store", "memory", "--from", base, "--rows", "2", "-k", "1",
                          "--rerank", "--json", "-q"},
                         rows.dump());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["query"], 2);
  EXPECT_EQ(lines[0]["ids"][0], 2);
}

TEST_F(CliTest, TuneMarksTheChosenConfigAndPlotsSCurves) {
  const auto svg = dir_ / "curves.svg";
  const CliRun r =
      lshrs({"tune", "--num-perm", "128", "--threshold", "0.7", "--json", "--plot", svg.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_EQ(j["candidates"].size(), 8u);  // the divisors of 128
  std::size_t chosen = 0;
  for (const auto& c : j["candidates"]) {
    EXPECT_EQ(c["bands"].get<std::size_t>() * c["rows"].get<std::size_t>(), 128u);
    if (c["chosen"].get<bool>()) {
      ++chosen;
      EXPECT_EQ(c["bands"], j["chosen"]["bands"]);
    }
  }
  EXPECT_EQ(chosen, 1u);
  const std::string text = slurp(svg);
  EXPECT_EQ(text.rfind("<svg", 0), 0u);
  EXPECT_NE(text.find("</svg>"), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n') > 20, true);
  EXPECT_NE(text.find("(chosen)"), std::string::npos);
}

}  // namespace lshrs::testing
