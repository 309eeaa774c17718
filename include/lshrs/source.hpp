// lshrs — streaming vectors into an index.
//
// A VectorSource yields batches of (ids, n × dim float32) from wherever the
// embeddings live, holding at most one batch in memory whatever the input
// size. Index::ingest_from() drains a source, validating and writing batch by
// batch, and reports progress. Adapters: PostgreSQL, Parquet (DuckDB), .npy
// and .fvecs files (see files.hpp, postgres.hpp, parquet.hpp).
//
// Thread safety: a source is used by one thread at a time.
#pragma once

#include "lshrs/export.hpp"
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lshrs {

struct VectorBatch {
  std::vector<std::int64_t> ids;
  std::vector<float> data;  // ids.size() × dim, row-major
  std::size_t dim = 0;
  std::size_t size() const noexcept { return ids.size(); }
};

class LSHRS_API VectorSource {
 public:
  virtual ~VectorSource() = default;
  // Fills `batch` with the next rows (replacing its contents); false at the
  // end. Bad rows throw SourceError naming the row; nothing of that batch is
  // returned.
  virtual bool next(VectorBatch& batch) = 0;
  // Rows in the whole source, when known without reading it.
  virtual std::optional<std::uint64_t> total_rows() const { return std::nullopt; }
  // What is being read, for messages and progress ("items.parquet", "table items").
  virtual std::string describe() const = 0;
};

struct IngestProgress {
  std::uint64_t rows_done = 0;
  double rows_per_second = 0;
  std::optional<std::uint64_t> total_rows;
  bool finished = false;
};

struct IngestOptions {
  // Called after each write at most once per `progress_interval`, and once at
  // the end with finished = true.
  std::function<void(const IngestProgress&)> progress;
  std::chrono::milliseconds progress_interval{1000};
  // Rows a write to the store gathers: source batches are hashed one by one
  // and sent once this many rows are pending (a write holds at least one
  // batch). The bucket writes of a write are grouped into one SADD per
  // bucket, so a write that puts several ids in each bucket costs the server
  // a fraction of one command per id and band. 0 = automatic: twice the
  // buckets a band can hold (2 · 2^bits per band), at most kMaxWriteRows;
  // it costs the client ~160 bytes per row and band while it writes (0.4 GB
  // at 20 bands; lower it where memory is tight).
  std::size_t write_rows = 0;
  static constexpr std::size_t kMaxWriteRows = std::size_t{1} << 17;
};

}  // namespace lshrs
