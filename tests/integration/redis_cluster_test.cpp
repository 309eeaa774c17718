// RedisStore and the cluster transport against a real 3-master Redis Cluster
// (scripts/lib/redis_cluster.sh; scripts/test exports its seed node as
// LSHRS_TEST_REDIS_CLUSTER_URL). Without it: skipped, or failed under CI.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/redis_test_env.hpp"
#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/redis_store.hpp"
#include "redis/cluster/cluster.hpp"
#include "redis/transport/url.hpp"
#include "redis/protocol/store_options.hpp"
#include "support/record_contract.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

using redis::Command;
using redis::Reply;
using redis::ServerAddress;

// The seed node's URL, or empty after recording a skip (a fatal failure
// under CI): either way gtest then does not run the test body.
std::string cluster_url_or_skip() { return server_url("LSHRS_TEST_REDIS_CLUSTER_URL"); }

RedisOptions cluster_options(const std::string& url, ClusterMode mode = ClusterMode::kOn) {
  RedisOptions options = redis_options(url);
  options.cluster = mode;
  return options;
}

#define LSHRS_CLUSTER_URL_OR_RETURN(var)         \
  const std::string var = cluster_url_or_skip(); \
  if (var.empty()) return

// ---- The BucketStore contract over the cluster (mode detected: kAuto) -------

struct ClusterStoreFactory {
  static std::shared_ptr<BucketStore> make() {
    const std::string url = cluster_url_or_skip();
    if (url.empty()) return nullptr;  // the test was skipped or failed above
    return std::make_shared<RedisStore>(cluster_options(url, ClusterMode::kAuto));
  }
};
INSTANTIATE_TYPED_TEST_SUITE_P(Cluster, StoreContract, ::testing::Types<ClusterStoreFactory>);
INSTANTIATE_TYPED_TEST_SUITE_P(Cluster, RecordContract, ::testing::Types<ClusterStoreFactory>);

// ---- Administration of the test cluster through plain connections ----------

class ClusterAdmin {
 public:
  explicit ClusterAdmin(const std::string& url)
      : endpoint_(redis::resolve_endpoint(cluster_options(url))) {}

  Reply run(const ServerAddress& node, std::vector<std::string> argv) const {
    auto conn = redis::Connection::open(node, endpoint_.settings);
    return conn.command(std::move(argv));
  }
  void ok(const ServerAddress& node, std::vector<std::string> argv) const {
    const std::string what = argv[0] + " " + (argv.size() > 1 ? argv[1] : "");
    const Reply reply = run(node, std::move(argv));
    ASSERT_FALSE(reply.is_error()) << what << " on " << node.to_string() << ": " << reply.text;
  }
  std::vector<redis::SlotRange> slots() const {
    return redis::parse_cluster_slots(run(endpoint_.address, {"CLUSTER", "SLOTS"}),
                                      endpoint_.address);
  }
  long long keys_in_slot(const ServerAddress& node, std::uint16_t slot) const {
    return run(node, {"CLUSTER", "COUNTKEYSINSLOT", std::to_string(slot)}).integer;
  }

 private:
  redis::Endpoint endpoint_;
};

// Moves one slot between masters in the steps redis-cli --cluster reshard
// takes; puts the slot back to a stable state if the test stops midway.
class SlotMigration {
 public:
  SlotMigration(const ClusterAdmin& admin, std::uint16_t slot) : admin_(admin), slot_(slot) {
    for (const auto& range : admin_.slots()) {
      if (slot >= range.first && slot <= range.last) source_ = range;
      masters_.push_back(range);
    }
    for (const auto& m : masters_) {
      if (!(m.master == source_.master)) target_ = m;
    }
  }
  ~SlotMigration() {
    if (!done_) {
      for (const auto* node : {&source_, &target_}) {
        admin_.run(node->master, {"CLUSTER", "SETSLOT", std::to_string(slot_), "STABLE"});
      }
    }
  }
  SlotMigration(const SlotMigration&) = delete;
  SlotMigration& operator=(const SlotMigration&) = delete;

  // IMPORTING on the target, MIGRATING on the source, then MIGRATE every key
  // the slot holds now: the source answers ASK for them from here on.
  void begin_and_move_keys() {
    begin();
    move_keys();
  }
  // The slot left half-way: its keys still on the source.
  void begin() {
    const std::string s = std::to_string(slot_);
    admin_.ok(target_.master, {"CLUSTER", "SETSLOT", s, "IMPORTING", source_.node_id});
    admin_.ok(source_.master, {"CLUSTER", "SETSLOT", s, "MIGRATING", target_.node_id});
  }
  // Moves what is left and gives the slot to the target on every master:
  // clients with the old map get MOVED.
  void finish() {
    move_keys();
    const std::string s = std::to_string(slot_);
    admin_.ok(target_.master, {"CLUSTER", "SETSLOT", s, "NODE", target_.node_id});
    admin_.ok(source_.master, {"CLUSTER", "SETSLOT", s, "NODE", target_.node_id});
    for (const auto& m : masters_) {
      if (!(m.master == source_.master) && !(m.master == target_.master)) {
        admin_.run(m.master, {"CLUSTER", "SETSLOT", s, "NODE", target_.node_id});
      }
    }
    done_ = true;
  }
  const ServerAddress& source() const { return source_.master; }
  const ServerAddress& target() const { return target_.master; }

 private:
  void move_keys() {
    for (;;) {
      Reply keys =
          admin_.run(source_.master, {"CLUSTER", "GETKEYSINSLOT", std::to_string(slot_), "1000"});
      ASSERT_TRUE(keys.is_array()) << keys.text;
      if (keys.elements.empty()) return;
      std::vector<std::string> argv{
          "MIGRATE", target_.master.host, std::to_string(target_.master.port), "", "0", "5000",
          "KEYS"};
      for (auto& k : keys.elements) argv.push_back(std::move(k.text));
      admin_.ok(source_.master, std::move(argv));
    }
  }

  const ClusterAdmin& admin_;
  std::uint16_t slot_;
  redis::SlotRange source_, target_;
  std::vector<redis::SlotRange> masters_;
  bool done_ = false;
};

// ---- The transport on its own ------------------------------------------------

// One retry owner: a TRYAGAIN that does not go away (a multi-key command on a
// slot left migrating with one key moved, one not) is retried retry_attempts
// times by the transport, then handed back; before, the transport made 2 ×
// retry_attempts rounds with backoff up to 2 s (about 7 s here) and the store
// repeated all of it 4 times (about 29 s).
TEST(ClusterTransport, APersistentTryagainEndsAfterRetryAttemptsNotLater) {
  LSHRS_CLUSTER_URL_OR_RETURN(url);
  using std::chrono::milliseconds;
  ClusterAdmin admin(url);
  RedisOptions o = cluster_options(url);
  o.retry_attempts = 4;
  o.retry_backoff = milliseconds(50);
  o.retry_backoff_max = milliseconds(2000);
  auto transport = redis::make_cluster_transport(o);
  const std::string tag = "{" + unique_prefix("tryagain") + "}";
  const Command set(std::vector<std::string>{"SET", tag + "present", "1"});
  ASSERT_FALSE(transport->execute(std::span(&set, 1)).front().is_error());
  {
    SlotMigration migration(admin, redis::key_slot(tag));
    migration.begin();
    const Command mget(std::vector<std::string>{"MGET", tag + "present", tag + "absent"});
    const auto retried = redis::cluster_counters(*transport).retried;
    const auto start = std::chrono::steady_clock::now();
    const Reply reply = transport->execute(std::span(&mget, 1)).front();
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(reply.error_code(), "TRYAGAIN") << reply.text;
    EXPECT_EQ(redis::cluster_counters(*transport).retried - retried, 3u) << "4 attempts: 3 retries";
    EXPECT_GE(took, milliseconds(300)) << "50 + 100 + 200 ms of backoff";
    EXPECT_LT(took, milliseconds(3000));
  }  // the slot is stable again
  const Command del(std::vector<std::string>{"DEL", tag + "present"});
  transport->execute(std::span(&del, 1));
}

TEST(ClusterTransport, AnswersInOrderAcrossAllMasters) {
  LSHRS_CLUSTER_URL_OR_RETURN(url);
  auto transport = redis::make_cluster_transport(cluster_options(url));
  const std::string base = unique_prefix("order");
  std::vector<Command> commands;
  std::set<std::uint16_t> slots;
  for (int i = 0; i < 300; ++i) {
    const std::string key = base + ":" + std::to_string(i);
    slots.insert(redis::key_slot(key));
    commands.emplace_back(std::vector<std::string>{"SET", key, "v" + std::to_string(i)});
    commands.emplace_back(std::vector<std::string>{"GET", key});
    commands.emplace_back(std::vector<std::string>{"STRLEN", key});
  }
  const auto replies = transport->execute(commands);
  ASSERT_EQ(replies.size(), commands.size());
  for (int i = 0; i < 300; ++i) {
    const auto at = static_cast<std::size_t>(i) * 3;
    EXPECT_EQ(replies[at].text, "OK");
    EXPECT_EQ(replies[at + 1].text, "v" + std::to_string(i));
    EXPECT_EQ(replies[at + 2].integer, static_cast<long long>(("v" + std::to_string(i)).size()));
  }
  std::vector<Command> dels;
  for (int i = 0; i < 300; ++i)
    dels.emplace_back(std::vector<std::string>{"DEL", base + ":" + std::to_string(i)});
  for (const Reply& r : transport->execute(dels)) EXPECT_EQ(r.integer, 1);
  EXPECT_GT(slots.size(), 250u) << "keys must spread over many slots (and so every master)";
}

TEST(ClusterTransport, VisitsEveryMasterAndDescribesItselfWithoutSecrets) {
  LSHRS_CLUSTER_URL_OR_RETURN(url);
  auto transport = redis::make_cluster_transport(cluster_options(url));
  std::set<std::string> names;
  transport->for_each_master([&](const std::string& name, const redis::NodeExecutor& run) {
    names.insert(name);
    const Command role(std::vector<std::string>{"ROLE"}, 0);
    const auto reply = run(std::span(&role, 1));
    ASSERT_TRUE(reply.front().is_array());
    EXPECT_EQ(reply.front().elements.front().text, "master") << name;
  });
  EXPECT_EQ(names.size(), 3u);
  EXPECT_EQ(transport->describe().rfind("redis-cluster://", 0), 0u) << transport->describe();
  EXPECT_NE(transport->describe().find("(3 masters)"), std::string::npos);

  RedisOptions with_password = cluster_options(url);
  with_password.password = "s3cret-never-shown";
  try {
    redis::make_cluster_transport(with_password);  // the test cluster has no password
    ADD_FAILURE() << "a password the server does not expect must be refused";
  } catch (const ConfigurationError& e) {
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
  }
}

TEST(ClusterTransport, RefusesADatabaseOtherThanZero) {
  LSHRS_CLUSTER_URL_OR_RETURN(url);
  EXPECT_THROW(redis::make_cluster_transport(cluster_options(url + "/2")), ConfigurationError);
  // Asked for (kOn): make_cluster_transport's one check. Found (kAuto): the
  // probe's own SELECT 2 is refused by the node. Either way the db is named.
  for (const ClusterMode mode : {ClusterMode::kOn, ClusterMode::kAuto}) {
    try {
      RedisStore store(cluster_options(url + "/2", mode));
      ADD_FAILURE() << "db 2 on a cluster was accepted";
    } catch (const ConfigurationError& e) {
      const std::string what = e.what();
      EXPECT_TRUE(what.find("db 2") != std::string::npos || what.find("SELECT 2") != std::string::npos)
          << what;
    }
  }
}

TEST(ClusterTransport, ALostConnectionThrowsAndTheNextCallWorks) {
  LSHRS_CLUSTER_URL_OR_RETURN(url);
  RedisOptions options = cluster_options(url);
  options.pool_size = 1;  // one connection per master: the one we kill
  auto transport = redis::make_cluster_transport(options);
  const ClusterAdmin admin(url);
  std::map<std::string, std::string> client_ids;  // master name -> our connection's id there
  transport->for_each_master([&](const std::string& name, const redis::NodeExecutor& run) {
    const Command id(std::vector<std::string>{"CLIENT", "ID"}, 0);
    client_ids[name] = std::to_string(run(std::span(&id, 1)).front().integer);
  });
  ASSERT_EQ(client_ids.size(), 3u);
  // Kill our connection on every master, by id: other clients are untouched.
  for (const auto& range : admin.slots()) {
    const auto it = client_ids.find(range.master.to_string());
    ASSERT_NE(it, client_ids.end()) << range.master.to_string();
    admin.ok(range.master, {"CLIENT", "KILL", "ID", it->second});
  }
  std::vector<Command> gets;
  for (int i = 0; i < 30; ++i)
    gets.emplace_back(std::vector<std::string>{"GET", unique_prefix("lost")});
  EXPECT_THROW(transport->execute(gets), ConnectionError);
  const auto replies = transport->execute(gets);
  ASSERT_EQ(replies.size(), gets.size());
  for (const Reply& r : replies) EXPECT_TRUE(r.is_nil());
}

// ---- RedisStore over the cluster ----------------------------------------------

// Ids of batch k: k·kBatch ... ; band 0 takes one of 8 values, so every batch
// writes the bucket whose slot the test migrates.
constexpr std::size_t kBatch = 150, kBands = 4;

const StoreLayout kLayout{kBands, 1, HashFamily::kHyperplane};

Signatures batch_signatures(const std::vector<std::int64_t>& ids) {
  Signatures sigs{ids.size(), kBands, 1, {}};
  for (const auto id : ids) {
    const auto u = static_cast<std::uint64_t>(id);
    sigs.bytes.push_back(static_cast<std::uint8_t>(u % 8));
    sigs.bytes.push_back(static_cast<std::uint8_t>((u * 7) % 251));
    sigs.bytes.push_back(static_cast<std::uint8_t>((u / 3) % 256));
    sigs.bytes.push_back(static_cast<std::uint8_t>((u * 2654435761u) >> 24));
  }
  return sigs;
}

// How many (id, band) memberships of `ids` (written with batch_signatures)
// the store does not have.
std::size_t memberships_missing(RedisStore& store, const std::string& prefix,
                                const std::vector<std::int64_t>& ids) {
  const Signatures sigs = batch_signatures(ids);
  std::map<std::pair<std::uint32_t, std::uint8_t>, std::size_t> where;
  std::vector<BucketRef> refs;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (std::uint32_t b = 0; b < kBands; ++b) {
      const std::uint8_t byte = sigs.band(i, b)[0];
      if (where.emplace(std::pair(b, byte), refs.size()).second) {
        refs.push_back({b, std::string(1, static_cast<char>(byte))});
      }
    }
  }
  std::vector<std::set<std::int64_t>> got;
  for (auto& bucket : store.members(prefix, refs)) got.emplace_back(bucket.begin(), bucket.end());
  std::size_t missing = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (std::uint32_t b = 0; b < kBands; ++b) {
      missing += got[where.at({b, sigs.band(i, b)[0]})].count(ids[i]) == 0 ? 1 : 0;
    }
  }
  return missing;
}

TEST(RedisClusterStore, ASlotMigratedDuringAnIngestLosesNothing) {
  LSHRS_CLUSTER_URL_OR_RETURN(url);
  const RedisOptions options = cluster_options(url);
  auto owned = redis::make_cluster_transport(options);
  const redis::Transport& transport = *owned;
  RedisStore store(options, std::move(owned));
  EXPECT_EQ(store.describe().rfind("redis-cluster://", 0), 0u);
  const std::string prefix = unique_prefix("migrate");
  const std::uint8_t zero = 0;
  const auto slot = redis::key_slot(bucket_key(prefix, 0, std::span(&zero, 1)));
  const ClusterAdmin admin(url);
  SlotMigration migration(admin, slot);

  std::vector<std::int64_t> all;
  auto ingest = [&](std::size_t batches) {
    for (std::size_t k = 0; k < batches; ++k) {
      std::vector<std::int64_t> ids(kBatch);
      for (auto& id : ids) {
        id = static_cast<std::int64_t>(all.size()) * 3 + 1;
        all.push_back(id);
      }
      store.add(prefix, kLayout, ids, batch_signatures(ids));
    }
  };
  ingest(10);
  ASSERT_GT(admin.keys_in_slot(migration.source(), slot), 0);

  migration.begin_and_move_keys();
  ASSERT_EQ(admin.keys_in_slot(migration.source(), slot), 0);
  const auto before_ask = redis::cluster_counters(transport);
  ingest(10);  // the slot's keys are on the target: the source answers ASK
  const auto after_ask = redis::cluster_counters(transport);
  EXPECT_GE(after_ask.ask - before_ask.ask, 10u) << "every batch writes a key of the slot";
  EXPECT_EQ(after_ask.refreshes, before_ask.refreshes) << "ASK must not change the slot map";

  migration.finish();
  ingest(10);  // our map still names the source: it answers MOVED once
  const auto after_moved = redis::cluster_counters(transport);
  EXPECT_GE(after_moved.moved - after_ask.moved, 1u);
  EXPECT_GT(after_moved.refreshes, after_ask.refreshes) << "MOVED refreshes the slot map";
  EXPECT_GT(admin.keys_in_slot(migration.target(), slot), 0);
  EXPECT_EQ(admin.keys_in_slot(migration.source(), slot), 0);

  EXPECT_EQ(memberships_missing(store, prefix, all), 0u);
  EXPECT_EQ(store.stats(prefix).ids.value_or(0), all.size());
  EXPECT_EQ(store.remove(prefix, kLayout, all), all.size());
  EXPECT_EQ(memberships_missing(store, prefix, all), all.size() * kBands);
  store.clear(prefix);
}

// The same, with the migration racing two threads that ingest without pause.
TEST(RedisClusterStore, ASlotMigratedUnderConcurrentIngestLosesNothing) {
  LSHRS_CLUSTER_URL_OR_RETURN(url);
  const RedisOptions options = cluster_options(url);
  auto owned = redis::make_cluster_transport(options);
  const redis::Transport& transport = *owned;
  RedisStore store(options, std::move(owned));
  const std::string prefix = unique_prefix("migrate-race");
  const std::uint8_t three = 3;
  const auto slot = redis::key_slot(bucket_key(prefix, 0, std::span(&three, 1)));
  const ClusterAdmin admin(url);
  SlotMigration migration(admin, slot);

  std::atomic<bool> stop{false};
  std::vector<std::int64_t> written[2];
  std::string errors[2];
  auto writer = [&](int t) {
    try {
      for (std::int64_t next = t; !stop.load();) {
        std::vector<std::int64_t> ids(kBatch);
        for (auto& id : ids) id = (next += 2);
        store.add(prefix, kLayout, ids, batch_signatures(ids));
        written[t].insert(written[t].end(), ids.begin(), ids.end());
      }
    } catch (const std::exception& e) {
      errors[t] = e.what();
    }
  };
  std::thread first(writer, 0), second(writer, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  migration.begin_and_move_keys();
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  migration.finish();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop = true;
  first.join();
  second.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");

  std::vector<std::int64_t> all = written[0];
  all.insert(all.end(), written[1].begin(), written[1].end());
  ASSERT_GT(all.size(), 10 * kBatch);
  const auto counters = redis::cluster_counters(transport);
  EXPECT_GT(counters.ask + counters.moved, 0u) << "the writers must have met the migration";
  EXPECT_EQ(memberships_missing(store, prefix, all), 0u);
  EXPECT_EQ(store.stats(prefix).ids.value_or(0), all.size());
  store.clear(prefix);
}

TEST(RedisClusterStore, AnIndexFindsEveryVectorItself) {
  LSHRS_CLUSTER_URL_OR_RETURN(url);
  constexpr std::size_t kVectors = 3000, kDim = 32;
  auto store = std::make_shared<RedisStore>(cluster_options(url));
  IndexOptions options = shaped_index_options(unique_prefix("index"), kDim, 16, 4);
  Index index(options, store);

  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  std::vector<float> vectors(kVectors * kDim);
  for (auto& x : vectors) x = normal(rng);
  std::vector<std::int64_t> ids(kVectors);
  for (std::size_t i = 0; i < kVectors; ++i) ids[i] = static_cast<std::int64_t>(i * 11 + 5);
  index.index(ids, vectors);

  QueryOptions query;
  query.top_k = 5;
  std::size_t found = 0;
  for (std::size_t start = 0; start < kVectors; start += 500) {
    const auto results =
        index.query_batch(std::span(vectors).subspan(start * kDim, 500 * kDim), query);
    for (std::size_t q = 0; q < results.size(); ++q) {
      for (const Neighbor& n : results[q].neighbors) {
        if (n.id == ids[start + q]) {
          ++found;
          EXPECT_EQ(n.collisions, 16u) << "a vector shares every band with itself";
        }
      }
    }
  }
  EXPECT_EQ(found, kVectors);
  EXPECT_EQ(index.stats().storage.ids.value_or(0), kVectors);
  // At least a bucket per band, the signature ranges and the meta.
  EXPECT_GE(index.clear(), 16 + kVectors / kSignatureRangeIds + 1);
}

}  // namespace
}  // namespace lshrs::testing
