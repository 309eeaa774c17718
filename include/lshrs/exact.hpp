// lshrs — exact cosine nearest neighbours by brute force: the ground truth
// the tuner (tuner.hpp) and `lshrs bench` measure recall against.
//
// Blocked matrix products (Eigen) of the queries against the base, each
// score divided by the base row's norm; the base is read in place, never
// copied, so memory stays about block × base rows floats.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
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

}  // namespace lshrs
