// Server settings that lose index data or turn clients away, each on a
// private redis-server (issue 22 items 4 and 7). An evicting Redis is never
// silent: maxmemory-policy allkeys-random is named when an index writes to
// it (a warning, or a refusal with --refuse-evicting), and once it has
// evicted keys of an index, stats says so — the keys it evicted and the
// bands holding fewer memberships than there are ids. A server at its
// maxclients is reported as full, not as wanting a password.
#include <algorithm>
#include <numeric>

#include "integration/cli_test_env.hpp"
#include "integration/redis_process.hpp"
#include "integration/redis_test_env.hpp"
#include "lshrs/index.hpp"
#include "lshrs/redis_store.hpp"
#include "redis/transport/url.hpp"
#include "support/store_contract.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

bool any_contains(const std::vector<std::string>& lines, const std::string& needle) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

class RedisServerSettingsTest : public CliTest {
 protected:
  void start(std::vector<std::string> settings) {
    std::filesystem::create_directories(dir_.path() / "server");
    server_ = std::make_unique<RedisProcess>(dir_.path() / "server", unused_loopback_port(),
                                             /*persistent=*/false, std::move(settings));
    server_->start();
  }

  redis::Reply command(std::vector<std::string> argv) {
    auto c = redis::Connection::open({"127.0.0.1", port_of(server_->url()), ""}, {});
    return c.command(std::move(argv));
  }

  static int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

  std::unique_ptr<RedisProcess> server_;
};

class RedisEvictionTest : public RedisServerSettingsTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    start({"--maxmemory-policy", "allkeys-random"});
  }

  std::shared_ptr<RedisStore> store() {
    RedisOptions o = redis_options(server_->url());
    o.cluster = ClusterMode::kOff;
    return std::make_shared<RedisStore>(o);
  }
};

TEST_F(RedisEvictionTest, TheCliNamesThePolicyAndRefusesWhenAsked) {
  const std::string base = write_data("base.npy", 300, 8, 3);
  CliRun r = lshrs({"index", base, "--redis", server_->url(), "--prefix", "ev", "--bands", "4",
                    "--rows-per-band", "4", "-q", "--refuse-evicting"});
  EXPECT_EQ(r.code, 4) << r.err;
  expect_one_error_line(r, "maxmemory-policy allkeys-random");
  EXPECT_TRUE(command({"EXISTS", "ev:meta"}).integer == 0) << "a refused index wrote its meta";
  EXPECT_EQ(command({"DBSIZE"}).integer, 0) << "a refused index wrote keys";

  r = lshrs({"index", base, "--redis", server_->url(), "--prefix", "ev", "--bands", "4",
             "--rows-per-band", "4", "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: redis at 127.0.0.1:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("allkeys-random"), std::string::npos) << r.err;
}

TEST_F(RedisEvictionTest, StatsAndOpenSayKeysWereEvicted) {
  auto s = store();
  EXPECT_TRUE(any_contains(s->server_warnings(), "maxmemory-policy allkeys-random"));
  const std::size_t n = 3000;
  {
    Index index = Index::open(s, small_index_options("ev2", 16));
    std::vector<std::int64_t> ids(n);
    std::iota(ids.begin(), ids.end(), 0);
    index.index(ids, random_vectors(n, 16, 7));
    index.close();
  }
  const StoreStats before = s->stats("ev2");
  ASSERT_EQ(before.ids, n);
  EXPECT_FALSE(any_contains(before.warnings, "memberships")) << "nothing was lost yet";
  EXPECT_FALSE(any_contains(before.warnings, "has evicted"));

  // Squeeze the server below what it holds: the next writes make it evict
  // keys at random, the index's among them (its meta, maybe).
  const redis::Reply info = command({"INFO", "memory"});
  const auto at = info.text.find("used_memory:");
  ASSERT_NE(at, std::string::npos);
  const long used = std::stol(info.text.substr(at + 12));
  ASSERT_EQ(command({"CONFIG", "SET", "maxmemory", std::to_string(used * 9 / 10)}).text, "OK");
  for (int i = 0; i < 50; ++i) command({"SET", "filler:" + std::to_string(i), std::string(4000, 'x')});

  const StoreStats after = s->stats("ev2");
  EXPECT_TRUE(any_contains(after.warnings, "has evicted")) << ::testing::PrintToString(after.warnings);
  // The CLI says so whether the meta survived (stats lists the warning) or
  // not (the error that finds no index names the eviction).
  const CliRun r = lshrs({"stats", "--redis", server_->url(), "--prefix", "ev2"});
  EXPECT_NE((r.out + r.err).find("has evicted"), std::string::npos) << r.out << r.err;
}

// Every id is in one bucket of each band: a bucket deleted behind the
// index's back (what eviction does) shows as a band short of memberships.
TEST(RedisLostKeys, ABandShortOfMembershipsIsReported) {
  const RedisOptions o = single_server_options();
  if (o.url.empty()) return;
  auto s = std::make_shared<RedisStore>(o);
  const std::string prefix = unique_prefix("lost-bucket");
  const std::size_t n = 500;
  {
    Index index = Index::open(s, small_index_options(prefix, 16));
    std::vector<std::int64_t> ids(n);
    std::iota(ids.begin(), ids.end(), 0);
    index.index(ids, random_vectors(n, 16, 8));
    index.close();
  }
  EXPECT_FALSE(any_contains(s->stats(prefix).warnings, "memberships"));
  auto raw = redis::Connection::open(redis::parse_redis_url(o.url).address, {});
  const redis::Reply keys = raw.command({"KEYS", prefix + ":2:bucket:*"});
  ASSERT_FALSE(keys.elements.empty());
  raw.command({"DEL", keys.elements.front().text});
  const StoreStats after = s->stats(prefix);
  EXPECT_TRUE(any_contains(after.warnings, "band 2 holds")) << ::testing::PrintToString(after.warnings);
  EXPECT_TRUE(any_contains(after.warnings, "buckets were lost")) << ::testing::PrintToString(after.warnings);
  s->clear(prefix);
}

class RedisFullServerTest : public RedisServerSettingsTest {};

// Before, a server at maxclients was reported as "may require a password".
TEST_F(RedisFullServerTest, AServerAtItsMaxclientsIsFullNotPasswordProtected) {
  start({"--maxclients", "1"});
  auto holder = redis::Connection::open({"127.0.0.1", port_of(server_->url()), ""}, {});
  ASSERT_EQ(holder.command({"PING"}).text, "PONG");
  const CliRun r = lshrs({"stats", "--redis", server_->url(), "--prefix", "p", "--timeout", "2"});
  EXPECT_EQ(r.code, 4) << r.err;
  expect_one_error_line(r, "maxclients");
  EXPECT_EQ(r.err.find("password"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lshrs::testing
