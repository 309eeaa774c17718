// lshrs internal — memory-mapped .npy arrays for the file sources and the
// .npy fetcher: a 2-D float matrix (vectors) and a 1-D int64 array (ids).
//
// Headers are parsed by the shared reader in src/npy.hpp; these classes add
// the mapping, the checks a vector file needs (2-D, C order, complete data)
// and row access. Every error is a SourceError whose location is the file.
//
// Thread safety: immutable after construction; any number of threads may
// read rows at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "io/files/mmap_file.hpp"
#include "model/npy.hpp"

namespace lshrs::io {

// A (rows, cols) float32 or float64 array in C order.
class NpyMatrixFile {
 public:
  // `allow_1d`: read a (n,) array as one row of n values (for query files).
  explicit NpyMatrixFile(const std::filesystem::path& path, bool allow_1d = false);

  std::size_t rows() const noexcept { return rows_; }
  std::size_t cols() const noexcept { return cols_; }
  const std::filesystem::path& path() const noexcept { return file_.path(); }
  void advise_sequential() const noexcept { file_.advise_sequential(); }

  // Copies rows [first, first + count) into `out` (count × cols floats);
  // float64 is rounded to the nearest float32. The range must be in bounds.
  void copy_rows(std::size_t first, std::size_t count, float* out) const noexcept;
  // The rows in place (rows × cols floats, row-major) when the file holds
  // float32, so a reader can score them without a copy; nullptr for float64.
  const float* float32_data() const noexcept {
    return dtype_ == npy::DType::kFloat32 ? reinterpret_cast<const float*>(data_) : nullptr;
  }

 private:
  MappedFile file_;
  npy::DType dtype_ = npy::DType::kFloat32;
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  const char* data_ = nullptr;
};

// A (n,) int64 ('<i8') array: the ids that go with the rows of a matrix.
class NpyIdsFile {
 public:
  explicit NpyIdsFile(const std::filesystem::path& path);

  std::size_t size() const noexcept { return size_; }
  const std::filesystem::path& path() const noexcept { return file_.path(); }
  std::int64_t at(std::size_t i) const noexcept;

 private:
  MappedFile file_;
  std::size_t size_ = 0;
  const char* data_ = nullptr;
};

}  // namespace lshrs::io
