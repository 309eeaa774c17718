// Where the PostgreSQL integration tests find their server (LSHRS_TEST_PG_DSN,
// set by scripts/test through scripts/lib/postgres.sh), and a psql runner to
// set up tables independently of the code under test.
// Under CI a missing server is a test failure; locally the test is skipped.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace lshrs::testing {

// The DSN from the environment, "" when unset.
inline std::string pg_dsn() {
  const char* value = std::getenv("LSHRS_TEST_PG_DSN");
  return value != nullptr ? value : "";
}

// For a fixture's SetUp(): fails (under CI) or skips the test when no server.
#define LSHRS_REQUIRE_PG(dsn)                                                              \
  do {                                                                                     \
    if ((dsn).empty()) {                                                                   \
      if (std::getenv("CI") != nullptr) {                                                  \
        GTEST_FAIL() << "LSHRS_TEST_PG_DSN is not set: scripts/test must start PostgreSQL " \
                        "(CI is set, so a missing server is a failure, not a skip)";       \
      }                                                                                    \
      GTEST_SKIP() << "LSHRS_TEST_PG_DSN is not set; run through scripts/test";            \
    }                                                                                      \
  } while (0)

// Runs SQL through psql (not through lshrs) and returns its unaligned,
// tuples-only output; throws with psql's message when a statement fails.
inline std::string psql(const std::string& dsn, const std::string& sql) {
  static std::atomic<int> counter{0};
  const std::string file = ::testing::TempDir() + "lshrs_pg_" + std::to_string(::getpid()) +
                           "_" + std::to_string(counter++) + ".sql";
  {
    std::ofstream out(file);
    out << sql << "\n";
  }
  const char* bin = std::getenv("LSHRS_TEST_PSQL");
  const std::string cmd = std::string(bin != nullptr ? bin : "psql") +
                          " -X -q -At -v ON_ERROR_STOP=1 -d '" + dsn + "' -f '" + file +
                          "' 2>&1";
  std::string output;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("cannot run psql");
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p) != nullptr) output += buf;
  const int status = pclose(p);
  std::remove(file.c_str());
  if (status != 0) throw std::runtime_error("psql failed on:\n" + sql + "\n" + output);
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return output;
}

// A table name no other test (or concurrent run) uses.
inline std::string unique_table(const std::string& stem) {
  static std::atomic<int> counter{0};
  return "lshrs_" + stem + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

// Drops the tables it was given when the test ends, whatever happened.
class TableGuard {
 public:
  explicit TableGuard(std::string dsn) : dsn_(std::move(dsn)) {}
  ~TableGuard() {
    for (const auto& t : tables_) {
      try {
        psql(dsn_, "DROP TABLE IF EXISTS " + t + " CASCADE");
      } catch (...) {  // best effort: the server is private to the run
      }
    }
  }
  // `sql_name` as it must appear in SQL (quoted if needed).
  std::string add(std::string sql_name) {
    tables_.push_back(sql_name);
    return sql_name;
  }

 private:
  std::string dsn_;
  std::vector<std::string> tables_;
};

}  // namespace lshrs::testing
