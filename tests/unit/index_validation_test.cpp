// Bad input is refused with a clear message, before anything is written.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "lshrs/error.hpp"
#include "lshrs/fetcher.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

constexpr std::size_t kDim = 8;

IndexOptions options() { return small_index_options(IndexOptions{}.prefix, kDim); }

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
    EXPECT_FALSE(store_->load_meta(options().prefix).has_value())
        << "a refused first batch must not create the index";
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

TEST(IndexOptionsValidation, OverflowingOrHugeShapesAreRefusedBeforeAllocating) {
  IndexOptions o = options();
  // 4 · (2^62 + 1) wraps around to 4 in 64 bits.
  o.num_perm = 4;
  o.num_bands = 4;
  o.rows_per_band = std::size_t{4611686018427387905u};
  expect_invalid([&] { Index{o}; }, "exceeds the supported 65536 hyperplanes");
  expect_invalid([&] { Hasher(kDim, 4, std::size_t{4611686018427387905u}, 1u); },
                 "exceeds the supported");
  o = options();
  o.num_perm = 10'000'000;
  o.num_bands.reset();
  o.rows_per_band.reset();
  expect_invalid([&] { Index{o}; }, "num_perm 10000000 exceeds the supported 65536");
  o = options();
  o.dim = std::size_t{1} << 40;
  expect_invalid([&] { Index{o}; }, "dim 1099511627776 exceeds the supported 65536");
  o = options();
  o.dim = 65'536;
  o.num_perm = 4096;
  o.num_bands = 256;
  o.rows_per_band = 16;
  expect_invalid([&] { Index{o}; }, "exceeds the supported 67108864 projection values");
}

// A source whose only batch is bad: a negative id, or a zero vector.
class OneBatchSource final : public VectorSource {
 public:
  OneBatchSource(std::int64_t id, std::vector<float> vector)
      : id_(id), vector_(std::move(vector)) {}
  bool next(VectorBatch& batch) override {
    if (done_) return false;
    done_ = true;
    batch.ids = {id_};
    batch.dim = vector_.size();
    batch.data = vector_;
    return true;
  }
  std::string describe() const override { return "one batch"; }

 private:
  std::int64_t id_;
  std::vector<float> vector_;
  bool done_ = false;
};

TEST(IndexFirstWrite, ARefusedFirstBatchLeavesTheStoreWithoutAnIndex) {
  auto store = std::make_shared<MemoryStore>();
  {
    Index index(options(), store);
    OneBatchSource negative(-5, random_vectors(1, kDim, 2));
    expect_invalid([&] { index.ingest_from(negative); }, "id -5");
    OneBatchSource zero(3, std::vector<float>(kDim, 0.0f));
    expect_invalid([&] { index.ingest_from(zero); }, "zero vector");
    std::vector<float> nan = random_vectors(1, kDim, 3);
    nan[2] = std::numeric_limits<float>::quiet_NaN();
    expect_invalid([&] { index.index(std::vector<std::int64_t>{0}, nan); }, "non-finite");
    EXPECT_FALSE(store->load_meta(options().prefix).has_value());
  }
  EXPECT_FALSE(store->load_meta(options().prefix).has_value()) << "nor after closing";
  // So a correct run with another dimension can still create it...
  IndexOptions other = options();
  other.dim = 5;
  Index index(other, store);
  index.index(std::vector<std::int64_t>{1}, random_vectors(1, 5, 4));
  // ...and the first successful write did record it.
  EXPECT_EQ(Index::open(store, other.prefix).config().dim, 5u);
  EXPECT_THROW(Index(options(), store), ConfigurationError);
}

TEST(IndexFirstWrite, AClientDisagreeingWithAnIndexCreatedMeanwhileKeepsItsBuffer) {
  auto store = std::make_shared<MemoryStore>();
  IndexOptions mine = options();
  mine.buffer_size = 100;
  Index late(mine, store);  // no index yet: nothing to disagree with
  late.ingest(1, random_vectors(1, kDim, 5));
  IndexOptions theirs = options();
  theirs.seed = 7;
  Index early(theirs, store);
  early.index(std::vector<std::int64_t>{2}, random_vectors(1, kDim, 6));
  EXPECT_THROW(late.flush(), ConfigurationError);
  EXPECT_EQ(late.stats().buffered, 1u) << "nothing written, nothing lost";
  EXPECT_EQ(store->stats(mine.prefix).ids.value_or(0), 1u) << "only the other client's id";
}

TEST(IndexRerank, ABrokenVectorFromTheFetcherIsAnErrorNamingItsId) {
  const auto vectors = random_vectors(4, kDim, 8);
  for (const float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(), 0.0f}) {
    auto fetcher = std::make_shared<CallbackFetcher>(kDim, [&](std::span<const std::int64_t> ids) {
      std::vector<float> out;
      for (const std::int64_t id : ids) {
        auto row =
            std::vector<float>(vectors.begin() + id * kDim, vectors.begin() + (id + 1) * kDim);
        if (id == 2) std::fill(row.begin(), row.end(), bad);
        out.insert(out.end(), row.begin(), row.end());
      }
      return out;
    });
    Index index(options(), nullptr, fetcher);
    index.index(std::vector<std::int64_t>{0, 1, 2, 3}, vectors);
    QueryOptions q;
    q.rerank = true;
    q.top_k = std::nullopt;
    const std::span<const float> query(vectors.data() + 2 * kDim, kDim);
    try {
      index.query(query, q);
      ADD_FAILURE() << "a fetched vector of " << bad << " must not be ranked";
    } catch (const SourceError& e) {
      EXPECT_EQ(e.location(), "candidate id 2") << e.what();
      expect_contains(e.what(), bad == 0.0f ? "zero vector" : "non-finite");
    }
  }
}

}  // namespace
}  // namespace lshrs::testing
