// lshrs fuzzing — helpers shared by the libFuzzer targets in tests/fuzz.
//
// A fuzz target feeds arbitrary bytes to one reader. The reader may refuse
// them, but only with an lshrs::Error (or the internal NpyError) whose message
// is one short line: any other exception escapes LLVMFuzzerTestOneInput and
// aborts, which libFuzzer reports as a crash, as it does sanitizer findings.
//
// Readers that take a path get the bytes as files in one scratch directory per
// process (on /dev/shm when there is one, so no disk I/O per input), removed
// at exit.
//
// Thread safety: none; libFuzzer calls a target from one thread.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "lshrs/model_io.hpp"

namespace lshrs::fuzz {

// Aborts (a crash for libFuzzer) with `what` when `ok` is false: for the
// properties a target checks beyond "does not crash".
inline void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

// Error messages reach users on one line, printable, and never echo a whole
// hostile input: no control byte (a NUL would cut the line in C callers).
inline constexpr std::size_t kMaxMessageBytes = 2048;
inline void require_one_line(std::string_view message) {
  const bool control = std::any_of(message.begin(), message.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7f;
  });
  if (control || message.size() > kMaxMessageBytes) {
    std::fprintf(stderr, "bad error message (%zu bytes): %.*s\n", message.size(),
                 static_cast<int>(std::min<std::size_t>(message.size(), 4096)), message.data());
    std::abort();
  }
}

inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    const std::filesystem::path base =
        std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    std::string pattern = (base / "lshrs-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(scratch_dir(), ignored);
    });
    return std::filesystem::path(pattern);
  }();
  return dir;
}

// Writes `bytes` to scratch_dir()/name and returns that path.
inline std::filesystem::path write_scratch(const std::string& name, std::string_view bytes) {
  const std::filesystem::path path = scratch_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  require(static_cast<bool>(out), "cannot write a scratch file");
  return path;
}

// Bit-for-bit equality of float vectors (NaN payloads included).
inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

// What any accepted model must be, checked without the products that a
// hostile config makes wrap around (bands x rows = 2^64 + 4 "equals" 4).
inline void require_consistent(const Model& model) {
  const ModelConfig& c = model.config;
  require(c.num_bands > 0 && c.num_perm % c.num_bands == 0 &&
              c.num_perm / c.num_bands == c.rows_per_band,
          "num_bands x rows_per_band != num_perm");
  require(c.dim > 0 && model.projections.size() / c.dim == c.num_perm &&
              model.projections.size() % c.dim == 0,
          "projections are not num_perm x dim values");
}

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Reads a fuzz input as a stream of choices for targets that build their
// input from a small grammar: past the end, every byte is 0.
struct ByteReader {
  const std::uint8_t* data;
  std::size_t size;
  std::uint8_t next() {
    if (size == 0) return 0;
    --size;
    return *data++;
  }
  // Up to n bytes (fewer at the end).
  std::string take(std::size_t n) {
    n = std::min(n, size);
    std::string out(reinterpret_cast<const char*>(data), n);
    data += n;
    size -= n;
    return out;
  }
};

}  // namespace lshrs::fuzz
