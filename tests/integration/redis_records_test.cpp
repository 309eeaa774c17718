// Per-id records (store/range_record.hpp) against the real redis-server and
// Cluster: what filters and TTL will rely on beyond the store contract —
// concurrent writers of one id end with one write's buckets and that same
// write's extras, small records keep a range in the compact encoding, and a
// record no lshrs wrote is refused without a write.
#include <map>
#include <thread>

#include "integration/redis_test_env.hpp"
#include "integration/stored_signatures.hpp"
#include "lshrs/error.hpp"
#include "redis/transport/single_transport.hpp"
#include "redis/protocol/store_options.hpp"
#include "support/store_contract.hpp"

namespace lshrs::testing {
namespace {

using redis::Command;

constexpr std::size_t kBands = 4;

// The signature write v gives `id`: one byte per band.
std::string signature_of(int v, std::int64_t id) {
  std::string s;
  for (std::size_t b = 0; b < kBands; ++b) {
    s.push_back(static_cast<char>((static_cast<std::size_t>(v) * 7 + static_cast<std::size_t>(id) * 13 + b * 61) % 256));
  }
  return s;
}

// Writers share ids 42, 43 (range 0) and 170 (range 1); write v of every id
// carries the attributes "v=<v>", so the record names the write it came from.
void race_on_shared_ids(const RedisOptions& o) {
  constexpr int kWriters = 4, kRounds = 15;
  const std::vector<std::int64_t> ids{42, 43, 170};
  const std::string prefix = unique_prefix("records-race");
  RedisStore a(o), b(o);
  const StoreLayout layout{kBands, 1, HashFamily::kHyperplane};
  const auto write = [&](RedisStore& store, int w) {
    for (int r = 0; r < kRounds; ++r) {
      const int v = w * 1000 + r;
      Signatures sigs{ids.size(), kBands, 1, {}};
      std::vector<RecordExtras> extras;
      for (const auto id : ids) {
        const std::string s = signature_of(v, id);
        sigs.bytes.insert(sigs.bytes.end(), s.begin(), s.end());
        extras.push_back(RecordExtras{"v=" + std::to_string(v), std::nullopt});
      }
      store.add(prefix, layout, ids, sigs, extras);
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) threads.emplace_back(write, std::ref(w % 2 ? a : b), w);
  for (auto& t : threads) t.join();

  const auto records = a.records(prefix, layout, ids);
  const auto held = memberships(a, prefix, kBands);
  auto transport = redis::make_transport(o);
  const auto stored = stored_signatures(*transport, prefix, ids);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ASSERT_TRUE(records[i]) << "id " << ids[i];
    const std::string& attrs = records[i]->extras.attributes.value_or("");
    ASSERT_EQ(attrs.rfind("v=", 0), 0u) << "id " << ids[i] << ": attributes " << attrs;
    const int v = std::stoi(attrs.substr(2));
    EXPECT_EQ(records[i]->signature, signature_of(v, ids[i])) << "id " << ids[i] << ": the signature of another write than its attributes";
    EXPECT_EQ(held.at(ids[i]), buckets_of(signature_of(v, ids[i]))) << "id " << ids[i] << ": buckets of another write";
    EXPECT_TRUE(stored[i].clean) << "id " << ids[i];
  }
  a.clear(prefix);
}

TEST(RedisRecords, WritersOfOneIdEndWithOneWritesBucketsAndExtrasOnOneServer) {
  const RedisOptions o = single_server_options();
  if (o.url.empty()) return;
  race_on_shared_ids(o);
}

TEST(RedisRecords, WritersOfOneIdEndWithOneWritesBucketsAndExtrasOnCluster) {
  const RedisOptions o = cluster_server_options();
  if (o.url.empty()) return;
  race_on_shared_ids(o);
}

// Records of a 20-byte signature, an expiry (9 bytes) and 18 bytes of
// attributes (5 more for their tag and length: 52 in all) stay under
// hash-max-listpack-value (64): one field per id keeps a full range compact.
TEST(RedisRecords, SmallRecordsKeepAFullRangeCompact) {
  const RedisOptions o = single_server_options();
  if (o.url.empty()) return;
  const std::string prefix = unique_prefix("records-memory");
  RedisStore store(o);
  std::vector<std::int64_t> ids(kSignatureRangeIds);
  std::vector<RecordExtras> extras;
  Signatures sigs{ids.size(), 10, 2, {}};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ids[i] = static_cast<std::int64_t>(i) + 256;
    for (std::size_t k = 0; k < 20; ++k) sigs.bytes.push_back(static_cast<std::uint8_t>(i * 31 + k));
    extras.push_back(RecordExtras{"{\"lang\":\"en\",\"c\":" + std::to_string(i % 10) + "}", 1'800'000'000'000});
  }
  store.add(prefix, layout_of(sigs), ids, sigs, extras);
  const std::string key = signature_range_key(prefix, 2);
  auto raw = redis::make_transport(o);
  const std::vector<Command> reads{Command({"OBJECT", "ENCODING", key}, 2), Command({"HLEN", key}),
                                   Command({"MEMORY", "USAGE", key}, 2)};
  const auto got = raw->execute(reads);
  EXPECT_EQ(got[0].text, "listpack");
  EXPECT_EQ(got[1].integer, static_cast<long long>(kSignatureRangeIds)) << "one field per id";
  // ~(3-byte field + 52-byte record + ~4) per id, the listpack rounded up to
  // an allocator size class (measured: 81 bytes per id on Redis 7.0); a
  // hash table would add ~60 bytes per id.
  EXPECT_LT(got[2].integer, static_cast<long long>(kSignatureRangeIds) * 100);
  store.clear(prefix);
}

// A field no lshrs wrote (a longer value whose tail is no section) stops an
// add and a read, naming the key and id, and the add writes nothing.
TEST(RedisRecords, ARecordNoLshrsWroteIsRefused) {
  const RedisOptions o = single_server_options();
  if (o.url.empty()) return;
  const std::string prefix = unique_prefix("records-foreign");
  RedisStore store(o);
  const StoreLayout layout{kBands, 1, HashFamily::kHyperplane};
  const std::string key = signature_range_key(prefix, 0);
  auto raw = redis::make_transport(o);
  const Command plant({"HSET", key, "5", signature_of(1, 5) + "zz"});
  raw->execute(std::span(&plant, 1));
  const std::vector<std::int64_t> id{5};
  Signatures sigs{1, kBands, 1, {}};
  const std::string s = signature_of(2, 5);
  sigs.bytes.assign(s.begin(), s.end());
  try {
    store.add(prefix, layout, id, sigs);
    ADD_FAILURE() << "the add went through";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("id 5"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(memberships(store, prefix, kBands).empty()) << "the refused add wrote buckets";
  EXPECT_THROW(store.records(prefix, layout, id), StorageError);
  store.clear(prefix);
}

}  // namespace
}  // namespace lshrs::testing
