// lshrs — vectors in local files: NumPy .npy and TEXMEX .fvecs.
//
// Both are memory-mapped, never read whole: a source walks the mapping in
// batches and a fetcher reads rows by position, so files larger than memory
// work. .npy: float32 or float64 (converted), C order, format versions 1–3;
// ids are row numbers unless an int64 .npy of ids (same row count) is given.
// .fvecs: each vector is an int32 dimension followed by that many float32
// (the SIFT/GIST benchmark format); ids are row numbers.
//
// Thread safety: a source is used by one thread at a time; a fetcher may be
// called from many threads at once (the mapping is read-only).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>

#include "lshrs/fetcher.hpp"
#include "lshrs/source.hpp"

namespace lshrs {

struct NpyOptions {
  std::filesystem::path vectors;              // (n, dim) float32/float64 .npy
  std::optional<std::filesystem::path> ids;   // (n,) int64 .npy; default: row numbers
  std::size_t batch_size = 10'000;            // rows per batch (> 0)
};

struct FvecsOptions {
  std::filesystem::path vectors;
  std::size_t batch_size = 10'000;
};

std::unique_ptr<VectorSource> open_npy_source(const NpyOptions& options);
std::unique_ptr<VectorSource> open_fvecs_source(const FvecsOptions& options);

// Fetches rows by id: the row number, or the row holding that id when an ids
// file is given. Ids outside the file are reported missing, not thrown.
std::shared_ptr<VectorFetcher> open_npy_fetcher(const NpyOptions& options);

// The whole file as one row-major matrix (for queries and small data sets).
struct Matrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<float> data;
};
Matrix read_npy_matrix(const std::filesystem::path& path);
// Writes a float32 (rows, cols) C-order .npy (version 1).
void write_npy_matrix(const std::filesystem::path& path, const Matrix& matrix);

}  // namespace lshrs
