// The callback fetcher and the default rerank scores of lshrs/fetcher.hpp.
#include "lshrs/fetcher.hpp"

#include <Eigen/Core>
#include <string>

#include "lshrs/error.hpp"
#include "util/cosine.hpp"
#include "util/vector_checks.hpp"

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

ScoredIds VectorFetcher::similarities(std::span<const float> query,
                                     std::span<const std::int64_t> ids) {
  const std::size_t dim = query.size();
  FetchedVectors fetched = fetch(ids);
  if (fetched.data.size() != fetched.ids.size() * dim) {
    throw InvalidArgument("the vector fetcher returned " + std::to_string(fetched.data.size()) +
                          " floats for " + std::to_string(fetched.ids.size()) +
                          " ids; expected ids × dim = " + std::to_string(fetched.ids.size() * dim));
  }
  util::validate_fetched(fetched.ids, fetched.data, dim);
  return {std::move(fetched.ids), cosine_similarities(query, fetched.data)};
}

std::vector<float> cosine_similarities(std::span<const float> query, std::span<const float> rows) {
  if (query.empty() || rows.size() % query.size() != 0) {
    throw InvalidArgument("cosine_similarities: " + std::to_string(rows.size()) +
                          " floats is not a whole number of rows of dimension " +
                          std::to_string(query.size()));
  }
  const std::size_t n = rows.size() / query.size();
  const float query_norm = util::vector_norm(query);
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = util::cosine(query, query_norm, rows.data() + i * query.size());
  }
  return out;
}

}  // namespace lshrs
