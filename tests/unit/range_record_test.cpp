// The per-id record's byte layout (store/range_record.hpp): what a range's
// field holds, written out by hand from the format, and the values a
// foreign or newer writer may leave that decoding must refuse.
#include <gtest/gtest.h>

#include "store/range_record.hpp"

namespace lshrs {
namespace {

TEST(RangeRecord, ARecordWithoutExtrasIsTheBareSignature) {
  EXPECT_EQ(encode_record("\x01\x02\x03", RecordExtras{}), "\x01\x02\x03");
  const auto r = decode_record("\x01\x02\x03", 3);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->signature, "\x01\x02\x03");
  EXPECT_EQ(r->extras, RecordExtras{});
}

TEST(RangeRecord, TheSectionsFollowTheSignatureExpiryFirst) {
  // 0x0102030405060708 ms, big-endian, after 'e'; after 'a' the
  // attributes' length (4 bytes, big-endian) and the attributes.
  const std::string expected = std::string("\xaa\xbb") + "e" + std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8) +
                               "a" + std::string("\0\0\0\x07", 4) + "{\"x\":1}";
  EXPECT_EQ(encode_record("\xaa\xbb", RecordExtras{"{\"x\":1}", 0x0102030405060708}), expected);
  const auto r = decode_record(expected, 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->signature, "\xaa\xbb");
  EXPECT_EQ(r->extras, (RecordExtras{"{\"x\":1}", 0x0102030405060708}));
  const std::string empty = std::string("sa") + std::string(4, '\0');
  EXPECT_EQ(encode_record("s", RecordExtras{"", std::nullopt}), empty) << "empty attributes are present";
  EXPECT_EQ(decode_record(empty, 1)->extras, (RecordExtras{"", std::nullopt}));
}

TEST(RangeRecord, AttributesMayHoldAnyByte) {
  const std::string attrs = std::string("e\0a\xff", 4);
  const std::string rec = encode_record(std::string(2, '\0'), RecordExtras{attrs, std::nullopt});
  EXPECT_EQ(rec, std::string("\x00\x00" "a" "\0\0\0\x04" "e\0a\xff", 11));
  EXPECT_EQ(decode_record(rec, 2)->extras.attributes, attrs);
}

TEST(RangeRecord, WhatNoWriterOfThisFormatLeavesIsRefused) {
  EXPECT_FALSE(decode_record("\x01", 2)) << "shorter than the signature";
  EXPECT_FALSE(decode_record("\x01\x02x", 2)) << "an unknown section";
  EXPECT_FALSE(decode_record(std::string("\x01\x02" "e\x00\x00", 5), 2)) << "a cut expiry";
  EXPECT_FALSE(decode_record(std::string("\x01\x02" "e\0\0\0\0\0\0\0\0", 11), 2)) << "expiry 0";
  EXPECT_FALSE(decode_record(std::string("\x01\x02" "e\x80\0\0\0\0\0\0\0", 11), 2)) << "beyond int64";
  EXPECT_FALSE(decode_record(std::string("\x01\x02" "e\0\0\0\0\0\0\0\x01" "e\0\0\0\0\0\0\0\x01", 20), 2))
      << "two expiries";
  EXPECT_FALSE(decode_record(std::string("\x01\x02" "e\0\0\0\0\0\0\0\x01" "x", 12), 2))
      << "an unknown section after the expiry";
  // A foreign value whose byte after the signature happens to be a tag.
  EXPECT_FALSE(decode_record("toolongvalue", 8)) << "'a' then a cut length";
  EXPECT_FALSE(decode_record(std::string("\x01\x02" "a\0\0\0\x03" "xy", 9), 2)) << "fewer bytes than the length";
  EXPECT_FALSE(decode_record(std::string("\x01\x02" "a\0\0\0\x01" "xy", 9), 2)) << "bytes after the attributes";
  EXPECT_FALSE(decode_record(std::string("\x01\x02" "a\0\0\0\x01" "xe", 9), 2)) << "an expiry after the attributes";
}

}  // namespace
}  // namespace lshrs
