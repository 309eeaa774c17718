// The one rule for file inputs (see regular_file.hpp).
#include "util/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <utility>

#include "lshrs/error.hpp"

namespace lshrs::util {

RegularFile::~RegularFile() {
  if (fd_ >= 0) ::close(fd_);
}

RegularFile::RegularFile(RegularFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}

RegularFile::RegularFile(RegularFile&& other, std::size_t size) noexcept
    : fd_(std::exchange(other.fd_, -1)), size_(size) {}

RegularFile open_regular_file(const std::filesystem::path& path, std::string_view hint) {
  // O_NONBLOCK: opening a FIFO (or a tty) must not wait for a writer; fstat
  // then refuses it. It changes nothing for a regular file.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    throw SourceError(path.string(), std::string("cannot open the file: ") + std::strerror(errno));
  }
  RegularFile file(fd, 0);  // closes fd on every way out
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw SourceError(path.string(), std::string("cannot stat the file: ") + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    throw SourceError(path.string(),
                      "not a regular file (a FIFO, device or directory); " + std::string(hint));
  }
  return RegularFile(std::move(file), static_cast<std::size_t>(st.st_size));
}

std::string describe_bytes(std::size_t bytes) {
  constexpr std::size_t kMiB = std::size_t{1} << 20, kGiB = std::size_t{1} << 30;
  if (bytes >= kGiB && bytes % kGiB == 0) return std::to_string(bytes / kGiB) + " GiB";
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + " bytes";
}

std::string read_regular_file(const std::filesystem::path& path, std::size_t max_bytes,
                              std::string_view hint) {
  const RegularFile file = open_regular_file(path, hint);
  const auto too_large = [&] {
    return SourceError(path.string(), "larger than " + describe_bytes(max_bytes) +
                                          ", the most this input may hold; " + std::string(hint));
  };
  if (file.size() > max_bytes) throw too_large();
  std::string text(file.size(), '\0');
  std::size_t got = 0;
  for (;;) {
    if (got == text.size()) {
      if (text.size() > max_bytes) throw too_large();  // it grew while being read
      text.resize(std::min(max_bytes + 1, text.size() + 65536));
    }
    const ::ssize_t n = ::read(file.fd(), text.data() + got, text.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SourceError(path.string(), std::string("cannot read the file: ") + std::strerror(errno));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max_bytes) throw too_large();
  text.resize(got);
  return text;
}

}  // namespace lshrs::util
