// The inner loop the GEMM-based hashers share (hyperplanes, k-means): every
// row of a batch scored against a fixed matrix of `width` rows, one matrix
// product per block of rows, so that the block × width product stays a few
// MiB however large the batch. Internal; stateless, so thread-safe.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <span>
#include <string>

#include "lshrs/error.hpp"

namespace lshrs::detail {

// Rows in `vectors` (row-major, `dim` floats a row), or an InvalidArgument
// naming the hasher (`who`) when the floats do not make whole rows.
inline std::size_t whole_rows(std::span<const float> vectors, std::size_t dim, const char* who) {
  if (vectors.size() % dim != 0) {
    throw InvalidArgument(std::string(who) + ": " + std::to_string(vectors.size()) +
                          " floats is not a whole number of vectors of dimension " +
                          std::to_string(dim));
  }
  return vectors.size() / dim;
}

// Calls visit(row, scores) for every row of `vectors` in order, `scores` being
// its `width` dot products with the rows of `matrix` (row-major width × dim).
// `scores` is valid only during the call.
template <class Visit>
void for_each_scored_row(std::span<const float> vectors, std::size_t dim, const float* matrix,
                         std::size_t width, std::size_t block_rows, Visit&& visit) {
  using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using ConstRowMap = Eigen::Map<const RowMatrix>;
  const std::size_t n = vectors.size() / dim;
  const ConstRowMap fixed(matrix, static_cast<Eigen::Index>(width), static_cast<Eigen::Index>(dim));
  RowMatrix product;
  for (std::size_t first = 0; first < n; first += block_rows) {
    const std::size_t count = std::min(block_rows, n - first);
    const ConstRowMap batch(vectors.data() + first * dim, static_cast<Eigen::Index>(count),
                            static_cast<Eigen::Index>(dim));
    product.resize(static_cast<Eigen::Index>(count), static_cast<Eigen::Index>(width));
    product.noalias() = batch * fixed.transpose();
    for (std::size_t i = 0; i < count; ++i) visit(first + i, product.data() + i * width);
  }
}

}  // namespace lshrs::detail
