// Helpers shared by the test suites: scratch directories, raw float files,
// running the independent Python oracles, deterministic random vectors.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/source.hpp"

namespace lshrs::testing {

// Everything a source yields, with the batch sizes seen.
struct Drained {
  std::vector<std::int64_t> ids;
  std::vector<float> data;
  std::size_t dim = 0;
  std::vector<std::size_t> batch_sizes;
};

inline Drained drain(VectorSource& source) {
  Drained out;
  VectorBatch batch;
  while (source.next(batch)) {
    EXPECT_EQ(batch.data.size(), batch.ids.size() * batch.dim);
    out.dim = batch.dim;
    out.batch_sizes.push_back(batch.size());
    out.ids.insert(out.ids.end(), batch.ids.begin(), batch.ids.end());
    out.data.insert(out.data.end(), batch.data.begin(), batch.data.end());
  }
  EXPECT_FALSE(source.next(batch)) << "a drained source must stay at its end";
  return out;
}

inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The SourceError raised by `fn`, for inspecting its message and location.
template <typename Fn>
SourceError source_error(Fn&& fn) {
  try {
    fn();
  } catch (const SourceError& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected SourceError, got: " << e.what();
    return SourceError("", "");
  }
  ADD_FAILURE() << "expected SourceError, nothing thrown";
  return SourceError("", "");
}

// The message of the `E` thrown by `fn` ("" and a test failure if none was).
template <typename E, typename Fn>
std::string message_of(Fn&& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "nothing (or another type) was thrown";
  return {};
}

inline void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

// A fresh directory under the system temp dir, removed with its contents.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("lshrs-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_floats(const std::filesystem::path& path, const std::vector<float>& values) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(values.data()),
            static_cast<std::streamsize>(values.size() * sizeof(float)));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

inline std::vector<float> read_floats(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const auto bytes = static_cast<std::size_t>(in.tellg());
  std::vector<float> values(bytes / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(bytes));
  return values;
}

// Runs tests/oracle/<script> with the numpy-equipped interpreter; fails the
// test (not just returns) when the oracle cannot run, so a broken setup is loud.
inline void run_oracle(const std::string& script, const std::string& args) {
  const std::string cmd = std::string(LSHRS_PYTHON) + " " + LSHRS_SOURCE_DIR + "/tests/oracle/" +
                          script + " " + args;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "oracle failed: " << cmd;
}

// n × dim standard-normal floats, row-major, from a fixed seed.
inline std::vector<float> random_vectors(std::size_t n, std::size_t dim, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(n * dim);
  for (auto& x : v) x = normal(rng);
  return v;
}

// An index of `bands` × `rows` hyperplanes over `dim` dims under `prefix`.
inline IndexOptions shaped_index_options(const std::string& prefix, std::size_t dim, std::size_t bands,
                                         std::size_t rows) {
  IndexOptions io;
  io.dim = dim;
  io.num_perm = bands * rows;
  io.num_bands = bands;
  io.rows_per_band = rows;
  io.prefix = prefix;
  return io;
}

// The small index the store suites share: 4 bands of 4 rows over `dim` dims.
inline IndexOptions small_index_options(const std::string& prefix, std::size_t dim = 16) {
  return shaped_index_options(prefix, dim, 4, 4);
}

// Ids first, first + 1, …, first + n - 1.
inline std::vector<std::int64_t> iota_ids(std::size_t n, std::int64_t first = 0) {
  std::vector<std::int64_t> ids(n);
  for (std::size_t i = 0; i < n; ++i) ids[i] = first + static_cast<std::int64_t>(i);
  return ids;
}

// Indexes `n` random vectors (ids 0…n-1) through `writer`, then opens the
// prefix from `reader` alone (Index::open, from its meta) and checks that
// vector 42 finds itself first, colliding in every band. Returns the vectors.
inline std::vector<float> expect_index_reopens(std::shared_ptr<BucketStore> writer,
                                               std::shared_ptr<BucketStore> reader,
                                               const IndexOptions& io, std::size_t n, unsigned seed) {
  const auto vectors = random_vectors(n, io.dim, seed);
  const std::vector<std::int64_t> ids = iota_ids(n);
  {
    Index index(io, std::move(writer));
    index.index(ids, vectors);
  }
  Index opened = Index::open(std::move(reader), io.prefix);
  const auto result = opened.query(std::span(vectors).subspan(io.dim * 42, io.dim));
  EXPECT_FALSE(result.neighbors.empty());
  if (!result.neighbors.empty()) {
    EXPECT_EQ(result.neighbors.front().id, 42);
    EXPECT_EQ(result.neighbors.front().collisions, *io.num_bands);
  }
  return vectors;
}

}  // namespace lshrs::testing
