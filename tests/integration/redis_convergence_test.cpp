// Concurrent writers (and removers) of the same ids with different vectors,
// racing on one prefix of a real redis-server and of the real 3-master
// Cluster, in several threads and several processes: at the end every id must
// be in exactly the buckets of ONE of the vectors written for it, with a
// committed signature that agrees in a clean range, or (if a remove ended
// last) in none and without one. Then a remove of all ids must leave zero
// memberships. Batches of 50 shuffled ids out of 600 make writers of
// different ids share ranges of 128, so the range protocol contends hard.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/redis_test_env.hpp"
#include "integration/stored_signatures.hpp"
#include "lshrs/redis_store.hpp"
#include "redis/transport/single_transport.hpp"
#include "redis/protocol/store_options.hpp"
#include "support/store_contract.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

constexpr std::size_t kIds = 600, kBands = 4, kBatch = 50, kRounds = 3;
constexpr int kWriters = 4;  // writer w writes vector w of every id

// Writer w's signature of `id`: one byte per band, different for every writer
// in every band, so any mix of two vectors shows as extra memberships.
std::uint8_t band_byte(int writer, std::int64_t id, std::size_t band) {
  return static_cast<std::uint8_t>((static_cast<std::size_t>(id) * 7 + band * 61) % 64 +
                                   64 * static_cast<std::size_t>(writer));
}
std::string row(int writer, std::int64_t id) {
  std::string r;
  for (std::size_t b = 0; b < kBands; ++b) r.push_back(static_cast<char>(band_byte(writer, id, b)));
  return r;
}

// Writes every id as writer w, in a shuffled order, kRounds times; a remover
// (w < 0) removes every id the same way.
void race(RedisStore& store, const std::string& prefix, int w, unsigned seed) {
  std::vector<std::int64_t> ids = iota_ids(kIds);
  std::mt19937 rng(seed);
  for (std::size_t round = 0; round < kRounds; ++round) {
    std::shuffle(ids.begin(), ids.end(), rng);
    for (std::size_t start = 0; start < kIds; start += kBatch) {
      const std::span<const std::int64_t> batch(ids.data() + start, kBatch);
      if (w < 0) {
        store.remove(prefix, StoreLayout{kBands, 1, HashFamily::kHyperplane}, batch);
        continue;
      }
      Signatures sigs{kBatch, kBands, 1, {}};
      for (const auto id : batch) {
        const std::string r = row(w, id);
        sigs.bytes.insert(sigs.bytes.end(), r.begin(), r.end());
      }
      store.add(prefix, layout_of(sigs), batch, sigs);
    }
  }
}

// The committed signatures, read past the store.
std::vector<StoredSignature> signatures(const RedisOptions& options, const std::string& prefix) {
  auto transport = redis::make_transport(options);
  const std::vector<std::int64_t> ids = iota_ids(kIds);
  return stored_signatures(*transport, prefix, ids);
}

void expect_converged(RedisStore& store, const RedisOptions& options, const std::string& prefix,
                      bool removers) {
  const auto held = memberships(store, prefix, kBands);
  const auto stored = signatures(options, prefix);
  std::size_t bad = 0, written = 0;
  for (std::size_t i = 0; i < kIds && bad < 5; ++i) {
    const auto id = static_cast<std::int64_t>(i);
    const auto it = held.find(id);
    const std::size_t count = it == held.end() ? 0 : it->second.size();
    const StoredSignature& sig = stored[i];
    if (!sig.clean) {
      ++bad;
      ADD_FAILURE() << "id " << id << ": its signature range is not clean: "
                    << (sig.error.empty() ? "writer state left behind" : sig.error);
      continue;
    }
    if (removers && count == 0 && !sig.committed) continue;  // a remove ended last
    int winner = -1;
    for (int w = 0; w < kWriters; ++w) {
      if (sig.committed == row(w, id)) winner = w;
    }
    Buckets expected;
    for (std::size_t b = 0; winner >= 0 && b < kBands; ++b) expected.insert({b, band_byte(winner, id, b)});
    if (winner < 0 || count != kBands || it->second != expected) {
      ++bad;
      ADD_FAILURE() << "id " << id << ": " << count << " memberships (want " << kBands
                    << "), signature " << (!sig.committed ? "missing" : "not one written vector")
                    << (winner >= 0 ? " / memberships not those of its signature" : "");
    }
    ++written;
  }
  EXPECT_EQ(bad, 0u);
  if (!removers) {
    EXPECT_EQ(written, kIds);
  }
}

void race_and_check(const RedisOptions& options, bool removers) {
  const std::string prefix = unique_prefix("converge");
  // Processes: two children write as writers 2 and 3, each with its own store.
  const auto children = fork_writers(options, 2, kWriters, [&](RedisStore& own, int w) {
    race(own, prefix, w, 100 + static_cast<unsigned>(w));
  });
  // Threads: writers 0 and 1 (and a remover) share one store, as an
  // application's threads would, plus one on a store of its own.
  RedisStore shared(options), own(options);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { race(shared, prefix, 0, 1); });
  threads.emplace_back([&] { race(own, prefix, 1, 2); });
  if (removers) threads.emplace_back([&] { race(shared, prefix, -1, 3); });
  for (auto& t : threads) t.join();
  expect_writers_succeeded(children);
  expect_converged(shared, options, prefix, removers);

  const std::vector<std::int64_t> all = iota_ids(kIds);
  shared.remove(prefix, StoreLayout{kBands, 1, HashFamily::kHyperplane}, all);
  EXPECT_TRUE(memberships(shared, prefix, kBands).empty()) << "remove left memberships behind";
  EXPECT_EQ(shared.stats(prefix).buckets, 0u);
  shared.clear(prefix);
}

TEST(RedisConvergence, ConcurrentWritersOfTheSameIdsConvergeOnOneServer) {
  const RedisOptions o = single_server_options();
  if (o.url.empty()) return;
  race_and_check(o, /*removers=*/false);
}

TEST(RedisConvergence, ConcurrentWritersOfTheSameIdsConvergeOnCluster) {
  const RedisOptions o = cluster_server_options();
  if (o.url.empty()) return;
  race_and_check(o, /*removers=*/false);
}

TEST(RedisConvergence, WritersRacingARemoverConvergeOnOneServer) {
  const RedisOptions o = single_server_options();
  if (o.url.empty()) return;
  race_and_check(o, /*removers=*/true);
}

TEST(RedisConvergence, WritersRacingARemoverConvergeOnCluster) {
  const RedisOptions o = cluster_server_options();
  if (o.url.empty()) return;
  race_and_check(o, /*removers=*/true);
}

}  // namespace
}  // namespace lshrs::testing
