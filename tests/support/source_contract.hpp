// The VectorSource contract (include/lshrs/source.hpp) as one typed test suite
// that every source adapter instantiates:
//
//   struct MySourceFactory {
//     static constexpr bool kIdsAreRowNumbers = false;  // true: ids are 0..n-1
//     static void require() {}  // may GTEST_SKIP / GTEST_FAIL (no server, ...)
//     static std::unique_ptr<lshrs::VectorSource> make(const VectorTable& table,
//                                                      std::size_t batch_size,
//                                                      Keepalive& keep);
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, SourceContract, ::testing::Types<MySourceFactory>);
//
// make() writes `table` into its medium with the adapter's own writer or an
// independent one (never the source under test) and opens a source on it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <vector>

#include "lshrs/source.hpp"
#include "support/vector_table.hpp"

namespace lshrs::testing {

template <typename Factory>
class SourceContract : public ::testing::Test {
 protected:
  void SetUp() override { Factory::require(); }

  std::unique_ptr<VectorSource> open(std::size_t batch_size) {
    return Factory::make(table_, batch_size, keep_);
  }
  std::int64_t expected_id(std::size_t row) const {
    return Factory::kIdsAreRowNumbers ? static_cast<std::int64_t>(row) : table_.ids[row];
  }

  VectorTable table_ = VectorTable::sample();
  Keepalive keep_;
};

TYPED_TEST_SUITE_P(SourceContract);

TYPED_TEST_P(SourceContract, YieldsEveryRowOnceInBatchesOfAtMostBatchSize) {
  auto source = this->open(4);  // 23 rows: five full batches and a short one
  VectorBatch batch;
  std::size_t row = 0;
  while (source->next(batch)) {
    ASSERT_GT(batch.size(), 0u) << "a batch returned with next() == true must hold rows";
    ASSERT_LE(batch.size(), 4u);
    ASSERT_EQ(batch.dim, this->table_.dim);
    ASSERT_EQ(batch.data.size(), batch.size() * batch.dim);
    for (std::size_t i = 0; i < batch.size(); ++i, ++row) {
      ASSERT_LT(row, this->table_.rows()) << "more rows than written";
      EXPECT_EQ(batch.ids[i], this->expected_id(row)) << "row " << row;
      const auto want = this->table_.row(row);
      for (std::size_t j = 0; j < batch.dim; ++j) {
        EXPECT_EQ(batch.data[i * batch.dim + j], want[j]) << "row " << row << " col " << j;
      }
    }
  }
  EXPECT_EQ(row, this->table_.rows());
}

TYPED_TEST_P(SourceContract, NextReplacesTheBatchAndStaysFalseAtTheEnd) {
  auto source = this->open(100);
  VectorBatch batch;
  batch.ids = {-1, -2, -3};  // leftovers a source must not append to
  batch.data.assign(3 * this->table_.dim + 1, 9.f);
  ASSERT_TRUE(source->next(batch));
  EXPECT_EQ(batch.size(), this->table_.rows());
  EXPECT_EQ(batch.data.size(), this->table_.rows() * this->table_.dim);
  EXPECT_EQ(batch.ids.front(), this->expected_id(0));
  EXPECT_FALSE(source->next(batch));
  EXPECT_FALSE(source->next(batch)) << "a drained source stays drained";
}

TYPED_TEST_P(SourceContract, TotalRowsIsUnknownOrExactAndDescribeNamesSomething) {
  auto source = this->open(4);
  if (const auto total = source->total_rows()) {
    EXPECT_EQ(*total, this->table_.rows());
  }
  EXPECT_FALSE(source->describe().empty());
}

REGISTER_TYPED_TEST_SUITE_P(SourceContract, YieldsEveryRowOnceInBatchesOfAtMostBatchSize,
                            NextReplacesTheBatchAndStaysFalseAtTheEnd,
                            TotalRowsIsUnknownOrExactAndDescribeNamesSomething);

}  // namespace lshrs::testing
