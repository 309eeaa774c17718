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
// same bit twice) do not describe a bucket. Such sets are skipped but still
// expanded, since their successors can be valid (Lv et al., §4.3).
bool valid(std::span<const std::uint32_t> set, const std::vector<Perturbation>& band) {
  for (std::size_t i = 0; i < set.size(); ++i) {
    for (std::size_t j = i + 1; j < set.size(); ++j) {
      if (band[set[i]].hash == band[set[j]].hash) return false;
    }
  }
  return true;
}

}  // namespace

void sort_candidates(std::vector<Perturbation>& candidates, std::size_t budget) {
  const auto by_cost = [](const Perturbation& a, const Perturbation& b) {
    return a.cost != b.cost ? a.cost < b.cost : a.hash < b.hash;
  };
  if (budget < candidates.size()) {
    const auto keep = candidates.begin() + static_cast<std::ptrdiff_t>(budget);
    std::nth_element(candidates.begin(), keep, candidates.end(), by_cost);
    candidates.erase(keep, candidates.end());
  }
  std::sort(candidates.begin(), candidates.end(), by_cost);
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
    if (last + 1 < band.size()) {
      const double next = band[last + 1].cost;
      // shift: the largest element moves to the next candidate.
      push(top.band, std::span(set).first(set.size() - 1), last + 1,
           top.cost - band[last].cost + next);
      // expand: the next candidate joins the set.
      push(top.band, set, last + 1, top.cost + next);
    }
    if (valid(set, band)) out.push_back({top.band, top.cost, set});
  }
  return out;
}

}  // namespace lshrs::detail
