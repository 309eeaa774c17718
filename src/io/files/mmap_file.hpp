// lshrs internal — a read-only memory mapping of a whole file.
//
// The file sources and fetchers (.npy, .fvecs) read through a mapping so that
// files larger than memory stream through the page cache instead of being
// read into the heap. A MappedFile owns its mapping (RAII, move-only; the
// destructor never throws). An empty file maps to an empty view.
//
// Thread safety: the mapping is read-only, so any number of threads may read
// bytes() at once.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

namespace lshrs::io {

class MappedFile {
 public:
  // Opens and maps `path`; SourceError naming the file when it does not
  // exist, is not a regular file or cannot be mapped.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const noexcept { return {data_, size_}; }
  std::size_t size() const noexcept { return size_; }
  const std::filesystem::path& path() const noexcept { return path_; }

  // Tells the kernel the mapping will be read front to back (read-ahead);
  // purely advisory.
  void advise_sequential() const noexcept;

 private:
  void release() noexcept;

  std::filesystem::path path_;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace lshrs::io
