// The `lshrs` command-line tool run as a user runs it: the built binary (or
// $LSHRS_CLI) in a child process, with its exit code, stdout and stderr, plus
// the fixture's scratch data files. Shared by the CLI test files.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "integration/redis_test_env.hpp"
#include "lshrs/files.hpp"
#include "redis/transport/connection.hpp"
#include "redis/transport/url.hpp"
#include "redis/protocol/store_options.hpp"
#include "support/test_support.hpp"

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
    const auto in = dir_ / "stdin";
    std::ofstream(in) << input;
    return lshrs_redirected(args, in.string(), "", limit_seconds);
  }

  // The same with stdin read from `stdin_from` (a path: /dev/zero, a FIFO)
  // and stdout sent to `stdout_to` (a path such as /dev/full; empty: kept in
  // CliRun::out).
  CliRun lshrs_redirected(const std::vector<std::string>& args, const std::string& stdin_from,
                          const std::string& stdout_to, double limit_seconds = 0) {
    std::string cmd =
        limit_seconds > 0 ? "timeout -k 5 " + std::to_string(limit_seconds) + " " : std::string();
    cmd += "env -u LSHRS_REDIS_URL -u REDIS_URL " + shell_quote(cli_path());
    for (const auto& a : args) cmd += " " + shell_quote(a);
    const auto out = dir_ / "stdout", err = dir_ / "stderr";
    std::filesystem::remove(out);
    cmd += " <" + shell_quote(stdin_from) + " >" +
           shell_quote(stdout_to.empty() ? out.string() : stdout_to) + " 2>" +
           shell_quote(err.string());
    const int status = std::system(cmd.c_str());
    CliRun r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (stdout_to.empty()) r.out = slurp(out);
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

  static std::vector<nlohmann::json> json_lines(const std::string& text) {
    std::vector<nlohmann::json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(nlohmann::json::parse(line));
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

// ---- Against the test redis-server ------------------------------------------

class CliRedisTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    url_ = server_url("LSHRS_TEST_REDIS_URL");
    if (url_.empty()) return;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = std::string("lshrs-cli-test:") + info->name() + ":" + std::to_string(::getpid());
  }
  void TearDown() override {
    for (const auto& p : {prefix_, prefix_ + "-b"}) {
      if (!url_.empty()) lshrs({"clear", "--redis", url_, "--prefix", p, "--yes"});
    }
  }

  std::vector<std::string> at(const std::string& prefix) const {
    return {"--redis", url_, "--prefix", prefix};
  }

  static std::vector<std::string> cat(std::vector<std::string> a,
                                      const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  // Every key of `prefix`, with the prefix cut off (so two prefixes compare).
  std::set<std::string> keys_of(const std::string& prefix) const {
    RedisOptions o;
    o.url = url_;
    const auto endpoint = redis::resolve_endpoint(o);
    auto conn = redis::Connection::open(endpoint.address, endpoint.settings);
    const redis::Reply reply = conn.command({"KEYS", prefix + ":*"});
    std::set<std::string> keys;
    for (const redis::Reply& k : reply.elements) keys.insert(k.text.substr(prefix.size()));
    return keys;
  }

  // The first `rows` base rows, queried reranked at `probes`, each find
  // themselves first; `lshrs stats` reports the index's `family`.
  void expect_rows_find_themselves(const std::string& queries, const std::string& base,
                                   std::size_t rows, const std::string& probes,
                                   const std::string& family) {
    CliRun r = lshrs(cat({"query", queries, "--vectors", base, "--rerank", "-k", "3", "--probes",
                          probes, "--json"}, at(prefix_)));
    ASSERT_EQ(r.code, 0) << r.err;
    const auto lines = json_lines(r.out);
    ASSERT_EQ(lines.size(), rows);
    for (std::size_t q = 0; q < rows; ++q) EXPECT_EQ(lines[q]["ids"][0], q);
    r = lshrs(cat({"stats", "--json"}, at(prefix_)));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["config"]["family"], family);
  }

  std::string url_, prefix_;
};

}  // namespace lshrs::testing
