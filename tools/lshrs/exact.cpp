// lshrs CLI — brute-force cosine k-NN with Eigen (see exact.hpp).
#include "exact.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <numeric>

namespace lshrs::cli {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

RowMatrix normalised(const Matrix& m) {
  RowMatrix out = Eigen::Map<const RowMatrix>(m.data.data(), static_cast<Eigen::Index>(m.rows),
                                              static_cast<Eigen::Index>(m.cols));
  for (Eigen::Index i = 0; i < out.rows(); ++i) {
    const float n = out.row(i).norm();
    if (n > 0) out.row(i) /= n;
  }
  return out;
}

constexpr Eigen::Index kBlock = 256;  // queries per matrix product

}  // namespace

std::vector<std::vector<std::int64_t>> exact_neighbors(const Matrix& base, const Matrix& queries,
                                                       std::size_t k) {
  const RowMatrix b = normalised(base);
  const RowMatrix q = normalised(queries);
  const std::size_t keep = std::min(k, base.rows);
  std::vector<std::vector<std::int64_t>> out(queries.rows);
  std::vector<std::int64_t> order(base.rows);
  for (Eigen::Index start = 0; start < q.rows(); start += kBlock) {
    const Eigen::Index n = std::min(kBlock, q.rows() - start);
    const RowMatrix scores = q.middleRows(start, n) * b.transpose();
    for (Eigen::Index i = 0; i < n; ++i) {
      const float* s = scores.row(i).data();
      std::iota(order.begin(), order.end(), 0);
      auto better = [s](std::int64_t x, std::int64_t y) {
        return s[x] != s[y] ? s[x] > s[y] : x < y;
      };
      std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep),
                        order.end(), better);
      out[static_cast<std::size_t>(start + i)].assign(
          order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep));
    }
  }
  return out;
}

}  // namespace lshrs::cli
