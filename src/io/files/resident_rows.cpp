// ResidentRows: one anonymous mapping, huge-page aligned, filled from the file.
#include "io/files/resident_rows.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "lshrs/error.hpp"

namespace lshrs::io {
namespace {

// Transparent huge pages are 2 MiB on x86-64 and the usual arm64 kernels; a
// mapping aligned to it lets the kernel back every 2 MiB with one page.
constexpr std::size_t kHugePage = std::size_t{2} << 20;

}  // namespace

ResidentRows::ResidentRows(const NpyMatrixFile& file) {
  const std::size_t floats = file.rows() * file.cols();
  if (floats == 0) return;
  const std::size_t bytes = floats * sizeof(float);
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  // One huge page more than needed, so that an aligned start fits inside.
  mapping_bytes_ = rounded + kHugePage;
  mapping_ = ::mmap(nullptr, mapping_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                    -1, 0);
  if (mapping_ == MAP_FAILED) {
    const int err = errno;
    mapping_ = nullptr;
    throw SourceError(file.path().string(), "cannot allocate " + std::to_string(bytes) +
                                                " bytes to hold the rows in memory (" +
                                                std::strerror(err) + ")");
  }
  const auto at = (reinterpret_cast<std::uintptr_t>(mapping_) + kHugePage - 1) / kHugePage * kHugePage;
  data_ = reinterpret_cast<float*>(at);
  // Advice only: a kernel without transparent huge pages keeps 4 KiB pages.
  ::madvise(data_, rounded, MADV_HUGEPAGE);
  // In slices, so that float64 rows are rounded without a second full copy
  // and the file's pages are read in order.
  file.advise_sequential();
  const std::size_t slice = std::max<std::size_t>(1, (std::size_t{64} << 20) / (file.cols() * sizeof(float)));
  for (std::size_t first = 0; first < file.rows(); first += slice) {
    const std::size_t count = std::min(slice, file.rows() - first);
    file.copy_rows(first, count, data_ + first * file.cols());
  }
}

ResidentRows::~ResidentRows() {
  if (mapping_ != nullptr) ::munmap(mapping_, mapping_bytes_);
}

bool ResidentRows::fits_in_memory(std::size_t bytes) noexcept {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return false;
  const auto physical = static_cast<std::size_t>(pages) * static_cast<std::size_t>(page);
  return bytes <= physical / 4;
}

}  // namespace lshrs::io
