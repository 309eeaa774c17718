// RedisStore's behaviour when the connection drops midway through a batch,
// made deterministic by a Transport seam that applies a chosen prefix of the
// commands against the real server and then "loses the link".
#include <atomic>
#include <functional>
#include <mutex>
#include <optional>

#include "integration/redis_test_env.hpp"
#include "lshrs/error.hpp"
#include "redis/transport/single_transport.hpp"
#include "redis/protocol/store_options.hpp"
#include "support/store_contract.hpp"

namespace lshrs::testing {
namespace {

using redis::Command;
using redis::Reply;

class FlakyTransport final : public redis::Transport {
 public:
  // Given a batch, returns how many of its commands reach the server before
  // the link "fails", or nullopt to let the batch through.
  using Plan = std::function<std::optional<std::size_t>(std::span<const Command>)>;

  FlakyTransport(std::unique_ptr<redis::Transport> inner, std::shared_ptr<Plan> plan)
      : inner_(std::move(inner)), plan_(std::move(plan)) {}

  std::vector<Reply> execute(std::span<const Command> commands) override {
    const auto applied = (*plan_)(commands);
    if (!applied) return inner_->execute(commands);
    inner_->execute(commands.first(std::min(*applied, commands.size())));
    throw ConnectionError("injected: connection reset after " + std::to_string(*applied) +
                          " commands");
  }
  void for_each_master(
      const std::function<void(const std::string&, const redis::NodeExecutor&)>& fn) override {
    inner_->for_each_master(fn);
  }
  std::string describe() const override { return "flaky(" + inner_->describe() + ")"; }

 private:
  std::unique_ptr<redis::Transport> inner_;
  std::shared_ptr<FlakyTransport::Plan> plan_;
};

bool is_write_batch(std::span<const Command> commands) {
  return !commands.empty() && commands.front().argv[0] != "GET" &&
         commands.front().argv[0] != "SMEMBERS";
}

class RedisRetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = server_url("LSHRS_TEST_REDIS_URL");
    if (url_.empty()) return;
    plan_ = std::make_shared<FlakyTransport::Plan>([](auto) { return std::nullopt; });
    RedisOptions o = redis_options(url_);
    o.retry_attempts = 3;
    o.retry_backoff = std::chrono::milliseconds(1);
    store_ = std::make_unique<RedisStore>(
        o, std::make_unique<FlakyTransport>(redis::make_transport(o), plan_));
    prefix_ = unique_prefix("retry");
  }
  void TearDown() override {
    if (!store_) return;
    *plan_ = [](auto) { return std::nullopt; };
    store_->clear(prefix_);
  }
  std::vector<std::int64_t> bucket(std::uint32_t band, std::uint8_t sig) {
    const BucketRef ref{band, std::string(1, static_cast<char>(sig))};
    return sorted(store_->members(prefix_, std::span(&ref, 1)).front());
  }

  std::string url_;
  std::shared_ptr<FlakyTransport::Plan> plan_;
  std::unique_ptr<RedisStore> store_;
  std::string prefix_;
};

TEST_F(RedisRetryTest, PartlyAppliedFlushIsResentAndCompletes) {
  std::atomic<int> failures{0};
  *plan_ = [&](std::span<const Command> cmds) -> std::optional<std::size_t> {
    if (!is_write_batch(cmds) || failures >= 2) return std::nullopt;
    ++failures;
    return cmds.size() / 2;  // half the pipeline lands, then the link drops
  };
  const std::vector<std::int64_t> ids{1, 2, 3, 4};
  store_->add(prefix_, one_byte_layout(2), ids, one_byte_sigs({{0x01, 0x0a}, {0x01, 0x0b}, {0x02, 0x0a}, {0x02, 0x0b}}));
  EXPECT_EQ(failures, 2);
  EXPECT_EQ(bucket(0, 0x01), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(bucket(1, 0x0b), (std::vector<std::int64_t>{2, 4}));
  EXPECT_EQ(store_->stats(prefix_).ids, 4u);
}

TEST_F(RedisRetryTest, AnUpdateCutAtAnyCommandIsRepairedByRepeatingTheCall) {
  const std::vector<std::int64_t> ids{1, 2, 3, 4};
  const auto before = one_byte_sigs({{0x01, 0x0a}, {0x01, 0x0a}, {0x01, 0x0a}, {0x01, 0x0a}});
  const auto moved = one_byte_sigs({{0x02, 0x0b}, {0x02, 0x0b}, {0x02, 0x0b}, {0x02, 0x0b}});
  std::size_t writes = 0;  // write commands of one whole update, over all its round trips
  for (std::size_t cut = 0; cut < 64; ++cut) {
    SCOPED_TRACE("link lost after " + std::to_string(cut) + " write commands of the update");
    store_->clear(prefix_);
    store_->add(prefix_, layout_of(before), ids, before);
    // Every id moves in both bands; the link drops for good once `cut` write
    // commands, counted across the update's round trips, have been applied.
    std::size_t passed = 0;  // write commands of batches that went through
    bool dead = false;
    *plan_ = [&](std::span<const Command> cmds) -> std::optional<std::size_t> {
      if (!is_write_batch(cmds)) return std::nullopt;
      if (!dead && passed + cmds.size() <= cut) {
        passed += cmds.size();
        return std::nullopt;
      }
      const std::size_t applied = dead ? 0 : cut - passed;
      dead = true;
      return applied;
    };
    bool completed = false;
    try {
      store_->add(prefix_, layout_of(moved), ids, moved);
      completed = true;
    } catch (const StorageError& e) {
      EXPECT_NE(std::string(e.what()).find("gave up after 3 attempts"), std::string::npos)
          << e.what();
    }
    *plan_ = [](auto) { return std::nullopt; };
    if (completed) {  // `cut` is past the last write: every cut point was tried
      writes = passed;
      break;
    }
    store_->add(prefix_, layout_of(moved), ids, moved);  // the caller's retry of the same batch
    EXPECT_TRUE(bucket(0, 0x01).empty()) << "old buckets must be emptied";
    EXPECT_TRUE(bucket(1, 0x0a).empty());
    EXPECT_EQ(bucket(0, 0x02), ids);
    EXPECT_EQ(bucket(1, 0x0b), ids);
    EXPECT_EQ(store_->remove(prefix_, layout_of(moved), ids), 4u);
    EXPECT_TRUE(bucket(0, 0x02).empty()) << "signature keys must name the new buckets";
  }
  // The converging write protocol (redis_store_ranges.cpp): a begin and a
  // commit script on the ids' signature range around the bucket writes.
  EXPECT_EQ(writes, 6u) << "2 SREM + 2 SADD + 1 begin + 1 commit script (one range)";
}

TEST_F(RedisRetryTest, ReadsAreRetriedToo) {
  const std::vector<std::int64_t> ids{7};
  store_->add(prefix_, one_byte_layout(1), ids, one_byte_sigs({{0x07}}));
  std::atomic<int> failures{0};
  *plan_ = [&](std::span<const Command> cmds) -> std::optional<std::size_t> {
    if (cmds.front().argv[0] != "SMEMBERS" || failures >= 2) return std::nullopt;
    ++failures;
    return 0;
  };
  EXPECT_EQ(bucket(0, 0x07), ids);
  EXPECT_EQ(failures, 2);
}

TEST_F(RedisRetryTest, PersistentFailureIsAStorageErrorNamingTheServer) {
  *plan_ = [](auto) -> std::optional<std::size_t> { return 0; };
  const std::vector<std::int64_t> ids{1};
  try {
    store_->add(prefix_, one_byte_layout(1), ids, one_byte_sigs({{0x01}}));
    FAIL();
  } catch (const StorageError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("flaky(redis://"), std::string::npos) << msg;
    EXPECT_NE(msg.find("injected"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace lshrs::testing
