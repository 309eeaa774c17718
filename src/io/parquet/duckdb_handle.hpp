// lshrs internal — DuckDB's C API with RAII, the one place where its errors
// become lshrs exceptions, and the SQL quoting the Parquet adapter needs.
//
// Thread safety: a Database (and its one connection) is used by one thread at
// a time; callers that share one serialise their calls.
#pragma once

#include <duckdb.h>

#include <memory>
#include <string>
#include <string_view>

namespace lshrs::parquet {

// An in-memory DuckDB with one connection. Extension auto-install is off:
// Parquet support is compiled into libduckdb and nothing is downloaded.
class Database {
 public:
  Database();
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  duckdb_connection connection() const noexcept { return connection_; }

 private:
  duckdb_database database_ = nullptr;
  duckdb_connection connection_ = nullptr;
};

struct PreparedDeleter {
  void operator()(duckdb_prepared_statement s) const noexcept { duckdb_destroy_prepare(&s); }
};
using Prepared = std::unique_ptr<std::remove_pointer_t<duckdb_prepared_statement>, PreparedDeleter>;

struct ChunkDeleter {
  void operator()(duckdb_data_chunk c) const noexcept { duckdb_destroy_data_chunk(&c); }
};
using Chunk = std::unique_ptr<std::remove_pointer_t<duckdb_data_chunk>, ChunkDeleter>;

struct LogicalTypeDeleter {
  void operator()(duckdb_logical_type t) const noexcept { duckdb_destroy_logical_type(&t); }
};
using LogicalType = std::unique_ptr<std::remove_pointer_t<duckdb_logical_type>, LogicalTypeDeleter>;

struct ValueDeleter {
  void operator()(duckdb_value v) const noexcept { duckdb_destroy_value(&v); }
};
using Value = std::unique_ptr<std::remove_pointer_t<duckdb_value>, ValueDeleter>;

// A query result (possibly streaming), destroyed with the object.
class Result {
 public:
  Result() = default;
  ~Result() { duckdb_destroy_result(&result_); }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;

  duckdb_result* get() noexcept { return &result_; }
  // The next chunk, or null at the end; SourceError(location, DuckDB's
  // message) when the query failed while running.
  Chunk fetch(const std::string& location);

 private:
  duckdb_result result_{};
};

// Prepares `sql`; SourceError(location, DuckDB's message) when it fails.
Prepared prepare(duckdb_connection connection, const std::string& sql, const std::string& location);
// Runs a prepared statement as a streaming result: rows are produced as they
// are fetched, so memory stays bounded. (duckdb_execute_prepared_streaming is
// marked deprecated in 1.4 but is the only C entry point that streams; the
// non-deprecated duckdb_pending_prepared materialises the whole result.)
void execute_streaming(duckdb_prepared_statement statement, Result& result,
                       const std::string& location);
// Runs `sql` to completion (small results only).
void execute(duckdb_connection connection, const std::string& sql, Result& result,
             const std::string& location);

// DuckDB's error text without the "LINE 1: <our SQL>" excerpt it appends.
std::string clean_message(const char* message);

// "name" with embedded quotes doubled: safe for any column name.
std::string quote_identifier(std::string_view name);
// 'text' with embedded quotes doubled: a SQL string literal.
std::string quote_literal(std::string_view text);

}  // namespace lshrs::parquet
