// Attributes per id and filtered queries through Index (index.hpp:
// index(ids, vectors, attributes), attributes(), QueryOptions::filter), on
// the memory store; the Redis suites run the same store contract
// (support/record_contract.hpp). Expected answers come from the formulas the
// attributes were made from, never from the code under test.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

constexpr std::size_t kDim = 16, kN = 2000;

// Id i: year 1900 + i % 126, lang "en" for odd ids else "fr", tags ["t<i % 7>"].
std::string attributes_of(std::int64_t i) {
  return nlohmann::json{{"year", 1900 + i % 126}, {"lang", i % 2 ? "en" : "fr"}, {"tags", {"t" + std::to_string(i % 7)}}}
      .dump();
}

class IndexFilter : public ::testing::Test {
 protected:
  void SetUp() override {
    ids_ = iota_ids(kN);
    vectors_ = random_vectors(kN, kDim, 5);
    std::vector<std::string> attrs;
    for (const auto id : ids_) attrs.push_back(attributes_of(id));
    index_.index(ids_, vectors_, attrs);
  }
  std::span<const float> vector(std::size_t i) const { return std::span(vectors_).subspan(i * kDim, kDim); }

  std::shared_ptr<MemoryStore> store_ = std::make_shared<MemoryStore>();
  Index index_{shaped_index_options("filter", kDim, 8, 6), store_};
  std::vector<std::int64_t> ids_;
  std::vector<float> vectors_;
};

TEST_F(IndexFilter, AttributesComeBackCompactAndGoWithTheirId) {
  const std::vector<std::int64_t> asked{3, 2500, 0};
  const auto got = index_.attributes(asked);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], std::optional<std::string>(R"({"lang":"en","tags":["t3"],"year":1903})"));
  EXPECT_FALSE(got[1]) << "2500 was never indexed";
  EXPECT_EQ(nlohmann::json::parse(got[2].value_or("null")), nlohmann::json::parse(attributes_of(0)));
  // Written again without attributes: they go. Removed: nothing is left.
  const std::vector<std::int64_t> three{3}, zero{0};
  index_.index(three, vector(3));
  EXPECT_FALSE(index_.attributes(three)[0]);
  index_.ingest(0, vector(0), R"({ "lang" : "de" })");
  index_.flush();
  EXPECT_EQ(index_.attributes(zero)[0], std::optional<std::string>(R"({"lang":"de"})"));
  EXPECT_EQ(index_.remove(zero), 1u);
  EXPECT_FALSE(index_.attributes(zero)[0]);
}

TEST_F(IndexFilter, BadAttributesAreRefusedAndNothingIsWritten) {
  const std::vector<std::int64_t> id{5000};
  const auto v = random_vectors(1, kDim, 9);
  const auto before = index_.stats().storage.ids;
  const auto refused = [&](std::vector<std::string> attrs, const std::string& part) {
    expect_contains(message_of<InvalidArgument>([&] { index_.index(id, v, attrs); }), part);
  };
  refused({"{\"a\": 1"}, "not JSON");
  refused({"[1, 2]"}, "must be a JSON object");
  refused({"{\"a\": {\"b\": 1}}"}, "nested object");
  refused({"{\"a\": [[1]]}"}, "nested object");
  refused({"{\"a\": 1}", "{}"}, "1 ids but 2 attributes");
  refused({"{\"a\": \"" + std::string(kMaxAttributeBytes, 'x') + "\"}"}, "more than the");
  EXPECT_THROW(index_.ingest(5000, v, "nope"), InvalidArgument);
  EXPECT_EQ(index_.buffered(), 0u);
  EXPECT_EQ(index_.stats().storage.ids, before);
  EXPECT_FALSE(index_.attributes(id)[0]);
}

TEST_F(IndexFilter, AFilteredQueryReturnsOnlyIdsThatPass) {
  QueryOptions o;
  o.filter = R"(.lang == "en" and .year >= 2000 and "t3" in .tags)";
  std::size_t returned = 0, removed = 0;
  for (std::size_t q = 0; q < 20; ++q) {
    const QueryResult r = index_.query(vector(q * 37), o);
    removed += r.filtered_out;
    for (const Neighbor& nb : r.neighbors) {
      ++returned;
      const std::int64_t i = nb.id;
      EXPECT_TRUE(i % 2 == 1 && 1900 + i % 126 >= 2000 && i % 7 == 3) << "id " << i << " fails the filter";
    }
  }
  EXPECT_GT(returned, 0u);
  EXPECT_GT(removed, 0u) << "the filter removed nothing: it was not applied";
}

// 16 of 2,000 ids pass (year 1900: i % 126 == 0): the query's own buckets
// hold few of them, so the probe budget must grow until top_k pass (with
// an effort that allows every candidate: the default, 100 × top_k, need not).
TEST_F(IndexFilter, ASelectiveFilterWidensTheProbesUntilTopKPass) {
  QueryOptions o;
  o.top_k = 10;
  o.probes = 0;
  o.filter_effort = kN;
  o.filter = R"(.year == 1900)";
  const QueryResult r = index_.query(vector(1), o);
  EXPECT_EQ(r.neighbors.size(), 10u);
  EXPECT_FALSE(r.filter_effort_spent);
  for (const Neighbor& nb : r.neighbors) EXPECT_EQ(nb.id % 126, 0) << nb.id;
  // Held to 30 examined candidates, it stops early and says so.
  o.filter_effort = 30;
  const QueryResult held = index_.query(vector(1), o);
  EXPECT_TRUE(held.filter_effort_spent);
  EXPECT_LT(held.neighbors.size(), 10u);
  EXPECT_LE(held.neighbors.size() + held.filtered_out, 30u) << "examined more than the effort allows";
}

TEST_F(IndexFilter, AFilterNoIdPassesEndsWithEveryBucketReadOrTheEffortSpent) {
  QueryOptions o;
  o.filter = R"(.lang == "es")";
  const QueryResult r = index_.query(vector(4), o);
  EXPECT_TRUE(r.neighbors.empty());
  EXPECT_TRUE(r.filter_effort_spent);
  EXPECT_GT(r.filtered_out, 0u);
}

TEST_F(IndexFilter, BadFiltersAreOneLineErrors) {
  QueryOptions o;
  o.filter = ".year >> 3";
  expect_contains(message_of<InvalidArgument>([&] { index_.query(vector(0), o); }), "column");
  o.filter = ".year > 3";
  o.filter_effort = 0;
  expect_contains(message_of<InvalidArgument>([&] { index_.query(vector(0), o); }), "filter_effort");
}

}  // namespace
}  // namespace lshrs::testing
