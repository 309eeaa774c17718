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

#include "lshrs/export.hpp"
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

// Cosine similarities of one query with the ids that were found: scores[i]
// belongs to ids[i], in the order asked; ids that no longer exist are absent.
struct ScoredIds {
  std::vector<std::int64_t> ids;
  std::vector<float> scores;
};

class LSHRS_API VectorFetcher {
 public:
  virtual ~VectorFetcher() = default;
  virtual FetchedVectors fetch(std::span<const std::int64_t> ids) = 0;
  // What the rerank asks for: the cosine of `query` (dim floats) with the
  // stored vector of each id. The default fetches the vectors and scores
  // them; a fetcher that already holds the vectors in memory (the .npy
  // mapping) overrides it to score them in place, since copying every
  // candidate's vector costs more than its cosine. Either way a stored vector
  // that is not finite or is zero is a SourceError naming the id: ranking it
  // with cosine 0 would hide broken data.
  virtual ScoredIds similarities(std::span<const float> query, std::span<const std::int64_t> ids);
};

// Adapts a function with the Python package's `vector_fetch_fn` contract:
// given ids it returns exactly ids.size() × dim floats, row-major, in order.
class LSHRS_API CallbackFetcher final : public VectorFetcher {
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
LSHRS_API std::vector<float> cosine_similarities(std::span<const float> query, std::span<const float> rows);

}  // namespace lshrs
