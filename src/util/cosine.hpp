// lshrs internal — the one cosine every rerank uses, row by row, so that a
// fetcher scoring vectors in place (the .npy mapping) and the default path
// (fetch, then score) give the same float for the same vector.
//
// Thread safety: pure functions.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <span>

namespace lshrs::util {

inline float vector_norm(std::span<const float> v) {
  return Eigen::Map<const Eigen::VectorXf>(v.data(), static_cast<Eigen::Index>(v.size())).norm();
}

inline float squared_norm(const float* row, std::size_t dim) {
  return Eigen::Map<const Eigen::VectorXf>(row, static_cast<Eigen::Index>(dim)).squaredNorm();
}

// cos(query, row) for a row of query.size() floats whose squared norm the
// caller has already computed (row_needs_checks needs it too: one pass over
// the row fewer). Eigen's norm() is sqrt(squaredNorm()), so this is the same
// float as the overload below.
inline float cosine(std::span<const float> query, float query_norm, const float* row,
                    float row_squared_norm) {
  const auto dim = static_cast<Eigen::Index>(query.size());
  const Eigen::Map<const Eigen::VectorXf> q(query.data(), dim), r(row, dim);
  const float denom = std::sqrt(row_squared_norm) * query_norm;
  return denom > 0.0f ? r.dot(q) / denom : 0.0f;
}

// cos(query, row) for a row of query.size() floats; 0 when either is zero.
inline float cosine(std::span<const float> query, float query_norm, const float* row) {
  return cosine(query, query_norm, row, squared_norm(row, query.size()));
}

// Whether a stored row needs the full checks (validate_fetched) before it is
// scored, from its squared norm: not finite, or so small that every component
// may be below the zero tolerance. Cheaper than checking every component of
// every candidate, and exact: a row that passes has a component above the
// tolerance (sum of squares > dim · tol²) and no NaN or infinity.
inline bool row_needs_checks(float squared_norm, std::size_t dim, float zero_tolerance) {
  return !std::isfinite(squared_norm) ||
         !(squared_norm > static_cast<float>(dim) * zero_tolerance * zero_tolerance);
}

}  // namespace lshrs::util
