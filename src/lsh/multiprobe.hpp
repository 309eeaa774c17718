// Internal: query-directed multi-probe (Lv, Josephson, Wang, Charikar and Li,
// "Multi-probe LSH", VLDB 2007), shared by every hash family.
//
// A family describes, for each band of one query, the ways one of the band's
// hashes could differ for a near neighbour and what each costs (for
// hyperplanes: flipping bit j, cost = squared distance of the query to
// hyperplane j; for cross-polytopes: replacing a hash by a runner-up vertex,
// cost = squared gap to the best vertex). A perturbation set changes several
// hashes of one band, at most one change per hash, and costs the sum. The
// sets of all bands are generated in increasing cost with one heap (the
// paper's shift/expand over each band's sorted costs, merged across bands),
// so a probe budget goes to the most likely buckets of any band.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace lshrs::detail {

// One change of one hash of a band.
struct Perturbation {
  float cost = 0;           // additive; smaller is more likely for a neighbour
  std::uint32_t hash = 0;   // which hash of the band changes (bit / polytope)
  std::uint32_t value = 0;  // its new value (unused for hyperplane bits)
};

// One probe: band `band` with the perturbations `elements` (indices into that
// band's sorted list) applied; `cost` is their sum.
struct ProbeSet {
  std::uint32_t band = 0;
  double cost = 0;
  std::vector<std::uint32_t> elements;
};

// The budget-th smallest of the costs offered (the threshold T below), kept
// as the top of a max-heap of the `budget` smallest seen: with a budget of
// 64 over a cross-polytope query's ~6,000 candidates, nearly every offer is
// one comparison.
class BudgetThreshold {
 public:
  explicit BudgetThreshold(std::size_t budget) : budget_(budget) { smallest_.reserve(budget); }
  void offer(float cost);
  // Valid once more than `budget` costs were offered (else every one is kept).
  float limit() const noexcept { return smallest_.front(); }

 private:
  std::size_t budget_;
  std::vector<float> smallest_;
};

// Sorts each band's candidates by cost (ties by hash), as probe_sequence()
// needs them.
void sort_candidates(std::vector<std::vector<Perturbation>>& bands);

// Keeps, over all bands, only the candidates that can appear in the `budget`
// cheapest sets, each band sorted by cost. Every singleton is a valid set, so
// no set holding a candidate dearer than the budget-th cheapest candidate of
// all bands (T) can be among the first `budget`: keep those costing <= T.
void select_candidates(std::vector<std::vector<Perturbation>>& bands, std::size_t budget);

// The `budget` cheapest valid perturbation sets over all bands, cheapest
// first; `bands[b]` must be sorted by cost (select_candidates). Fewer are
// returned when the bands have fewer sets.
std::vector<ProbeSet> probe_sequence(std::span<const std::vector<Perturbation>> bands,
                                     std::size_t budget);

}  // namespace lshrs::detail
