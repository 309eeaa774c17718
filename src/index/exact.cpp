// Brute-force cosine k-NN with Eigen (see lshrs/exact.hpp).
#include "lshrs/exact.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <numeric>
#include <string>
#include <unordered_set>

#include "lshrs/error.hpp"
#include "util/cosine.hpp"

namespace lshrs {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstRowMap = Eigen::Map<const RowMatrix>;

constexpr Eigen::Index kBlock = 256;  // queries per matrix product

std::size_t rows_of(std::span<const float> m, std::size_t dim, const char* what,
                    const char* op = "exact_neighbors") {
  if (dim == 0 || m.size() % dim != 0) {
    throw InvalidArgument(std::string(op) + ": " + what + " holds " + std::to_string(m.size()) +
                          " floats, not a multiple of dim " + std::to_string(dim));
  }
  return m.size() / dim;
}

// The base row `id` of a base `dim` wide, or an empty span when there is none.
std::span<const float> base_row(std::span<const float> base, std::size_t dim, std::int64_t id) {
  if (id < 0 || static_cast<std::size_t>(id) >= rows_of(base, dim, "the base", "recall")) return {};
  return base.subspan(static_cast<std::size_t>(id) * dim, dim);
}

}  // namespace

std::optional<float> base_similarity(std::span<const float> base, std::span<const float> query,
                                     std::int64_t id) {
  const auto row = base_row(base, query.size(), id);
  if (row.empty()) return std::nullopt;
  return util::cosine(query, util::vector_norm(query), row.data());
}

std::size_t hits_by_similarity(std::span<const float> base, std::span<const float> query,
                               std::span<const std::int64_t> ids, float kth_similarity,
                               std::size_t k) {
  const float query_norm = util::vector_norm(query);
  std::unordered_set<std::int64_t> seen;
  std::size_t hits = 0;
  for (const std::int64_t id : ids) {
    if (seen.size() == k) break;
    if (!seen.insert(id).second) continue;
    const auto row = base_row(base, query.size(), id);
    if (!row.empty() &&
        util::cosine(query, query_norm, row.data()) >= kth_similarity - kRecallTolerance) {
      ++hits;
    }
  }
  return hits;
}

std::vector<std::vector<std::int64_t>> exact_neighbors(std::span<const float> base,
                                                       std::span<const float> queries,
                                                       std::size_t dim, std::size_t k,
                                                       std::span<const std::uint8_t> excluded) {
  const std::size_t n = rows_of(base, dim, "the base"), nq = rows_of(queries, dim, "the queries");
  if (!excluded.empty() && excluded.size() != n) {
    throw InvalidArgument("exact_neighbors: the exclusion mask has " +
                          std::to_string(excluded.size()) + " flags for " + std::to_string(n) +
                          " base rows");
  }
  const auto d = static_cast<Eigen::Index>(dim);
  const ConstRowMap b(base.data(), static_cast<Eigen::Index>(n), d);
  // Dividing the scores by the base norms ranks like normalising the base,
  // without a copy of it; the query's own norm does not change its ranking.
  Eigen::VectorXf inverse_norm = b.rowwise().norm();
  for (Eigen::Index i = 0; i < inverse_norm.size(); ++i) {
    inverse_norm[i] = inverse_norm[i] > 0 ? 1.0f / inverse_norm[i] : 0.0f;
  }
  std::vector<std::int64_t> eligible;
  eligible.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (excluded.empty() || excluded[i] == 0) eligible.push_back(static_cast<std::int64_t>(i));
  }
  const std::size_t keep = std::min(k, eligible.size());
  const ConstRowMap q(queries.data(), static_cast<Eigen::Index>(nq), d);
  std::vector<std::vector<std::int64_t>> out(nq);
  std::vector<std::int64_t> order;
  for (Eigen::Index start = 0; start < q.rows(); start += kBlock) {
    const Eigen::Index m = std::min(kBlock, q.rows() - start);
    RowMatrix scores = q.middleRows(start, m) * b.transpose();
    scores.array().rowwise() *= inverse_norm.transpose().array();
    for (Eigen::Index i = 0; i < m; ++i) {
      const float* s = scores.row(i).data();
      order = eligible;
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

std::vector<std::vector<std::int64_t>> exact_neighbors(const Matrix& base, const Matrix& queries,
                                                       std::size_t k) {
  if (base.cols != queries.cols) {
    throw InvalidArgument("exact_neighbors: the base has " + std::to_string(base.cols) +
                          " dims but the queries " + std::to_string(queries.cols));
  }
  return exact_neighbors(base.data, queries.data, base.cols, k);
}

}  // namespace lshrs
