// Replies built straight from the RESP parser (redis/transport/reply_builder.hpp): the
// integer fast path that members() uses, and its fallback to the generic
// tree for anything that is not an array of decimal int64s, against a real
// redis-server.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "integration/redis_test_env.hpp"
#include "lshrs/error.hpp"
#include "redis/transport/connection.hpp"
#include "redis/transport/single_transport.hpp"
#include "redis/transport/url.hpp"
#include "redis/protocol/store_options.hpp"
#include "support/store_contract.hpp"

namespace lshrs::testing {
namespace {

using redis::Command;
using redis::Reply;
using redis::ReplyShape;

class RedisReplyShapeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string url = server_url("LSHRS_TEST_REDIS_URL");
    if (url.empty()) return;
    options_ = redis_options(url);
    transport_ = redis::make_transport(options_);
    store_ = single_store();
    prefix_ = unique_prefix("shape");
  }
  void TearDown() override {
    if (store_) store_->clear(prefix_);
  }
  Reply run(std::vector<std::string> argv, ReplyShape shape, std::size_t key_index = 1) {
    Command cmd(std::move(argv), key_index);
    cmd.shape = shape;
    return std::move(transport_->execute(std::span(&cmd, 1)).front());
  }
  std::vector<std::int64_t> bucket(std::uint8_t sig) {
    const BucketRef ref{0, std::string(1, static_cast<char>(sig))};
    return sorted(store_->members(prefix_, std::span(&ref, 1)).front());
  }
  std::string bucket_name(std::uint8_t sig) const {
    return bucket_key(prefix_, 0, std::vector<std::uint8_t>{sig});
  }

  RedisOptions options_;
  std::unique_ptr<redis::Transport> transport_;
  std::shared_ptr<RedisStore> store_;
  std::string prefix_;
};

TEST_F(RedisReplyShapeTest, IdsAtTheEdgesOfInt64RoundTrip) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  // Ids are >= 0 (a negative member is foreign: AForeignMemberAmongManyIdsIsNamed).
  const std::vector<std::int64_t> ids{0, 7, 999'999'999'999'999'999, 1'000'000'000'000'000'000,
                                      kMax - 1, kMax};
  std::vector<std::vector<std::uint8_t>> rows(ids.size(), std::vector<std::uint8_t>{0x03});
  store_->add(prefix_, one_byte_layout(1), ids, one_byte_sigs(rows));
  EXPECT_EQ(bucket(0x03), ids);
}

TEST_F(RedisReplyShapeTest, AForeignMemberAmongManyIdsIsNamed) {
  // Set order is the server's: the foreign member may come first, last or
  // anywhere between, after the ids before it were already parsed.
  for (const std::string foreign : {"12ab", "+5", " 5", "5 ", "", "-", "9223372036854775808",
                                    "-9223372036854775809", "99999999999999999999", "-5", "-1",
                                    "007", "-0"}) {
    SCOPED_TRACE("foreign member '" + foreign + "'");
    const std::string key = bucket_name(0x04);
    run({"DEL", key}, ReplyShape::kGeneric);
    std::vector<std::string> sadd{"SADD", key};
    for (int id = 0; id < 300; ++id) sadd.push_back(std::to_string(id * 7919));
    sadd.push_back(foreign);
    ASSERT_FALSE(run(sadd, ReplyShape::kGeneric).is_error());
    try {
      bucket(0x04);
      FAIL() << "a member that is not a decimal id must be reported";
    } catch (const StorageError& e) {
      EXPECT_NE(std::string(e.what()).find("holds member '" + foreign + "'"), std::string::npos)
          << e.what();
    }
  }
}

TEST_F(RedisReplyShapeTest, TheIntegerShapeFallsBackForOtherReplies) {
  const std::string set_key = bucket_name(0x05), string_key = prefix_ + ":plain";
  run({"SADD", set_key, "11", "22", "33"}, ReplyShape::kGeneric);
  run({"SET", string_key, "value"}, ReplyShape::kGeneric);

  // Mixed shapes in one pipeline, each reply in its own shape.
  std::vector<Command> batch{Command({"SMEMBERS", set_key}), Command({"GET", string_key}),
                             Command({"SMEMBERS", prefix_ + ":missing"}),
                             Command({"SMEMBERS", string_key})};
  for (Command& c : batch) c.shape = ReplyShape::kIntegerArray;
  batch[1].shape = ReplyShape::kGeneric;
  const auto replies = transport_->execute(batch);
  ASSERT_EQ(replies.size(), 4u);
  EXPECT_TRUE(replies[0].is_array());
  EXPECT_TRUE(replies[0].elements.empty());
  EXPECT_EQ(sorted(replies[0].integers), (std::vector<std::int64_t>{11, 22, 33}));
  EXPECT_EQ(replies[1].kind, Reply::Kind::kString);
  EXPECT_EQ(replies[1].text, "value");
  EXPECT_TRUE(replies[2].is_array());
  EXPECT_TRUE(replies[2].integers.empty());
  EXPECT_TRUE(replies[2].elements.empty());
  EXPECT_EQ(replies[3].error_code(), "WRONGTYPE");

  // Non-array replies asked for in the integer shape come back as they are.
  EXPECT_EQ(run({"GET", string_key}, ReplyShape::kIntegerArray).text, "value");
  EXPECT_TRUE(run({"GET", prefix_ + ":missing"}, ReplyShape::kIntegerArray).is_nil());
  EXPECT_EQ(run({"SCARD", set_key}, ReplyShape::kIntegerArray).integer, 3);
}

TEST_F(RedisReplyShapeTest, ANestedOrMixedArrayBecomesTheGenericTree) {
  // Bulk "7" is read as an integer first; the nested array then turns the
  // reply generic, and the already-read element must survive as text.
  const Reply r =
      run({"EVAL", "return {'7', {'8', 'x'}, 9, false, '10'}", "0"}, ReplyShape::kIntegerArray, 0);
  ASSERT_TRUE(r.is_array()) << r.text;
  EXPECT_TRUE(r.integers.empty());
  ASSERT_EQ(r.elements.size(), 5u);
  EXPECT_EQ(r.elements[0].kind, Reply::Kind::kString);
  EXPECT_EQ(r.elements[0].text, "7");
  ASSERT_TRUE(r.elements[1].is_array());
  ASSERT_EQ(r.elements[1].elements.size(), 2u);
  EXPECT_EQ(r.elements[1].elements[0].text, "8");
  EXPECT_EQ(r.elements[1].elements[1].text, "x");
  EXPECT_EQ(r.elements[2].kind, Reply::Kind::kInteger);
  EXPECT_EQ(r.elements[2].integer, 9);
  EXPECT_TRUE(r.elements[3].is_nil());
  EXPECT_EQ(r.elements[4].text, "10");

  // The same reply in the generic shape is the same tree.
  const Reply g =
      run({"EVAL", "return {'7', {'8', 'x'}, 9, false, '10'}", "0"}, ReplyShape::kGeneric, 0);
  ASSERT_EQ(g.elements.size(), 5u);
  EXPECT_EQ(g.elements[0].text, "7");
  EXPECT_EQ(g.elements[1].elements[1].text, "x");
}

}  // namespace
}  // namespace lshrs::testing
