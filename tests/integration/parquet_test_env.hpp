// Fixtures for the Parquet suites: files written by DuckDB itself (through
// its C API) and by an independent writer (tests/oracle/write_parquet.js, on
// the npm package parquetjs-lite, installed once into the build directory).
// Under CI a missing prerequisite (DuckDB not built in, npm failing) is a
// test failure; locally the test is skipped with the reason.
#pragma once

#include <duckdb.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "lshrs/parquet.hpp"

namespace lshrs::testing {

// The exact version the independent writer is tested with.
inline constexpr const char* kParquetJsPackage = "parquetjs-lite@0.8.7";

inline bool under_ci() { return std::getenv("CI") != nullptr; }

// For SetUp(): fails under CI, skips otherwise.
#define LSHRS_REQUIRE(condition, reason)                                          \
  do {                                                                            \
    if (!(condition)) {                                                           \
      if (::lshrs::testing::under_ci()) GTEST_FAIL() << reason << " (CI is set)"; \
      GTEST_SKIP() << reason;                                                     \
    }                                                                             \
  } while (0)

// An in-memory DuckDB for writing fixtures.
class DuckDb {
 public:
  DuckDb() {
    if (duckdb_open(nullptr, &db_) != DuckDBSuccess ||
        duckdb_connect(db_, &con_) != DuckDBSuccess) {
      ADD_FAILURE() << "cannot open DuckDB";
    }
  }
  ~DuckDb() {
    duckdb_disconnect(&con_);
    duckdb_close(&db_);
  }
  DuckDb(const DuckDb&) = delete;
  DuckDb& operator=(const DuckDb&) = delete;

  // Runs `sql`; returns the first column of the first row as text ("" if none).
  std::string exec(const std::string& sql) {
    duckdb_result result{};
    std::string first;
    if (duckdb_query(con_, sql.c_str(), &result) != DuckDBSuccess) {
      ADD_FAILURE() << "DuckDB: " << duckdb_result_error(&result) << "\nSQL: " << sql;
    } else if (duckdb_column_count(&result) > 0 && duckdb_row_count(&result) > 0) {
      char* text = duckdb_value_varchar(&result, 0, 0);
      if (text != nullptr) first = text;
      duckdb_free(text);
    }
    duckdb_destroy_result(&result);
    return first;
  }

 private:
  duckdb_database db_ = nullptr;
  duckdb_connection con_ = nullptr;
};

inline std::string sql_literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// SQL for the oracle's value(id, j) as FLOAT (exact): ((id*131 + j*17) % 2001 - 1000) / 64.
inline std::string sql_vector(const std::string& id, std::size_t dim) {
  return "list_transform(range(" + std::to_string(dim) + "), j -> (((" + id +
         ") * 131 + j * 17) % 2001 - 1000) / 64.0)";
}

// Writes rows with ids start..start+rows-1 and vectors value(id, ·) with DuckDB.
inline void duckdb_write(DuckDb& db, const std::filesystem::path& path, std::size_t rows,
                         std::size_t dim, std::int64_t start = 0, std::size_t row_group = 1000,
                         const std::string& id_type = "BIGINT",
                         const std::string& vector_type = "FLOAT[]") {
  const std::string id = "(range + " + std::to_string(start) + ")";
  db.exec("COPY (SELECT " + id + "::" + id_type + " AS \"index\", " + sql_vector(id, dim) +
          "::" + vector_type + " AS vector FROM range(" + std::to_string(rows) + ")) TO " +
          sql_literal(path.string()) + " (FORMAT parquet, ROW_GROUP_SIZE " +
          std::to_string(row_group) + ")");
}

// node_modules of the independent writer, installed once per build directory
// (under a lock: ctest runs tests in parallel). Empty when npm failed; the
// reason is in `error`.
inline std::string parquetjs_modules(std::string& error) {
  const std::filesystem::path dir = std::filesystem::path(LSHRS_BINARY_DIR) / "node_oracle";
  const auto marker = dir / "node_modules" / "parquetjs-lite" / "package.json";
  std::filesystem::create_directories(dir);
  const int lock = ::open((dir.string() + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
    error = "cannot lock " + dir.string() + ".lock";
    if (lock >= 0) ::close(lock);
    return {};
  }
  if (!std::filesystem::exists(marker)) {
    const std::string log = (dir / "npm-install.log").string();
    const std::string cmd = "npm install --prefix '" + dir.string() +
                            "' --no-audit --no-fund --save-exact " + kParquetJsPackage + " >'" +
                            log + "' 2>&1";
    if (std::system(cmd.c_str()) != 0 || !std::filesystem::exists(marker)) {
      error = "`" + cmd + "` failed; see " + log;
    }
  }
  ::close(lock);
  return error.empty() ? (dir / "node_modules").string() : std::string();
}

// Runs tests/oracle/write_parquet.js OUT ARGS with the installed package.
inline void node_write(const std::string& modules, const std::filesystem::path& out,
                       const std::string& args) {
  const std::string cmd = "NODE_PATH='" + modules + "' node '" + LSHRS_SOURCE_DIR +
                          "/tests/oracle/write_parquet.js' '" + out.string() + "' " + args;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "independent writer failed: " << cmd;
}

}  // namespace lshrs::testing
