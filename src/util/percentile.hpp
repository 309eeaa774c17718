// lshrs internal — the one percentile definition behind every p50/p99 the
// library and the CLI print (store stats' bucket sizes, `lshrs bench`
// latencies), so two figures called "p99" always mean the same thing.
//
// Definition: NEAREST RANK. The q-percentile of n sorted values is the value
// of rank ceil(q·n) (1-based, clamped to [1, n]): the smallest value with at
// least a fraction q of the values at or below it. It is always one of the
// values (no interpolation), e.g. p50 of {1,2,3,4} is 2 and p99 of 100
// values is the 99th. Empty input gives a value-initialised T (0).
//
// Thread safety: a pure function; safe from any thread.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>

namespace lshrs::util {

template <typename T>
T nearest_rank_percentile(std::span<const T> sorted, double q) {
  if (sorted.empty()) return T{};
  // The epsilon keeps q·n that should be an integer (0.99·100) from rounding
  // up to the next rank through floating-point error.
  const double exact = q * static_cast<double>(sorted.size());
  const auto rank = static_cast<std::size_t>(std::max(0.0, std::ceil(exact - 1e-9)));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace lshrs::util
