// The probe sequence of query-directed multi-probe against a brute-force
// enumeration of every perturbation set of every band, sorted by score.
#include "lsh/multiprobe.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <random>

#include "lsh/family_probes.hpp"
#include "lshrs/cross_polytope.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

using detail::Perturbation;

struct Probe {
  double cost;
  std::uint32_t band;
  std::string signature;
};

// Every non-empty subset of the bits of every band, cost = sum of squared
// margins, cheapest first: what the heap must reproduce, in order.
std::vector<Probe> brute_force_hyperplane(const Signatures& sigs, const std::vector<float>& margins,
                                          std::size_t rows) {
  std::vector<Probe> all;
  for (std::uint32_t b = 0; b < sigs.num_bands; ++b) {
    const auto base = sigs.band(0, b);
    for (std::uint32_t mask = 1; mask < (1u << rows); ++mask) {
      Probe p{0, b, std::string(base.begin(), base.end())};
      for (std::size_t j = 0; j < rows; ++j) {
        if (!(mask >> j & 1u)) continue;
        const double m = margins[b * rows + j];
        p.cost += m * m;
        p.signature[j / 8] = static_cast<char>(p.signature[j / 8] ^ (1 << (j % 8)));
      }
      all.push_back(std::move(p));
    }
  }
  std::sort(all.begin(), all.end(), [](const Probe& a, const Probe& b) { return a.cost < b.cost; });
  return all;
}

// The generated buckets must be the brute force's, cheapest first. Costs that
// agree to rounding (the dense rotation and the FHT round differently) may
// come in either order, so each probe is checked by its cost in the
// enumeration, and all probes must be distinct buckets.
void expect_same_sequence(const std::vector<BucketRef>& refs, std::size_t bands,
                          const std::vector<Probe>& expected, std::size_t budget) {
  ASSERT_EQ(refs.size(), bands + std::min(budget, expected.size()));
  std::map<std::pair<std::uint32_t, std::string>, double> cost_of;
  for (const Probe& p : expected) cost_of[{p.band, p.signature}] = p.cost;
  std::set<std::pair<std::uint32_t, std::string>> seen;
  for (std::size_t p = 0; p < refs.size() - bands; ++p) {
    const auto key = std::make_pair(refs[bands + p].band, refs[bands + p].signature);
    ASSERT_TRUE(cost_of.count(key)) << "probe " << p << " is no perturbation of the query's buckets";
    EXPECT_NEAR(cost_of[key], expected[p].cost, 1e-5 * (1 + expected[p].cost)) << "probe " << p;
    EXPECT_TRUE(seen.insert(key).second) << "probe " << p << " repeats a bucket";
  }
}

TEST(MultiProbe, HyperplaneSequenceEqualsBruteForceEnumeration) {
  const std::size_t dim = 20;
  for (const std::size_t rows : {1u, 3u, 8u, 12u}) {
    for (unsigned seed = 0; seed < 4; ++seed) {
      const std::size_t bands = 2 + seed;
      const Hasher hasher(dim, bands, rows, 100 + seed);
      const auto query = random_vectors(1, dim, 7 * seed + static_cast<unsigned>(rows));
      std::vector<float> margins;
      const Signatures sigs = hasher.hash(query, margins);
      const auto expected = brute_force_hyperplane(sigs, margins, rows);
      for (const std::size_t budget : {1u, 7u, 60u, 300u}) {
        const auto candidates = detail::hyperplane_candidates(margins, bands, rows, budget);
        std::vector<BucketRef> refs;
        detail::append_query_buckets(sigs, 0, candidates, budget, 0, refs);
        SCOPED_TRACE("rows " + std::to_string(rows) + ", seed " + std::to_string(seed) +
                     ", budget " + std::to_string(budget));
        expect_same_sequence(refs, bands, expected, budget);
      }
    }
  }
}

// Rotated copies recomputed here from the signs (dense sign flips and a dense
// Hadamard matrix), so the enumeration does not trust the hasher's output.
std::vector<float> rotate_dense(const std::vector<float>& v, const float* signs, std::size_t padded) {
  std::vector<float> x(padded, 0.0f);
  std::copy(v.begin(), v.end(), x.begin());
  for (std::size_t round = 0; round < 3; ++round) {
    std::vector<float> y(padded, 0.0f);
    for (std::size_t i = 0; i < padded; ++i) {
      for (std::size_t j = 0; j < padded; ++j) {
        const float h = std::popcount(i & j) % 2 ? -1.0f : 1.0f;
        y[i] += h * signs[round * padded + j] * x[j];
      }
    }
    x = y;
  }
  return x;
}

TEST(MultiProbe, CrossPolytopeSequenceEqualsBruteForceEnumeration) {
  const std::size_t dim = 6, k = 2, bands = 3;  // d' = 8: 16 vertices, 4 bits a hash
  for (unsigned seed = 0; seed < 5; ++seed) {
    const CrossPolytopeHasher hasher(dim, bands, k, 300 + seed);
    const std::size_t padded = CrossPolytopeHasher::padded_dim(dim);
    const auto query = random_vectors(1, dim, 40 + seed);
    std::vector<float> rotated;
    const Signatures sigs = hasher.hash(query, rotated);
    // Per hash: every vertex code with its squared gap to the best one.
    std::vector<Probe> all;
    for (std::uint32_t b = 0; b < bands; ++b) {
      std::vector<std::vector<std::pair<double, std::uint32_t>>> options(k);
      for (std::size_t h = 0; h < k; ++h) {
        const auto x = rotate_dense(query, hasher.signs().data() + (b * k + h) * 3 * padded, padded);
        double top = 0;
        for (const float xi : x) top = std::max(top, static_cast<double>(std::fabs(xi)));
        for (std::uint32_t code = 0; code < 2 * padded; ++code) {
          const double value = code % 2 ? -x[code / 2] : x[code / 2];
          options[h].push_back({(top - value) * (top - value), code});
        }
      }
      const auto base = sigs.band(0, b);
      for (const auto& [c0, v0] : options[0]) {
        for (const auto& [c1, v1] : options[1]) {
          Probe p{c0 + c1, b, std::string(base.size(), '\0')};
          const std::uint32_t word = v0 | (v1 << hasher.bits_per_hash());
          for (std::size_t i = 0; i < p.signature.size(); ++i) p.signature[i] = static_cast<char>(word >> (8 * i));
          if (p.signature == std::string(base.begin(), base.end())) continue;  // the query's own bucket
          all.push_back(std::move(p));
        }
      }
    }
    std::sort(all.begin(), all.end(), [](const Probe& a, const Probe& b) { return a.cost < b.cost; });
    for (const std::size_t budget : {1u, 10u, 100u}) {
      const auto candidates = detail::polytope_candidates(rotated, bands, k, padded, budget);
      std::vector<BucketRef> refs;
      detail::append_query_buckets(sigs, 0, candidates, budget, hasher.bits_per_hash(), refs);
      SCOPED_TRACE("seed " + std::to_string(seed) + ", budget " + std::to_string(budget));
      expect_same_sequence(refs, bands, all, budget);
    }
  }
}

TEST(MultiProbe, MergesBandsByCostAndStopsAtTheBudget) {
  // Band 0's bits are both cheaper than band 1's: the budget goes to band 0 first.
  std::vector<std::vector<Perturbation>> bands{{{0.1f, 0, 0}, {0.2f, 1, 0}}, {{0.25f, 0, 0}}};
  const auto seq = detail::probe_sequence(bands, 3);
  ASSERT_EQ(seq.size(), 3u);
  EXPECT_EQ(seq[0].band, 0u);
  EXPECT_EQ(seq[1].band, 0u);
  EXPECT_EQ(seq[2].band, 1u);
  EXPECT_NEAR(seq[2].cost, 0.25, 1e-6);
  EXPECT_EQ(detail::probe_sequence(bands, 10).size(), 4u) << "3 sets in band 0, 1 in band 1";
  EXPECT_TRUE(detail::probe_sequence(bands, 0).empty()) << "budget 0: no extra bucket";
}

TEST(MultiProbe, SkipsSetsThatChangeOneHashTwice) {
  std::vector<std::vector<Perturbation>> bands{{{0.1f, 0, 1}, {0.2f, 0, 2}, {0.3f, 1, 1}}};
  for (const auto& set : detail::probe_sequence(bands, 100)) {
    EXPECT_FALSE(set.elements.size() == 2 && set.elements[0] == 0 && set.elements[1] == 1);
  }
  EXPECT_EQ(detail::probe_sequence(bands, 100).size(), 5u) << "{0} {1} {2} {0,2} {1,2}";
}

}  // namespace
// The candidates kept are every one costing at most the budget-th smallest
// cost of all bands, ties included, each band sorted: checked against a sort
// of all costs, with many equal costs across bands.
TEST(MultiProbe, SelectCandidatesKeepsEveryCandidateUpToTheBudgetthCost) {
  std::mt19937 rng(11);
  for (const std::size_t budget : {1u, 2u, 5u, 17u, 40u, 200u}) {
    std::vector<std::vector<Perturbation>> bands(4);
    std::vector<float> all;
    for (auto& band : bands) {
      for (std::uint32_t h = 0; h < 30; ++h) {
        const float cost = static_cast<float>(rng() % 12) / 4.0f;  // few distinct values
        band.push_back({cost, h, 0});
        all.push_back(cost);
      }
    }
    std::sort(all.begin(), all.end());
    const float limit = budget < all.size() ? all[budget - 1] : all.back();
    const auto expected_kept = static_cast<std::size_t>(
        std::count_if(all.begin(), all.end(), [&](float c) { return c <= limit; }));
    detail::select_candidates(bands, budget);
    std::size_t kept = 0;
    for (const auto& band : bands) {
      kept += band.size();
      for (std::size_t i = 0; i < band.size(); ++i) {
        EXPECT_LE(band[i].cost, limit) << "budget " << budget;
        if (i > 0) {
          EXPECT_LE(band[i - 1].cost, band[i].cost) << "budget " << budget;
        }
      }
    }
    EXPECT_EQ(kept, expected_kept) << "budget " << budget;
  }
}

// polytope_candidates() skips building the runner-ups a budget drops: it must
// keep exactly what building them all and select_candidates() keep, in the
// same order, including ties (repeated magnitudes and zeros below).
TEST(MultiProbe, PolytopeCandidatesEqualSelectingFromEveryRunnerUp) {
  const std::size_t bands = 5, hashes = 2, padded = 16;
  std::mt19937 rng(3);
  for (unsigned trial = 0; trial < 20; ++trial) {
    std::vector<float> rotated(bands * hashes * padded);
    for (float& v : rotated) v = static_cast<float>(static_cast<int>(rng() % 9) - 4) / 2.0f;
    for (const std::size_t budget : {1u, 3u, 10u, 64u, 1000u}) {
      std::vector<std::vector<Perturbation>> all(bands);
      for (std::size_t b = 0; b < bands; ++b) {
        for (std::size_t h = 0; h < hashes; ++h) {
          const float* x = rotated.data() + (b * hashes + h) * padded;
          std::size_t best = 0;
          for (std::size_t j = 1; j < padded; ++j) {
            if (std::fabs(x[j]) > std::fabs(x[best])) best = j;
          }
          const float top = std::fabs(x[best]);
          const auto best_code = static_cast<std::uint32_t>(2 * best + (x[best] < 0.0f ? 1 : 0));
          for (std::uint32_t code = 0; code < 2 * padded; ++code) {
            if (code == best_code) continue;
            const float gap = top - (code % 2 ? -x[code / 2] : x[code / 2]);
            all[b].push_back({gap * gap, static_cast<std::uint32_t>(h), code});
          }
        }
      }
      detail::select_candidates(all, budget);
      const auto got = detail::polytope_candidates(rotated, bands, hashes, padded, budget);
      ASSERT_EQ(got.size(), bands);
      for (std::size_t b = 0; b < bands; ++b) {
        ASSERT_EQ(got[b].size(), all[b].size()) << "trial " << trial << ", budget " << budget << ", band " << b;
        for (std::size_t i = 0; i < all[b].size(); ++i) {
          EXPECT_EQ(got[b][i].cost, all[b][i].cost);
          EXPECT_EQ(got[b][i].hash, all[b][i].hash);
          EXPECT_EQ(got[b][i].value, all[b][i].value) << "trial " << trial << ", budget " << budget;
        }
      }
    }
  }
}

}  // namespace lshrs::testing
