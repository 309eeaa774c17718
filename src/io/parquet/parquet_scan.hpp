// lshrs internal — (id, vector) rows of Parquet files, read through DuckDB and
// checked row by row. Shared by the Parquet source and fetcher.
//
// The query is
//   SELECT "<id>", "<vector>", lshrs_file, file_row_number
//   FROM read_parquet('<files>', filename='lshrs_file', file_row_number=true) <filter>
// with the names quoted and the path escaped, so no option can inject SQL.
// The file name and row number of every row are carried along so that a bad
// row is reported as "<file> row <n>" (0-based, within that file).
//
// Thread safety: one thread at a time (it owns a DuckDB statement and result).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/parquet/duckdb_handle.hpp"
#include "lshrs/parquet.hpp"

namespace lshrs::parquet {

// What read_parquet() should read: a directory means all its .parquet files.
// SourceError naming a file it would read that is not a regular file (a
// FIFO, a device): refused before DuckDB opens it.
std::string files_pattern(duckdb_connection connection, const std::string& path);

// Rows in the files, from their metadata (no data is read).
std::uint64_t count_rows(duckdb_connection connection, const ParquetOptions& options);

class ParquetScan {
 public:
  // Prepares the query and checks the column types; SourceError naming the
  // files for a missing column or a wrong type. `filter` is appended after the
  // FROM clause (it may use parameters, bound through statement()).
  ParquetScan(duckdb_connection connection, const ParquetOptions& options,
              const std::string& filter = "");

  duckdb_prepared_statement statement() const noexcept { return statement_.get(); }
  // (Re)runs the statement with its current bindings, streaming.
  void start();
  // Appends up to max_rows rows (ids, and dim() floats each to `data`);
  // returns how many, 0 at the end. SourceError naming the file and row for a
  // NULL id or vector, a NULL element, an id beyond int64 or ragged vectors;
  // the outputs may then hold part of the rows.
  std::size_t read(std::size_t max_rows, std::vector<std::int64_t>& ids, std::vector<float>& data);
  // The vector dimension: fixed by a FLOAT[n] column or by the first row
  // read; 0 before that.
  std::size_t dim() const noexcept { return dim_; }

 private:
  enum class VectorKind { kList, kArray };
  // Raw column data of the current chunk (validity masks may be null: all valid).
  struct ChunkView {
    const void* ids = nullptr;
    const std::uint64_t* id_validity = nullptr;
    const duckdb_list_entry* entries = nullptr;  // kList only
    const std::uint64_t* vector_validity = nullptr;
    const void* elements = nullptr;
    const std::uint64_t* element_validity = nullptr;
    const duckdb_string_t* files = nullptr;
    const std::int64_t* rows = nullptr;
  };

  void check_types(duckdb_connection connection, const std::string& pattern);
  bool next_chunk();
  void append_row(std::size_t r, std::vector<std::int64_t>& ids, std::vector<float>& data);
  [[noreturn]] void fail_row(std::size_t r, const std::string& what) const;

  ParquetOptions options_;
  Prepared statement_;
  duckdb_type id_type_ = DUCKDB_TYPE_BIGINT;
  VectorKind vector_kind_ = VectorKind::kList;
  duckdb_type element_type_ = DUCKDB_TYPE_FLOAT;
  std::size_t dim_ = 0;
  std::optional<Result> result_;
  Chunk chunk_;
  std::size_t chunk_size_ = 0;
  std::size_t chunk_pos_ = 0;
  ChunkView view_;
};

}  // namespace lshrs::parquet
