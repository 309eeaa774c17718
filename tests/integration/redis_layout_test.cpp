// The keys and members an Index writes to Redis equal those computed by an
// independent numpy oracle (tests/oracle/layout.py, DESIGN §4), so an index
// built by the Python package is readable by ours and the reverse.
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "integration/redis_test_env.hpp"
#include "lshrs/index.hpp"
#include "lshrs/model_io.hpp"
#include "redis/transport/connection.hpp"
#include "redis/transport/url.hpp"
#include "redis/protocol/store_options.hpp"
#include "support/store_contract.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

using Layout = std::map<std::string, std::set<std::int64_t>>;

// Every key under `prefix`, read with plain Redis commands.
std::vector<std::string> all_keys(redis::Connection& conn, const std::string& prefix) {
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    const auto reply = conn.command({"SCAN", cursor, "MATCH", prefix + ":*", "COUNT", "1000"});
    EXPECT_EQ(reply.elements.size(), 2u) << reply.text;
    if (reply.elements.size() != 2) break;
    cursor = reply.elements[0].text;
    for (const auto& k : reply.elements[1].elements) keys.push_back(k.text);
  } while (cursor != "0");
  return keys;
}

Layout bucket_layout(redis::Connection& conn, const std::string& prefix) {
  Layout layout;
  for (const auto& key : all_keys(conn, prefix)) {
    if (key.find(":bucket:") == std::string::npos) continue;
    const auto members = conn.command({"SMEMBERS", key});
    for (const auto& m : members.elements) layout[key].insert(std::stoll(m.text));
  }
  return layout;
}

Layout oracle_layout(const ScratchDir& dir, const std::vector<float>& projections,
                     const std::vector<float>& vectors, const std::vector<std::int64_t>& ids,
                     std::size_t dim, std::size_t bands, std::size_t rows,
                     const std::string& prefix) {
  write_floats(dir / "proj.f32", projections);
  write_floats(dir / "vecs.f32", vectors);
  {
    std::ofstream out(dir / "ids.i64", std::ios::binary);
    out.write(reinterpret_cast<const char*>(ids.data()),
              static_cast<std::streamsize>(ids.size() * sizeof(std::int64_t)));
  }
  std::ostringstream args;
  args << (dir / "proj.f32") << ' ' << (dir / "vecs.f32") << ' ' << (dir / "ids.i64") << ' '
       << dim << ' ' << bands << ' ' << rows << ' ' << prefix << ' ' << (dir / "layout.txt");
  run_oracle("layout.py", args.str());
  Layout layout;
  std::ifstream in(dir / "layout.txt");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    fields >> key;
    std::int64_t id = 0;
    while (fields >> id) layout[key].insert(id);
  }
  return layout;
}

TEST(RedisLayout, KeysAndMembersMatchTheNumpyOracle) {
  auto store = single_store();
  if (!store) return;
  const std::string url = server_url("LSHRS_TEST_REDIS_URL");
  const redis::Endpoint ep = redis::resolve_endpoint(redis_options(url));
  redis::Connection conn = redis::Connection::open(ep.address, ep.settings);

  // 12 rows per band: 2 bytes per band, the last with 4 unused high bits.
  constexpr std::size_t kDim = 24, kBands = 5, kRows = 12, kN = 300;
  const std::string prefix = unique_prefix("layout");
  const auto projections = random_vectors(kBands * kRows, kDim, 41);
  auto vectors = random_vectors(kN, kDim, 42);
  std::vector<std::int64_t> ids(kN);
  for (std::size_t i = 0; i < kN; ++i) ids[i] = static_cast<std::int64_t>(i * 7919 + 1'000'000'007);

  IndexOptions io = shaped_index_options(prefix, kDim, kBands, kRows);
  ScratchDir dir("layout");
  {
    Index index(io, projections, store, nullptr);
    index.index(ids, vectors);
    EXPECT_EQ(bucket_layout(conn, prefix),
              oracle_layout(dir, projections, vectors, ids, kDim, kBands, kRows, prefix));

    // Update a third of the ids with new vectors: they must leave their old buckets.
    const auto fresh = random_vectors(kN / 3, kDim, 43);
    std::copy(fresh.begin(), fresh.end(), vectors.begin());
    index.index(std::span(ids).first(kN / 3), std::span<const float>(fresh));
    EXPECT_EQ(bucket_layout(conn, prefix),
              oracle_layout(dir, projections, vectors, ids, kDim, kBands, kRows, prefix));
  }
  // Nothing else under the prefix: the signature ranges and the meta. Every
  // id has its committed signature in its range, and the ranges are clean
  // and in Redis' compact encoding.
  std::size_t range_keys = 0, fields = 0, meta_keys = 0, other = 0;
  for (const auto& key : all_keys(conn, prefix)) {
    if (key.rfind(prefix + ":sigs:", 0) == 0) {
      ++range_keys;
      fields += static_cast<std::size_t>(conn.command({"HLEN", key}).integer);
      EXPECT_EQ(conn.command({"HEXISTS", key, "n"}).integer, 0) << key << " is left busy";
      EXPECT_EQ(conn.command({"OBJECT", "ENCODING", key}).text, "listpack") << key;
    } else if (key == prefix + ":meta") {
      ++meta_keys;
    } else if (key.find(":bucket:") == std::string::npos) {
      ++other;
      ADD_FAILURE() << "unexpected key " << key;
    }
  }
  std::set<std::int64_t> ranges;
  for (const auto id : ids) {
    ranges.insert(signature_range(id));
    const redis::Reply sig = conn.command({"HGET", signature_range_key(prefix, signature_range(id)), std::to_string(id)});
    EXPECT_EQ(sig.text.size(), kBands * 2) << "id " << id;
  }
  EXPECT_EQ(range_keys, ranges.size());
  EXPECT_EQ(fields, kN);
  EXPECT_GT(store->clear(prefix), kN);
}

// An index built by the Python package (buckets from the numpy oracle, a model
// directory, no meta, no signature keys) keeps its ids removable after our
// client opened it, which writes <prefix>:meta.
TEST(RedisLayout, IdsOfAPythonBuiltIndexAreRemovableAfterWeOpenedIt) {
  auto store = single_store();
  if (!store) return;
  const std::string url = server_url("LSHRS_TEST_REDIS_URL");
  const redis::Endpoint ep = redis::resolve_endpoint(redis_options(url));
  redis::Connection conn = redis::Connection::open(ep.address, ep.settings);

  constexpr std::size_t kDim = 16, kBands = 4, kRows = 8, kN = 50;
  const std::string prefix = unique_prefix("python-built");
  Model model;
  model.config = {kDim, kBands * kRows, kBands, kRows, 0.5, 1000, 7};
  model.redis.prefix = prefix;
  model.projections = random_vectors(kBands * kRows, kDim, 51);
  const auto vectors = random_vectors(kN, kDim, 52);
  const std::vector<std::int64_t> ids = iota_ids(kN);
  ScratchDir dir("python-built");
  save_model(dir / "model", model);
  Layout python = oracle_layout(dir, model.projections, vectors, ids, kDim, kBands, kRows, prefix);
  for (const auto& [key, members] : python) {
    for (const auto id : members) conn.command({"SADD", key, std::to_string(id)});
  }

  Index index = Index::load(dir / "model", store);
  // Our client writes <prefix>:meta with its first flush: write (and take
  // back) an id of our own, so the prefix now has a meta and a signature key.
  const std::int64_t ours[] = {1000};
  index.index(ours, random_vectors(1, kDim, 53));
  ASSERT_TRUE(store->load_meta(prefix).has_value()) << "our first flush writes the meta";
  EXPECT_EQ(index.remove(ours), 1u);
  const std::int64_t doomed[] = {3};
  EXPECT_EQ(index.remove(doomed), 1u);
  for (auto& [key, members] : python) members.erase(3);
  std::erase_if(python, [](const auto& entry) { return entry.second.empty(); });
  EXPECT_EQ(bucket_layout(conn, prefix), python) << "id 3 must be gone from all its buckets";
  EXPECT_EQ(index.remove(doomed), 0u);
  store->clear(prefix);
}

}  // namespace
}  // namespace lshrs::testing
