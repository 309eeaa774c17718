// lshrs — the query settings an index answers with unless a query says
// otherwise.
//
// A tuned configuration is bands and rows (the index) plus how to query it:
// how many extra buckets to probe and how many candidates to rerank. The
// second half travels with the first, in the model directory's metadata.json
// (a top-level "query_defaults" object the Python package's loader ignores)
// and in `<prefix>:meta`, so a tuned index answers at its tuned speed without
// every caller repeating the flags. They are per client, not [shared]:
// clients of one prefix may query it with different defaults.
//
// Thread safety: a plain value.
#pragma once

#include <cstddef>
#include <optional>

namespace lshrs {

// Every probe is one bucket read in the query's round trip; far beyond this
// a query reads a large part of the index and a scan would be cheaper.
inline constexpr std::size_t kMaxProbes = 100'000;

struct QueryDefaults {
  // Multi-probe budget (QueryOptions::probes) when a query leaves it empty.
  std::size_t probes = 0;
  // Rerank cap (QueryOptions::max_candidates) when a query leaves it empty;
  // empty: every candidate.
  std::optional<std::size_t> max_candidates;

  // Whether these are the defaults of an index that records none.
  bool empty() const noexcept { return probes == 0 && !max_candidates; }
  bool operator==(const QueryDefaults&) const = default;
};

}  // namespace lshrs
