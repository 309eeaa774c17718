// lshrs internal — a .npy matrix's rows held in memory for the .npy fetcher.
//
// A rerank reads a few hundred to a few thousand rows scattered over the
// whole file. Through the mapping each of them is a TLB miss on a 4 KiB page
// (and, the first time, a page fault): at 1M x 128 that made the rerank wait
// on page walks, not on the rows. Copied once into anonymous memory advised
// for transparent huge pages, the same rows cost a third less per query
// (docs/benchmarks.md, "rows in memory"). Files this machine cannot spare the
// memory for stay mapped (fits_in_memory).
//
// Thread safety: immutable after construction; any number of threads may read.
#pragma once

#include <cstddef>

#include "io/files/mmap_npy.hpp"

namespace lshrs::io {

class ResidentRows {
 public:
  // Copies every row of `file` (float64 rounded to float32, as copy_rows
  // does); SourceError naming the file when the memory cannot be had.
  explicit ResidentRows(const NpyMatrixFile& file);
  ~ResidentRows();
  ResidentRows(const ResidentRows&) = delete;
  ResidentRows& operator=(const ResidentRows&) = delete;

  // rows x cols floats, row-major.
  const float* data() const noexcept { return data_; }

  // Whether `bytes` is at most a quarter of physical memory: what a fetcher
  // left to choose (NpyResidency::kAuto) holds in memory.
  static bool fits_in_memory(std::size_t bytes) noexcept;

 private:
  void* mapping_ = nullptr;
  std::size_t mapping_bytes_ = 0;
  float* data_ = nullptr;
};

}  // namespace lshrs::io
