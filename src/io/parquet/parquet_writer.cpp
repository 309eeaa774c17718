// write_parquet: vectors appended to an in-memory DuckDB table as whole data
// chunks (the list child vector filled directly, no per-value objects), then
// COPY … TO the file.
#include <duckdb.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "duckdb_handle.hpp"
#include "lshrs/error.hpp"
#include "lshrs/parquet.hpp"

namespace lshrs {
namespace {

struct AppenderCloser {
  duckdb_appender appender = nullptr;
  ~AppenderCloser() {
    if (appender) duckdb_appender_destroy(&appender);
  }
};

void check(duckdb_state state, duckdb_appender appender, const std::string& location) {
  if (state == DuckDBSuccess) return;
  throw SourceError(location, "DuckDB could not append rows: " +
                                  parquet::clean_message(duckdb_appender_error(appender)));
}

void append_chunk(duckdb_appender appender, duckdb_logical_type* types,
                  std::span<const std::int64_t> ids, std::span<const float> vectors,
                  std::size_t dim, const std::string& location) {
  const std::size_t n = ids.size();
  parquet::Chunk chunk(duckdb_create_data_chunk(types, 2));
  duckdb_data_chunk_set_size(chunk.get(), n);
  duckdb_vector id_vector = duckdb_data_chunk_get_vector(chunk.get(), 0);
  std::memcpy(duckdb_vector_get_data(id_vector), ids.data(), n * sizeof(std::int64_t));
  duckdb_vector list = duckdb_data_chunk_get_vector(chunk.get(), 1);
  if (duckdb_list_vector_reserve(list, n * dim) != DuckDBSuccess ||
      duckdb_list_vector_set_size(list, n * dim) != DuckDBSuccess) {
    throw SourceError(location, "DuckDB could not reserve " + std::to_string(n * dim) + " floats");
  }
  auto* entries = static_cast<duckdb_list_entry*>(duckdb_vector_get_data(list));
  for (std::size_t i = 0; i < n; ++i) entries[i] = {i * dim, dim};
  duckdb_vector child = duckdb_list_vector_get_child(list);
  std::memcpy(duckdb_vector_get_data(child), vectors.data(), n * dim * sizeof(float));
  check(duckdb_append_data_chunk(appender, chunk.get()), appender, location);
}

}  // namespace

void write_parquet(const std::string& path, std::span<const std::int64_t> ids,
                   std::span<const float> vectors, std::size_t dim, const std::string& id_column,
                   const std::string& vector_column) {
  if (dim == 0 || vectors.size() != ids.size() * dim) {
    throw InvalidArgument("write_parquet: " + std::to_string(vectors.size()) + " floats for " +
                          std::to_string(ids.size()) + " ids of dimension " + std::to_string(dim));
  }
  parquet::Database db;
  parquet::Result created;
  parquet::execute(db.connection(),
                   "CREATE TABLE t (" + parquet::quote_identifier(id_column) + " BIGINT, " +
                       parquet::quote_identifier(vector_column) + " FLOAT[])",
                   created, path);
  {
    AppenderCloser closer;
    if (duckdb_appender_create(db.connection(), nullptr, "t", &closer.appender) != DuckDBSuccess) {
      throw SourceError(path, "DuckDB could not create an appender");
    }
    parquet::LogicalType id_type(duckdb_create_logical_type(DUCKDB_TYPE_BIGINT));
    parquet::LogicalType float_type(duckdb_create_logical_type(DUCKDB_TYPE_FLOAT));
    parquet::LogicalType list_type(duckdb_create_list_type(float_type.get()));
    duckdb_logical_type types[] = {id_type.get(), list_type.get()};
    const std::size_t step = duckdb_vector_size();
    for (std::size_t first = 0; first < ids.size(); first += step) {
      const std::size_t n = std::min(step, ids.size() - first);
      append_chunk(closer.appender, types, ids.subspan(first, n),
                   vectors.subspan(first * dim, n * dim), dim, path);
    }
    check(duckdb_appender_close(closer.appender), closer.appender, path);
  }
  parquet::Result copied;
  parquet::execute(db.connection(),
                   "COPY t TO " + parquet::quote_literal(path) + " (FORMAT parquet)", copied, path);
}

}  // namespace lshrs
