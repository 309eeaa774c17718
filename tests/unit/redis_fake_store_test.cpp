// The BucketStore contract (store_contract.hpp) against RedisStore over the
// in-memory FakeRedisTransport: RedisStore's key layout, batching and reply
// handling, in the `unit` label with no server. The same suite runs against a
// real redis-server and Redis Cluster in tests/integration.
#include <set>

#include "lshrs/redis_store.hpp"
#include "support/fake_redis_transport.hpp"
#include "support/store_contract.hpp"

namespace lshrs::testing {
namespace {

// Signatures untracked: the tracked write path runs Lua scripts on each id's
// signature key (redis_store_write.cpp), which only a real server can run;
// the tracked store runs the whole contract against redis-server and the
// Cluster in tests/integration.
struct FakeRedisFactory {
  static constexpr bool kTracksSignatures = false;
  static std::shared_ptr<BucketStore> make() {
    RedisOptions options;
    // Small chunks, so multi-chunk pipelines are exercised by small tests.
    options.pipeline_chunk = 3;
    options.track_signatures = false;
    return std::make_shared<RedisStore>(options, std::make_unique<FakeRedisTransport>());
  }
};
using FakeRedisStores = ::testing::Types<FakeRedisFactory>;
INSTANTIATE_TYPED_TEST_SUITE_P(FakeRedis, StoreContract, FakeRedisStores);

// The fake must refuse what it does not implement, or the suite above could
// pass against commands it silently ignored.
TEST(FakeRedisTransport, RefusesCommandsItDoesNotImplement) {
  FakeRedisTransport fake;
  const redis::Command cmd(std::vector<std::string>{"HSET", "k", "f", "v"});
  const auto replies = fake.execute(std::span(&cmd, 1));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_TRUE(replies[0].is_error());
  EXPECT_EQ(fake.key_count(), 0u);
}

// SCAN pages: every key that exists throughout is returned exactly once,
// even when keys are deleted between steps (what clear() does).
TEST(FakeRedisTransport, ScanVisitsEveryKeyOnceWhileDeleting) {
  FakeRedisTransport fake;
  std::vector<redis::Command> sets;
  for (int i = 0; i < 25; ++i) {
    sets.emplace_back(std::vector<std::string>{"SET", "p:" + std::to_string(i), "v"});
  }
  sets.emplace_back(std::vector<std::string>{"SET", "other", "v"});
  fake.execute(sets);
  std::string cursor = "0";
  std::multiset<std::string> seen;
  do {
    const redis::Command scan(
        std::vector<std::string>{"SCAN", cursor, "MATCH", "p:*", "COUNT", "4"}, 0);
    auto reply = fake.execute(std::span(&scan, 1)).front();
    ASSERT_EQ(reply.elements.size(), 2u);
    cursor = reply.elements[0].text;
    for (const auto& k : reply.elements[1].elements) {
      seen.insert(k.text);
      const redis::Command del(std::vector<std::string>{"UNLINK", k.text});
      fake.execute(std::span(&del, 1));
    }
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 25u);
  EXPECT_EQ(fake.key_count(), 1u) << "only the key outside the pattern remains";
}

}  // namespace
}  // namespace lshrs::testing
