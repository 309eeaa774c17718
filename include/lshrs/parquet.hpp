// lshrs — Parquet files as a vector source and as a fetcher, read with DuckDB.
//
// `path` is a file, a glob ("shards/*.parquet") or a directory (all its
// .parquet files). The id column may be int32, int64 or uint64 (values above
// INT64_MAX are refused); the vector column FLOAT[], DOUBLE[] (converted to
// float32) or fixed-size FLOAT[n]/DOUBLE[n]. Rows stream in chunks, so the
// source's memory stays bounded whatever the data size. Missing columns and
// wrong types stop the open with a SourceError naming the files and the
// columns they do have; NULL ids, NULL vectors or elements and ragged rows
// stop the batch that holds them, with a SourceError located at
// "<file> row <n>" (0-based within that file). Non-finite values are passed
// on: Index refuses them. With several files the first one's schema decides
// (DuckDB's read_parquet rule); a file that differs is reported by name.
//
// Available when lshrs was built with DuckDB (parquet_supported()); otherwise
// opening throws ConfigurationError saying so. DuckDB is used in-memory and
// never downloads extensions (Parquet support is built into libduckdb).
//
// Thread safety: a source is used by one thread at a time. A fetcher may be
// called from many threads: in memory (see fetch_cache_bytes) calls run
// concurrently; reading from the files, they are serialised.
#pragma once

#include "lshrs/export.hpp"
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "lshrs/fetcher.hpp"
#include "lshrs/source.hpp"

namespace lshrs {

struct ParquetOptions {
  std::string path;
  std::string id_column = "index";  // the Python package's defaults
  std::string vector_column = "vector";
  std::size_t batch_size = 10'000;  // rows per batch (> 0)
  // Fetcher only. When every row fits in this many bytes (about
  // rows × (dim × 4 + 40)), the fetcher reads the files once at open and
  // answers from memory (a hash lookup per id, and it sees the files as they
  // were then). Otherwise, or with 0, each fetch is one DuckDB query over the
  // files: bounded memory, but each call reads the id and vector columns of
  // every file (a cost that grows with the files: docs/benchmarks.md).
  std::size_t fetch_cache_bytes = std::size_t{256} << 20;
};

LSHRS_API bool parquet_supported();
LSHRS_API std::unique_ptr<VectorSource> open_parquet_source(const ParquetOptions& options);
// Vectors by id for reranking; ids absent from the files are left out of the
// result, not thrown. A repeated id resolves to its last row in file order.
LSHRS_API std::shared_ptr<VectorFetcher> open_parquet_fetcher(const ParquetOptions& options);

// Writes n = ids.size() vectors (row-major n × dim) to a Parquet file with
// columns "index" (BIGINT) and "vector" (FLOAT[]), the Python package's
// default names unless others are given, replacing `path`. For sample data
// and exports.
LSHRS_API void write_parquet(const std::string& path, std::span<const std::int64_t> ids,
                   std::span<const float> vectors, std::size_t dim,
                   const std::string& id_column = "index",
                   const std::string& vector_column = "vector");

}  // namespace lshrs
