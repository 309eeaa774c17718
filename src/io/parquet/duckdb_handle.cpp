// DuckDB handles, error translation and quoting.
#include "io/parquet/duckdb_handle.hpp"

#include "lshrs/error.hpp"

namespace lshrs::parquet {
namespace {

struct ConfigDeleter {
  void operator()(duckdb_config c) const noexcept { duckdb_destroy_config(&c); }
};

}  // namespace

Database::Database() {
  duckdb_config raw = nullptr;
  if (duckdb_create_config(&raw) != DuckDBSuccess) {
    throw ConfigurationError("DuckDB: cannot create a configuration (out of memory?)");
  }
  std::unique_ptr<std::remove_pointer_t<duckdb_config>, ConfigDeleter> config(raw);
  duckdb_set_config(raw, "autoinstall_known_extensions", "false");
  duckdb_set_config(raw, "autoload_known_extensions", "false");
  char* error = nullptr;
  if (duckdb_open_ext(nullptr, &database_, raw, &error) != DuckDBSuccess) {
    const std::string what = error != nullptr ? error : "unknown error";
    duckdb_free(error);
    throw ConfigurationError("DuckDB: cannot open an in-memory database: " + what);
  }
  if (duckdb_connect(database_, &connection_) != DuckDBSuccess) {
    duckdb_close(&database_);
    throw ConfigurationError("DuckDB: cannot connect to the in-memory database");
  }
}

Database::~Database() {
  duckdb_disconnect(&connection_);
  duckdb_close(&database_);
}

Chunk Result::fetch(const std::string& location) {
  Chunk chunk(duckdb_fetch_chunk(result_));
  if (!chunk) {
    const char* error = duckdb_result_error(&result_);
    if (error != nullptr) throw SourceError(location, clean_message(error));
  }
  return chunk;
}

Prepared prepare(duckdb_connection connection, const std::string& sql,
                 const std::string& location) {
  duckdb_prepared_statement raw = nullptr;
  const duckdb_state state = duckdb_prepare(connection, sql.c_str(), &raw);
  Prepared statement(raw);
  if (state != DuckDBSuccess) {
    throw SourceError(location, clean_message(duckdb_prepare_error(raw)));
  }
  return statement;
}

void execute_streaming(duckdb_prepared_statement statement, Result& result,
                       const std::string& location) {
  if (duckdb_execute_prepared_streaming(statement, result.get()) != DuckDBSuccess) {
    throw SourceError(location, clean_message(duckdb_result_error(result.get())));
  }
}

void execute(duckdb_connection connection, const std::string& sql, Result& result,
             const std::string& location) {
  if (duckdb_query(connection, sql.c_str(), result.get()) != DuckDBSuccess) {
    throw SourceError(location, clean_message(duckdb_result_error(result.get())));
  }
}

std::string clean_message(const char* message) {
  if (message == nullptr) return "DuckDB reported an error without a message";
  std::string text(message);
  // DuckDB states the reason on its first line; what follows is a SQL
  // excerpt, advice in SQL terms (union_by_name=True) or a URL, none of
  // which a user of lshrs can act on, and which made 700-byte error lines.
  while (!text.empty() && (text.front() == '\n' || text.front() == ' ')) text.erase(0, 1);
  const auto line_end = text.find('\n');
  if (line_end != std::string::npos) text.erase(line_end);
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (const char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string quote_literal(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + '\'';
}

}  // namespace lshrs::parquet
