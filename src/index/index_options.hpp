// Internal: validation shared by the Index entry points, so that every check
// happens before anything is hashed, buffered or written.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "lshrs/index.hpp"
#include "lshrs/model_io.hpp"

namespace lshrs::detail {

// Components at or below this magnitude count as zero: a vector made only of
// them has no direction, so its cosine is undefined.
inline constexpr float kZeroTolerance = 1e-8f;

// The configuration the options describe: num_bands/rows_per_band chosen
// when both are empty; InvalidArgument for any option out of range.
// Projections are not part of it (the hasher holds them).
IndexConfig resolve_config(const IndexOptions& options);

// The one-line refusal of a k-means index without centroids under `prefix`.
std::string kmeans_needs_centroids(const std::string& prefix);

// probes within kMaxProbes, max_candidates > 0; messages start with `what`.
void check_probes(std::optional<std::size_t> probes, std::optional<std::size_t> max_candidates,
                  const std::string& what);

void validate_query_options(const QueryOptions& options, bool has_fetcher);

// Each id >= 0; n = ids.size() rows of dim finite, non-zero floats.
void validate_batch(std::span<const std::int64_t> ids, std::span<const float> vectors,
                    std::size_t dim);
// The rows a fetcher returned for reranking (shape already checked), each
// finite and non-zero; SourceError naming the id otherwise.
void validate_fetched(std::span<const std::int64_t> ids, std::span<const float> vectors,
                      std::size_t dim);
// n = vectors.size() / dim query rows, each finite and non-zero.
void validate_queries(std::span<const float> vectors, std::size_t dim);

}  // namespace lshrs::detail
