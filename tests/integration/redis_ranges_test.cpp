// The range protocol (src/redis/protocol/redis_store_ranges.cpp) against the real
// redis-server and Cluster: writers of different ids of one range, a writer
// slower than its lease, a writer that dies mid-flush (repair()), an index
// written in the per-id layout of earlier releases, and the memory layout
// (range hashes stay in Redis' compact encoding).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "integration/redis_test_env.hpp"
#include "integration/stored_signatures.hpp"
#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/model_io.hpp"
#include "redis/protocol/bucket_groups.hpp"
#include "redis/transport/single_transport.hpp"
#include "redis/protocol/store_options.hpp"
#include "support/store_contract.hpp"

namespace lshrs::testing {
namespace {

using redis::Command;
using redis::Reply;

constexpr std::size_t kBands = 4;

// Signature of `id` in version v: one byte per band, different for every v
// in every band, so a mix of two versions shows as extra memberships.
std::string row(int v, std::int64_t id) {
  std::string r;
  for (std::size_t b = 0; b < kBands; ++b) {
    r.push_back(static_cast<char>((static_cast<std::size_t>(id) * 7 + b * 61) % 32 + 32 * static_cast<std::size_t>(v)));
  }
  return r;
}
Signatures rows(int v, std::span<const std::int64_t> ids) {
  Signatures s{ids.size(), kBands, 1, {}};
  for (const auto id : ids) {
    const std::string r = row(v, id);
    s.bytes.insert(s.bytes.end(), r.begin(), r.end());
  }
  return s;
}

// Every id of `expected` is in exactly its signature's buckets, committed in
// a clean range; no other id is anywhere.
void expect_exactly(RedisStore& store, const RedisOptions& options, const std::string& prefix,
                    const std::map<std::int64_t, std::string>& expected) {
  const auto held = memberships(store, prefix, kBands);
  std::vector<std::int64_t> ids;
  for (const auto& [id, sig] : expected) ids.push_back(id);
  auto transport = redis::make_transport(options);
  const auto stored = stored_signatures(*transport, prefix, ids);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < ids.size() && bad < 5; ++i) {
    const std::string& want = expected.at(ids[i]);
    const auto it = held.find(ids[i]);
    const auto has = it == held.end() ? Buckets{} : it->second;
    if (has != buckets_of(want) || stored[i].committed != want || !stored[i].clean) {
      ++bad;
      ADD_FAILURE() << "id " << ids[i] << ": " << has.size() << " memberships (want " << want.size()
                    << (has == buckets_of(want) ? ", the right ones" : ", not its vector's") << "), signature "
                    << (!stored[i].committed ? "missing" : stored[i].committed == want ? "right" : "wrong")
                    << ", range " << (stored[i].clean ? "clean" : "busy") << stored[i].error;
    }
  }
  for (const auto& [id, has] : held) {
    if (!expected.count(id)) ADD_FAILURE() << "id " << id << " was never written but is in " << has.size() << " buckets";
  }
  EXPECT_EQ(bad, 0u);
}

// Writer w of `writers` owns the ids i with i % writers == w among 0..n-1
// (so every range holds ids of every writer) and writes them kRounds times
// in shuffled batches of 16, version r in round r.
constexpr int kRounds = 3;
void write_own_ids(RedisStore& store, const std::string& prefix, int w, int writers, std::int64_t n) {
  std::vector<std::int64_t> mine;
  for (std::int64_t i = w; i < n; i += writers) mine.push_back(i);
  std::mt19937 rng(static_cast<unsigned>(w) + 11);
  for (int r = 0; r < kRounds; ++r) {
    std::shuffle(mine.begin(), mine.end(), rng);
    for (std::size_t s = 0; s < mine.size(); s += 16) {
      const auto batch = std::span<const std::int64_t>(mine).subspan(s, std::min<std::size_t>(16, mine.size() - s));
      store.add(prefix, layout_of(rows(r, batch)), batch, rows(r, batch));
    }
  }
}

void race_different_ids(const RedisOptions& options) {
  constexpr int kWriters = 4;
  constexpr std::int64_t kIds = 512;  // 4 ranges of 128
  const std::string prefix = unique_prefix("ranges-shared");
  const auto children = fork_writers(options, 2, kWriters, [&](RedisStore& own, int w) {  // two processes ...
    write_own_ids(own, prefix, w, kWriters, kIds);
  });
  RedisStore shared(options);  // ... and two threads sharing one store
  std::thread t0([&] { write_own_ids(shared, prefix, 0, kWriters, kIds); });
  std::thread t1([&] { write_own_ids(shared, prefix, 1, kWriters, kIds); });
  t0.join();
  t1.join();
  expect_writers_succeeded(children);
  std::map<std::int64_t, std::string> expected;
  for (std::int64_t id = 0; id < kIds; ++id) expected[id] = row(kRounds - 1, id);
  expect_exactly(shared, options, prefix, expected);
  // The contention is over: every range is small again.
  auto transport = redis::make_transport(options);
  for (std::int64_t r = 0; r < kIds / static_cast<std::int64_t>(kSignatureRangeIds); ++r) {
    const Command encoding(std::vector<std::string>{"OBJECT", "ENCODING", signature_range_key(prefix, r)}, 2);
    EXPECT_EQ(transport->execute(std::span(&encoding, 1)).front().text, "listpack") << "range " << r;
  }
  shared.clear(prefix);
}

TEST(RedisRanges, WritersOfDifferentIdsOfOneRangeConvergeOnOneServer) {
  const RedisOptions o = single_server_options();
  if (o.url.empty()) return;
  race_different_ids(o);
}

TEST(RedisRanges, WritersOfDifferentIdsOfOneRangeConvergeOnCluster) {
  const RedisOptions o = cluster_server_options();
  if (o.url.empty()) return;
  race_different_ids(o);
}

// Holds back the first batch of bucket writes (SADD/SREM) for `delay`, as a
// client stalled mid-flush would.
class StallingTransport final : public redis::Transport {
 public:
  StallingTransport(std::unique_ptr<redis::Transport> inner, std::chrono::milliseconds delay)
      : inner_(std::move(inner)), delay_(delay) {}
  std::vector<Reply> execute(std::span<const Command> commands) override {
    const bool writes = !commands.empty() && (commands.front().argv[0] == "SADD" || commands.front().argv[0] == "SREM");
    if (writes && !stalled_.exchange(true)) std::this_thread::sleep_for(delay_);
    return inner_->execute(commands);
  }
  void for_each_master(const std::function<void(const std::string&, const redis::NodeExecutor&)>& fn) override {
    inner_->for_each_master(fn);
  }
  std::string describe() const override { return "stalling(" + inner_->describe() + ")"; }

 private:
  std::unique_ptr<redis::Transport> inner_;
  std::chrono::milliseconds delay_;
  std::atomic<bool> stalled_{false};
};

TEST(RedisRanges, AWriterSlowerThanItsLeaseCostsARepairNotCorrectness) {
  const RedisOptions o = single_server_options();
  if (o.url.empty()) return;
  const std::string prefix = unique_prefix("ranges-slow");
  const std::vector<std::int64_t> ids{5, 6};
  RedisStore fast(o);
  fast.add(prefix, layout_of(rows(0, ids)), ids, rows(0, ids));

  // The slow writer's lease (1 s) runs out while its bucket writes stall;
  // meanwhile another writer moves the ids to version 2 and cleans the range.
  RedisOptions slow_options = o;
  slow_options.lease = std::chrono::seconds(1);
  RedisStore slow(slow_options, std::make_unique<StallingTransport>(redis::make_transport(slow_options),
                                                                    std::chrono::milliseconds(3500)));
  std::thread late([&] { slow.add(prefix, layout_of(rows(1, ids)), ids, rows(1, ids)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  fast.add(prefix, layout_of(rows(2, ids)), ids, rows(2, ids));
  late.join();
  // The slow writer ended last: its late writes were recorded and repaired,
  // so the ids are in exactly version 1's buckets.
  expect_exactly(fast, o, prefix, {{5, row(1, 5)}, {6, row(1, 6)}});
  fast.clear(prefix);
}

TEST(RedisRanges, AWriterThatDiedMidFlushIsRepairedOnceItsLeaseRanOut) {
  const RedisOptions o = single_server_options();
  if (o.url.empty()) return;
  const std::string prefix = unique_prefix("ranges-dead");
  const std::vector<std::int64_t> ids{300, 301};
  RedisStore store(o);
  store.add(prefix, layout_of(rows(0, ids)), ids, rows(0, ids));

  // A writer dies after its begin and three quarters of its pipelined bucket
  // writes (all SREMs, half the SADDs): the range keeps its record and
  // lease; the ids have lost their buckets for some of version 1's.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    struct DieMidWrite final : redis::Transport {
      std::unique_ptr<redis::Transport> inner;
      std::vector<Reply> execute(std::span<const Command> c) override {
        if (!c.empty() && (c.front().argv[0] == "SADD" || c.front().argv[0] == "SREM")) {
          inner->execute(c.first(c.size() * 3 / 4));
          ::_exit(0);
        }
        return inner->execute(c);
      }
      void for_each_master(const std::function<void(const std::string&, const redis::NodeExecutor&)>& fn) override {
        inner->for_each_master(fn);
      }
      std::string describe() const override { return "dying"; }
    };
    RedisOptions dying = o;
    dying.lease = std::chrono::seconds(2);
    auto t = std::make_unique<DieMidWrite>();
    t->inner = redis::make_transport(dying);
    RedisStore doomed(dying, std::move(t));
    doomed.add(prefix, layout_of(rows(1, ids)), ids, rows(1, ids));
    ::_exit(1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the writer must die in its bucket writes";
  auto raw = redis::make_transport(o);
  EXPECT_FALSE(stored_signatures(*raw, prefix, ids)[0].clean) << "the dead writer's record must be there";
  // stats counts ids, not the dead writer's state fields (n, p<token>,
  // t<token>: 5 fields for 2 ids before issue 22 item 5), and says a range
  // is unfinished.
  const StoreStats busy = store.stats(prefix);
  EXPECT_EQ(busy.ids, std::optional<std::uint64_t>(2));
  EXPECT_EQ(busy.unfinished_ranges, 1u);
  EXPECT_EQ(store.repair(prefix, layout_of(rows(0, ids))), 0u) << "its lease is still live: the repair is left to it";
  std::this_thread::sleep_for(std::chrono::milliseconds(3100));
  EXPECT_EQ(store.repair(prefix, layout_of(rows(0, ids))), 1u);
  expect_exactly(store, o, prefix, {{300, row(0, 300)}, {301, row(0, 301)}});
  EXPECT_EQ(store.repair(prefix, layout_of(rows(0, ids))), 0u) << "nothing left to repair";
  EXPECT_EQ(store.stats(prefix).unfinished_ranges, 0u);
  store.clear(prefix);
}

// An index written by an earlier release: its meta lacks the "signatures"
// field and each id has a <prefix>:sig:<id> string key (ids 1, 2, 3, at row 0).
void write_per_id_index(const RedisOptions& o, const std::string& prefix) {
  auto raw = redis::make_transport(o);
  Model model;
  model.config = {8, kBands * 8, kBands, 8, 0.5, 1000, 7};
  model.projections.assign(kBands * 8 * 8, 0.5f);
  std::string meta = encode_meta(model);
  const std::size_t field = meta.find(",\"signatures\":\"ranges/128\"");
  ASSERT_NE(field, std::string::npos) << meta.substr(0, meta.find('\n'));
  meta.erase(field, std::string(",\"signatures\":\"ranges/128\"").size());
  std::vector<Command> old_layout{Command({"SET", meta_key(prefix), meta})};
  for (const std::int64_t id : {1, 2, 3}) {
    const std::string r = row(0, id);
    old_layout.emplace_back(std::vector<std::string>{"SET", signature_key(prefix, id), r});
    for (std::size_t b = 0; b < kBands; ++b) {
      old_layout.emplace_back(std::vector<std::string>{
          "SADD", bucket_key(prefix, b, redis::as_bytes(std::string_view(r).substr(b, 1))), std::to_string(id)});
    }
  }
  raw->execute(old_layout);
}

// Per-id signature key of 1, whether 3's is gone, whether range 0 exists.
std::vector<Reply> per_id_witnesses(const RedisOptions& o, const std::string& prefix) {
  const std::vector<Command> reads{Command({"GET", signature_key(prefix, 1)}),
                                   Command({"EXISTS", signature_key(prefix, 3)}),
                                   Command({"EXISTS", signature_range_key(prefix, 0)})};
  return redis::make_transport(o)->execute(reads);
}

// Told the per-id layout, the store updates and removes through those keys;
// no range hash appears.
TEST(RedisRanges, AStoreToldThePerIdLayoutKeepsItsKeys) {
  const RedisOptions o = single_server_options();
  if (o.url.empty()) return;
  const std::string prefix = unique_prefix("ranges-legacy");
  write_per_id_index(o, prefix);
  RedisStore store(o);
  const std::vector<std::int64_t> moved{1, 2};
  StoreLayout per_id = layout_of(rows(1, moved));
  per_id.signatures = SignatureRecords::kPerId;
  store.add(prefix, per_id, moved, rows(1, moved));
  const std::vector<std::int64_t> gone{3};
  EXPECT_EQ(store.remove(prefix, per_id, gone), 1u);
  const auto held = memberships(store, prefix, kBands);
  EXPECT_EQ(held.at(1), buckets_of(row(1, 1)));
  EXPECT_EQ(held.at(2), buckets_of(row(1, 2)));
  EXPECT_FALSE(held.count(3)) << "a removed id of the per-id layout must leave its buckets";
  const auto got = per_id_witnesses(o, prefix);
  EXPECT_EQ(got[0].text, row(1, 1)) << "the per-id key holds the new signature";
  EXPECT_EQ(got[1].integer, 0);
  EXPECT_EQ(got[2].integer, 0) << "no range hash in a per-id index";
  store.clear(prefix);
}

// The store no longer reads the meta: the Index does, and tells it. Opened
// on the earlier release's index, it writes and removes per id.
TEST(RedisRanges, AnIndexOpenedOnThePerIdLayoutTellsTheStore) {
  const RedisOptions o = single_server_options();
  if (o.url.empty()) return;
  const std::string prefix = unique_prefix("ranges-legacy-index");
  write_per_id_index(o, prefix);
  auto store = std::make_shared<RedisStore>(o);
  Index index = Index::open(store, prefix);
  EXPECT_EQ(index.layout().signatures, SignatureRecords::kPerId);
  const std::vector<std::int64_t> moved{1};
  const std::vector<float> negative(8, -1.0f);  // every projection 0.5: all bits 0
  index.index(moved, negative);
  index.flush();
  const std::vector<std::int64_t> gone{3};
  EXPECT_EQ(index.remove(gone), 1u);
  const auto got = per_id_witnesses(o, prefix);
  EXPECT_EQ(got[0].text, std::string(kBands, '\0')) << "id 1's per-id key holds its new signature";
  EXPECT_EQ(got[1].integer, 0) << "id 3's per-id key is removed";
  EXPECT_EQ(got[2].integer, 0) << "no range hash in a per-id index";
  EXPECT_FALSE(memberships(*store, prefix, kBands).count(3));
  store->clear(prefix);
}

// Memory: a range of 128 ids written in one flush, 10 bands of 2 bytes,
// stays a listpack at default settings and costs far less than a key per id.
TEST(RedisRanges, AFullRangeStaysInTheCompactEncoding) {
  const RedisOptions o = single_server_options();
  if (o.url.empty()) return;
  const std::string prefix = unique_prefix("ranges-memory");
  RedisStore store(o);
  std::vector<std::int64_t> ids(2 * kSignatureRangeIds);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int64_t>(i) + 1280;
  Signatures sigs{ids.size(), 10, 2, {}};
  std::mt19937 rng(3);
  for (std::size_t i = 0; i < ids.size() * 20; ++i) sigs.bytes.push_back(static_cast<std::uint8_t>(rng()));
  store.add(prefix, layout_of(sigs), ids, sigs);
  auto raw = redis::make_transport(o);
  for (const std::int64_t r : {std::int64_t{10}, std::int64_t{11}}) {
    const std::string key = signature_range_key(prefix, r);
    const std::vector<Command> reads{Command({"OBJECT", "ENCODING", key}, 2), Command({"HLEN", key}),
                                     Command({"MEMORY", "USAGE", key}, 2)};
    const auto got = raw->execute(reads);
    EXPECT_EQ(got[0].text, "listpack") << key;
    EXPECT_EQ(got[1].integer, static_cast<long long>(kSignatureRangeIds)) << key;
    // ~(4-byte field + 20-byte value + 3) per id plus the key.
    EXPECT_LT(got[2].integer, static_cast<long long>(kSignatureRangeIds) * 40) << key;
  }
  store.clear(prefix);
}

}  // namespace
}  // namespace lshrs::testing
