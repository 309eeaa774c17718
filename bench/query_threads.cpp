// lshrs_query_threads — the C++ peer of bench/python_bench.py's threaded
// queries (not a test): one lshrs::Index, opened from a model directory the
// Python package saved, queried by N std::threads at once, each taking its
// share of the same queries the Python threads run. Prints one JSON line per
// thread count, so the script can set Python's queries/s next to these.
//
//   lshrs_query_threads MODEL_DIR QUERIES.npy TOP_K THREADS[,THREADS...] redis URL
//   lshrs_query_threads MODEL_DIR QUERIES.npy TOP_K THREADS[,THREADS...] memory BASE.npy
//
// `redis`: the index already in Redis under the model's prefix. `memory`: a
// MemoryStore filled from BASE.npy (ids = row numbers) before timing.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lshrs/error.hpp"
#include "lshrs/files.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/redis_store.hpp"

namespace {

using namespace lshrs;
using Clock = std::chrono::steady_clock;

std::vector<std::size_t> thread_counts(const std::string& list) {
  std::vector<std::size_t> out;
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoul(item));
  return out;
}

std::shared_ptr<BucketStore> open_store(const std::string& kind, const std::string& where) {
  if (kind == "redis") {
    RedisOptions o;
    o.url = where;
    o.pool_size = 16;  // more than the threads: no thread waits for a connection
    return std::make_shared<RedisStore>(o);
  }
  if (kind == "memory") return std::make_shared<MemoryStore>();
  throw InvalidArgument("store must be 'redis' or 'memory', got \"" + kind + "\"");
}

// Queries/s of `threads` threads splitting the first `per_thread · threads`
// queries between them, each with its own slice (as the Python threads do).
double queries_per_second(Index& index, const Matrix& queries, std::size_t top_k,
                          std::size_t threads) {
  const std::size_t per_thread = queries.rows / threads;
  QueryOptions q;
  q.top_k = top_k;
  std::vector<std::thread> pool;
  const auto t0 = Clock::now();
  for (std::size_t k = 0; k < threads; ++k) {
    pool.emplace_back([&, k] {
      for (std::size_t i = k * per_thread; i < (k + 1) * per_thread; ++i) {
        index.query(std::span(queries.data).subspan(i * queries.cols, queries.cols), q);
      }
    });
  }
  for (auto& t : pool) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return static_cast<double>(per_thread * threads) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::cerr << "usage: lshrs_query_threads MODEL_DIR QUERIES.npy TOP_K THREADS[,...] "
                 "(redis URL | memory BASE.npy)\n";
    return 2;
  }
  try {
    const std::string kind = argv[5];
    Index index = Index::load(argv[1], open_store(kind, argv[6]));
    if (kind == "memory") {
      NpyOptions base;
      base.vectors = argv[6];
      index.ingest_from(*open_npy_source(base));
    }
    const Matrix queries = read_npy_matrix(argv[2]);
    const std::size_t top_k = std::stoul(argv[3]);
    for (std::size_t i = 0; i < std::min<std::size_t>(200, queries.rows); ++i) {  // warm up
      index.query(std::span(queries.data).subspan(i * queries.cols, queries.cols));
    }
    for (const std::size_t threads : thread_counts(argv[4])) {
      std::cout << "{\"threads\": " << threads
                << ", \"qps\": " << queries_per_second(index, queries, top_k, threads) << "}\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "lshrs_query_threads: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
