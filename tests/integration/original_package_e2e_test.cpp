// An index that the ORIGINAL Python package built from a seed alone (no model
// file, no meta) is read by lshrs::Index given the same seed, and the reverse:
// the original's recipe (tests/oracle/original_package.py: numpy, redis-py)
// runs against the real test redis-server on both sides.
#include <gtest/gtest.h>

#include <unistd.h>

#include <limits>

#include "integration/original_package_oracle.hpp"
#include "integration/redis_test_env.hpp"
#include "lshrs/index.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

IndexOptions options_for(const OriginalIndexShape& s, const std::string& prefix) {
  IndexOptions o = shaped_index_options("lsh", s.dim, s.bands, s.rows);
  o.seed = s.seed;
  o.prefix = prefix;
  return o;
}

std::string test_prefix(const std::string& tag) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return "lshrs-original-test:" + std::string(info->name()) + ":" + tag + ":" +
         std::to_string(::getpid());
}

// The default seed, a two-word seed with the top bit set, and 12 rows per band
// (2 bytes per band key, the last with 4 unused bits).
const OriginalIndexShape kShapes[] = {{42, 16, 8, 24},
                                      {(1ull << 63) + 12345, 6, 12, 40},
                                      {std::numeric_limits<std::uint64_t>::max(), 20, 5, 17}};

TEST(OriginalPackageIndex, BuiltFromASeedIsQueriedByIndexWithTheSameSeed) {
  auto store = single_store();
  if (!store) return;
  const std::string url = server_url("LSHRS_TEST_REDIS_URL");
  for (const auto& shape : kShapes) {
    SCOPED_TRACE("seed " + std::to_string(shape.seed));
    ScratchDir dir("original");
    const auto data = write_original_index_data(dir, shape, 600, 25);
    ASSERT_GT(data.base.rows, 300u);
    ASSERT_GT(data.queries.rows, 10u);
    const std::string prefix = test_prefix(std::to_string(shape.seed));
    const auto expected = original_build(dir, url, prefix, shape, data, 10);
    ASSERT_EQ(expected.size(), data.queries.rows);

    Index index(options_for(shape, prefix), store);  // no meta yet: from the seed
    QueryOptions q;
    q.top_k = 10;
    std::size_t found = 0;
    for (std::size_t i = 0; i < data.queries.rows; ++i) {
      const std::span<const float> query(data.queries.data.data() + i * shape.dim, shape.dim);
      const QueryResult r = index.query(query, q);
      std::vector<std::pair<std::int64_t, std::uint32_t>> got;
      for (const Neighbor& n : r.neighbors) got.emplace_back(n.id, n.collisions);
      EXPECT_EQ(got, expected[i]) << "query " << i;
      found += got.size();
    }
    EXPECT_GT(found, 5 * data.queries.rows) << "the queries should find neighbours";
    index.clear();
  }
}

TEST(OriginalPackageIndex, WhatIndexWritesFromASeedIsWhatTheOriginalComputes) {
  auto store = single_store();
  if (!store) return;
  const std::string url = server_url("LSHRS_TEST_REDIS_URL");
  for (const auto& shape : kShapes) {
    SCOPED_TRACE("seed " + std::to_string(shape.seed));
    ScratchDir dir("ours");
    const auto data = write_original_index_data(dir, shape, 500, 0);
    Index index(options_for(shape, test_prefix(std::to_string(shape.seed))), store);
    index.index(data.ids, data.base.data);
    original_check(url, index.config().prefix, shape, data);
    index.clear();
  }
}

}  // namespace
}  // namespace lshrs::testing
