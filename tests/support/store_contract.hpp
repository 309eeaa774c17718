// The BucketStore contract (include/lshrs/store.hpp), as one typed test suite
// that every implementation instantiates:
//
//   struct MyFactory { static std::shared_ptr<lshrs::BucketStore> make(); };
//   using MyStores = ::testing::Types<MyFactory>;
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, StoreContract, MyStores);
//
// Each test works under fresh prefixes (unique per process and test) and
// clears them at the end, so suites may share a server.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "lshrs/error.hpp"
#include "lshrs/store.hpp"

namespace lshrs::testing {

// Signatures of ids.size() vectors with `bands` bands of one byte each; band b
// of vector i is bytes[i][b].
inline Signatures one_byte_sigs(const std::vector<std::vector<std::uint8_t>>& rows) {
  Signatures s{rows.size(), rows.empty() ? 0 : rows[0].size(), 1, {}};
  for (const auto& r : rows) s.bytes.insert(s.bytes.end(), r.begin(), r.end());
  return s;
}

// The layout of one_byte_sigs() rows of `bands` bands.
inline StoreLayout one_byte_layout(std::size_t bands) { return StoreLayout{bands, 1, HashFamily::kHyperplane}; }

// The layout `sigs` has: for tests whose subject is not the layout check.
inline StoreLayout layout_of(const Signatures& sigs) {
  return StoreLayout{sigs.num_bands, sigs.band_bytes, HashFamily::kHyperplane};
}

inline std::string unique_prefix(const std::string& tag) {
  static std::atomic<int> counter{0};
  return "lshrs-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + tag;
}

inline std::vector<std::int64_t> sorted(std::vector<std::int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

template <typename Factory>
class StoreContract : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Factory::make();
    prefix_ = unique_prefix("contract");
  }
  void TearDown() override {
    if (store_) store_->clear(prefix_);
  }
  std::vector<std::int64_t> bucket(std::uint32_t band, std::uint8_t sig) {
    const BucketRef ref{band, std::string(1, static_cast<char>(sig))};
    return sorted(store_->members(prefix_, std::span(&ref, 1)).front());
  }

  std::shared_ptr<BucketStore> store_;
  std::string prefix_;
};

TYPED_TEST_SUITE_P(StoreContract);

// A factory may declare `static constexpr bool kTracksSignatures = false;`
// for a store that keeps no per-id signatures (RedisStore with
// track_signatures off): moving an id and counting ids need them.
template <typename Factory>
constexpr bool tracks_signatures() {
  if constexpr (requires { Factory::kTracksSignatures; }) {
    return Factory::kTracksSignatures;
  } else {
    return true;
  }
}
#define LSHRS_CONTRACT_NEEDS_SIGNATURES()                                              \
  if (!tracks_signatures<TypeParam>())                                                 \
  GTEST_SKIP() << "this store keeps no signatures (track_signatures off): see the "    \
                  "real-server instantiations for this part of the contract"

TYPED_TEST_P(StoreContract, AddedIdsAreMembersOfTheirBuckets) {
  const std::vector<std::int64_t> ids{1, 2, 3};
  this->store_->add(this->prefix_, one_byte_layout(2), ids, one_byte_sigs({{0xa1, 0x05}, {0xa1, 0x06}, {0x00, 0x05}}));
  EXPECT_EQ(this->bucket(0, 0xa1), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(this->bucket(0, 0x00), (std::vector<std::int64_t>{3}));
  EXPECT_EQ(this->bucket(1, 0x05), (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(this->bucket(1, 0x06), (std::vector<std::int64_t>{2}));
  EXPECT_TRUE(this->bucket(1, 0xa1).empty()) << "bands must not share buckets";
}

TYPED_TEST_P(StoreContract, MembersAnswersInTheOrderAsked) {
  const std::vector<std::int64_t> ids{10, 20};
  this->store_->add(this->prefix_, one_byte_layout(2), ids, one_byte_sigs({{0x01, 0x02}, {0x03, 0x04}}));
  const std::vector<BucketRef> refs{{1, "\x04"}, {0, "\x7f"}, {0, "\x01"}, {1, "\x04"}};
  const auto got = this->store_->members(this->prefix_, refs);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(sorted(got[0]), (std::vector<std::int64_t>{20}));
  EXPECT_TRUE(got[1].empty());
  EXPECT_EQ(sorted(got[2]), (std::vector<std::int64_t>{10}));
  EXPECT_EQ(sorted(got[3]), (std::vector<std::int64_t>{20}));
}

TYPED_TEST_P(StoreContract, ReAddingTheSameSignatureIsIdempotent) {
  const std::vector<std::int64_t> ids{7};
  const auto sigs = one_byte_sigs({{0x11, 0x22}});
  this->store_->add(this->prefix_, layout_of(sigs), ids, sigs);
  this->store_->add(this->prefix_, layout_of(sigs), ids, sigs);
  EXPECT_EQ(this->bucket(0, 0x11), (std::vector<std::int64_t>{7}));
  EXPECT_EQ(this->store_->stats(this->prefix_).ids.value_or(1), 1u);
}

TYPED_TEST_P(StoreContract, ReAddingAChangedSignatureMovesTheId) {
  LSHRS_CONTRACT_NEEDS_SIGNATURES();
  const std::vector<std::int64_t> ids{7, 8};
  this->store_->add(this->prefix_, one_byte_layout(2), ids, one_byte_sigs({{0x11, 0x22}, {0x11, 0x22}}));
  const std::vector<std::int64_t> moved{7};
  this->store_->add(this->prefix_, one_byte_layout(2), moved, one_byte_sigs({{0x11, 0x33}}));
  EXPECT_EQ(this->bucket(0, 0x11), (std::vector<std::int64_t>{7, 8})) << "unchanged band stays";
  EXPECT_EQ(this->bucket(1, 0x22), (std::vector<std::int64_t>{8})) << "old bucket must lose 7";
  EXPECT_EQ(this->bucket(1, 0x33), (std::vector<std::int64_t>{7}));
}

TYPED_TEST_P(StoreContract, RemoveTakesIdsOutOfEveryBand) {
  const std::vector<std::int64_t> ids{1, 2, 3};
  this->store_->add(this->prefix_, one_byte_layout(2), ids, one_byte_sigs({{0x01, 0x01}, {0x01, 0x02}, {0x02, 0x02}}));
  const std::vector<std::int64_t> doomed{2, 3, 99};
  EXPECT_EQ(this->store_->remove(this->prefix_, one_byte_layout(2), doomed), 2u) << "99 was never added";
  EXPECT_EQ(this->bucket(0, 0x01), (std::vector<std::int64_t>{1}));
  EXPECT_TRUE(this->bucket(0, 0x02).empty());
  EXPECT_TRUE(this->bucket(1, 0x02).empty());
  EXPECT_EQ(this->bucket(1, 0x01), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(this->store_->remove(this->prefix_, one_byte_layout(2), doomed), 0u)
      << "second remove finds nothing";
}

TYPED_TEST_P(StoreContract, ClearTouchesNoOtherPrefix) {
  // Prefixes that a careless SCAN pattern would confuse with each other.
  const std::string base = this->prefix_;
  const std::vector<std::string> others{base + ":b", base + "*", base + "2", base + "?", base + "["};
  const std::vector<std::int64_t> ids{5};
  const auto sigs = one_byte_sigs({{0x0f}});
  this->store_->add(base, layout_of(sigs), ids, sigs);
  for (const auto& p : others) this->store_->add(p, layout_of(sigs), ids, sigs);
  EXPECT_GE(this->store_->clear(base), 1u);
  const BucketRef ref{0, "\x0f"};
  EXPECT_TRUE(this->store_->members(base, std::span(&ref, 1)).front().empty());
  for (const auto& p : others) {
    EXPECT_EQ(this->store_->members(p, std::span(&ref, 1)).front(), ids) << "prefix " << p;
    this->store_->clear(p);
  }
}

TYPED_TEST_P(StoreContract, MetaIsWrittenOnce) {
  EXPECT_FALSE(this->store_->load_meta(this->prefix_).has_value());
  EXPECT_TRUE(this->store_->store_meta_if_absent(this->prefix_, std::string("first\0bin", 9)));
  EXPECT_FALSE(this->store_->store_meta_if_absent(this->prefix_, "second"));
  EXPECT_EQ(this->store_->load_meta(this->prefix_), std::string("first\0bin", 9));
  this->store_->clear(this->prefix_);
  EXPECT_FALSE(this->store_->load_meta(this->prefix_).has_value()) << "clear removes meta";
}

TYPED_TEST_P(StoreContract, StatsCountIdsAndBuckets) {
  LSHRS_CONTRACT_NEEDS_SIGNATURES();
  const std::vector<std::int64_t> ids{1, 2, 3, 4};
  this->store_->add(this->prefix_, one_byte_layout(2), ids,
                    one_byte_sigs({{0x01, 0x01}, {0x01, 0x02}, {0x01, 0x03}, {0x02, 0x03}}));
  const StoreStats s = this->store_->stats(this->prefix_);
  ASSERT_TRUE(s.ids.has_value());
  EXPECT_EQ(*s.ids, 4u);
  EXPECT_EQ(s.buckets, 5u);
  ASSERT_EQ(s.buckets_per_band.size(), 2u);
  EXPECT_EQ(s.buckets_per_band[0], 2u);
  EXPECT_EQ(s.buckets_per_band[1], 3u);
  EXPECT_EQ(s.max_bucket_size, 3u);
  EXPECT_DOUBLE_EQ(s.mean_bucket_size, 8.0 / 5.0);
}

TYPED_TEST_P(StoreContract, ManyIdsAndMultiByteSignaturesRoundTrip) {
  constexpr std::size_t kIds = 5000, kBands = 4, kWidth = 3;
  std::vector<std::int64_t> ids(kIds);
  Signatures sigs{kIds, kBands, kWidth, std::vector<std::uint8_t>(kIds * kBands * kWidth)};
  for (std::size_t i = 0; i < kIds; ++i) {
    ids[i] = static_cast<std::int64_t>(i * 1'000'003 + 17);  // large, non-contiguous ids
    for (std::size_t k = 0; k < kBands * kWidth; ++k) {
      sigs.bytes[i * kBands * kWidth + k] = static_cast<std::uint8_t>((i % 50) * 5 + k);
    }
  }
  this->store_->add(this->prefix_, layout_of(sigs), ids, sigs);
  std::vector<BucketRef> refs;
  for (std::size_t b = 0; b < kBands; ++b) {
    const auto band = sigs.band(7, b);
    refs.push_back({static_cast<std::uint32_t>(b), std::string(band.begin(), band.end())});
  }
  const auto got = this->store_->members(this->prefix_, refs);
  for (std::size_t b = 0; b < kBands; ++b) {
    ASSERT_EQ(got[b].size(), kIds / 50) << "band " << b;
    for (const auto id : got[b]) EXPECT_EQ(((id - 17) / 1'000'003) % 50, 7);
  }
}

TYPED_TEST_P(StoreContract, BadInputIsRefusedAndWritesNothing) {
  const std::vector<std::int64_t> two{1, 2};
  EXPECT_THROW(this->store_->add(this->prefix_, one_byte_layout(1), two, one_byte_sigs({{0x01}})), InvalidArgument);
  EXPECT_THROW(this->store_->add("", one_byte_layout(1), two, one_byte_sigs({{0x01}, {0x02}})), InvalidArgument);
  EXPECT_THROW(this->store_->add("has space", one_byte_layout(1), two, one_byte_sigs({{0x01}, {0x02}})),
               InvalidArgument);
  EXPECT_TRUE(this->bucket(0, 0x01).empty());
  EXPECT_EQ(this->store_->stats(this->prefix_).ids.value_or(0), 0u);
}

// The layout is checked by BucketStore::add() for every store alike: a batch
// whose signatures do not have the index's shape, a buffer of the wrong size
// (MemoryStore once took it and read past the rows) and an id given twice
// are refused before anything is written.
TYPED_TEST_P(StoreContract, AddRefusesSignaturesThatDoNotFitTheLayout) {
  const std::vector<std::int64_t> two{1, 2};
  const auto sigs = one_byte_sigs({{0x01, 0x02}, {0x03, 0x04}});
  EXPECT_THROW(this->store_->add(this->prefix_, one_byte_layout(3), two, sigs), InvalidArgument);
  EXPECT_THROW(this->store_->add(this->prefix_, StoreLayout{2, 2, HashFamily::kHyperplane}, two, sigs),
               InvalidArgument);
  EXPECT_THROW(this->store_->add(this->prefix_, StoreLayout{}, two, sigs), InvalidArgument);
  Signatures short_buffer = sigs;
  short_buffer.bytes.pop_back();
  EXPECT_THROW(this->store_->add(this->prefix_, one_byte_layout(2), two, short_buffer), InvalidArgument);
  const std::vector<std::int64_t> twice{1, 1};
  EXPECT_THROW(this->store_->add(this->prefix_, one_byte_layout(2), twice, sigs), InvalidArgument);
  for (const std::uint8_t sig : std::vector<std::uint8_t>{0x01, 0x02, 0x03, 0x04}) {
    EXPECT_TRUE(this->bucket(0, sig).empty()) << int(sig);
    EXPECT_TRUE(this->bucket(1, sig).empty()) << int(sig);
  }
  EXPECT_EQ(this->store_->stats(this->prefix_).ids.value_or(0), 0u);
  EXPECT_THROW(this->store_->remove(this->prefix_, StoreLayout{0, 1, HashFamily::kHyperplane}, two),
               InvalidArgument);
}

// An id named twice in one remove is one id: counted once (RedisStore
// counted it twice).
TYPED_TEST_P(StoreContract, RemoveCountsARepeatedIdOnce) {
  const std::vector<std::int64_t> ids{4, 5};
  this->store_->add(this->prefix_, one_byte_layout(2), ids, one_byte_sigs({{0x01, 0x02}, {0x01, 0x03}}));
  const std::vector<std::int64_t> doomed{4, 4, 4};
  EXPECT_EQ(this->store_->remove(this->prefix_, one_byte_layout(2), doomed), 1u);
  EXPECT_EQ(this->bucket(0, 0x01), (std::vector<std::int64_t>{5}));
  EXPECT_TRUE(this->bucket(1, 0x02).empty());
}

// Without a layout (a prefix without meta), ids are still found and
// removed from every band, whatever their signature's width.
TYPED_TEST_P(StoreContract, RemoveWithoutLayoutFindsIdsInEveryBand) {
  constexpr std::size_t kBands = 2, kWidth = 2;
  const std::vector<std::int64_t> ids{7, 8};
  const Signatures sigs{2, kBands, kWidth, {0x01, 0x02, 0x03, 0x04, 0x01, 0x02, 0x05, 0x06}};
  this->store_->add(this->prefix_, layout_of(sigs), ids, sigs);
  const std::vector<std::int64_t> doomed{7, 99};
  EXPECT_EQ(this->store_->remove(this->prefix_, std::nullopt, doomed), 1u);
  const std::vector<BucketRef> refs{{0, "\x01\x02"}, {1, "\x03\x04"}, {1, "\x05\x06"}};
  const auto got = this->store_->members(this->prefix_, refs);
  EXPECT_EQ(got[0], (std::vector<std::int64_t>{8}));
  EXPECT_TRUE(got[1].empty());
  EXPECT_EQ(got[2], (std::vector<std::int64_t>{8}));
  EXPECT_EQ(this->store_->remove(this->prefix_, std::nullopt, doomed), 0u);
}

REGISTER_TYPED_TEST_SUITE_P(StoreContract, AddedIdsAreMembersOfTheirBuckets,
                            MembersAnswersInTheOrderAsked, ReAddingTheSameSignatureIsIdempotent,
                            ReAddingAChangedSignatureMovesTheId, RemoveTakesIdsOutOfEveryBand,
                            ClearTouchesNoOtherPrefix, MetaIsWrittenOnce,
                            StatsCountIdsAndBuckets, ManyIdsAndMultiByteSignaturesRoundTrip,
                            BadInputIsRefusedAndWritesNothing,
                            AddRefusesSignaturesThatDoNotFitTheLayout, RemoveCountsARepeatedIdOnce,
                            RemoveWithoutLayoutFindsIdsInEveryBand);

}  // namespace lshrs::testing
