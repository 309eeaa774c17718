// Hash slots (CRC16-XMODEM, hash tags) and the parsing of CLUSTER SLOTS and
// MOVED/ASK replies, against the values of the Redis Cluster specification
// and of `redis-cli cluster keyslot` (redis-server 7.0).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lshrs/error.hpp"
#include "redis/cluster/cluster.hpp"
#include "redis/replication/replicas.hpp"

namespace lshrs::redis {
namespace {

Reply integer(long long v) {
  Reply r;
  r.kind = Reply::Kind::kInteger;
  r.integer = v;
  return r;
}
Reply string(std::string s) {
  Reply r;
  r.kind = Reply::Kind::kString;
  r.text = std::move(s);
  return r;
}
Reply array(std::vector<Reply> elements) {
  Reply r;
  r.kind = Reply::Kind::kArray;
  r.elements = std::move(elements);
  return r;
}
Reply error(std::string text) {
  Reply r;
  r.kind = Reply::Kind::kError;
  r.text = std::move(text);
  return r;
}
ServerAddress at(std::string host, int port) {
  ServerAddress a;
  a.host = std::move(host);
  a.port = port;
  return a;
}

TEST(Crc16, MatchesTheSpecificationCheckValue) {
  EXPECT_EQ(crc16("123456789"), 0x31C3);
  EXPECT_EQ(crc16(""), 0);
}

TEST(KeySlot, MatchesRedis) {
  EXPECT_EQ(key_slot("foo"), 12182);
  EXPECT_EQ(key_slot("bar"), 5061);
  EXPECT_EQ(key_slot("hello"), 866);
  EXPECT_EQ(key_slot(""), 0);
  EXPECT_EQ(key_slot(std::string("a\0b", 3)), 8383) << "keys are binary safe";
}

TEST(KeySlot, HashTagsPickTheHashedPart) {
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
  EXPECT_EQ(key_slot("{user1000}.following"), 3443);
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
  EXPECT_EQ(key_slot("foo{}{bar}"), 8363) << "empty tag: the whole key is hashed";
  EXPECT_EQ(key_slot("foo{}{bar}"), crc16("foo{}{bar}") % 16384);
  EXPECT_EQ(key_slot("foo{{bar}}zap"), key_slot("{bar")) << "tag runs to the first '}'";
  EXPECT_EQ(key_slot("foo{{bar}}zap"), 4015);
  EXPECT_EQ(key_slot("foo{bar}{zap}"), key_slot("bar")) << "only the first tag counts";
  EXPECT_EQ(key_slot("foo{bar"), crc16("foo{bar") % 16384) << "unclosed tag";
  EXPECT_EQ(key_slot("foo}bar{"), crc16("foo}bar{") % 16384);
}

TEST(ClusterSlots, ParsesTheRedis7Form) {
  // [first, last, [host, port, id, {metadata}], replicas...]
  const Reply reply = array({
      array({integer(0), integer(5460),
             array({string("10.0.0.1"), integer(7000), string("id-a"), array({})}),
             array({string("10.0.0.4"), integer(7003), string("id-d"), array({})})}),
      array({integer(5461), integer(16383),
             array({string("10.0.0.2"), integer(7001), string("id-b"), array({})})}),
  });
  const auto ranges = parse_cluster_slots(reply, at("10.0.0.1", 7000));
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].first, 0);
  EXPECT_EQ(ranges[0].last, 5460);
  EXPECT_EQ(ranges[0].master, at("10.0.0.1", 7000));
  EXPECT_EQ(ranges[0].node_id, "id-a");
  ASSERT_EQ(ranges[0].replicas.size(), 1u);
  EXPECT_EQ(ranges[0].replicas[0], at("10.0.0.4", 7003));
  EXPECT_EQ(ranges[1].master, at("10.0.0.2", 7001));
  EXPECT_TRUE(ranges[1].replicas.empty());
}

TEST(ClusterSlots, ParsesTheOldFormAndFillsInTheAskedHost) {
  // Redis 3.0: no node id; an empty host means "the node you asked".
  const Reply reply =
      array({array({integer(0), integer(16383), array({string(""), integer(7000)})})});
  const auto ranges = parse_cluster_slots(reply, at("192.168.1.9", 7000));
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0].master, at("192.168.1.9", 7000));
  EXPECT_TRUE(ranges[0].node_id.empty());
}

TEST(ClusterSlots, SkipsMastersWithAnUnknownEndpoint) {
  const Reply reply = array({
      array({integer(0), integer(99), array({string("?"), integer(7000), string("x")})}),
      array({integer(100), integer(16383), array({string("h"), integer(7001), string("y")})}),
  });
  const SlotMap map(parse_cluster_slots(reply, at("h", 7001)));
  EXPECT_EQ(map.master_for(0), nullptr);
  EXPECT_EQ(map.unserved_slots(), 100u);
  ASSERT_NE(map.master_for(100), nullptr);
  EXPECT_EQ(*map.master_for(100), at("h", 7001));
}

TEST(ClusterSlots, RefusesMalformedReplies) {
  const ServerAddress asked = at("h", 1);
  EXPECT_THROW(parse_cluster_slots(string("nope"), asked), StorageError);
  EXPECT_THROW(parse_cluster_slots(array({array({integer(0), integer(1)})}), asked), StorageError);
  EXPECT_THROW(
      parse_cluster_slots(
          array({array({integer(0), integer(16384), array({string("h"), integer(1)})})}), asked),
      StorageError)
      << "slot out of range";
  EXPECT_THROW(
      parse_cluster_slots(
          array({array({integer(9), integer(3), array({string("h"), integer(1)})})}), asked),
      StorageError)
      << "range ends before it starts";
  EXPECT_THROW(
      parse_cluster_slots(
          array({array({integer(0), integer(3), array({string("h"), string("1")})})}), asked),
      StorageError)
      << "port not an integer";
  EXPECT_TRUE(parse_cluster_slots(array({}), asked).empty()) << "a cluster not yet formed";
}

TEST(SlotMap, RoutesEverySlotToItsMaster) {
  const Reply reply = array({
      array({integer(0), integer(5460), array({string("a"), integer(1)}),
             array({string("r"), integer(4)})}),
      array({integer(5461), integer(10922), array({string("b"), integer(2)})}),
      array({integer(10923), integer(16383), array({string("c"), integer(3)})}),
      array({integer(16000), integer(16001), array({string("a"), integer(1)})}),  // reassigned
  });
  const SlotMap map(parse_cluster_slots(reply, at("a", 1)));
  EXPECT_EQ(map.unserved_slots(), 0u);
  ASSERT_EQ(map.masters().size(), 3u);
  EXPECT_EQ(map.masters()[0], at("a", 1));
  EXPECT_EQ(*map.master_for(5460), at("a", 1));
  EXPECT_EQ(*map.master_for(5461), at("b", 2));
  EXPECT_EQ(*map.master_for(16000), at("a", 1));
  EXPECT_EQ(*map.master_for(16002), at("c", 3));
  EXPECT_EQ(*map.master_for(key_slot("foo")), at("c", 3));
  EXPECT_EQ(map.known_nodes().size(), 4u) << "replicas are asked when refreshing";
  EXPECT_EQ(map.master_for(16384), nullptr);
  EXPECT_TRUE(SlotMap().empty());
  EXPECT_EQ(SlotMap().unserved_slots(), 16384u);
}

TEST(Redirect, ParsesMovedAndAsk) {
  const ServerAddress asked = at("10.0.0.1", 7000);
  const auto moved = parse_redirect(error("MOVED 3999 127.0.0.1:6381"), asked);
  ASSERT_TRUE(moved.has_value());
  EXPECT_FALSE(moved->ask);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->address, at("127.0.0.1", 6381));

  const auto ask = parse_redirect(error("ASK 16383 10.0.0.2:7001"), asked);
  ASSERT_TRUE(ask.has_value());
  EXPECT_TRUE(ask->ask);
  EXPECT_EQ(ask->slot, 16383);
  EXPECT_EQ(ask->address, at("10.0.0.2", 7001));

  const auto v6 = parse_redirect(error("MOVED 1 ::1:7002"), asked);
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->address, at("::1", 7002));
  const auto bracketed = parse_redirect(error("MOVED 1 [fe80::1]:7002"), asked);
  ASSERT_TRUE(bracketed.has_value());
  EXPECT_EQ(bracketed->address, at("fe80::1", 7002));
  const auto unknown_host = parse_redirect(error("MOVED 1 :7002"), asked);
  ASSERT_TRUE(unknown_host.has_value());
  EXPECT_EQ(unknown_host->address, at("10.0.0.1", 7002));
}

TEST(Redirect, IgnoresOtherRepliesAndGarbage) {
  const ServerAddress asked = at("h", 1);
  EXPECT_FALSE(parse_redirect(error("WRONGTYPE Operation against a key"), asked));
  EXPECT_FALSE(parse_redirect(error("TRYAGAIN Multiple keys request"), asked));
  EXPECT_FALSE(parse_redirect(string("MOVED 1 h:2"), asked)) << "not an error reply";
  EXPECT_FALSE(parse_redirect(error("MOVED"), asked));
  EXPECT_FALSE(parse_redirect(error("MOVED 99999 h:2"), asked));
  EXPECT_FALSE(parse_redirect(error("MOVED 1 h"), asked));
  EXPECT_FALSE(parse_redirect(error("MOVED x h:2"), asked));
  EXPECT_FALSE(parse_redirect(error("MOVEDX 1 h:2"), asked));
}

// Redis 7.0 may answer CLUSTER SLOTS from a stale cache without the replicas
// added since (seen with the test Cluster); CLUSTER NODES fills them in.
TEST(ClusterNodes, AddsTheLiveReplicasOfEachMaster) {
  std::vector<SlotRange> ranges(2);
  ranges[0] = {0, 8191, at("10.0.0.1", 7000), "m1", {at("10.0.0.2", 7001)}};
  ranges[1] = {8192, 16383, at("10.0.0.3", 7002), "m2", {}};
  const std::string nodes =
      "m1 10.0.0.1:7000@17000 master - 0 0 1 connected 0-8191\n"
      "r1 10.0.0.2:7001@17001 slave m1 0 0 1 connected\n"
      "r2 :7003@17003,host.example slave m2 0 0 2 connected\n"
      "r3 10.0.0.4:7004@17004 slave,fail m2 0 0 2 disconnected\n"
      "r4 10.0.0.5:7005@17005 slave,fail? m1 0 0 1 connected\n"
      "m2 10.0.0.3:7002@17002 myself,master - 0 0 2 connected 8192-16383\n"
      "garbage\n";
  add_cluster_nodes_replicas(nodes, at("10.0.0.9", 7000), ranges);
  EXPECT_EQ(ranges[0].replicas, (std::vector<ServerAddress>{at("10.0.0.2", 7001)})) << "kept once";
  EXPECT_EQ(ranges[1].replicas, (std::vector<ServerAddress>{at("10.0.0.9", 7003)}))
      << "no host: the node asked; failing replicas left out";
  const SlotMap map(ranges);
  EXPECT_EQ(map.replicas_for(9000), (std::vector<ServerAddress>{at("10.0.0.9", 7003)}));
  EXPECT_EQ(map.replicas_for(5).size(), 1u);
}

TEST(ReplicaReplies, RoleAndSentinelReplicasListTheUsableOnes) {
  const Reply role = array({string("master"), integer(42),
                            array({array({string("10.0.0.7"), string("6380"), string("42")}),
                                   array({string(""), string("6381"), string("0")}),
                                   array({string("10.0.0.8"), string("not-a-port"), string("0")})})});
  EXPECT_EQ(replicas_from_role(role), (std::vector<ServerAddress>{at("10.0.0.7", 6380)}));
  EXPECT_TRUE(replicas_from_role(array({string("slave"), string("h"), integer(1)})).empty());
  auto replica = [](std::string ip, std::string port, std::string flags) {
    return array({string("name"), string(ip + ":" + port), string("ip"), string(ip), string("port"),
                  string(port), string("flags"), string(flags)});
  };
  const Reply listed = array({replica("10.0.0.7", "6380", "slave"), replica("10.0.0.8", "6381", "s_down,slave"),
                              replica("10.0.0.9", "6382", "slave,disconnected")});
  EXPECT_EQ(replicas_from_sentinel(listed), (std::vector<ServerAddress>{at("10.0.0.7", 6380)}));
  Command read(std::vector<std::string>{"SMEMBERS", "k"});
  read.replica_ok = true;
  const Command write(std::vector<std::string>{"SADD", "k", "1"});
  EXPECT_TRUE(replica_may_answer(std::span(&read, 1)));
  const std::vector<Command> mixed{read, write};
  EXPECT_FALSE(replica_may_answer(mixed)) << "a batch with a write goes to the master whole";
}

}  // namespace
}  // namespace lshrs::redis
