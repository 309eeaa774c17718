// lshrs CLI — exact cosine nearest neighbours by brute force, the ground
// truth `lshrs bench` measures recall against when none is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lshrs/files.hpp"

namespace lshrs::cli {

// For each query row, the ids (row numbers of `base`) of the k most
// cosine-similar base rows, best first (ties: smaller id first). Blocked
// matrix products over normalised copies, so memory stays about
// block × base.rows floats.
std::vector<std::vector<std::int64_t>> exact_neighbors(const Matrix& base, const Matrix& queries,
                                                       std::size_t k);

}  // namespace lshrs::cli
