// Parquet rows through DuckDB: the query, type checks, and the conversion of
// DuckDB's columnar chunks into ids and row-major float32 vectors.
#include "io/parquet/parquet_scan.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>
#include <utility>

#include "util/regular_file.hpp"
#include "lshrs/error.hpp"

namespace lshrs::parquet {
namespace {

constexpr const char* kFileColumn = "lshrs_file";

std::string scan_of(const std::string& pattern) {
  return "read_parquet(" + quote_literal(pattern) + ", filename=" + quote_literal(kFileColumn) +
         ", file_row_number=true)";
}

bool same_name(std::string_view a, std::string_view b) {  // DuckDB binds names case-insensitively
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string string_at(duckdb_vector vector, std::size_t row) {
  auto* strings = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector));
  return std::string(duckdb_string_t_data(&strings[row]), duckdb_string_t_length(strings[row]));
}

// Room for `more` elements, growing geometrically (an exact reserve per chunk
// would copy the whole vector every time).
template <typename T>
void grow(std::vector<T>& v, std::size_t more) {
  if (v.capacity() - v.size() < more) v.reserve(std::max(v.size() + more, 2 * v.capacity()));
}

bool valid(const std::uint64_t* mask, std::size_t row) {
  return mask == nullptr || ((mask[row / 64] >> (row % 64)) & 1U) != 0;
}

// (name, type) of every column the files have, as DuckDB spells the types.
std::vector<std::pair<std::string, std::string>> describe_columns(duckdb_connection connection,
                                                                  const std::string& pattern,
                                                                  const std::string& location) {
  Result result;
  execute(connection, "DESCRIBE SELECT * FROM read_parquet(" + quote_literal(pattern) + ")", result,
          location);
  std::vector<std::pair<std::string, std::string>> columns;
  while (Chunk chunk = result.fetch(location)) {
    duckdb_vector names = duckdb_data_chunk_get_vector(chunk.get(), 0);
    duckdb_vector types = duckdb_data_chunk_get_vector(chunk.get(), 1);
    for (std::size_t i = 0; i < duckdb_data_chunk_get_size(chunk.get()); ++i) {
      columns.emplace_back(string_at(names, i), string_at(types, i));
    }
  }
  return columns;
}

std::string list_columns(const std::vector<std::pair<std::string, std::string>>& columns) {
  std::string out;
  for (const auto& [name, type] : columns) out += (out.empty() ? "" : ", ") + name + " " + type;
  return out;
}

std::string type_of(duckdb_connection connection, const std::string& pattern,
                    const ParquetOptions& options, const std::string& column) {
  for (const auto& [name, type] : describe_columns(connection, pattern, options.path)) {
    if (same_name(name, column)) return type;
  }
  return "unknown";
}

// After a failed prepare: a missing column gets a message listing the columns
// the files do have. Returns when both exist (the original error stands).
void explain_missing_column(duckdb_connection connection, const std::string& pattern,
                            const ParquetOptions& options) {
  const auto columns = describe_columns(connection, pattern, options.path);
  for (const auto& [column, option] : {std::pair{options.id_column, "id_column"},
                                       std::pair{options.vector_column, "vector_column"}}) {
    // A named reference, not the binding: lambdas capture bindings from C++20
    // on, which clang 14 does not implement yet.
    const std::string& wanted = column;
    const bool found = std::any_of(columns.begin(), columns.end(),
                                   [&](const auto& c) { return same_name(c.first, wanted); });
    if (!found) {
      throw SourceError(options.path, "no column " + quote_identifier(wanted) + " (" + option +
                                          "); the files have: " + list_columns(columns));
    }
  }
}

// The rule for every file input (util/regular_file.hpp): DuckDB opens what
// read_parquet() names, and would wait on a FIFO for ever or read a device
// without end. Each file the pattern names is checked first: a path as it
// is (unless it does not exist: DuckDB then says "No files found"), a glob
// by the files DuckDB's own glob() lists for it.
void require_regular_files(duckdb_connection connection, const std::string& pattern,
                           const std::string& location) {
  constexpr const char* kHint = "give Parquet files, a glob or a directory of them";
  if (pattern.find_first_of("*?[") == std::string::npos) {
    std::error_code ec;
    if (std::filesystem::exists(pattern, ec)) util::open_regular_file(pattern, kHint);
    return;
  }
  Result result;
  execute(connection, "SELECT file FROM glob(" + quote_literal(pattern) + ")", result, location);
  while (Chunk chunk = result.fetch(location)) {
    duckdb_vector files = duckdb_data_chunk_get_vector(chunk.get(), 0);
    for (std::size_t i = 0; i < duckdb_data_chunk_get_size(chunk.get()); ++i) {
      util::open_regular_file(string_at(files, i), kHint);
    }
  }
}

}  // namespace

std::string files_pattern(duckdb_connection connection, const std::string& path) {
  if (path.empty())
    throw InvalidArgument("ParquetOptions.path is empty; give a file, glob or directory");
  if (path.find('\0') != std::string::npos)
    throw InvalidArgument("ParquetOptions.path contains a NUL byte");
  std::error_code ec;
  const std::string pattern = std::filesystem::is_directory(path, ec)
                                  ? (std::filesystem::path(path) / "*.parquet").string()
                                  : path;
  require_regular_files(connection, pattern, path);
  return pattern;
}

std::uint64_t count_rows(duckdb_connection connection, const ParquetOptions& options) {
  Result result;
  execute(connection, "SELECT count(*) FROM " + scan_of(files_pattern(connection, options.path)), result,
          options.path);
  Chunk chunk = result.fetch(options.path);
  if (!chunk || duckdb_data_chunk_get_size(chunk.get()) != 1) {
    throw SourceError(options.path, "DuckDB returned no row count");
  }
  const auto* count = static_cast<const std::int64_t*>(
      duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk.get(), 0)));
  return static_cast<std::uint64_t>(count[0]);
}

ParquetScan::ParquetScan(duckdb_connection connection, const ParquetOptions& options,
                         const std::string& filter)
    : options_(options) {
  if (options.id_column.empty() || options.vector_column.empty()) {
    throw InvalidArgument("ParquetOptions.id_column and vector_column must not be empty");
  }
  const std::string pattern = files_pattern(connection, options.path);
  const std::string sql = "SELECT " + quote_identifier(options.id_column) + ", " +
                          quote_identifier(options.vector_column) + ", " + kFileColumn +
                          ", file_row_number FROM " + scan_of(pattern) + " " + filter;
  try {
    statement_ = prepare(connection, sql, options.path);
  } catch (const SourceError&) {
    explain_missing_column(connection, pattern, options);
    throw;
  }
  check_types(connection, pattern);
}

void ParquetScan::check_types(duckdb_connection connection, const std::string& pattern) {
  LogicalType id(duckdb_prepared_statement_column_logical_type(statement_.get(), 0));
  id_type_ = duckdb_get_type_id(id.get());
  if (id_type_ != DUCKDB_TYPE_INTEGER && id_type_ != DUCKDB_TYPE_BIGINT &&
      id_type_ != DUCKDB_TYPE_UBIGINT) {
    throw SourceError(options_.path,
                      "the id column " + quote_identifier(options_.id_column) + " has type " +
                          type_of(connection, pattern, options_, options_.id_column) +
                          "; expected INTEGER, BIGINT or UBIGINT (int32/int64/uint64)");
  }
  LogicalType vector(duckdb_prepared_statement_column_logical_type(statement_.get(), 1));
  const duckdb_type kind = duckdb_get_type_id(vector.get());
  LogicalType element;
  if (kind == DUCKDB_TYPE_LIST) {
    vector_kind_ = VectorKind::kList;
    element.reset(duckdb_list_type_child_type(vector.get()));
  } else if (kind == DUCKDB_TYPE_ARRAY) {
    vector_kind_ = VectorKind::kArray;
    element.reset(duckdb_array_type_child_type(vector.get()));
    dim_ = duckdb_array_type_array_size(vector.get());
  }
  element_type_ = element ? duckdb_get_type_id(element.get()) : DUCKDB_TYPE_INVALID;
  if (element_type_ != DUCKDB_TYPE_FLOAT && element_type_ != DUCKDB_TYPE_DOUBLE) {
    throw SourceError(options_.path,
                      "the vector column " + quote_identifier(options_.vector_column) +
                          " has type " +
                          type_of(connection, pattern, options_, options_.vector_column) +
                          "; expected FLOAT[], DOUBLE[] or FLOAT[n]");
  }
}

void ParquetScan::start() {
  chunk_.reset();
  chunk_size_ = chunk_pos_ = 0;
  result_.reset();
  result_.emplace();
  execute_streaming(statement_.get(), *result_, options_.path);
}

bool ParquetScan::next_chunk() {
  while (result_) {
    chunk_ = result_->fetch(options_.path);
    if (!chunk_) {
      result_.reset();  // exhausted: release DuckDB's resources now
      break;
    }
    chunk_size_ = duckdb_data_chunk_get_size(chunk_.get());
    chunk_pos_ = 0;
    if (chunk_size_ == 0) continue;
    duckdb_vector ids = duckdb_data_chunk_get_vector(chunk_.get(), 0);
    duckdb_vector vectors = duckdb_data_chunk_get_vector(chunk_.get(), 1);
    duckdb_vector elements = vector_kind_ == VectorKind::kList
                                 ? duckdb_list_vector_get_child(vectors)
                                 : duckdb_array_vector_get_child(vectors);
    view_.ids = duckdb_vector_get_data(ids);
    view_.id_validity = duckdb_vector_get_validity(ids);
    view_.entries = vector_kind_ == VectorKind::kList
                        ? static_cast<const duckdb_list_entry*>(duckdb_vector_get_data(vectors))
                        : nullptr;
    view_.vector_validity = duckdb_vector_get_validity(vectors);
    view_.elements = duckdb_vector_get_data(elements);
    view_.element_validity = duckdb_vector_get_validity(elements);
    view_.files = static_cast<const duckdb_string_t*>(
        duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk_.get(), 2)));
    view_.rows = static_cast<const std::int64_t*>(
        duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk_.get(), 3)));
    return true;
  }
  chunk_size_ = chunk_pos_ = 0;
  return false;
}

std::size_t ParquetScan::read(std::size_t max_rows, std::vector<std::int64_t>& ids,
                              std::vector<float>& data) {
  std::size_t n = 0;
  while (n < max_rows) {
    if (chunk_pos_ == chunk_size_ && !next_chunk()) break;
    const std::size_t take = std::min(max_rows - n, chunk_size_ - chunk_pos_);
    grow(ids, take);
    grow(data, take * dim_);
    for (std::size_t r = chunk_pos_; r < chunk_pos_ + take; ++r) append_row(r, ids, data);
    chunk_pos_ += take;
    n += take;
  }
  return n;
}

void ParquetScan::append_row(std::size_t r, std::vector<std::int64_t>& ids,
                             std::vector<float>& data) {
  if (!valid(view_.id_validity, r))
    fail_row(r, "the id (column " + quote_identifier(options_.id_column) + ") is NULL");
  std::int64_t id = 0;
  if (id_type_ == DUCKDB_TYPE_INTEGER) {
    id = static_cast<const std::int32_t*>(view_.ids)[r];
  } else if (id_type_ == DUCKDB_TYPE_BIGINT) {
    id = static_cast<const std::int64_t*>(view_.ids)[r];
  } else {
    const std::uint64_t u = static_cast<const std::uint64_t*>(view_.ids)[r];
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail_row(r, "the id " + std::to_string(u) + " does not fit in int64 (lshrs ids are int64)");
    }
    id = static_cast<std::int64_t>(u);
  }
  if (!valid(view_.vector_validity, r)) {
    fail_row(r, "the vector (column " + quote_identifier(options_.vector_column) + ") of id " +
                    std::to_string(id) + " is NULL");
  }
  std::size_t offset = r * dim_;
  std::size_t length = dim_;
  if (vector_kind_ == VectorKind::kList) {
    offset = static_cast<std::size_t>(view_.entries[r].offset);
    length = static_cast<std::size_t>(view_.entries[r].length);
    if (dim_ == 0) {
      if (length == 0) fail_row(r, "the vector of id " + std::to_string(id) + " is empty");
      dim_ = length;
    }
  }
  if (length != dim_) {
    fail_row(r, "the vector of id " + std::to_string(id) + " has " + std::to_string(length) +
                    " values but earlier rows have " + std::to_string(dim_) +
                    " (ragged vectors; every row needs the same dimension)");
  }
  for (std::size_t k = offset; view_.element_validity != nullptr && k < offset + length; ++k) {
    if (!valid(view_.element_validity, k)) {
      fail_row(r, "element " + std::to_string(k - offset) + " of the vector of id " +
                      std::to_string(id) + " is NULL");
    }
  }
  ids.push_back(id);
  if (element_type_ == DUCKDB_TYPE_FLOAT) {
    const auto* values = static_cast<const float*>(view_.elements) + offset;
    data.insert(data.end(), values, values + length);
  } else {
    const auto* values = static_cast<const double*>(view_.elements) + offset;
    for (std::size_t k = 0; k < length; ++k) data.push_back(static_cast<float>(values[k]));
  }
}

void ParquetScan::fail_row(std::size_t r, const std::string& what) const {
  duckdb_string_t file = view_.files[r];
  const std::string name(duckdb_string_t_data(&file), duckdb_string_t_length(file));
  throw SourceError(name + " row " + std::to_string(view_.rows[r]), what);
}

}  // namespace lshrs::parquet
