// lshrs internal — a thin RAII layer over libzip for the archives we read and
// write (NumPy's .npz files). libzip stays out of this header.
//
// Reading never trusts the archive: read() refuses an entry whose declared
// uncompressed size exceeds the caller's cap before inflating a byte, and
// stops inflating as soon as the data would exceed the declared size or the
// cap, so a lying or hostile archive costs at most `max_size` bytes.
//
// Errors are ZipError (not part of the public hierarchy), carrying libzip's
// own text; callers rethrow them with what the archive was for.
//
// Thread safety: one object per thread; different objects are independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lshrs::zip {

class ZipError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EntryInfo {
  std::string name;
  std::uint64_t size = 0;             // declared uncompressed size
  std::uint64_t compressed_size = 0;  // as stored
  bool encrypted = false;
};

class ZipReader {
 public:
  // Opens `path` read-only with libzip's consistency checks (ZIP_CHECKCONS),
  // so truncated and corrupt archives fail here.
  explicit ZipReader(const std::filesystem::path& path);
  ~ZipReader();
  ZipReader(ZipReader&&) noexcept;
  ZipReader& operator=(ZipReader&&) noexcept;
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  const std::vector<EntryInfo>& entries() const noexcept { return entries_; }
  // Index into entries() of the entry named exactly `name`, if any.
  std::optional<std::size_t> find(std::string_view name) const;

  // The uncompressed bytes of entry `index`. Throws ZipError if the declared
  // size exceeds `max_size` (checked first), if inflating yields more or fewer
  // bytes than declared, or on any libzip error (bad CRC, corrupt stream,
  // encryption, unsupported compression).
  std::string read(std::size_t index, std::size_t max_size) const;

 private:
  struct Handle;
  std::filesystem::path path_;
  std::unique_ptr<Handle> handle_;
  std::vector<EntryInfo> entries_;
};

// Builds an archive in memory; finish() returns its bytes, so the caller
// decides where and how (atomically) they are written.
class ZipWriter {
 public:
  ZipWriter();
  ~ZipWriter();
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;

  // Adds `data` under `name`, deflate-compressed. Names must be unique.
  void add(std::string_view name, std::string data);
  // Closes the archive and returns it; the writer is unusable afterwards.
  std::string finish();

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
};

}  // namespace lshrs::zip
