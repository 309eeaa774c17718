// Helpers shared by the PostgreSQL integration suites: a fixture that finds
// the server and drops its tables, SQL literals written independently of the
// code under test, and draining a source.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "integration/postgres_test_env.hpp"
#include "lshrs/postgres.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {

class PostgresFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dsn_ = pg_dsn();
    LSHRS_REQUIRE_PG(dsn_);
    tables_ = std::make_unique<TableGuard>(dsn_);
  }
  void TearDown() override { tables_.reset(); }

  std::string sql(const std::string& statements) { return psql(dsn_, statements); }

  // Creates a table of a fresh name with the given column list; dropped at the end.
  std::string create_table(const std::string& stem, const std::string& columns) {
    const std::string name = tables_->add(unique_table(stem));
    sql("CREATE TABLE " + name + " (" + columns + ")");
    return name;
  }

  PostgresOptions table_options(const std::string& table, std::string vector_column = "v") {
    PostgresOptions o;
    o.dsn = dsn_;
    o.table = table;
    o.id_column = "id";
    o.vector_column = std::move(vector_column);
    return o;
  }

  std::string dsn_;
  std::unique_ptr<TableGuard> tables_;
};

// Shortest text that reads back as the same float.
inline std::string float_text(float f) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(f));
  return buf;
}

inline std::string joined(const std::vector<float>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i > 0 ? "," : "") + float_text(v[i]);
  return s;
}

// '\x…' bytea literal of little-endian float32 bytes, encoded by hand.
inline std::string bytea_literal(const std::vector<float>& v) {
  static const char* hex = "0123456789abcdef";
  std::string s = "'\\x";
  for (float f : v) {
    std::uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    for (int byte = 0; byte < 4; ++byte) {
      const unsigned b = (bits >> (8 * byte)) & 0xFFu;
      s += hex[b >> 4];
      s += hex[b & 15];
    }
  }
  return s + "'::bytea";
}

}  // namespace lshrs::testing
