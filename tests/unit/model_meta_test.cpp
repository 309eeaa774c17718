// encode_meta/decode_meta: the model as stored under <prefix>:meta.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/model_io.hpp"
#include "model/meta_layout.hpp"
#include "support/model_test_util.hpp"

namespace lshrs {
namespace {

using json = nlohmann::ordered_json;
using test::expect_error;

Model sample() {
  Model m = test::oracle_model(7, 4, 2);
  m.projections[3] = -0.0f;
  m.projections[4] = std::numeric_limits<float>::denorm_min();
  m.config.similarity_threshold = 0.1 + 0.2;
  m.config.buffer_size = 99;
  m.config.seed = std::numeric_limits<std::uint64_t>::max();
  m.redis.host = "not-stored";
  return m;
}

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

// Splits an encoded meta into its header JSON and payload, and joins them back.
struct Parts {
  json header;
  std::string payload;
  explicit Parts(const std::string& meta) {
    const std::size_t nl = meta.find('\n');
    header = json::parse(meta.substr(0, nl));
    payload = meta.substr(nl + 1);
  }
  std::string join() const { return header.dump() + "\n" + payload; }
  // Keeps the checksum right, so that only the edited field is at fault.
  std::string join_with_checksum() {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(payload)));
    header["fnv1a64"] = hex;
    return join();
  }
};

TEST(ModelMeta, RoundTripIsBitExact) {
  const Model m = sample();
  const Model back = decode_meta(encode_meta(m));
  EXPECT_EQ(back.version, m.version);
  EXPECT_EQ(back.config.dim, 7u);
  EXPECT_EQ(back.config.num_perm, 8u);
  EXPECT_EQ(back.config.num_bands, 4u);
  EXPECT_EQ(back.config.rows_per_band, 2u);
  EXPECT_EQ(back.config.similarity_threshold, 0.1 + 0.2);
  EXPECT_EQ(back.config.buffer_size, 99u);
  EXPECT_EQ(back.config.seed, std::numeric_limits<std::uint64_t>::max());
  ASSERT_EQ(back.projections.size(), m.projections.size());
  EXPECT_EQ(std::memcmp(back.projections.data(), m.projections.data(), m.projections.size() * 4), 0);
  EXPECT_EQ(back.redis.host, ModelRedisConfig{}.host) << "redis settings are not part of meta";
}

// The store keeps signatures in range hashes only for indexes whose meta
// says so; earlier releases' metas (and damaged ones) lack the field.
TEST(ModelMeta, DeclaresTheSignatureRangeLayout) {
  const std::string meta = encode_meta(sample());
  EXPECT_EQ(Parts(meta).header["signatures"], "ranges/128");
  EXPECT_TRUE(meta_declares_signature_ranges(meta));
  std::string earlier = meta;
  const std::string field = ",\"signatures\":\"ranges/128\"";
  ASSERT_NE(earlier.find(field), std::string::npos);
  earlier.erase(earlier.find(field), field.size());
  EXPECT_NO_THROW(decode_meta(earlier)) << "a meta of an earlier release still opens";
  EXPECT_FALSE(meta_declares_signature_ranges(earlier));
  EXPECT_FALSE(meta_declares_signature_ranges("not json\n"));
  EXPECT_FALSE(meta_declares_signature_ranges("{\"signatures\": \"ranges/128\"}"));  // no header line
}

TEST(ModelMeta, LayoutIsAJsonLineThenLittleEndianFloats) {
  const Model m = sample();
  const std::string meta = encode_meta(m);
  const Parts parts(meta);
  EXPECT_EQ(parts.header["format"], "lshrs-meta/1");
  EXPECT_EQ(parts.header["config"]["num_bands"], 4);
  EXPECT_EQ(parts.header["projections"], 56);
  ASSERT_EQ(parts.payload.size(), 56u * 4);
  EXPECT_EQ(std::memcmp(parts.payload.data(), m.projections.data(), parts.payload.size()), 0);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(parts.payload)));
  EXPECT_EQ(parts.header["fnv1a64"], hex);
  EXPECT_EQ(meta.find("not-stored"), std::string::npos);
}

TEST(ModelMeta, EncodeRefusesAnInconsistentModel) {
  Model m = sample();
  m.projections.resize(3);
  expect_error<InvalidArgument>([&] { encode_meta(m); }, {"encode_meta", "3 projection values"});
  m = sample();
  m.config.rows_per_band = 3;
  expect_error<InvalidArgument>([&] { encode_meta(m); }, {"4 * 3 != 8"});
}

TEST(ModelMeta, DecodeRefusesDamagedOrForeignBytes) {
  const std::string good = encode_meta(sample());
  const auto bad = [](const std::string& bytes, std::initializer_list<std::string_view> parts) {
    expect_error<ConfigurationError>([&] { decode_meta(bytes); }, parts);
  };
  bad("", {"index meta", "no header line"});
  bad(std::string(5000, 'x') + "\n", {"no header line"});
  bad("{\"format\": \n", {"not valid JSON"});
  bad("[1]\n", {"not a JSON object"});
  bad("{\"format\": \"lshrs-meta/2\"}\n", {"\"format\" is not \"lshrs-meta/1\""});
  bad("lsh:0:bucket:ab\n", {"not valid JSON"});
  bad(good.substr(0, good.size() - 1), {"holds 223 bytes of projections, expected 224"});
  bad(good + "x", {"holds 225 bytes"});
  std::string flipped = good;
  flipped[flipped.size() - 5] = static_cast<char>(flipped[flipped.size() - 5] ^ 1);
  bad(flipped, {"checksum does not match"});
}

TEST(ModelMeta, DecodeValidatesTheHeaderFields) {
  const std::string good = encode_meta(sample());
  const auto with = [&](const std::function<void(Parts&)>& edit) {
    Parts p(good);
    edit(p);
    return p.join();
  };
  const auto bad = [](const std::string& bytes, std::initializer_list<std::string_view> parts) {
    expect_error<ConfigurationError>([&] { decode_meta(bytes); }, parts);
  };
  bad(with([](Parts& p) { p.header["config"]["num_perm"] = 9; }), {"4 * 2 != 9"});
  bad(with([](Parts& p) { p.header["config"].erase("dim"); }), {"index meta \"config\"", "missing key \"dim\""});
  bad(with([](Parts& p) { p.header["config"]["dim"] = "7"; }), {"\"dim\" must be an integer"});
  bad(with([](Parts& p) { p.header["projections"] = 57; }), {"declares 57 projection values", "56"});
  bad(with([](Parts& p) { p.header.erase("fnv1a64"); }), {"missing key \"fnv1a64\""});
  bad(with([](Parts& p) { p.header.erase("version"); }), {"missing key \"version\""});
  // A non-finite value with a matching checksum is still refused.
  const std::string nan = with([](Parts& p) {
    const float v = std::numeric_limits<float>::quiet_NaN();
    std::memcpy(p.payload.data() + 4 * 10, &v, 4);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(p.payload)));
    p.header["fnv1a64"] = hex;
  });
  bad(nan, {"row 1, column 3 is not finite"});
}

// A crafted meta whose num_bands · rows_per_band wraps around to num_perm
// (4 · (2^62 + 1) = 4 mod 2^64), self-consistent otherwise.
std::string wrapping_meta() {
  Parts p(encode_meta(sample()));
  p.header["config"]["num_perm"] = 4;
  p.header["config"]["rows_per_band"] = std::uint64_t{4611686018427387905u};
  p.header["projections"] = 4 * 7;
  p.payload.resize(4 * 7 * sizeof(float));
  return p.join_with_checksum();
}

TEST(ModelMeta, DecodeRefusesAShapeWhoseProductWrapsAround) {
  expect_error<ConfigurationError>([] { decode_meta(wrapping_meta()); },
                                   {"index meta", "exceeds the supported 65536 hyperplanes"});
  // Opening or querying such an index is a clear error, never a crash.
  auto store = std::make_shared<MemoryStore>();
  ASSERT_TRUE(store->store_meta_if_absent("crafted", wrapping_meta()));
  expect_error<ConfigurationError>([&] { Index::open(store, "crafted"); }, {"65536 hyperplanes"});
  IndexOptions o;
  o.dim = 7;
  o.prefix = "crafted";
  expect_error<ConfigurationError>([&] { Index{o, store}; }, {"65536 hyperplanes"});
}

TEST(ModelMeta, DecodeRefusesHugeDeclaredSizes) {
  Parts p(encode_meta(sample()));
  p.header["config"]["num_perm"] = 10'000'000;
  p.header["config"]["num_bands"] = 10;
  p.header["config"]["rows_per_band"] = 1'000'000;
  expect_error<ConfigurationError>([&] { decode_meta(p.join()); }, {"65536 hyperplanes"});
}

TEST(ModelMeta, DecodeRefusesAnAllZeroProjectionRow) {
  Parts p(encode_meta(sample()));
  std::memset(p.payload.data() + 7 * sizeof(float), 0, 7 * sizeof(float));  // row 1
  expect_error<ConfigurationError>([&] { decode_meta(p.join_with_checksum()); },
                                   {"index meta", "projection row 1 is all zeros"});
}

}  // namespace
}  // namespace lshrs
