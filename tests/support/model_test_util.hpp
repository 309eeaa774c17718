// Helpers for the model-file tests (model_io_test, npy_test, zip_archive_test):
// temporary directories, file bytes, the oracle's projection formula, running
// tests/oracle/write_npz.py, and patching zip headers to build hostile archives.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>

#include "lshrs/model_io.hpp"

namespace lshrs::test {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("lshrs-modeltest-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Same formula as value() in tests/oracle/write_npz.py; every value is exact in float32.
inline float oracle_value(std::size_t b, std::size_t i, std::size_t j) {
  const auto k = static_cast<long>((b * 7919 + i * 104729 + j * 31) % 2001) - 1000;
  return static_cast<float>(static_cast<double>(k) / 64.0);
}

inline Model oracle_model(std::size_t dim, std::size_t bands, std::size_t rows) {
  Model m;
  m.config.dim = dim;
  m.config.num_bands = bands;
  m.config.rows_per_band = rows;
  m.config.num_perm = bands * rows;
  for (std::size_t b = 0; b < bands; ++b)
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < dim; ++j) m.projections.push_back(oracle_value(b, i, j));
  return m;
}

// Runs tests/oracle/write_npz.py with the numpy-enabled interpreter; returns its exit code.
inline int run_oracle(const std::string& args) {
  const std::string command = std::string("'") + LSHRS_PYTHON + "' '" + LSHRS_SOURCE_DIR +
                              "/tests/oracle/write_npz.py' " + args;
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

inline std::uint32_t get_u16(const std::string& s, std::size_t at) {
  return static_cast<unsigned char>(s[at]) | static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8;
}

inline void put_u32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Rewrites the declared uncompressed size of entry `name` in both its local
// header and its central-directory record (so the archive stays consistent),
// and returns how many records were patched (2 when all went well).
inline int patch_declared_size(std::string& zip, std::string_view name, std::uint32_t size) {
  int patched = 0;
  for (std::size_t at = 0; at + 46 <= zip.size(); ++at) {
    if (zip.compare(at, 4, "PK\x03\x04") == 0) {
      const std::size_t len = get_u16(zip, at + 26);
      if (zip.compare(at + 30, len, name) == 0 && len == name.size()) {
        put_u32(zip, at + 22, size);
        ++patched;
      }
    } else if (zip.compare(at, 4, "PK\x01\x02") == 0) {
      const std::size_t len = get_u16(zip, at + 28);
      if (zip.compare(at + 46, len, name) == 0 && len == name.size()) {
        put_u32(zip, at + 24, size);
        ++patched;
      }
    }
  }
  return patched;
}

// Expects `fn` to throw E whose message contains every one of `parts`.
template <typename E>
void expect_error(const std::function<void()>& fn, std::initializer_list<std::string_view> parts) {
  try {
    fn();
    ADD_FAILURE() << "no exception thrown";
  } catch (const E& e) {
    const std::string what = e.what();
    for (const auto part : parts) {
      EXPECT_NE(what.find(part), std::string::npos) << "message lacks \"" << part << "\": " << what;
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

}  // namespace lshrs::test
