// RedisStore through Redis Sentinel against a real master + replica + 3
// sentinels (scripts/lib/redis_sentinel.sh: LSHRS_TEST_REDIS_SENTINEL_URL):
// discovery, and a failover in the middle of an ingest.
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "integration/redis_test_env.hpp"
#include "lshrs/error.hpp"
#include "redis/transport/connection.hpp"
#include "redis/transport/url.hpp"
#include "support/store_contract.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

using redis::Connection;
using redis::ConnectionSettings;
using redis::ServerAddress;

RedisOptions sentinel_options(const std::string& url) {
  RedisOptions o = redis_options(url);
  // Room for a failover: about 10 s of backoff before a flush gives up.
  o.retry_attempts = 14;
  o.retry_backoff = std::chrono::milliseconds(100);
  o.retry_backoff_max = std::chrono::milliseconds(1000);
  o.command_timeout = std::chrono::milliseconds(2000);
  return o;
}

// The master the first answering sentinel names right now.
ServerAddress current_master(const std::string& url) {
  const redis::ParsedUrl parsed = redis::parse_redis_url(url);
  for (const ServerAddress& s : parsed.sentinels) {
    try {
      Connection c = Connection::open(s, ConnectionSettings{});
      const redis::Reply r = c.command({"SENTINEL", "get-master-addr-by-name", parsed.sentinel_master});
      if (r.is_array() && r.elements.size() == 2) {
        return {r.elements[0].text, std::stoi(r.elements[1].text), ""};
      }
    } catch (const ConnectionError&) {
    }
  }
  ADD_FAILURE() << "no sentinel of " << url << " names a master";
  return {};
}

redis::Reply ask_first_sentinel(const std::string& url, std::vector<std::string> argv) {
  const redis::ParsedUrl parsed = redis::parse_redis_url(url);
  Connection c = Connection::open(parsed.sentinels.front(), ConnectionSettings{});
  return c.command(std::move(argv));
}

TEST(RedisSentinel, FindsTheMasterAndWritesThere) {
  const std::string url = server_url("LSHRS_TEST_REDIS_SENTINEL_URL");
  if (url.empty()) return;
  RedisStore store(sentinel_options(url));
  const ServerAddress master = current_master(url);
  expect_contains(store.describe(), "(master " + master.to_string() + ")");
  const std::string prefix = unique_prefix("sentinel");
  const std::vector<std::int64_t> ids{1, 2, 3};
  store.add(prefix, one_byte_layout(1), ids, one_byte_sigs({{0x07}, {0x07}, {0x07}}));

  RedisOptions direct = redis_options("redis://" + master.to_string());
  direct.cluster = ClusterMode::kOff;
  RedisStore on_master(direct);
  const BucketRef ref{0, std::string(1, '\x07')};
  EXPECT_EQ(sorted(on_master.members(prefix, std::span(&ref, 1)).front()), ids);
  store.clear(prefix);
}

TEST(RedisSentinel, UnknownMasterNameIsReported) {
  const std::string url = server_url("LSHRS_TEST_REDIS_SENTINEL_URL");
  if (url.empty()) return;
  const std::string bad = url.substr(0, url.rfind('/')) + "/no-such-master";
  try {
    RedisOptions o = redis_options(bad);
    RedisStore store(o);
    FAIL() << "connected to a master that does not exist";
  } catch (const ConnectionError& e) {
    expect_contains(e.what(), "knows no master named 'no-such-master'");
  }
}

// Batches of ids written while SENTINEL FAILOVER promotes the replica: every
// batch add() acknowledged must be on the new master, and every batch it did
// not acknowledge was reported (threw) and goes through when repeated.
TEST(RedisSentinel, FailoverInTheMiddleOfAnIngestLosesNoAcknowledgedWrite) {
  const std::string url = server_url("LSHRS_TEST_REDIS_SENTINEL_URL");
  if (url.empty()) return;
  const ServerAddress old_master = current_master(url);
  RedisStore store(sentinel_options(url));
  const std::string prefix = unique_prefix("failover");
  constexpr int kBatches = 200;  // one band, one byte: batch b is bucket b
  constexpr int kPerBatch = 20;
  auto batch_ids = [](int b) {
    std::vector<std::int64_t> ids;
    for (int k = 0; k < kPerBatch; ++k) ids.push_back(b * kPerBatch + k);
    return ids;
  };

  std::atomic<int> written{0};
  std::atomic<bool> failed_over{false};
  std::atomic<int> acked_after_failover{0};
  std::vector<int> acknowledged, reported;
  std::mutex mutex;
  std::thread writer([&] {
    for (int b = 0; b < kBatches; ++b) {
      const auto ids = batch_ids(b);
      const std::vector<std::vector<std::uint8_t>> rows(kPerBatch, {static_cast<std::uint8_t>(b)});
      try {
        store.add(prefix, one_byte_layout(1), ids, one_byte_sigs(rows));
        std::lock_guard lock(mutex);
        acknowledged.push_back(b);
        if (failed_over) ++acked_after_failover;
      } catch (const StorageError&) {
        std::lock_guard lock(mutex);
        reported.push_back(b);
      }
      ++written;
      // Spread the ingest so that the failover lands in its middle.
      if (!failed_over || acked_after_failover < 20) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  });
  while (written < 20) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const redis::Reply started =
      ask_first_sentinel(url, {"SENTINEL", "FAILOVER", redis::parse_redis_url(url).sentinel_master});
  EXPECT_FALSE(started.is_error()) << started.text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  ServerAddress new_master = old_master;
  while (new_master == old_master && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    new_master = current_master(url);
  }
  failed_over = true;
  writer.join();
  ASSERT_NE(new_master, old_master) << "the sentinels did not fail over within 30 s";
  EXPECT_GT(acked_after_failover.load(), 0) << "no write went through after the failover";
  EXPECT_LT(written.load() - static_cast<int>(reported.size()), kBatches + 1);

  for (const int b : reported) {  // the client kept them; repeating completes them
    const std::vector<std::vector<std::uint8_t>> rows(kPerBatch, {static_cast<std::uint8_t>(b)});
    EXPECT_NO_THROW(store.add(prefix, one_byte_layout(1), batch_ids(b), one_byte_sigs(rows))) << "batch " << b;
  }

  RedisOptions direct = redis_options("redis://" + new_master.to_string());
  direct.cluster = ClusterMode::kOff;
  RedisStore on_new_master(direct);
  std::vector<BucketRef> refs;
  for (int b = 0; b < kBatches; ++b) refs.push_back({0, std::string(1, static_cast<char>(b))});
  const auto members = on_new_master.members(prefix, refs);
  int missing = 0;
  for (int b = 0; b < kBatches; ++b) {
    if (sorted(members[b]) != batch_ids(b)) ++missing;
  }
  EXPECT_EQ(missing, 0) << "batches not (fully) on the new master " << new_master.to_string() << "; "
                        << acknowledged.size() << " acknowledged, " << reported.size() << " reported";
  std::cout << "failover from " << old_master.to_string() << " to " << new_master.to_string() << ": "
            << acknowledged.size() << " batches acknowledged, " << reported.size()
            << " reported and repeated\n";
  store.clear(prefix);
}

}  // namespace
}  // namespace lshrs::testing
