// lshrs — reading vectors back for reranking.
//
// The index stores only bucket membership; to rank candidates by true cosine
// similarity it asks a VectorFetcher for their vectors, from wherever the
// caller keeps them (PostgreSQL, Parquet, a .npy file, application memory).
//
// Thread safety: Index calls fetch() from whichever threads run queries, so an
// implementation must tolerate concurrent calls (CallbackFetcher forwards them
// to the callback as they come).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace lshrs {

// Vectors for the ids that were found: row i of `data` (row-major, dim floats)
// belongs to ids[i]. Ids that no longer exist are simply absent.
struct FetchedVectors {
  std::vector<std::int64_t> ids;
  std::vector<float> data;
};

class VectorFetcher {
 public:
  virtual ~VectorFetcher() = default;
  virtual FetchedVectors fetch(std::span<const std::int64_t> ids) = 0;
};

// Adapts a function with the Python package's `vector_fetch_fn` contract:
// given ids it returns exactly ids.size() × dim floats, row-major, in order.
class CallbackFetcher final : public VectorFetcher {
 public:
  using Callback = std::function<std::vector<float>(std::span<const std::int64_t> ids)>;

  CallbackFetcher(std::size_t dim, Callback callback);
  FetchedVectors fetch(std::span<const std::int64_t> ids) override;

 private:
  std::size_t dim_;
  Callback callback_;
};

// Cosine similarity of `query` (dim floats) with each row of `rows`
// (n × dim, row-major). Zero rows score 0.
std::vector<float> cosine_similarities(std::span<const float> query, std::span<const float> rows);

}  // namespace lshrs
