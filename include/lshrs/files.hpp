// lshrs — vectors in local files: NumPy .npy and TEXMEX .fvecs.
//
// Both are memory-mapped: a source walks the mapping in batches, so files
// larger than memory work. A .npy fetcher reads rows by position, from a copy
// in memory when the file fits (NpyResidency), else from the mapping. .npy: a 2-D (rows, dim) array of float32 or float64 (rounded to
// float32), C order, format versions 1–3; ids are row numbers unless an int64
// .npy of ids (same row count) is given. .fvecs: each vector is an int32
// dimension followed by that many float32 (the SIFT/GIST benchmark format),
// the same dimension in every record; ids are row numbers.
//
// Errors are SourceError located at the file (and "row N", 0-based, where a
// row is at fault): a missing file, a bad magic, Fortran order, a dtype other
// than '<f4'/'<f8' (ids: '<i8'), a shape that is not 2-D, an ids count that
// differs from the row count, a truncated file or record, an .fvecs record
// whose dimension differs from the first. A .npy file is checked whole when
// it is opened; an .fvecs file record by record as it is read (a bad record
// stops the batch that holds it). NaN and infinite values are passed on:
// Index refuses them. batch_size 0 is an InvalidArgument.
//
// Thread safety: a source is used by one thread at a time; a fetcher may be
// called from many threads at once (the mapping is read-only).
#pragma once

#include "lshrs/export.hpp"
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lshrs/fetcher.hpp"
#include "lshrs/source.hpp"

namespace lshrs {

// Where a .npy fetcher reads rows from (sources always stream the mapping).
// A rerank reads rows scattered over the whole file; from the mapping each is
// a 4 KiB-page TLB miss (and a page fault the first time), while a copy in
// memory backed by transparent huge pages scores them about a third faster at
// 1M x 128 (docs/benchmarks.md). The copy costs the file's size in memory and
// one sequential read at open (~0.1 s for 512 MB already cached), so a
// one-off query of a large uncached file is quicker mapped.
//   kAuto      in memory when the rows take at most a quarter of physical
//              memory, else mapped
//   kMapped    always the mapping (nothing read at open)
//   kInMemory  always a copy; SourceError when the memory cannot be had
enum class NpyResidency { kAuto, kMapped, kInMemory };

struct NpyOptions {
  std::filesystem::path vectors;             // (n, dim) float32/float64 .npy
  std::optional<std::filesystem::path> ids;  // (n,) int64 .npy; default: row numbers
  std::size_t batch_size = 10'000;           // rows per batch (> 0)
  NpyResidency residency = NpyResidency::kAuto;  // fetchers only
};

struct FvecsOptions {
  std::filesystem::path vectors;
  std::size_t batch_size = 10'000;  // rows per batch (> 0)
};

LSHRS_API std::unique_ptr<VectorSource> open_npy_source(const NpyOptions& options);
LSHRS_API std::unique_ptr<VectorSource> open_fvecs_source(const FvecsOptions& options);

// Fetches rows by id: the row number, or the row holding that id when an ids
// file is given (an id -> row map is built once at open; a repeated id
// resolves to its last row). Ids outside the file are left out, not thrown.
// Rows are read as options.residency says; float64 rows held in memory are
// rounded to float32 once, at open.
LSHRS_API std::shared_ptr<VectorFetcher> open_npy_fetcher(const NpyOptions& options);

// A row-major matrix held in memory.
struct Matrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<float> data;  // rows × cols
};
// The whole .npy file as one matrix (for queries and small data sets); a 1-D
// (dim,) array reads as one row. Same checks and errors as open_npy_source.
LSHRS_API Matrix read_npy_matrix(const std::filesystem::path& path);
// Writes a float32 (rows, cols) C-order .npy (version 1, as numpy.save does;
// version 2 only for headers too long for version 1). InvalidArgument when
// data.size() != rows × cols; SourceError naming the file when it cannot be
// written.
LSHRS_API void write_npy_matrix(const std::filesystem::path& path, const Matrix& matrix);

// Every file lshrs reads is a regular file, opened without waiting, and
// bounded: a FIFO, a device (/dev/zero) or a directory is refused before a
// byte is read, never waited on or read forever. The .npy/.fvecs readers,
// model directories and Parquet files keep this rule; these two apply it to
// other inputs (JSON queries, id lists, ground truth).
// The most a JSON or id-list input (a file or stdin) may hold.
inline constexpr std::size_t kMaxTextInputBytes = std::size_t{256} << 20;
// The whole of `path`: SourceError naming it when it is not a regular file or
// holds more than max_bytes; `hint` (what to give instead) ends the message.
LSHRS_API std::string read_input_file(const std::filesystem::path& path, std::size_t max_bytes,
                                      std::string_view hint);
// Only the check: SourceError unless `path` opens as a regular file.
LSHRS_API void check_input_file(const std::filesystem::path& path, std::string_view hint);

}  // namespace lshrs
