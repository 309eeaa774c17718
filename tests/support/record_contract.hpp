// The per-id record part of the BucketStore contract (store.hpp: RecordExtras,
// records()), as a typed suite every store that keeps records instantiates
// beside StoreContract:
//
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, RecordContract, MyStores);
//
// What filters (attributes) and expiry (TTL) will rely on: extras come back
// with the signature they were written with, a write replaces the whole
// record, a remove drops it, a refused write leaves nothing behind, and ids
// still count once each.
#pragma once

#include "support/store_contract.hpp"

namespace lshrs::testing {

template <typename Factory>
class RecordContract : public StoreContract<Factory> {
 protected:
  std::vector<std::optional<IdRecord>> read(std::vector<std::int64_t> ids, std::size_t bands = 2) {
    return this->store_->records(this->prefix_, one_byte_layout(bands), ids);
  }
};

TYPED_TEST_SUITE_P(RecordContract);

inline RecordExtras attributes(std::string text) { return RecordExtras{std::move(text), std::nullopt}; }

TYPED_TEST_P(RecordContract, ExtrasComeBackWithTheirSignatureInTheOrderAsked) {
  // Ids of two ranges (0 and 1); binary attributes with the section tags and
  // a NUL inside, an empty one, one with an expiry, one with nothing.
  const std::vector<std::int64_t> ids{3, 130, 131, 4};
  const std::string binary = std::string("a\0e", 3) + "{\"lang\":\"en\"}";
  const std::vector<RecordExtras> extras{attributes(binary), RecordExtras{"", 1'700'000'000'123},
                                         RecordExtras{std::nullopt, 42}, RecordExtras{}};
  this->store_->add(this->prefix_, one_byte_layout(2), ids,
                    one_byte_sigs({{0x01, 0x02}, {0x03, 0x04}, {0x05, 0x06}, {0x07, 0x08}}), extras);
  const auto got = this->read({131, 9, 3, 4, 130, 3});
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0], (IdRecord{"\x05\x06", RecordExtras{std::nullopt, 42}}));
  EXPECT_FALSE(got[1]) << "9 was never added";
  EXPECT_EQ(got[2], (IdRecord{"\x01\x02", attributes(binary)}));
  EXPECT_EQ(got[3], (IdRecord{"\x07\x08", RecordExtras{}}));
  EXPECT_EQ(got[4], (IdRecord{"\x03\x04", RecordExtras{"", 1'700'000'000'123}}));
  EXPECT_EQ(got[5], got[2]) << "an id asked twice is read twice";
  EXPECT_EQ(this->store_->stats(this->prefix_).ids.value_or(0), 4u) << "extras are not ids";
}

TYPED_TEST_P(RecordContract, AWriteReplacesTheWholeRecord) {
  const std::vector<std::int64_t> id{7};
  this->store_->add(this->prefix_, one_byte_layout(2), id, one_byte_sigs({{0x11, 0x22}}),
                    std::vector<RecordExtras>{RecordExtras{"old", 99}});
  // The same vector again, without extras: the extras go.
  this->store_->add(this->prefix_, one_byte_layout(2), id, one_byte_sigs({{0x11, 0x22}}));
  EXPECT_EQ(this->read({7})[0], (IdRecord{"\x11\x22", RecordExtras{}}));
  // Another vector with new attributes: buckets and attributes move together.
  this->store_->add(this->prefix_, one_byte_layout(2), id, one_byte_sigs({{0x11, 0x33}}),
                    std::vector<RecordExtras>{attributes("new")});
  EXPECT_EQ(this->read({7})[0], (IdRecord{"\x11\x33", attributes("new")}));
  EXPECT_TRUE(this->bucket(1, 0x22).empty());
  EXPECT_EQ(this->bucket(1, 0x33), (std::vector<std::int64_t>{7}));
}

TYPED_TEST_P(RecordContract, RemoveDropsTheRecordWithTheId) {
  const std::vector<std::int64_t> ids{5, 6};
  this->store_->add(this->prefix_, one_byte_layout(2), ids, one_byte_sigs({{0x01, 0x02}, {0x01, 0x03}}),
                    std::vector<RecordExtras>{RecordExtras{"five", 5}, attributes("six")});
  const std::vector<std::int64_t> doomed{5};
  EXPECT_EQ(this->store_->remove(this->prefix_, one_byte_layout(2), doomed), 1u);
  const auto got = this->read({5, 6});
  EXPECT_FALSE(got[0]);
  EXPECT_EQ(got[1], (IdRecord{"\x01\x03", attributes("six")}));
  // Added again without extras: nothing of the removed record comes back.
  this->store_->add(this->prefix_, one_byte_layout(2), doomed, one_byte_sigs({{0x01, 0x02}}));
  EXPECT_EQ(this->read({5})[0], (IdRecord{"\x01\x02", RecordExtras{}}));
}

TYPED_TEST_P(RecordContract, BadExtrasAreRefusedAndWriteNothing) {
  const std::vector<std::int64_t> two{1, 2};
  const auto sigs = one_byte_sigs({{0x01, 0x02}, {0x03, 0x04}});
  const auto refused = [&](std::vector<RecordExtras> extras, StoreLayout layout = one_byte_layout(2)) {
    EXPECT_THROW(this->store_->add(this->prefix_, layout, two, sigs, extras), InvalidArgument);
  };
  refused({RecordExtras{}});  // one entry for two ids
  refused({RecordExtras{}, attributes(std::string(kMaxAttributeBytes + 1, 'x'))});
  refused({RecordExtras{std::nullopt, 0}, RecordExtras{}});
  refused({RecordExtras{}, RecordExtras{std::nullopt, -5}});
  StoreLayout per_id = one_byte_layout(2);
  per_id.signatures = SignatureRecords::kPerId;
  refused({attributes("x"), RecordExtras{}}, per_id);
  EXPECT_TRUE(this->bucket(0, 0x01).empty());
  EXPECT_TRUE(this->bucket(0, 0x03).empty());
  const auto got = this->read({1, 2});
  EXPECT_FALSE(got[0]);
  EXPECT_FALSE(got[1]);
  const std::vector<std::int64_t> negative{-1};
  EXPECT_THROW(this->store_->records(this->prefix_, one_byte_layout(2), negative), InvalidArgument);
  EXPECT_THROW(this->store_->records(this->prefix_, StoreLayout{}, two), InvalidArgument);
}

TYPED_TEST_P(RecordContract, TheLargestAttributesRoundTrip) {
  std::string big(kMaxAttributeBytes, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  const std::vector<std::int64_t> id{1000};
  this->store_->add(this->prefix_, one_byte_layout(2), id, one_byte_sigs({{0x0a, 0x0b}}),
                    std::vector<RecordExtras>{RecordExtras{big, INT64_MAX}});
  EXPECT_EQ(this->read({1000})[0], (IdRecord{"\x0a\x0b", RecordExtras{big, INT64_MAX}}));
}

REGISTER_TYPED_TEST_SUITE_P(RecordContract, ExtrasComeBackWithTheirSignatureInTheOrderAsked,
                            AWriteReplacesTheWholeRecord, RemoveDropsTheRecordWithTheId,
                            BadExtrasAreRefusedAndWriteNothing, TheLargestAttributesRoundTrip);

}  // namespace lshrs::testing
