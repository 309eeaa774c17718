// RedisStore on a real 3-master Redis Cluster when one master fails in the
// middle of a flush while the others apply their share of it: a signature key
// must never be left naming buckets the id has not been moved into (or out
// of), or a later retry of the same call cannot repair the index. The node
// failure is injected by a Transport seam around the real cluster transport,
// so the test does not depend on timing.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "integration/redis_test_env.hpp"
#include "lshrs/error.hpp"
#include "lshrs/redis_store.hpp"
#include "redis/cluster/cluster.hpp"
#include "redis/transport/url.hpp"
#include "redis/protocol/store_options.hpp"
#include "support/store_contract.hpp"

namespace lshrs::testing {
namespace {

using redis::Command;
using redis::Reply;
using redis::ServerAddress;

// Passes every batch to the real cluster, except while a master is "down":
// then the commands routed to that master are dropped, the others are applied
// by the real cluster, and the call throws ConnectionError, as a node that
// dies mid-pipeline would (the cluster transport sends one pipeline per
// master, so the other masters' pipelines land).
class NodeDownTransport final : public redis::Transport {
 public:
  NodeDownTransport(std::unique_ptr<redis::Transport> inner, redis::SlotMap map)
      : inner_(std::move(inner)), map_(std::move(map)) {}

  void take_down(const ServerAddress& node) { down_ = node; }
  void bring_back() { down_.reset(); }
  int failed_calls() const { return failed_calls_; }

  std::vector<Reply> execute(std::span<const Command> commands) override {
    if (!down_) return inner_->execute(commands);
    std::vector<Command> alive;
    for (const Command& cmd : commands) {
      if (!(node_of(cmd.key()) == *down_)) alive.push_back(cmd);
    }
    if (alive.size() == commands.size()) return inner_->execute(commands);
    inner_->execute(alive);
    ++failed_calls_;
    throw ConnectionError("injected: Redis at " + down_->to_string() +
                          " closed the connection mid-pipeline");
  }
  void for_each_master(
      const std::function<void(const std::string&, const redis::NodeExecutor&)>& fn) override {
    inner_->for_each_master(fn);
  }
  std::string describe() const override { return "node-down(" + inner_->describe() + ")"; }

  ServerAddress node_of(std::string_view key) const {
    const ServerAddress* node = map_.master_for(redis::key_slot(key));
    return node != nullptr ? *node : ServerAddress{};
  }

 private:
  std::unique_ptr<redis::Transport> inner_;
  const redis::SlotMap map_;
  std::optional<ServerAddress> down_;
  int failed_calls_ = 0;
};

class RedisClusterOrderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string url = server_url("LSHRS_TEST_REDIS_CLUSTER_URL");
    if (url.empty()) return;
    RedisOptions o = redis_options(url);
    o.cluster = ClusterMode::kOn;
    o.retry_attempts = 2;
    o.retry_backoff = std::chrono::milliseconds(1);
    const redis::Endpoint seed = redis::resolve_endpoint(o);
    auto admin = redis::Connection::open(seed.address, seed.settings);
    redis::SlotMap map(
        redis::parse_cluster_slots(admin.command({"CLUSTER", "SLOTS"}), seed.address));
    ASSERT_EQ(map.masters().size(), 3u) << "the test cluster has 3 masters";
    auto transport = std::make_unique<NodeDownTransport>(redis::make_cluster_transport(o), map);
    flaky_ = transport.get();
    store_ = std::make_unique<RedisStore>(o, std::move(transport));
    prefix_ = unique_prefix("cluster-order");
  }
  void TearDown() override {
    if (!store_) return;
    flaky_->bring_back();
    store_->clear(prefix_);
  }

  std::string bucket(std::uint32_t band, std::uint8_t sig) const {
    return bucket_key(prefix_, band, std::vector<std::uint8_t>{sig});
  }
  // An id whose signature range lives on another master than `key`.
  std::int64_t id_away_from(const std::string& key) const {
    for (std::int64_t id = 1; id < 10'000; ++id) {
      if (!(flaky_->node_of(signature_range_key(prefix_, signature_range(id))) == flaky_->node_of(key))) return id;
    }
    ADD_FAILURE() << "no id whose signature key is on another master than " << key;
    return 0;
  }
  // The buckets of each band (of all 256 one-byte signatures) holding `id`.
  std::vector<std::vector<std::uint8_t>> buckets_holding(std::int64_t id, std::uint32_t bands) {
    std::vector<BucketRef> refs;
    for (std::uint32_t b = 0; b < bands; ++b) {
      for (int s = 0; s < 256; ++s) refs.push_back({b, std::string(1, static_cast<char>(s))});
    }
    const auto members = store_->members(prefix_, refs);
    std::vector<std::vector<std::uint8_t>> holding(bands);
    for (std::size_t k = 0; k < refs.size(); ++k) {
      if (std::find(members[k].begin(), members[k].end(), id) != members[k].end()) {
        holding[refs[k].band].push_back(static_cast<std::uint8_t>(refs[k].signature[0]));
      }
    }
    return holding;
  }
  template <typename Call>
  void expect_storage_error(Call&& call) {
    try {
      call();
      FAIL() << "a master is down for every attempt: the call must throw";
    } catch (const StorageError& e) {
      EXPECT_NE(std::string(e.what()).find("injected"), std::string::npos) << e.what();
    }
  }

  NodeDownTransport* flaky_ = nullptr;
  std::unique_ptr<RedisStore> store_;
  std::string prefix_;
};

TEST_F(RedisClusterOrderTest, AnUpdateCutByAFailedMasterIsRepairedByTheRetry) {
  // Band 0 moves 0x01 -> 0x02, band 1 moves 0x0a -> 0x0b. The master holding
  // the old band-0 bucket fails while the update is flushed; the id's
  // signature key is on another master, which stays up.
  const std::string old_bucket = bucket(0, 0x01);
  const std::vector<std::int64_t> ids{id_away_from(old_bucket)};
  store_->add(prefix_, one_byte_layout(2), ids, one_byte_sigs({{0x01, 0x0a}}));
  ASSERT_EQ(buckets_holding(ids[0], 2), (std::vector<std::vector<std::uint8_t>>{{0x01}, {0x0a}}));

  flaky_->take_down(flaky_->node_of(old_bucket));
  const auto moved = one_byte_sigs({{0x02, 0x0b}});
  expect_storage_error([&] { store_->add(prefix_, layout_of(moved), ids, moved); });
  EXPECT_GE(flaky_->failed_calls(), 1);

  flaky_->bring_back();
  store_->add(prefix_, layout_of(moved), ids, moved);  // the caller repeats the call, as documented
  EXPECT_EQ(buckets_holding(ids[0], 2), (std::vector<std::vector<std::uint8_t>>{{0x02}, {0x0b}}))
      << "the id must be in exactly its new buckets (old band-0 bucket on "
      << flaky_->node_of(old_bucket).to_string() << ", signature key on "
      << flaky_->node_of(signature_range_key(prefix_, signature_range(ids[0]))).to_string() << ")";
  EXPECT_EQ(store_->remove(prefix_, one_byte_layout(2), ids), 1u);
  EXPECT_EQ(buckets_holding(ids[0], 2), (std::vector<std::vector<std::uint8_t>>{{}, {}}))
      << "the signature key must name the new buckets";
}

TEST_F(RedisClusterOrderTest, ARemoveCutByAFailedMasterIsFinishedByTheRetry) {
  const std::string held_in = bucket(0, 0x05);
  const std::vector<std::int64_t> ids{id_away_from(held_in)};
  store_->add(prefix_, one_byte_layout(2), ids, one_byte_sigs({{0x05, 0x06}}));

  flaky_->take_down(flaky_->node_of(held_in));
  expect_storage_error([&] { store_->remove(prefix_, one_byte_layout(2), ids); });

  flaky_->bring_back();
  store_->remove(prefix_, one_byte_layout(2), ids);  // the caller repeats the call
  EXPECT_EQ(buckets_holding(ids[0], 2), (std::vector<std::vector<std::uint8_t>>{{}, {}}))
      << "the id must have left every bucket";
  EXPECT_EQ(store_->remove(prefix_, one_byte_layout(2), ids), 0u) << "nothing left to remove";
}

}  // namespace
}  // namespace lshrs::testing
