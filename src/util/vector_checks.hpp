// lshrs internal — the checks every vector passes before it is hashed,
// queried or scored: a row of finite floats with a direction (some component
// above kZeroTolerance), named in the message by its id or row. Index applies
// them to what callers give it; fetchers that score rows in place (the .npy
// mapping) apply validate_fetched() to what they read, as the default rerank
// path does, so that both refuse the same rows.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace lshrs::util {

// Components at or below this magnitude count as zero (the Python package's
// tolerance): a vector made only of them has no direction, so its cosine is
// undefined.
inline constexpr float kZeroTolerance = 1e-8f;

// Each id >= 0; n = ids.size() rows of dim finite, non-zero floats;
// InvalidArgument naming the id and row otherwise.
void validate_batch(std::span<const std::int64_t> ids, std::span<const float> vectors,
                    std::size_t dim);
// The rows a fetcher returned for reranking (shape already checked), each
// finite and non-zero; SourceError naming the id otherwise.
void validate_fetched(std::span<const std::int64_t> ids, std::span<const float> vectors,
                      std::size_t dim);
// n = vectors.size() / dim query rows, each finite and non-zero.
void validate_queries(std::span<const float> vectors, std::size_t dim);

}  // namespace lshrs::util
