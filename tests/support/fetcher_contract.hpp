// The VectorFetcher contract (include/lshrs/fetcher.hpp) as one typed test
// suite that every fetcher instantiates:
//
//   struct MyFetcherFactory {
//     static constexpr bool kIdsAreRowNumbers = false;  // true: ids are 0..n-1
//     // false when the adapter cannot tell a missing id (CallbackFetcher: the
//     // callback must answer every id), which skips that one test.
//     static constexpr bool kOmitsUnknownIds = true;
//     static void require() {}  // may GTEST_SKIP / GTEST_FAIL (no server, ...)
//     static std::shared_ptr<lshrs::VectorFetcher> make(const VectorTable& table,
//                                                      Keepalive& keep);
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, FetcherContract, ::testing::Types<MyFetcherFactory>);
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "lshrs/fetcher.hpp"
#include "support/vector_table.hpp"

namespace lshrs::testing {

template <typename Factory>
class FetcherContract : public ::testing::Test {
 protected:
  void SetUp() override {
    Factory::require();
    if (IsSkipped() || HasFatalFailure()) return;
    fetcher_ = Factory::make(table_, keep_);
  }
  std::int64_t id_of(std::size_t row) const {
    return Factory::kIdsAreRowNumbers ? static_cast<std::int64_t>(row) : table_.ids[row];
  }
  // id -> vector, checking the shape of the answer on the way.
  std::map<std::int64_t, std::vector<float>> by_id(const FetchedVectors& got) const {
    EXPECT_EQ(got.data.size(), got.ids.size() * table_.dim);
    std::map<std::int64_t, std::vector<float>> out;
    for (std::size_t i = 0; i < got.ids.size(); ++i) {
      out[got.ids[i]].assign(got.data.begin() + static_cast<std::ptrdiff_t>(i * table_.dim),
                             got.data.begin() + static_cast<std::ptrdiff_t>((i + 1) * table_.dim));
    }
    return out;
  }
  std::vector<float> want(std::size_t row) const {
    const auto r = table_.row(row);
    return {r.begin(), r.end()};
  }

  VectorTable table_ = VectorTable::sample();
  Keepalive keep_;
  std::shared_ptr<VectorFetcher> fetcher_;
};

TYPED_TEST_SUITE_P(FetcherContract);

TYPED_TEST_P(FetcherContract, ReturnsEachAskedIdWithItsVector) {
  const std::vector<std::int64_t> ask{this->id_of(5), this->id_of(0), this->id_of(22)};
  const auto got = this->by_id(this->fetcher_->fetch(ask));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got.at(this->id_of(5)), this->want(5));
  EXPECT_EQ(got.at(this->id_of(0)), this->want(0));
  EXPECT_EQ(got.at(this->id_of(22)), this->want(22));
}

TYPED_TEST_P(FetcherContract, NoIdsGiveNothing) {
  const auto got = this->fetcher_->fetch({});
  EXPECT_TRUE(got.ids.empty());
  EXPECT_TRUE(got.data.empty());
}

TYPED_TEST_P(FetcherContract, UnknownIdsAreAbsentNotThrown) {
  if (!TypeParam::kOmitsUnknownIds) GTEST_SKIP() << "this fetcher answers every id by contract";
  const std::vector<std::int64_t> ask{this->id_of(3), 999'999, -5};
  const auto got = this->by_id(this->fetcher_->fetch(ask));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.at(this->id_of(3)), this->want(3));
}

TYPED_TEST_P(FetcherContract, ConcurrentCallsGetTheirOwnAnswers) {
  std::vector<std::thread> threads;
  std::vector<std::map<std::int64_t, std::vector<float>>> got(4);
  for (std::size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] {
      const std::vector<std::int64_t> ask{this->id_of(t), this->id_of(10 + t)};
      for (int round = 0; round < 20; ++round) got[t] = this->by_id(this->fetcher_->fetch(ask));
    });
  }
  for (auto& th : threads) th.join();
  for (std::size_t t = 0; t < got.size(); ++t) {
    ASSERT_EQ(got[t].size(), 2u) << "thread " << t;
    EXPECT_EQ(got[t].at(this->id_of(t)), this->want(t));
    EXPECT_EQ(got[t].at(this->id_of(10 + t)), this->want(10 + t));
  }
}

REGISTER_TYPED_TEST_SUITE_P(FetcherContract, ReturnsEachAskedIdWithItsVector, NoIdsGiveNothing,
                            UnknownIdsAreAbsentNotThrown, ConcurrentCallsGetTheirOwnAnswers);

}  // namespace lshrs::testing
