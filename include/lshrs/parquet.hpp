// lshrs — Parquet files as a vector source and as a fetcher, read with DuckDB.
//
// `path` is a file, a glob ("shards/*.parquet") or a directory (all its
// .parquet files). The id column may be int32, int64 or uint64; the vector
// column FLOAT[], DOUBLE[] or fixed-size FLOAT[n]. Rows stream in chunks, so
// memory stays bounded whatever the data size. Missing columns, wrong types
// and ragged rows stop with a SourceError naming the file and row.
//
// Available when lshrs was built with DuckDB (parquet_supported()); otherwise
// opening throws ConfigurationError saying so.
//
// Thread safety: a source is used by one thread at a time; a fetcher
// serialises its calls.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "lshrs/fetcher.hpp"
#include "lshrs/source.hpp"

namespace lshrs {

struct ParquetOptions {
  std::string path;
  std::string id_column = "index";     // the Python package's defaults
  std::string vector_column = "vector";
  std::size_t batch_size = 10'000;     // rows per batch (> 0)
};

bool parquet_supported();
std::unique_ptr<VectorSource> open_parquet_source(const ParquetOptions& options);
// Looks ids up in the files (one DuckDB query per fetch).
std::shared_ptr<VectorFetcher> open_parquet_fetcher(const ParquetOptions& options);

}  // namespace lshrs
