// Reads from replicas (RedisOptions::read_from_replicas) against real
// servers: the master + replica of scripts/lib/redis_sentinel.sh (as a
// single server, and through its sentinels) and the test Cluster, which has
// one replica per master (redis_cluster_add_replicas). Reads are proven to
// reach a replica by the replica's own INFO commandstats; writes are proven
// to reach the masters; a replica that is down, is no replica or stops
// answering leaves the reads to the master.
#include <chrono>
#include <charconv>
#include <thread>

#include "integration/redis_test_env.hpp"
#include "lshrs/error.hpp"
#include "redis/cluster/cluster.hpp"
#include "redis/transport/connection.hpp"
#include "redis/protocol/store_options.hpp"
#include "redis/transport/url.hpp"
#include "support/store_contract.hpp"

namespace lshrs::testing {

// store_contract.hpp is included for its helpers; the suite itself runs in
// the other integration executable (this one holds the Sentinel suites).
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(StoreContract);

namespace {

using redis::Connection;
using redis::ConnectionSettings;
using redis::Reply;
using redis::ServerAddress;
using Clock = std::chrono::steady_clock;

Reply ask(const ServerAddress& server, std::vector<std::string> argv) {
  Connection c = Connection::open(server, ConnectionSettings{});
  return c.command(std::move(argv));
}

ServerAddress address_of(const std::string& url) { return redis::parse_redis_url(url).address; }

// How many SMEMBERS `server` has run since it started (INFO commandstats).
long long smembers_calls(const ServerAddress& server) {
  const std::string info = ask(server, {"INFO", "commandstats"}).text;
  const std::string tag = "cmdstat_smembers:calls=";
  const auto at = info.find(tag);
  if (at == std::string::npos) return 0;
  long long calls = 0;
  const char* begin = info.data() + at + tag.size();
  std::from_chars(begin, info.data() + info.size(), calls);
  return calls;
}

bool is_linked_replica(const ServerAddress& server) {
  const Reply role = ask(server, {"ROLE"});
  return role.is_array() && role.elements.size() >= 4 && role.elements[0].text == "slave" &&
         role.elements[3].text == "connected";
}

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = Clock::now() + limit;
  while (!pred()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// The master and the replica of the Sentinel group as they are now (a
// failover test may have swapped them), once the replica is in sync.
struct Pair {
  ServerAddress master, replica;
};
std::optional<Pair> sentinel_pair() {
  const std::string a = server_url("LSHRS_TEST_REDIS_SENTINEL_MASTER_URL");
  const std::string b = server_url("LSHRS_TEST_REDIS_SENTINEL_REPLICA_URL");
  if (a.empty() || b.empty()) return std::nullopt;
  std::optional<Pair> pair;
  const bool found = eventually([&] {
    for (const auto& [m, r] : {std::pair{a, b}, std::pair{b, a}}) {
      try {
        if (is_linked_replica(address_of(r)) && ask(address_of(m), {"ROLE"}).elements[0].text == "master") {
          pair = Pair{address_of(m), address_of(r)};
          return true;
        }
      } catch (const StorageError&) {
      }
    }
    return false;
  });
  if (!found) ADD_FAILURE() << "the Sentinel group has no synced replica";
  return pair;
}

constexpr int kBuckets = 12;  // one band, one byte: id i lands in bucket i % kBuckets

void add_ids(RedisStore& store, const std::string& prefix, int n) {
  std::vector<std::int64_t> ids;
  std::vector<std::vector<std::uint8_t>> rows;
  for (int i = 0; i < n; ++i) {
    ids.push_back(i);
    rows.push_back({static_cast<std::uint8_t>(i % kBuckets)});
  }
  store.add(prefix, one_byte_layout(1), ids, one_byte_sigs(rows));
}

std::vector<BucketRef> all_buckets() {
  std::vector<BucketRef> refs;
  for (int b = 0; b < kBuckets; ++b) refs.push_back({0, std::string(1, static_cast<char>(b))});
  return refs;
}

std::size_t ids_seen(RedisStore& store, const std::string& prefix) {
  std::size_t n = 0;
  for (const auto& bucket : store.members(prefix, all_buckets())) n += bucket.size();
  return n;
}

RedisOptions single(const ServerAddress& server, const std::string& query = "") {
  RedisOptions o = redis_options("redis://" + server.to_string() + query);
  o.cluster = ClusterMode::kOff;
  return o;
}

TEST(RedisReplicaReads, ASingleServersQueriesGoToItsReplicaAndWritesToTheMaster) {
  const auto pair = sentinel_pair();
  if (!pair) return;
  RedisStore on_master(single(pair->master));
  // The replica is found by asking the master (ROLE).
  RedisStore reader(single(pair->master, "?read_from_replicas=true"));
  EXPECT_NE(reader.describe().find("reads from replicas"), std::string::npos) << reader.describe();
  const std::string prefix = unique_prefix("replica-single");
  add_ids(reader, prefix, 60);
  EXPECT_EQ(ids_seen(on_master, prefix), 60u) << "the writes must be on the master";
  ASSERT_TRUE(eventually([&] { return ids_seen(reader, prefix) == 60; }))
      << "the replica never caught up (or the reads did not reach it)";
  const long long before = smembers_calls(pair->replica);
  EXPECT_EQ(ids_seen(reader, prefix), 60u);
  EXPECT_GE(smembers_calls(pair->replica) - before, kBuckets)
      << "the query's SMEMBERS must have run on the replica " << pair->replica.to_string();
  on_master.clear(prefix);
}

TEST(RedisReplicaReads, AReplicaThatIsDownOrIsNoReplicaLeavesTheReadsToTheMaster) {
  const auto pair = sentinel_pair();
  const std::string plain = server_url("LSHRS_TEST_REDIS_URL");
  if (!pair || plain.empty()) return;
  RedisOptions o = single(pair->master);
  o.read_from_replicas = true;
  // Nobody listens on the first; the second is a master (another server,
  // without this data): a read it answered would come back empty.
  o.replicas = {"127.0.0.1:" + std::to_string(unused_loopback_port()), address_of(plain).to_string()};
  RedisStore reader(o);
  const std::string prefix = unique_prefix("replica-fallback");
  add_ids(reader, prefix, 30);
  const auto start = Clock::now();
  for (int round = 0; round < 3; ++round) EXPECT_EQ(ids_seen(reader, prefix), 30u) << "round " << round;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3)) << "falling back must not wait";
  reader.clear(prefix);
}

TEST(RedisReplicaReads, ThroughSentinelQueriesGoToTheReplicaItLists) {
  const std::string url = server_url("LSHRS_TEST_REDIS_SENTINEL_URL");
  const auto pair = sentinel_pair();
  if (url.empty() || !pair) return;
  RedisOptions o = redis_options(url + "?read_from_replicas=true");
  RedisStore reader(o);
  const std::string prefix = unique_prefix("replica-sentinel");
  add_ids(reader, prefix, 48);  // WAIT 1 (the Sentinel default): the replica has them
  const long long before = smembers_calls(pair->replica);
  EXPECT_EQ(ids_seen(reader, prefix), 48u);
  EXPECT_GE(smembers_calls(pair->replica) - before, kBuckets)
      << "the query must have run on the replica " << pair->replica.to_string();
  RedisStore on_master(single(pair->master));
  EXPECT_EQ(ids_seen(on_master, prefix), 48u);
  on_master.clear(prefix);
}

// ---- Cluster ----

std::vector<ServerAddress> cluster_replicas(const ServerAddress& seed) {
  std::vector<ServerAddress> out;
  for (const auto& range : redis::parse_cluster_slots(ask(seed, {"CLUSTER", "SLOTS"}), seed)) {
    for (const auto& r : range.replicas) {
      if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
    }
  }
  return out;
}

long long smembers_calls(const std::vector<ServerAddress>& servers) {
  long long sum = 0;
  for (const auto& s : servers) sum += smembers_calls(s);
  return sum;
}

struct ClusterReader {
  std::unique_ptr<RedisStore> store;
  const redis::Transport* transport = nullptr;
};
ClusterReader cluster_reader(const std::string& url, std::chrono::milliseconds timeout) {
  RedisOptions o = redis_options(url);
  o.cluster = ClusterMode::kOn;
  o.read_from_replicas = true;
  o.command_timeout = timeout;
  auto transport = redis::make_cluster_transport(o);
  ClusterReader r;
  r.transport = transport.get();
  r.store = std::make_unique<RedisStore>(o, std::move(transport));
  return r;
}

TEST(RedisClusterReplicaReads, QueriesGoToReplicasOnReadonlyConnectionsAndWritesToMasters) {
  const std::string url = server_url("LSHRS_TEST_REDIS_CLUSTER_URL");
  if (url.empty()) return;
  // The replicas join the test Cluster as the services start: give them time.
  EXPECT_TRUE(eventually([&] { return cluster_replicas(address_of(url)).size() == 3u; }));
  const auto replicas = cluster_replicas(address_of(url));
  ASSERT_EQ(replicas.size(), 3u) << "the test Cluster has one replica per master";
  ClusterReader reader = cluster_reader(url, std::chrono::milliseconds(5000));
  const std::string prefix = unique_prefix("replica-cluster");
  add_ids(*reader.store, prefix, 120);
  const auto after_writes = redis::cluster_counters(*reader.transport);
  EXPECT_EQ(after_writes.replica_reads, 0u) << "writes and scripts must never go to a replica";
  EXPECT_EQ(after_writes.moved, 0u) << "a write sent to a replica would have been MOVED";
  ASSERT_TRUE(eventually([&] { return ids_seen(*reader.store, prefix) == 120; }));
  const long long before = smembers_calls(replicas);
  const auto counted = redis::cluster_counters(*reader.transport);
  EXPECT_EQ(ids_seen(*reader.store, prefix), 120u);
  const auto now = redis::cluster_counters(*reader.transport);
  EXPECT_EQ(now.replica_reads - counted.replica_reads, static_cast<std::uint64_t>(kBuckets));
  EXPECT_EQ(now.replica_fallbacks, 0u);
  EXPECT_EQ(now.moved, 0u) << "READONLY connections: the replicas serve their masters' slots";
  EXPECT_GE(smembers_calls(replicas) - before, kBuckets) << "the replicas must have run the SMEMBERS";
  reader.store->clear(prefix);
}

TEST(RedisClusterReplicaReads, AReplicaThatStopsAnsweringLeavesTheReadsToItsMaster) {
  const std::string url = server_url("LSHRS_TEST_REDIS_CLUSTER_URL");
  if (url.empty()) return;
  const auto replicas = cluster_replicas(address_of(url));
  ASSERT_FALSE(replicas.empty());
  ClusterReader reader = cluster_reader(url, std::chrono::milliseconds(300));
  const std::string prefix = unique_prefix("replica-cluster-down");
  add_ids(*reader.store, prefix, 36);
  ASSERT_TRUE(eventually([&] { return ids_seen(*reader.store, prefix) == 36; }));
  // The replicas were just found healthy; now they stop answering anyone.
  for (const auto& r : replicas) ask(r, {"CLIENT", "PAUSE", "1500"});
  const auto start = Clock::now();
  EXPECT_EQ(ids_seen(*reader.store, prefix), 36u);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(1500)) << "the master must answer at once";
  EXPECT_GT(redis::cluster_counters(*reader.transport).replica_fallbacks, 0u);
  EXPECT_EQ(ids_seen(*reader.store, prefix), 36u) << "and again, with the replicas left alone";
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));  // the pause ends
  reader.store->clear(prefix);
}

}  // namespace
}  // namespace lshrs::testing
