// Internal: validation shared by the Index entry points, so that every check
// happens before anything is hashed, buffered or written. The checks of the
// vectors themselves are util/vector_checks.hpp's, which fetchers share.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "lshrs/index.hpp"
#include "lshrs/model_io.hpp"

namespace lshrs::detail {

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

}  // namespace lshrs::detail
