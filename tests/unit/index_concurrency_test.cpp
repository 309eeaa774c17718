// Concurrent ingest, flush and query on one Index: nothing lost, nothing
// duplicated. Also run under ThreadSanitizer by scripts/test.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

TEST(IndexConcurrency, TenThreadsIngestingLoseNothing) {
  constexpr std::size_t kThreads = 10, kPerThread = 400, kDim = 16;
  IndexOptions o = shaped_index_options("lsh", kDim, 8, 4);
  o.buffer_size = 37;  // many automatic flushes racing each other
  Index index(o);
  const auto vecs = random_vectors(kThreads * kPerThread, kDim, 21);
  std::atomic<std::size_t> queries{0};
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done) {
      index.query(std::span(vecs).subspan(0, kDim));
      ++queries;
    }
  });
  std::vector<std::thread> writers;
  for (std::size_t t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (std::size_t i = t * kPerThread; i < (t + 1) * kPerThread; ++i) {
        index.ingest(static_cast<std::int64_t>(i), std::span(vecs).subspan(i * kDim, kDim));
        if (i % 97 == 0) index.flush();
      }
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  reader.join();
  index.flush();
  EXPECT_EQ(index.stats().storage.ids, kThreads * kPerThread);
  EXPECT_GT(queries.load(), 0u);
  QueryOptions all;
  all.top_k = std::nullopt;
  const auto results = index.query_batch(vecs, all);
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& nbs = results[i].neighbors;
    const bool found = std::any_of(nbs.begin(), nbs.end(), [&](const Neighbor& n) {
      return n.id == static_cast<std::int64_t>(i) && n.collisions == 8u;
    });
    ASSERT_TRUE(found) << "id " << i << " lost";
  }
}

}  // namespace
}  // namespace lshrs::testing
