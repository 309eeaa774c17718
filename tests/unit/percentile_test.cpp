// Pins the one percentile definition (src/util/percentile.hpp): nearest
// rank, so every p50/p99 the library and CLI print is one of the values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "lshrs/memory_store.hpp"
#include "util/percentile.hpp"
#include "support/store_contract.hpp"

namespace lshrs::testing {
namespace {

std::uint64_t pct(const std::vector<std::uint64_t>& v, double q) {
  return util::nearest_rank_percentile(std::span<const std::uint64_t>(v), q);
}

TEST(Percentile, IsTheNearestRank) {
  EXPECT_EQ(pct({1, 2, 3, 4}, 0.5), 2u) << "rank ceil(0.5*4)=2, not the interpolated 2.5 or 3";
  EXPECT_EQ(pct({1, 2, 3, 4, 5}, 0.5), 3u);
  EXPECT_EQ(pct({7}, 0.99), 7u);
  EXPECT_EQ(pct({}, 0.5), 0u);
  EXPECT_EQ(pct({1, 2, 3}, 0.0), 1u) << "rank clamps to 1";
  EXPECT_EQ(pct({1, 2, 3}, 1.0), 3u);
}

TEST(Percentile, P99OfAHundredIsTheNinetyNinthNotTheLast) {
  std::vector<std::uint64_t> v(100);
  std::iota(v.begin(), v.end(), 1);
  EXPECT_EQ(pct(v, 0.99), 99u) << "0.99*100 must not round up to rank 100";
  std::vector<std::uint64_t> w(1000);
  std::iota(w.begin(), w.end(), 1);
  EXPECT_EQ(pct(w, 0.99), 990u);
  EXPECT_EQ(pct(w, 0.5), 500u);
}

TEST(Percentile, WorksOnDoubles) {
  const std::vector<double> ms{0.5, 0.1, 0.3, 0.2};
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_DOUBLE_EQ(util::nearest_rank_percentile(std::span<const double>(sorted), 0.5), 0.2);
}

// MemoryStore's stats used a rounded interpolation index before: p50 of
// bucket sizes {1,1,2,2} was 2 there and 1 in RedisStore.
TEST(Percentile, MemoryStoreStatsUseNearestRank) {
  MemoryStore store;
  const std::string prefix = unique_prefix("pct");
  // One band; buckets 0xa0:{1}, 0xa1:{2}, 0xa2:{3,4}, 0xa3:{5,6}.
  const std::vector<std::int64_t> ids{1, 2, 3, 4, 5, 6};
  store.add(prefix, one_byte_layout(1), ids, one_byte_sigs({{0xa0}, {0xa1}, {0xa2}, {0xa2}, {0xa3}, {0xa3}}));
  const auto st = store.stats(prefix);
  EXPECT_EQ(st.buckets, 4u);
  EXPECT_EQ(st.p50_bucket_size, 1u);
  EXPECT_EQ(st.p99_bucket_size, 2u);
}

}  // namespace
}  // namespace lshrs::testing
