// Shared pieces of the benchmarks: reading their settings from the
// environment, draining a source, and the "ingest into Redis" measurement run
// the same way for every source.
#pragma once

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lshrs/index.hpp"
#include "lshrs/redis_store.hpp"
#include "lshrs/source.hpp"

namespace lshrs::bench {

// n × dim standard normals, row-major, from a fixed seed.
inline std::vector<float> random_matrix(std::size_t n, std::size_t dim, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(n * dim);
  for (auto& x : v) x = normal(rng);
  return v;
}

// The first of `names` set to a non-empty value (e.g. the bench's own
// variable, then the test suite's), or "" when none is.
inline std::string env(std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (const char* v = std::getenv(n); v != nullptr && *v != '\0') return v;
  }
  return {};
}

// The row count from `name` (a decimal), or `fallback` when unset.
inline std::size_t rows(const char* name, std::size_t fallback) {
  const std::string v = env({name});
  return v.empty() ? fallback : std::stoul(v);
}

inline std::size_t drain(VectorSource& source) {
  VectorBatch batch;
  std::size_t n = 0;
  while (source.next(batch)) n += batch.size();
  return n;
}

// Index (16 bands × 8 rows over `dim`) fed from open_source() into the Redis
// at `url`, under a prefix of this process cleared before each iteration.
template <typename OpenSource>
void ingest_to_redis(benchmark::State& state, const std::string& url, const std::string& tag,
                     std::size_t dim, std::size_t rows, OpenSource open_source) {
  RedisOptions ro;
  ro.url = url;
  auto store = std::make_shared<RedisStore>(ro);
  IndexOptions io;
  io.dim = dim;
  io.num_perm = 128;
  io.num_bands = 16;
  io.rows_per_band = 8;
  io.prefix = "lshrs_bench_" + tag + "_" + std::to_string(::getpid());
  for (auto _ : state) {
    state.PauseTiming();
    store->clear(io.prefix);
    state.ResumeTiming();
    Index index(io, store);
    auto source = open_source();
    if (index.ingest_from(*source) != rows) state.SkipWithError("short ingest");
  }
  store->clear(io.prefix);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows));
}

}  // namespace lshrs::bench
