// RedisStore against a real single redis-server (LSHRS_TEST_REDIS_URL and
// friends, started by scripts/test): the BucketStore contract, credentials,
// prefix isolation, stats, removal without signature keys, error reporting.
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "integration/redis_test_env.hpp"
#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/model_io.hpp"
#include "redis/transport/connection.hpp"
#include "redis/transport/url.hpp"
#include "redis/protocol/store_options.hpp"
#include "support/record_contract.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

struct RedisSingleFactory {
  static std::shared_ptr<BucketStore> make() { return single_store(); }
};
using RedisStores = ::testing::Types<RedisSingleFactory>;
INSTANTIATE_TYPED_TEST_SUITE_P(RedisSingle, StoreContract, RedisStores);
INSTANTIATE_TYPED_TEST_SUITE_P(RedisSingle, RecordContract, RedisStores);

std::vector<std::int64_t> sorted_members(BucketStore& store, const std::string& prefix,
                                         std::uint32_t band, std::string sig) {
  const BucketRef ref{band, std::move(sig)};
  return sorted(store.members(prefix, std::span(&ref, 1)).front());
}

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = single_store();
    prefix_ = unique_prefix("redis");
  }
  void TearDown() override {
    if (store_) store_->clear(prefix_);
  }
  std::shared_ptr<RedisStore> store_;
  std::string prefix_;
};

TEST_F(RedisStoreTest, AclUserWithPasswordWorksAndIsNeverShown) {
  const std::string url = server_url("LSHRS_TEST_REDIS_ACL_URL");
  if (url.empty()) return;
  RedisStore acl(redis_options(url));
  const std::vector<std::int64_t> ids{41, 42};
  acl.add(prefix_, one_byte_layout(1), ids, one_byte_sigs({{0x01}, {0x01}}));
  EXPECT_EQ(sorted_members(*store_, prefix_, 0, "\x01"), ids) << "visible to other clients";
  const std::string password = std::getenv("LSHRS_TEST_REDIS_ACL_PASSWORD");
  EXPECT_EQ(acl.describe().find(password), std::string::npos) << acl.describe();
  EXPECT_NE(acl.describe().find(std::getenv("LSHRS_TEST_REDIS_ACL_USER")), std::string::npos);
  EXPECT_EQ(acl.stats(prefix_).ids, 2u);
}

TEST_F(RedisStoreTest, WrongPasswordFailsClearly) {
  const std::string url = server_url("LSHRS_TEST_REDIS_ACL_URL");
  if (url.empty()) return;
  RedisOptions o = redis_options(url);
  const redis::Endpoint ep = redis::resolve_endpoint(o);
  o.url.clear();
  o.host = ep.address.host;
  o.port = ep.address.port;
  o.user = ep.settings.user;
  o.password = "definitely-wrong-9f3a";
  try {
    RedisStore bad(o);
    FAIL() << "a wrong password must be refused";
  } catch (const ConfigurationError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("WRONGPASS"), std::string::npos) << msg;
    EXPECT_NE(msg.find(ep.settings.user), std::string::npos) << msg;
    EXPECT_EQ(msg.find("definitely-wrong"), std::string::npos) << "password leaked: " << msg;
  }
}

TEST_F(RedisStoreTest, LegacyPasswordServer) {
  const std::string url = server_url("LSHRS_TEST_REDIS_PASSWORD_URL");
  if (url.empty()) return;
  RedisStore legacy(redis_options(url));
  const std::vector<std::int64_t> ids{5};
  legacy.add(prefix_, one_byte_layout(1), ids, one_byte_sigs({{0x2a}}));
  EXPECT_EQ(sorted_members(legacy, prefix_, 0, "\x2a"), ids);
  EXPECT_EQ(legacy.clear(prefix_), 2u) << "one bucket and one signature range";

  RedisOptions no_password = redis_options(url);
  no_password.url.clear();
  const redis::Endpoint ep = redis::resolve_endpoint(redis_options(url));
  no_password.host = ep.address.host;
  no_password.port = ep.address.port;
  try {
    RedisStore anonymous(no_password);
    FAIL() << "a server with requirepass must refuse a client without password";
  } catch (const ConfigurationError& e) {
    EXPECT_NE(std::string(e.what()).find("password"), std::string::npos) << e.what();
  }
}

TEST_F(RedisStoreTest, UnixSocket) {
  const std::string url = server_url("LSHRS_TEST_REDIS_UNIX_URL");
  if (url.empty()) return;
  RedisStore sock(redis_options(url));
  const std::vector<std::int64_t> ids{9};
  sock.add(prefix_, one_byte_layout(1), ids, one_byte_sigs({{0x09}}));
  EXPECT_EQ(sorted_members(*store_, prefix_, 0, "\x09"), ids);
  EXPECT_EQ(sock.describe().rfind("unix://", 0), 0u) << sock.describe();
}

TEST_F(RedisStoreTest, ClearLeavesOtherPrefixesIntact) {
  // The prefixes a, a:b, a*, a2 (under a unique root, as the server is shared).
  const std::string root = prefix_ + "-";
  const std::vector<std::string> prefixes{root + "a", root + "a:b", root + "a*", root + "a2"};
  const std::vector<std::int64_t> ids{1, 2};
  for (const auto& p : prefixes) {
    store_->add(p, one_byte_layout(2), ids, one_byte_sigs({{0x01, 0x02}, {0x03, 0x02}}));
    ASSERT_TRUE(store_->store_meta_if_absent(p, "meta of " + p));
  }
  // a: 3 buckets (0:01, 0:03, 1:02) + the signature range of ids 0..127 + meta.
  EXPECT_EQ(store_->clear(root + "a"), 5u);
  EXPECT_TRUE(sorted_members(*store_, root + "a", 1, "\x02").empty());
  EXPECT_FALSE(store_->load_meta(root + "a").has_value());
  for (std::size_t i = 1; i < prefixes.size(); ++i) {
    EXPECT_EQ(sorted_members(*store_, prefixes[i], 1, "\x02"), ids) << prefixes[i];
    EXPECT_EQ(store_->load_meta(prefixes[i]), "meta of " + prefixes[i]);
    EXPECT_EQ(store_->clear(prefixes[i]), 5u) << prefixes[i];
  }
  EXPECT_EQ(store_->clear(root + "a"), 0u);
}

TEST_F(RedisStoreTest, RemoveWithoutSignatureKeysScansBuckets) {
  auto plain = single_store(/*track_signatures=*/false);
  const std::vector<std::int64_t> ids{1, 2, 3};
  plain->add(prefix_, one_byte_layout(2), ids, one_byte_sigs({{0x01, 0x01}, {0x01, 0x02}, {0x02, 0x02}}));
  EXPECT_EQ(plain->stats(prefix_).ids, std::nullopt) << "no signature keys: ids unknown";
  const std::vector<std::int64_t> doomed{2, 3, 99};
  EXPECT_EQ(plain->remove(prefix_, one_byte_layout(2), doomed), 2u);
  EXPECT_EQ(sorted_members(*plain, prefix_, 0, "\x01"), std::vector<std::int64_t>{1});
  EXPECT_TRUE(sorted_members(*plain, prefix_, 1, "\x02").empty());
  EXPECT_EQ(plain->remove(prefix_, one_byte_layout(2), doomed), 0u);
}

TEST_F(RedisStoreTest, TrackingStoreRemovesIdsOfAPythonBuiltIndex) {
  // The Python package writes buckets only: no meta, no signature keys.
  auto python_like = single_store(/*track_signatures=*/false);
  const std::vector<std::int64_t> ids{1, 2};
  python_like->add(prefix_, one_byte_layout(2), ids, one_byte_sigs({{0x01, 0x01}, {0x01, 0x02}}));
  const std::vector<std::int64_t> doomed{2, 7};
  EXPECT_EQ(store_->remove(prefix_, std::nullopt, doomed), 1u) << "no meta: no layout";
  EXPECT_EQ(sorted_members(*store_, prefix_, 0, "\x01"), std::vector<std::int64_t>{1});
  EXPECT_TRUE(sorted_members(*store_, prefix_, 1, "\x02").empty());
  // Once a client of ours opened the prefix (meta written), ids without a
  // signature key are still found by the scan, whatever meta says.
  ASSERT_TRUE(store_->store_meta_if_absent(prefix_, "meta"));
  const std::vector<std::int64_t> one{1};
  EXPECT_EQ(store_->remove(prefix_, one_byte_layout(2), one), 1u);
  EXPECT_TRUE(sorted_members(*store_, prefix_, 0, "\x01").empty());
  EXPECT_EQ(store_->remove(prefix_, one_byte_layout(2), one), 0u) << "gone: found by neither key nor scan";
}

TEST_F(RedisStoreTest, AFreshClientRemovesMultiByteBandsItNeverWrote) {
  // 3 bands of 2 bytes: the signature key holds 6 bytes, splittable 6 ways.
  const std::vector<std::int64_t> ids{10, 11};
  Signatures sigs{2, 3, 2, {1, 2, 3, 4, 5, 6, 1, 2, 9, 9, 5, 6}};
  store_->add(prefix_, layout_of(sigs), ids, sigs);
  auto other = single_store();  // told the layout, as an Index tells it
  const std::vector<std::int64_t> doomed{10};
  EXPECT_EQ(other->remove(prefix_, layout_of(sigs), doomed), 1u);
  EXPECT_EQ(sorted_members(*other, prefix_, 0, "\x01\x02"), std::vector<std::int64_t>{11});
  EXPECT_TRUE(sorted_members(*other, prefix_, 1, "\x03\x04").empty());
  EXPECT_EQ(sorted_members(*other, prefix_, 2, "\x05\x06"), std::vector<std::int64_t>{11});
  EXPECT_EQ(other->stats(prefix_).ids, 1u);
}

TEST_F(RedisStoreTest, StatsAreSampledForLargeIndexes) {
  constexpr std::size_t kIds = 12'000;  // one bucket each in band 0: > 10k buckets
  std::vector<std::int64_t> ids(kIds);
  Signatures sigs{kIds, 2, 2, std::vector<std::uint8_t>(kIds * 4)};
  for (std::size_t i = 0; i < kIds; ++i) {
    ids[i] = static_cast<std::int64_t>(i);
    sigs.bytes[i * 4] = static_cast<std::uint8_t>(i & 0xff);
    sigs.bytes[i * 4 + 1] = static_cast<std::uint8_t>(i >> 8);
  }
  store_->add(prefix_, layout_of(sigs), ids, sigs);
  const StoreStats s = store_->stats(prefix_);
  EXPECT_EQ(s.ids, kIds);
  EXPECT_EQ(s.buckets, kIds + 1);
  EXPECT_EQ(s.buckets_per_band, (std::vector<std::uint64_t>{kIds, 1}));
  EXPECT_TRUE(s.sizes_sampled);
  EXPECT_EQ(s.p50_bucket_size, 1u);
  ASSERT_TRUE(s.bytes_per_vector.has_value());
  EXPECT_GT(*s.bytes_per_vector, 20.0);
  EXPECT_LT(*s.bytes_per_vector, 5000.0);
}

TEST_F(RedisStoreTest, SmallPipelineChunksGiveTheSameResult) {
  RedisOptions o = redis_options(server_url("LSHRS_TEST_REDIS_URL"));
  o.pipeline_chunk = 7;
  RedisStore chunked(o);
  std::vector<std::int64_t> ids(500);
  std::vector<std::vector<std::uint8_t>> rows;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ids[i] = static_cast<std::int64_t>(i);
    rows.push_back({static_cast<std::uint8_t>(i % 10), static_cast<std::uint8_t>(i % 3)});
  }
  chunked.add(prefix_, one_byte_layout(2), ids, one_byte_sigs(rows));
  EXPECT_EQ(sorted_members(chunked, prefix_, 1, "\x02").size(), 166u);
  EXPECT_EQ(chunked.remove(prefix_, one_byte_layout(2), ids), 500u);
  EXPECT_EQ(chunked.stats(prefix_).buckets, 0u);
}

TEST_F(RedisStoreTest, ConcurrentWritersAndReaders) {
  constexpr int kThreads = 4, kPerThread = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; i += 50) {
        std::vector<std::int64_t> ids;
        std::vector<std::vector<std::uint8_t>> rows;
        for (int k = 0; k < 50; ++k) {
          ids.push_back(t * kPerThread + i + k);
          rows.push_back({static_cast<std::uint8_t>(t)});
        }
        store_->add(prefix_, one_byte_layout(1), ids, one_byte_sigs(rows));
        sorted_members(*store_, prefix_, 0, std::string(1, static_cast<char>(t)));
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(sorted_members(*store_, prefix_, 0, std::string(1, static_cast<char>(t))).size(),
              static_cast<std::size_t>(kPerThread));
  }
}

TEST_F(RedisStoreTest, ForeignMembersAreReportedNotMisread) {
  const redis::Endpoint ep = redis::resolve_endpoint(redis_options(server_url("LSHRS_TEST_REDIS_URL")));
  redis::Connection raw = redis::Connection::open(ep.address, ep.settings);
  raw.command({"SADD", prefix_ + ":0:bucket:01", "not-an-id"});
  EXPECT_THROW(sorted_members(*store_, prefix_, 0, "\x01"), StorageError);
  raw.command({"SET", prefix_ + ":0:bucket:02", "a string, not a set"});
  EXPECT_THROW(sorted_members(*store_, prefix_, 0, "\x02"), StorageError);
}

TEST_F(RedisStoreTest, UnreachableServerIsAConnectionError) {
  RedisOptions o;
  o.host = "127.0.0.1";
  o.port = unused_loopback_port();
  o.retry_attempts = 2;
  o.retry_backoff = std::chrono::milliseconds(1);
  EXPECT_THROW(RedisStore{o}, ConnectionError) << "kAuto asks the server at construction";
  o.cluster = ClusterMode::kOff;  // connects lazily
  RedisStore lazy(o);
  const std::vector<std::int64_t> ids{1};
  try {
    lazy.add(prefix_, one_byte_layout(1), ids, one_byte_sigs({{0x01}}));
    FAIL();
  } catch (const ConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::to_string(o.port)), std::string::npos) << e.what();
  }
}

TEST_F(RedisStoreTest, IndexOpensFromRedisAlone) {
  const IndexOptions io = small_index_options(prefix_);
  expect_index_reopens(store_, single_store(), io, 100, 7);

  IndexOptions other = io;
  other.seed = 43;  // different projections under the same prefix
  EXPECT_THROW(Index(other, store_), ConfigurationError);
}

// save() records where the store really is (the Python package's
// load_from_disk connects there), with the password always redacted.
TEST(RedisStoreSave, TheModelNamesTheStoresServerAndNeverItsPassword) {
  const std::string url = server_url("LSHRS_TEST_REDIS_ACL_URL");
  if (url.empty()) return;
  const std::string password = std::getenv("LSHRS_TEST_REDIS_ACL_PASSWORD");
  auto store = std::make_shared<RedisStore>(redis_options(url + "/3"));
  const StoreAddress where = store->address().value();
  EXPECT_EQ(where.host, "127.0.0.1");
  EXPECT_NE(where.port, 6379) << "the test server listens on a random port";
  EXPECT_EQ(where.db, 3);
  const IndexOptions io = small_index_options(unique_prefix("save"), 8);
  ScratchDir dir("save-address");
  {
    Index index(io, store);
    index.save(dir / "model");
    store->clear(io.prefix);
  }
  std::ifstream in(dir / "model" / "metadata.json");
  std::stringstream text;
  text << in.rdbuf();
  const auto metadata = nlohmann::json::parse(text.str());
  const auto& r = metadata.at("redis_config");
  EXPECT_EQ(r.at("host"), "127.0.0.1");
  EXPECT_EQ(r.at("port"), where.port);
  EXPECT_EQ(r.at("db"), 3);
  EXPECT_EQ(r.at("password"), "<REDACTED>");
  EXPECT_EQ(text.str().find(password), std::string::npos) << "the password leaked into the model";
  EXPECT_EQ(load_model(dir / "model").redis.port, where.port);
}

}  // namespace
}  // namespace lshrs::testing
