#include "lsh/family_probes.hpp"

#include <cmath>

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

std::vector<std::vector<Perturbation>> polytope_candidates(std::span<const float> rotated,
                                                           std::size_t bands,
                                                           std::size_t hashes_per_band,
                                                           std::size_t padded, std::size_t budget) {
  std::vector<std::vector<Perturbation>> out(bands);
  for (std::size_t b = 0; b < bands; ++b) {
    auto& band = out[b];
    band.reserve(hashes_per_band * (2 * padded - 1));
    for (std::size_t h = 0; h < hashes_per_band; ++h) {
      const float* x = rotated.data() + (b * hashes_per_band + h) * padded;
      std::size_t best = 0;
      for (std::size_t j = 1; j < padded; ++j) {
        if (std::fabs(x[j]) > std::fabs(x[best])) best = j;
      }
      const float top = std::fabs(x[best]);
      const std::uint32_t best_code = static_cast<std::uint32_t>(2 * best + (x[best] < 0.0f ? 1 : 0));
      for (std::size_t j = 0; j < padded; ++j) {
        for (std::uint32_t negative = 0; negative < 2; ++negative) {
          const auto code = static_cast<std::uint32_t>(2 * j + negative);
          if (code == best_code) continue;
          const float gap = top - (negative ? -x[j] : x[j]);
          band.push_back({gap * gap, static_cast<std::uint32_t>(h), code});
        }
      }
    }
  }
  select_candidates(out, budget);
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

}  // namespace lshrs::detail
