#include "lsh/multiprobe.hpp"

#include <algorithm>
#include <queue>

namespace lshrs::detail {
namespace {

// A heap node refers to its set by a slice of one shared pool, so that the
// heap moves 24-byte nodes instead of vectors.
struct Node {
  double cost;
  std::uint32_t band;
  std::uint32_t offset;  // into the pool
  std::uint32_t size;
  bool operator>(const Node& o) const { return cost > o.cost; }
};

// At most one change per hash: two runner-ups of one cross-polytope (or the
// same bit twice) do not describe a bucket. Every set in the heap has a valid
// prefix (all but its last element), so only the last element can conflict.
bool last_conflicts(std::span<const std::uint32_t> set, const std::vector<Perturbation>& band) {
  const std::uint32_t hash = band[set.back()].hash;
  for (std::size_t i = 0; i + 1 < set.size(); ++i) {
    if (band[set[i]].hash == hash) return true;
  }
  return false;
}

}  // namespace

void BudgetThreshold::offer(float cost) {
  if (smallest_.size() < budget_) {
    smallest_.push_back(cost);
    std::push_heap(smallest_.begin(), smallest_.end());
  } else if (cost < smallest_.front()) {
    std::pop_heap(smallest_.begin(), smallest_.end());
    smallest_.back() = cost;
    std::push_heap(smallest_.begin(), smallest_.end());
  }
}

void sort_candidates(std::vector<std::vector<Perturbation>>& bands) {
  for (auto& band : bands) {
    std::sort(band.begin(), band.end(), [](const Perturbation& a, const Perturbation& b) {
      return a.cost != b.cost ? a.cost < b.cost : a.hash < b.hash;
    });
  }
}

void select_candidates(std::vector<std::vector<Perturbation>>& bands, std::size_t budget) {
  std::size_t total = 0;
  for (const auto& band : bands) total += band.size();
  if (budget == 0) {
    for (auto& band : bands) band.clear();
    return;
  }
  if (budget < total) {
    BudgetThreshold smallest(budget);
    for (const auto& band : bands) {
      for (const auto& p : band) smallest.offer(p.cost);
    }
    const float limit = smallest.limit();
    for (auto& band : bands) std::erase_if(band, [limit](const Perturbation& p) { return p.cost > limit; });
  }
  sort_candidates(bands);
}

std::vector<ProbeSet> probe_sequence(std::span<const std::vector<Perturbation>> bands,
                                     std::size_t budget) {
  std::vector<ProbeSet> out;
  if (budget == 0) return out;
  out.reserve(budget);
  std::vector<std::uint32_t> pool;
  std::priority_queue<Node, std::vector<Node>, std::greater<>> heap;
  const auto push = [&](std::uint32_t band, std::span<const std::uint32_t> prefix,
                        std::uint32_t last, double cost) {
    const auto offset = static_cast<std::uint32_t>(pool.size());
    pool.insert(pool.end(), prefix.begin(), prefix.end());
    pool.push_back(last);
    heap.push({cost, band, offset, static_cast<std::uint32_t>(prefix.size() + 1)});
  };
  for (std::uint32_t b = 0; b < bands.size(); ++b) {
    if (!bands[b].empty()) push(b, {}, 0, bands[b][0].cost);
  }
  std::vector<std::uint32_t> set;
  while (out.size() < budget && !heap.empty()) {
    const Node top = heap.top();
    heap.pop();
    const auto& band = bands[top.band];
    set.assign(pool.begin() + top.offset, pool.begin() + top.offset + top.size);
    const std::uint32_t last = set.back();
    const bool valid = !last_conflicts(set, band);
    if (last + 1 < band.size()) {
      const double next = band[last + 1].cost;
      // shift: the largest element moves to the next candidate; it keeps the
      // valid prefix, so it may be valid even when this set is not.
      push(top.band, std::span(set).first(set.size() - 1), last + 1,
           top.cost - band[last].cost + next);
      // expand: the next candidate joins the set. Every descendant of an
      // invalid set's expansion contains the conflict: Lv et al. generate and
      // skip them; pruning them here keeps deep cross-polytope heaps small.
      if (valid) push(top.band, set, last + 1, top.cost + next);
    }
    if (valid) out.push_back({top.band, top.cost, set});
  }
  return out;
}

}  // namespace lshrs::detail
