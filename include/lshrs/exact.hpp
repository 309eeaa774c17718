// lshrs — exact cosine nearest neighbours by brute force: the ground truth
// the tuner (tuner.hpp) and `lshrs bench` measure recall against, and the
// hit rule recall is counted by.
//
// Blocked matrix products (Eigen) of the queries against the base, each
// score divided by the base row's norm; the base is read in place, never
// copied, so memory stays about block × base rows floats.
//
// A returned id is a hit when its cosine with the query reaches the k-th
// exact neighbour's, not when it is one of the truth's k ids: where the base
// holds duplicates (or other rows tied with the k-th), which of the tied ids
// a truth list names is arbitrary, and counting ids under-counts every
// method (by 0.04-0.05 against numpy's truth for the man-page set, where 21%
// of the queries have more than k rows tied at the k-th similarity).
// bench/scale/peers.py counts the same way.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "lshrs/export.hpp"
#include "lshrs/files.hpp"

namespace lshrs {

// For each query row (row-major, n × dim), the row numbers of the k
// most cosine-similar rows of `base` (row-major, rows × dim), best first
// (ties: smaller row first); fewer when the base has fewer eligible rows.
// Rows i with `excluded[i]` != 0 (when given, one flag per base row) are never
// returned: the tuner's queries drawn from the base are not indexed, so they
// cannot be anyone's neighbour. Zero base rows score 0. InvalidArgument for
// dim 0, a size that is not a multiple of dim, or a mask of the wrong length.
LSHRS_API std::vector<std::vector<std::int64_t>> exact_neighbors(std::span<const float> base,
                                                       std::span<const float> queries,
                                                       std::size_t dim, std::size_t k,
                                                       std::span<const std::uint8_t> excluded = {});

// The same for matrices; InvalidArgument when their widths differ.
LSHRS_API std::vector<std::vector<std::int64_t>> exact_neighbors(const Matrix& base, const Matrix& queries,
                                                       std::size_t k);

// Slack on "as close as the k-th neighbour": the same vector scored by two
// code paths (a truth file from BLAS, the rerank here) differs in the last
// float bits. peers.py's TIE_EPSILON.
inline constexpr float kRecallTolerance = 1e-5f;

// cos(query, row `id` of `base`) (row-major, rows × query.size()) by the
// rerank's formula, so that identical rows score the same float; empty when
// `id` is not a row. InvalidArgument for an empty query or a base whose size
// is not a multiple of the query's (also below).
LSHRS_API std::optional<float> base_similarity(std::span<const float> base,
                                               std::span<const float> query, std::int64_t id);

// How many of the first k distinct `ids` have a cosine with `query` of at
// least kth_similarity - kRecallTolerance (kth_similarity: the k-th exact
// neighbour's, e.g. base_similarity of the truth's k-th id). An id that is
// not a row of `base` is a miss.
LSHRS_API std::size_t hits_by_similarity(std::span<const float> base, std::span<const float> query,
                                         std::span<const std::int64_t> ids, float kth_similarity,
                                         std::size_t k);

}  // namespace lshrs
