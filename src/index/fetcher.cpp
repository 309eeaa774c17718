#include "lshrs/fetcher.hpp"

#include <Eigen/Core>
#include <string>

#include "lshrs/error.hpp"

namespace lshrs {

CallbackFetcher::CallbackFetcher(std::size_t dim, Callback callback)
    : dim_(dim), callback_(std::move(callback)) {
  if (dim_ == 0) throw InvalidArgument("CallbackFetcher: dim must be positive");
  if (!callback_) throw InvalidArgument("CallbackFetcher: the callback is empty");
}

FetchedVectors CallbackFetcher::fetch(std::span<const std::int64_t> ids) {
  FetchedVectors out;
  out.data = callback_(ids);
  if (out.data.size() != ids.size() * dim_) {
    throw InvalidArgument("vector fetch callback returned " + std::to_string(out.data.size()) +
                          " floats for " + std::to_string(ids.size()) +
                          " ids; expected ids × dim = " + std::to_string(ids.size() * dim_) +
                          " (row-major, one row per id, in the order asked)");
  }
  out.ids.assign(ids.begin(), ids.end());
  return out;
}

std::vector<float> cosine_similarities(std::span<const float> query, std::span<const float> rows) {
  const auto dim = static_cast<Eigen::Index>(query.size());
  if (dim == 0 || rows.size() % query.size() != 0) {
    throw InvalidArgument("cosine_similarities: " + std::to_string(rows.size()) +
                          " floats is not a whole number of rows of dimension " +
                          std::to_string(query.size()));
  }
  const auto n = static_cast<Eigen::Index>(rows.size() / query.size());
  using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const RowMatrix> m(rows.data(), n, dim);
  const Eigen::Map<const Eigen::VectorXf> q(query.data(), dim);
  const float q_norm = q.norm();
  const Eigen::VectorXf dots = m * q;
  const Eigen::VectorXf norms = m.rowwise().norm();
  std::vector<float> out(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    const float denom = norms[i] * q_norm;
    out[static_cast<std::size_t>(i)] = denom > 0.0f ? dots[i] / denom : 0.0f;
  }
  return out;
}

}  // namespace lshrs
