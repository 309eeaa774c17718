// Durability under a crashing server: a redis-server with appendonly yes and
// appendfsync always is SIGKILLed in the middle of a long ingest and
// restarted; every id whose flush the client saw succeed must be found
// again, and a flush attempted while the server is down must raise
// StorageError and keep its buffer. The test runs its own redis-server
// (from PATH, or LSHRS_TEST_REDIS_SERVER) on a free loopback port.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "integration/redis_process.hpp"
#include "integration/redis_test_env.hpp"
#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "redis/transport/connection.hpp"
#include "support/store_contract.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

using namespace std::chrono_literals;

RedisOptions fault_options(const std::string& url) {
  RedisOptions o = redis_options(url);
  o.cluster = ClusterMode::kOff;
  o.connect_timeout = 500ms;
  o.command_timeout = 2000ms;
  o.retry_attempts = 3;
  o.retry_backoff = 20ms;
  return o;
}

IndexOptions small_index(const std::string& prefix) {
  IndexOptions io = small_index_options(prefix);
  io.buffer_size = 1'000'000;  // only explicit flushes write
  return io;
}

// Ids of `ids` that are missing from any bucket their vector hashes to.
std::vector<std::int64_t> missing_ids(Index& index, BucketStore& store, const std::string& prefix,
                                      const std::vector<std::int64_t>& ids,
                                      const std::vector<float>& vectors) {
  const Signatures sigs = index.hasher().hash(vectors);
  std::map<std::pair<std::uint32_t, std::string>, std::set<std::int64_t>> buckets;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (std::uint32_t b = 0; b < sigs.num_bands; ++b) {
      const auto band = sigs.band(i, b);
      buckets[{b, std::string(band.begin(), band.end())}];
    }
  }
  std::vector<BucketRef> refs;
  for (const auto& [ref, _] : buckets) refs.push_back({ref.first, ref.second});
  const auto members = store.members(prefix, refs);
  std::size_t k = 0;
  for (auto& [ref, set] : buckets) {
    set.insert(members[k].begin(), members[k].end());
    ++k;
  }
  std::vector<std::int64_t> missing;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (std::uint32_t b = 0; b < sigs.num_bands; ++b) {
      const auto band = sigs.band(i, b);
      if (!buckets[{b, std::string(band.begin(), band.end())}].count(ids[i])) {
        missing.push_back(ids[i]);
        break;
      }
    }
  }
  return missing;
}

class RedisFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (server_url("LSHRS_TEST_REDIS_URL").empty()) return;  // no test environment
    server_ = std::make_unique<RedisProcess>(dir_.path(), unused_loopback_port());
    server_->start();
  }
  ScratchDir dir_{"redis-fault"};
  std::unique_ptr<RedisProcess> server_;
};

TEST_F(RedisFaultTest, SigkillMidIngestLosesNoAcknowledgedId) {
  auto store = std::make_shared<RedisStore>(fault_options(server_->url()));
  const std::string prefix = unique_prefix("fault");
  Index index(small_index(prefix), store);
  constexpr std::size_t kBatch = 400, kBatches = 60;

  std::atomic<std::size_t> acked_batches{0};
  std::atomic<bool> restarted{false};
  std::thread killer([&] {
    while (acked_batches < 5) std::this_thread::sleep_for(1ms);
    server_->kill_hard();  // lands while the ingest loop is writing
    std::this_thread::sleep_for(400ms);
    server_->start();
    restarted = true;
  });

  std::vector<std::int64_t> acked;
  std::vector<float> acked_vectors;
  std::size_t failures = 0;
  for (std::size_t batch = 0; batch < kBatches; ++batch) {
    std::vector<std::int64_t> ids(kBatch);
    for (std::size_t i = 0; i < kBatch; ++i) ids[i] = static_cast<std::int64_t>(batch * kBatch + i);
    const auto vectors = random_vectors(kBatch, 16, static_cast<unsigned>(100 + batch));
    bool written = false;
    for (int attempt = 0; attempt < 200 && !written; ++attempt) {
      try {
        if (attempt == 0) {
          index.index(ids, vectors);
        } else {
          index.flush();  // the failed batch is still buffered
        }
        written = true;
      } catch (const StorageError&) {
        ++failures;
        std::this_thread::sleep_for(20ms);
      }
    }
    ASSERT_TRUE(written) << "batch " << batch << " never succeeded";
    acked.insert(acked.end(), ids.begin(), ids.end());
    acked_vectors.insert(acked_vectors.end(), vectors.begin(), vectors.end());
    ++acked_batches;
    if (batch + 1 == kBatches / 2) {
      while (!restarted) std::this_thread::sleep_for(1ms);  // half the ingest after the restart
    }
  }
  killer.join();
  EXPECT_GT(failures, 0u) << "the ingest never saw the server down: the test proved nothing";
  EXPECT_EQ(missing_ids(index, *store, prefix, acked, acked_vectors), std::vector<std::int64_t>{});
  EXPECT_EQ(store->stats(prefix).ids, acked.size());
}

TEST_F(RedisFaultTest, FlushWhileTheServerIsDownRaisesAndKeepsTheBuffer) {
  auto store = std::make_shared<RedisStore>(fault_options(server_->url()));
  const std::string prefix = unique_prefix("down");
  Index index(small_index(prefix), store);
  const std::vector<std::int64_t> ids = iota_ids(30);
  const auto vectors = random_vectors(ids.size(), 16, 5);
  const auto vec = [&](std::size_t i) { return std::span(vectors).subspan(i * 16, 16); };

  for (std::size_t i = 0; i < 10; ++i) index.ingest(ids[i], vec(i));
  index.flush();
  for (std::size_t i = 10; i < 20; ++i) index.ingest(ids[i], vec(i));
  server_->kill_hard();
  for (std::size_t i = 20; i < 30; ++i) index.ingest(ids[i], vec(i));  // buffered while down
  EXPECT_THROW(index.flush(), StorageError);
  EXPECT_THROW(index.flush(), StorageError) << "still down: still an error, still buffered";

  server_->start();
  index.flush();
  EXPECT_EQ(missing_ids(index, *store, prefix, ids, vectors), std::vector<std::int64_t>{});
  EXPECT_EQ(store->stats(prefix).ids, 30u) << "the first 10 survived the SIGKILL (AOF)";
}

// Issue 8 item 5: a server that lost the index under a running writer must
// make the writer fail, not report success. Here the server has no
// persistence and is restarted between two flushes: the client reconnects,
// its next flush succeeds on the empty server, and the meta is gone.
TEST_F(RedisFaultTest, ARestartWithoutPersistenceIsReportedNotHidden) {
  if (!server_) return;
  server_->kill_hard();
  RedisProcess volatile_server(dir_.path() / "volatile", unused_loopback_port(), false);
  std::filesystem::create_directories(dir_.path() / "volatile");
  volatile_server.start();
  auto store = std::make_shared<RedisStore>(fault_options(volatile_server.url()));
  const std::string prefix = unique_prefix("volatile");
  Index index(small_index(prefix), store);
  const std::vector<std::int64_t> ids = iota_ids(50);
  const auto vectors = random_vectors(ids.size(), 16, 9);
  index.index(std::span(ids).first(25), std::span(vectors).first(25 * 16));

  volatile_server.kill_hard();
  volatile_server.start();  // empty: no AOF, no RDB
  try {
    index.index(std::span(ids).subspan(25), std::span(vectors).subspan(25 * 16));
    ADD_FAILURE() << "the flush after the data loss succeeded silently";
  } catch (const StorageError& e) {
    expect_contains(e.what(), "prefix \"" + prefix + "\"");
    expect_contains(e.what(), "is gone");
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line";
  }
  EXPECT_THROW(index.close(), StorageError) << "the end of the run says so too";
}

// The same when another client clears the prefix during the run; and a
// clear after the last flush is caught by close(), at the end of the run.
TEST_F(RedisFaultTest, AClearDuringAnIngestIsReported) {
  if (!server_) return;
  auto store = std::make_shared<RedisStore>(fault_options(server_->url()));
  auto other = std::make_shared<RedisStore>(fault_options(server_->url()));
  const std::string prefix = unique_prefix("cleared");
  Index index(small_index(prefix), store);
  const std::vector<std::int64_t> ids = iota_ids(20);
  const auto vectors = random_vectors(ids.size(), 16, 10);
  index.index(std::span(ids).first(10), std::span(vectors).first(10 * 16));
  other->clear(prefix);
  EXPECT_THROW(index.index(std::span(ids).subspan(10), std::span(vectors).subspan(10 * 16)),
               StorageError);

  Index fresh(small_index(prefix + "-b"), store);
  fresh.index(ids, vectors);
  fresh.close();  // intact: no error
  other->clear(prefix + "-b");
  EXPECT_THROW(fresh.close(), StorageError);
  // Our own clear() keeps the index usable: it re-creates the meta.
  Index own(small_index(prefix + "-c"), store);
  own.index(ids, vectors);
  own.clear();
  own.index(ids, vectors);
  own.close();
  store->clear(prefix + "-c");
}

}  // namespace
}  // namespace lshrs::testing
