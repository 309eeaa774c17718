// Recall counted by similarity (lshrs/exact.hpp, measure_recall in
// lshrs/tuner.hpp): on a base with duplicated and tied rows an exact answer
// that names other tied ids than the truth is a full hit by similarity and a
// partial one by id; a wrong answer, an id outside the base and a repeated
// id are still misses; the tolerance is 1e-5 and no more.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "lshrs/error.hpp"
#include "lshrs/exact.hpp"
#include "lshrs/tuner.hpp"

namespace lshrs {
namespace {

constexpr std::size_t kDim = 4;

// Query e0. Row 5 is e0 itself; rows 0, 1 (its duplicate), 2 (twice row 0)
// and 3 (another direction) all have cosine 1/√2 with it; row 4 has 0; rows
// 6 and 7 sit just inside and just outside the tolerance below 1/√2.
const std::vector<float> kBase = {
    1, 1, 0, 0,        // 0
    1, 1, 0, 0,        // 1: row 0 again
    2, 2, 0, 0,        // 2: row 0 scaled
    1, 0, 1, 0,        // 3: same cosine, other direction
    0, 1, 0, 0,        // 4: orthogonal
    1, 0, 0, 0,        // 5: the query
    1, 1.00001f, 0, 0,  // 6: cosine 1/√2 - 3.5e-6
    1, 1.0001f, 0, 0,   // 7: cosine 1/√2 - 3.5e-5
};
const std::vector<float> kQuery = {1, 0, 0, 0};

std::size_t hits(std::vector<std::int64_t> ids, std::size_t k = 2) {
  const float kth = *base_similarity(kBase, kQuery, 0);
  return hits_by_similarity(kBase, kQuery, ids, kth, k);
}

QueryResult result(std::vector<std::int64_t> ids) {
  QueryResult r;
  for (const auto id : ids) r.neighbors.push_back({id, 0, std::nullopt});
  return r;
}

TEST(Recall, BaseSimilarityIsTheCosineAndEmptyOutsideTheBase) {
  EXPECT_NEAR(*base_similarity(kBase, kQuery, 0), 1 / std::sqrt(2.0), 1e-6);
  EXPECT_EQ(*base_similarity(kBase, kQuery, 1), *base_similarity(kBase, kQuery, 0));
  EXPECT_EQ(*base_similarity(kBase, kQuery, 3), *base_similarity(kBase, kQuery, 0));
  EXPECT_FLOAT_EQ(*base_similarity(kBase, kQuery, 5), 1.0f);
  EXPECT_FALSE(base_similarity(kBase, kQuery, 8).has_value());
  EXPECT_FALSE(base_similarity(kBase, kQuery, -1).has_value());
  EXPECT_THROW(base_similarity(std::span(kBase).first(7), kQuery, 0), InvalidArgument);
}

TEST(Recall, TiedRowsAreHitsAndWorseOnesMisses) {
  EXPECT_EQ(hits({5, 0}), 2u);  // what the truth lists
  EXPECT_EQ(hits({5, 1}), 2u);  // the duplicate instead
  EXPECT_EQ(hits({2, 5}), 2u);  // the scaled copy, in any order
  EXPECT_EQ(hits({5, 3}), 2u);  // a tie in another direction
  EXPECT_EQ(hits({5, 6}), 2u);  // within the tolerance
  EXPECT_EQ(hits({5, 7}), 1u);  // beyond it
  EXPECT_EQ(hits({5, 4}), 1u);  // wrong
  EXPECT_EQ(hits({5, 8}), 1u);  // not a base row
  EXPECT_EQ(hits({-3, 5}), 1u);
  EXPECT_EQ(hits({5, 5}), 1u);     // one id returned twice counts once
  EXPECT_EQ(hits({5, 4, 0}), 1u);  // only the first k distinct ids count
  EXPECT_EQ(hits({5, 5, 0}), 2u);
  EXPECT_EQ(hits({}), 0u);
}

TEST(Recall, AnExactAnswerNamingOtherTiesIsFullRecallBySimilarityOnly) {
  // The library's own truth: row 5, then the smallest of the tied rows.
  const auto truth = exact_neighbors(kBase, kQuery, kDim, 2);
  ASSERT_EQ(truth.size(), 1u);
  ASSERT_EQ(truth[0], (std::vector<std::int64_t>{5, 0}));
  const std::vector<QueryResult> exact_other_ties = {result({5, 1})};
  const Recall r = measure_recall(exact_other_ties, kBase, kQuery, kDim, truth, 2);
  EXPECT_DOUBLE_EQ(r.by_similarity, 1.0);
  EXPECT_DOUBLE_EQ(r.by_id, 0.5);
  EXPECT_DOUBLE_EQ(r.by_id, recall_at_k(exact_other_ties, truth, 2));

  const std::vector<QueryResult> wrong = {result({5, 4})};
  EXPECT_DOUBLE_EQ(measure_recall(wrong, kBase, kQuery, kDim, truth, 2).by_similarity, 0.5);
  EXPECT_DOUBLE_EQ(measure_recall(wrong, kBase, kQuery, kDim, truth, 2).by_id, 0.5);
}

TEST(Recall, MeanOverQueriesLeavesOutQueriesWithoutTruth) {
  // Query 0 is e0, answered with a tie (row 2) the truth does not name;
  // query 1 has no truth; query 2 is e1, answered half wrong (row 3).
  const std::vector<float> queries = {1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0};
  const std::vector<std::vector<std::int64_t>> truth = {{5, 0}, {}, {4, 0}};
  const std::vector<QueryResult> results = {result({5, 2}), result({3}), result({4, 3})};
  const Recall r = measure_recall(results, kBase, queries, kDim, truth, 2);
  EXPECT_DOUBLE_EQ(r.by_similarity, (1.0 + 0.5) / 2);
  EXPECT_DOUBLE_EQ(r.by_id, (0.5 + 0.5) / 2);
  // Per-query recalls 1 and 0.5: sample standard deviation sqrt(0.125),
  // standard error of their mean sqrt(0.125 / 2) = 0.25.
  EXPECT_DOUBLE_EQ(r.by_similarity_stderr, 0.25);
  // A truth shorter than k counts against its own length.
  const std::vector<std::vector<std::int64_t>> one = {{5}};
  EXPECT_DOUBLE_EQ(measure_recall({results.data(), 1}, kBase, kQuery, kDim, one, 2).by_similarity,
                   1.0);
}

TEST(Recall, BadShapesAndTruthOutsideTheBaseAreRefused) {
  const std::vector<QueryResult> results = {result({5, 0})};
  const std::vector<std::vector<std::int64_t>> outside = {{5, 80}};
  try {
    measure_recall(results, kBase, kQuery, kDim, outside, 2);
    ADD_FAILURE() << "accepted a truth id outside the base";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("lists id 80"), std::string::npos) << e.what();
  }
  const std::vector<std::vector<std::int64_t>> none, truth = {{5, 0}};
  EXPECT_THROW(measure_recall(results, kBase, kQuery, kDim, none, 2), InvalidArgument);
  EXPECT_THROW(measure_recall(results, kBase, {}, kDim, truth, 2), InvalidArgument);
  EXPECT_THROW(measure_recall(results, kBase, kQuery, 0, truth, 2), InvalidArgument);
}

}  // namespace
}  // namespace lshrs
