// Internal: what each hash family tells multi-probe (see lsh/multiprobe.hpp),
// and the bucket keys a query reads.
//
// Hyperplanes: bit j of a band may flip; its cost is the squared distance of
// the query to hyperplane j (Lv et al. 2007, the score of §4.2 with the
// hyperplane as the slot boundary).
// Cross-polytopes: hash h of a band may land on another vertex ±e_j; its cost
// is the squared gap (|x|max - s·x_j)² between the best vertex's and that
// vertex's inner product with the rotated query (Andoni et al. 2015, §5).
// k-means: the band's one hash may be another centroid; its cost is the gap
// between the best centroid's dot product and its own (as IVF's nprobe).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "lsh/multiprobe.hpp"
#include "lshrs/signatures.hpp"

namespace lshrs::detail {

// Candidates of each band of one query from its bit margins (bands·rows
// values, as Hasher::hash returns them), as select_candidates() leaves them.
std::vector<std::vector<Perturbation>> hyperplane_candidates(std::span<const float> margins,
                                                             std::size_t bands, std::size_t rows,
                                                             std::size_t budget);

// Candidates of each band of one query from its rotated copies
// (bands·hashes_per_band rows of `padded` values, as CrossPolytopeHasher::hash
// returns them), as select_candidates() leaves them.
std::vector<std::vector<Perturbation>> polytope_candidates(std::span<const float> rotated,
                                                           std::size_t bands,
                                                           std::size_t hashes_per_band,
                                                           std::size_t padded, std::size_t budget);

// Candidates of each band of one query from its dot products with every
// centroid (bands·centroids values, as KMeansHasher::hash returns them): each
// centroid but the band's best, costing the gap best dot - its dot, as
// select_candidates() leaves them. Each is one value of the band's single
// hash, so probe_sequence() yields them one per probe, cheapest first.
std::vector<std::vector<Perturbation>> kmeans_candidates(std::span<const float> dots,
                                                         std::size_t bands, std::size_t centroids,
                                                         std::size_t budget);

// How a perturbation rewrites a band signature: flip bit `hash`
// (bits_per_hash 0), or store code `value` in hash slot `hash` of width
// bits_per_hash (cross-polytope; k-means with one hash of the band's bits).
void apply_perturbation(std::string& signature, const Perturbation& p, std::size_t bits_per_hash);

// The buckets of query i: its exact bucket in every band, then the `budget`
// cheapest perturbation sets over all bands (probe_sequence).
void append_query_buckets(const Signatures& sigs, std::size_t i,
                          std::span<const std::vector<Perturbation>> candidates,
                          std::size_t budget, std::size_t bits_per_hash,
                          std::vector<BucketRef>& out);

// A family's candidates for one query, from that query's scores.
using CandidatesOf =
    std::function<std::vector<std::vector<Perturbation>>(std::span<const float> scores)>;

// Every bucket the sigs.count queries read (BandHasher::query_buckets):
// query i's scores are scores[i·width … (i+1)·width), turned into candidates
// by `candidates_of` when probes > 0 (unused, and may be empty, otherwise).
std::vector<BucketRef> probed_buckets(const Signatures& sigs, std::span<const float> scores,
                                      std::size_t width, std::size_t probes,
                                      std::size_t bits_per_hash, std::vector<std::size_t>& first,
                                      const CandidatesOf& candidates_of);

// query_buckets() of a family with a probe order: `family.hash(queries,
// scores)` keeps `width` scores a query (only when there are probes to rank).
template <typename Family>
std::vector<BucketRef> probe_family(const Family& family, std::span<const float> queries,
                                    std::size_t probes, std::size_t width,
                                    std::size_t bits_per_hash, std::vector<std::size_t>& first,
                                    const CandidatesOf& candidates_of) {
  std::vector<float> scores;
  const Signatures sigs = probes > 0 ? family.hash(queries, scores) : family.hash(queries);
  return probed_buckets(sigs, scores, width, probes, bits_per_hash, first, candidates_of);
}

}  // namespace lshrs::detail
