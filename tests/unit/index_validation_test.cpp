// Bad input is refused with a clear message, before anything is written.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "unit/test_support.hpp"

namespace lshrs::testing {
namespace {

constexpr std::size_t kDim = 8;

IndexOptions options() {
  IndexOptions o;
  o.dim = kDim;
  o.num_perm = 16;
  o.num_bands = 4;
  o.rows_per_band = 4;
  return o;
}

// Expects InvalidArgument whose message contains `needle`.
template <typename F>
void expect_invalid(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected InvalidArgument mentioning \"" << needle << "\"";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

class IndexValidation : public ::testing::Test {
 protected:
  void TearDown() override {
    // Whatever was refused, nothing reached the buffer or the store.
    const IndexStats s = index_.stats();
    EXPECT_EQ(s.buffered, 0u);
    EXPECT_EQ(s.storage.ids.value_or(0), 0u);
    EXPECT_EQ(s.storage.buckets, 0u);
  }
  std::shared_ptr<MemoryStore> store_ = std::make_shared<MemoryStore>();
  Index index_{options(), store_};
  std::vector<float> good_ = random_vectors(2, kDim, 1);
};

TEST_F(IndexValidation, WrongDimension) {
  expect_invalid([&] { index_.ingest(1, std::vector<float>(kDim - 1, 1.0f)); }, "dim 8");
}

TEST_F(IndexValidation, CountMismatch) {
  expect_invalid([&] { index_.index(std::vector<std::int64_t>{1, 2, 3}, good_); },
                 "3 ids × dim 8");
}

TEST_F(IndexValidation, NaNAndInfinity) {
  auto bad = good_;
  bad[kDim + 3] = std::numeric_limits<float>::quiet_NaN();
  expect_invalid([&] { index_.index(std::vector<std::int64_t>{1, 2}, bad); }, "id 2 (row 1)");
  bad[kDim + 3] = std::numeric_limits<float>::infinity();
  expect_invalid([&] { index_.index(std::vector<std::int64_t>{1, 2}, bad); }, "non-finite");
}

TEST_F(IndexValidation, ZeroVector) {
  auto bad = good_;
  std::fill(bad.begin(), bad.begin() + kDim, 0.0f);
  expect_invalid([&] { index_.index(std::vector<std::int64_t>{1, 2}, bad); }, "zero vector");
  expect_invalid([&] { index_.query(std::vector<float>(kDim, 0.0f)); }, "zero vector");
}

TEST_F(IndexValidation, NegativeId) {
  expect_invalid([&] { index_.index(std::vector<std::int64_t>{1, -5}, good_); }, "id -5");
}

TEST_F(IndexValidation, QueryOptions) {
  const auto q = std::span(good_).subspan(0, kDim);
  QueryOptions o;
  o.top_k = 0;
  expect_invalid([&] { index_.query(q, o); }, "top_k");
  o = {};
  o.top_p = 0.0;
  expect_invalid([&] { index_.query(q, o); }, "top_p must be in (0, 1]");
  o.top_p = 1.5;
  expect_invalid([&] { index_.query(q, o); }, "top_p");
  o = {};
  o.rerank = true;
  expect_invalid([&] { index_.query(q, o); }, "needs a VectorFetcher");
  o = {};
  o.probes = 100'001;
  expect_invalid([&] { index_.query(q, o); }, "probes (100001) exceeds");
  expect_invalid([&] { index_.query(std::vector<float>(kDim + 1, 1.0f)); }, "dim 8");
  expect_invalid([&] { index_.index(std::vector<std::int64_t>{1}); }, "VectorFetcher");
}

TEST(IndexOptionsValidation, RefusesBadOptions) {
  auto with = [](auto change) {
    IndexOptions o = options();
    change(o);
    return o;
  };
  expect_invalid([&] { Index(with([](IndexOptions& o) { o.dim = 0; })); }, "dim");
  expect_invalid([&] { Index(with([](IndexOptions& o) { o.num_bands = 3; })); },
                 "3 · 4 != 16");
  expect_invalid([&] { Index(with([](IndexOptions& o) { o.rows_per_band.reset(); })); },
                 "both");
  expect_invalid([&] { Index(with([](IndexOptions& o) { o.buffer_size = 0; })); }, "buffer_size");
  expect_invalid([&] { Index(with([](IndexOptions& o) { o.num_perm = 0; })); }, "num_perm");
  expect_invalid([&] { Index(with([](IndexOptions& o) { o.prefix = "a b"; })); }, "whitespace");
  expect_invalid(
      [&] {
        Index(with([](IndexOptions& o) {
          o.num_bands.reset();
          o.rows_per_band.reset();
          o.similarity_threshold = 1.0;
        }));
      },
      "similarity_threshold");
}

}  // namespace
}  // namespace lshrs::testing
