#include "lsh/family_probes.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lshrs::detail {

std::vector<std::vector<Perturbation>> hyperplane_candidates(std::span<const float> margins,
                                                             std::size_t bands, std::size_t rows,
                                                             std::size_t budget) {
  std::vector<std::vector<Perturbation>> out(bands);
  for (std::size_t b = 0; b < bands; ++b) {
    auto& band = out[b];
    band.resize(rows);
    for (std::size_t j = 0; j < rows; ++j) {
      const float m = margins[b * rows + j];
      band[j] = {m * m, static_cast<std::uint32_t>(j), 0};
    }
  }
  select_candidates(out, budget);
  return out;
}

// select_candidates() without materialising every runner-up: hashes·(2d'-1)
// of them per band (8,160 for 16 bands of 2 hashes at d' 128) where a budget
// keeps a few dozen. The first pass finds the budget's threshold from the
// costs alone; the second builds the survivors in the order the generic path
// would keep them (so sorting them gives the same sequence).
std::vector<std::vector<Perturbation>> polytope_candidates(std::span<const float> rotated,
                                                           std::size_t bands,
                                                           std::size_t hashes_per_band,
                                                           std::size_t padded, std::size_t budget) {
  std::vector<std::vector<Perturbation>> out(bands);
  if (budget == 0) return out;
  const std::size_t codes = 2 * padded;
  std::vector<float> costs(bands * hashes_per_band * codes);
  std::vector<std::uint32_t> best_codes(bands * hashes_per_band);
  BudgetThreshold smallest(budget);
  for (std::size_t bh = 0; bh < bands * hashes_per_band; ++bh) {
    const float* x = rotated.data() + bh * padded;
    std::size_t best = 0;
    for (std::size_t j = 1; j < padded; ++j) {
      if (std::fabs(x[j]) > std::fabs(x[best])) best = j;
    }
    const float top = std::fabs(x[best]);
    best_codes[bh] = static_cast<std::uint32_t>(2 * best + (x[best] < 0.0f ? 1 : 0));
    for (std::size_t j = 0; j < padded; ++j) {
      for (std::uint32_t negative = 0; negative < 2; ++negative) {
        const auto code = static_cast<std::uint32_t>(2 * j + negative);
        const float gap = top - (negative ? -x[j] : x[j]);
        costs[bh * codes + code] = gap * gap;
        if (code != best_codes[bh]) smallest.offer(gap * gap);
      }
    }
  }
  const std::size_t total = bands * hashes_per_band * (codes - 1);
  const float limit = budget < total ? smallest.limit() : std::numeric_limits<float>::infinity();
  for (std::size_t b = 0; b < bands; ++b) {
    for (std::size_t h = 0; h < hashes_per_band; ++h) {
      const std::size_t bh = b * hashes_per_band + h;
      for (std::uint32_t code = 0; code < codes; ++code) {
        const float cost = costs[bh * codes + code];
        // As the generic path: drop what costs more (a NaN is kept there too).
        if (code != best_codes[bh] && !(cost > limit)) {
          out[b].push_back({cost, static_cast<std::uint32_t>(h), code});
        }
      }
    }
  }
  sort_candidates(out);
  return out;
}

// As polytope_candidates: the budget's threshold from the gaps first, then
// only the survivors are built.
std::vector<std::vector<Perturbation>> kmeans_candidates(std::span<const float> dots,
                                                         std::size_t bands, std::size_t centroids,
                                                         std::size_t budget) {
  std::vector<std::vector<Perturbation>> out(bands);
  if (budget == 0) return out;
  std::vector<std::size_t> best(bands);
  BudgetThreshold smallest(budget);
  for (std::size_t b = 0; b < bands; ++b) {
    const float* x = dots.data() + b * centroids;
    best[b] = static_cast<std::size_t>(std::max_element(x, x + centroids) - x);
    for (std::size_t j = 0; j < centroids; ++j) {
      if (j != best[b]) smallest.offer(x[best[b]] - x[j]);
    }
  }
  const std::size_t total = bands * (centroids - 1);
  const float limit = budget < total ? smallest.limit() : std::numeric_limits<float>::infinity();
  for (std::size_t b = 0; b < bands; ++b) {
    const float* x = dots.data() + b * centroids;
    for (std::size_t j = 0; j < centroids; ++j) {
      const float gap = x[best[b]] - x[j];
      if (j != best[b] && !(gap > limit)) out[b].push_back({gap, 0, static_cast<std::uint32_t>(j)});
    }
  }
  sort_candidates(out);
  return out;
}

void apply_perturbation(std::string& signature, const Perturbation& p, std::size_t bits_per_hash) {
  const auto flip = [&](std::size_t at) {
    signature[at >> 3] = static_cast<char>(signature[at >> 3] ^ (1 << (at & 7)));
  };
  if (bits_per_hash == 0) {
    flip(p.hash);
    return;
  }
  for (std::size_t bit = 0; bit < bits_per_hash; ++bit) {
    const std::size_t at = p.hash * bits_per_hash + bit;
    const bool want = ((p.value >> bit) & 1u) != 0;
    const bool have = ((static_cast<unsigned char>(signature[at >> 3]) >> (at & 7)) & 1u) != 0;
    if (want != have) flip(at);
  }
}

void append_query_buckets(const Signatures& sigs, std::size_t i,
                          std::span<const std::vector<Perturbation>> candidates,
                          std::size_t budget, std::size_t bits_per_hash,
                          std::vector<BucketRef>& out) {
  const std::size_t first = out.size();
  for (std::size_t b = 0; b < sigs.num_bands; ++b) {
    const auto band = sigs.band(i, b);
    out.push_back({static_cast<std::uint32_t>(b), std::string(band.begin(), band.end())});
  }
  if (budget == 0) return;
  for (const ProbeSet& set : probe_sequence(candidates, budget)) {
    BucketRef probe = out[first + set.band];
    for (const std::uint32_t e : set.elements) {
      apply_perturbation(probe.signature, candidates[set.band][e], bits_per_hash);
    }
    out.push_back(std::move(probe));
  }
}

std::vector<BucketRef> probed_buckets(const Signatures& sigs, std::span<const float> scores,
                                      std::size_t width, std::size_t probes,
                                      std::size_t bits_per_hash, std::vector<std::size_t>& first,
                                      const CandidatesOf& candidates_of) {
  const std::size_t n = sigs.count;
  std::vector<BucketRef> refs;
  refs.reserve(n * (sigs.num_bands + probes));
  first.assign(n + 1, 0);
  std::vector<std::vector<Perturbation>> candidates;
  for (std::size_t i = 0; i < n; ++i) {
    if (probes > 0) candidates = candidates_of(scores.subspan(i * width, width));
    append_query_buckets(sigs, i, candidates, probes, bits_per_hash, refs);
    first[i + 1] = refs.size();
  }
  return refs;
}

}  // namespace lshrs::detail
