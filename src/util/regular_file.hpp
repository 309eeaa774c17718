// lshrs internal — the one rule for every file lshrs reads: a regular file,
// opened without waiting, and no larger than its reader's bound.
//
// A FIFO, a character device (/dev/zero, a tty) or a socket named like a
// data file would block the open (a FIFO without a writer) or never end
// (/dev/zero): such inputs are refused before a byte is read. The file is
// opened with O_NONBLOCK (so a FIFO's open returns at once) and its type
// checked with fstat on that descriptor (no window between check and use).
// The .npy/.fvecs mappings, the model reader, the TLS files, the Parquet
// adapter and, through lshrs/files.hpp's read_input_file()
// (io/files/input_file.cpp), the CLI's JSON, id and ground-truth readers all
// go through here.
//
// Thread safety: pure functions; a RegularFile is one thread's.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace lshrs::util {

// An open descriptor of a regular file and its size at open. Move-only; the
// destructor closes it and never throws.
class RegularFile {
 public:
  RegularFile(int fd, std::size_t size) noexcept : fd_(fd), size_(size) {}
  ~RegularFile();
  RegularFile(RegularFile&& other) noexcept;
  // `other`'s descriptor with its size now known.
  RegularFile(RegularFile&& other, std::size_t size) noexcept;
  RegularFile& operator=(RegularFile&&) = delete;
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;

  int fd() const noexcept { return fd_; }
  std::size_t size() const noexcept { return size_; }

 private:
  int fd_;
  std::size_t size_;
};

// Opens `path` read-only. SourceError located at the path when it cannot be
// opened, or "not a regular file (a FIFO, device or directory); <hint>".
RegularFile open_regular_file(const std::filesystem::path& path, std::string_view hint);

// The whole file, refused (SourceError) when it is not a regular file or
// holds more than max_bytes (checked before reading, and while reading, in
// case it grows): "<path>: larger than <bound> (<what it is>)".
std::string read_regular_file(const std::filesystem::path& path, std::size_t max_bytes,
                              std::string_view hint);

// "256 MiB", "1 GiB", "4096 bytes": a bound as messages state it.
std::string describe_bytes(std::size_t bytes);

}  // namespace lshrs::util
