// Parquet files as a VectorFetcher, in one of two modes chosen at open:
//  - in memory: when every (id, vector) fits in ParquetOptions.fetch_cache_bytes,
//    the files are read once into one float array plus an id -> row hash map;
//    a fetch is then a few hash lookups (microseconds) and calls run
//    concurrently;
//  - from the files: otherwise each fetch is one DuckDB query,
//      ... WHERE "<id>" IN (SELECT unnest($1::BIGINT[]))
//      ORDER BY lshrs_file, file_row_number
//    a hash semi-join against the requested ids (ordered, as a join may
//    reorder rows and a repeated id must resolve to its last row). Memory stays bounded, but
//    every fetch reads the id and vector columns of all files (a cost that
//    grows with the files; see docs/benchmarks.md), and calls are serialised.
// In both modes a repeated id resolves to its last row in file order (as
// re-ingesting an id replaces it) and missing ids are simply absent.
#include <mutex>
#include <unordered_map>

#include "io/parquet/parquet_scan.hpp"
#include "lshrs/error.hpp"

namespace lshrs {
namespace {

constexpr std::size_t kLoadChunkRows = 65'536;
// Rough per-row cost of the hash map besides the floats (node, bucket, id).
constexpr std::size_t kMapBytesPerRow = 40;

class InMemoryParquetFetcher final : public VectorFetcher {
 public:
  InMemoryParquetFetcher(std::size_t dim, std::vector<std::int64_t> ids, std::vector<float> data)
      : dim_(dim), data_(std::move(data)) {
    row_of_.reserve(ids.size());
    for (std::size_t r = 0; r < ids.size(); ++r) row_of_[ids[r]] = r;
  }

  FetchedVectors fetch(std::span<const std::int64_t> ids) override {
    FetchedVectors out;
    out.ids.reserve(ids.size());
    out.data.reserve(ids.size() * dim_);
    for (const std::int64_t id : ids) {
      const auto it = row_of_.find(id);
      if (it == row_of_.end()) continue;
      out.ids.push_back(id);
      const float* row = data_.data() + it->second * dim_;
      out.data.insert(out.data.end(), row, row + dim_);
    }
    return out;
  }

 private:
  std::size_t dim_;
  std::vector<float> data_;
  std::unordered_map<std::int64_t, std::size_t> row_of_;
};

class QueryParquetFetcher final : public VectorFetcher {
 public:
  explicit QueryParquetFetcher(const ParquetOptions& options)
      : options_(options),
        scan_(database_.connection(), options,
              "WHERE " + parquet::quote_identifier(options.id_column) +
                  " IN (SELECT unnest($1::BIGINT[])) ORDER BY lshrs_file, file_row_number") {}

  FetchedVectors fetch(std::span<const std::int64_t> ids) override {
    if (ids.empty()) return {};
    std::lock_guard lock(mutex_);
    bind(ids);
    scan_.start();
    std::vector<std::int64_t> found;
    std::vector<float> data;
    while (scan_.read(kLoadChunkRows, found, data) > 0) {
    }
    return last_of_each(found, data, scan_.dim());
  }

 private:
  void bind(std::span<const std::int64_t> ids) {
    parquet::LogicalType bigint(duckdb_create_logical_type(DUCKDB_TYPE_BIGINT));
    std::vector<parquet::Value> owned;
    std::vector<duckdb_value> values;
    owned.reserve(ids.size());
    values.reserve(ids.size());
    for (const std::int64_t id : ids) {
      owned.emplace_back(duckdb_create_int64(id));
      values.push_back(owned.back().get());
    }
    parquet::Value list(duckdb_create_list_value(bigint.get(), values.data(), values.size()));
    if (!list || duckdb_bind_value(scan_.statement(), 1, list.get()) != DuckDBSuccess) {
      throw SourceError(options_.path, "DuckDB refused the list of " + std::to_string(ids.size()) +
                                           " ids to fetch");
    }
  }

  static FetchedVectors last_of_each(const std::vector<std::int64_t>& ids,
                                     const std::vector<float>& data, std::size_t dim) {
    std::unordered_map<std::int64_t, std::size_t> last;
    for (std::size_t r = 0; r < ids.size(); ++r) last[ids[r]] = r;
    FetchedVectors out;
    if (last.size() == ids.size()) return {ids, data};
    for (std::size_t r = 0; r < ids.size(); ++r) {
      if (last[ids[r]] != r) continue;
      out.ids.push_back(ids[r]);
      out.data.insert(out.data.end(), data.begin() + static_cast<std::ptrdiff_t>(r * dim),
                      data.begin() + static_cast<std::ptrdiff_t>((r + 1) * dim));
    }
    return out;
  }

  ParquetOptions options_;
  parquet::Database database_;
  parquet::ParquetScan scan_;
  std::mutex mutex_;  // one DuckDB statement: one fetch at a time
};

// Reads every row while it fits in the budget; empty when it does not.
std::shared_ptr<VectorFetcher> try_load(const ParquetOptions& options) {
  if (options.fetch_cache_bytes == 0) return nullptr;
  parquet::Database database;
  parquet::ParquetScan scan(database.connection(), options);
  scan.start();
  std::vector<std::int64_t> ids;
  std::vector<float> data;
  while (scan.read(kLoadChunkRows, ids, data) > 0) {
    if (data.size() * sizeof(float) + ids.size() * kMapBytesPerRow > options.fetch_cache_bytes) {
      return nullptr;
    }
  }
  return std::make_shared<InMemoryParquetFetcher>(scan.dim(), std::move(ids), std::move(data));
}

}  // namespace

std::shared_ptr<VectorFetcher> open_parquet_fetcher(const ParquetOptions& options) {
  if (auto loaded = try_load(options)) return loaded;
  return std::make_shared<QueryParquetFetcher>(options);
}

}  // namespace lshrs
