// The tuner's defaults, its Pareto frontier, recommendation and recall
// (lshrs/tuner.hpp; the hit rule is exact.hpp's).
#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_set>

#include "lshrs/error.hpp"
#include "lshrs/exact.hpp"
#include "lshrs/tuner.hpp"

namespace lshrs {
namespace {

// Whether a is at least as good as b on every axis and better on one.
bool dominates(const TunePoint& a, const TunePoint& b) {
  bool better = false;
  auto axis = [&](double x, double y) {  // larger is better
    if (x < y) return false;
    better = better || x > y;
    return true;
  };
  if (!axis(a.recall, b.recall) || !axis(a.queries_per_second, b.queries_per_second) ||
      !axis(a.ingest_vectors_per_second, b.ingest_vectors_per_second)) {
    return false;
  }
  if (a.bytes_per_vector && b.bytes_per_vector && !axis(-*a.bytes_per_vector, -*b.bytes_per_vector)) {
    return false;
  }
  return better;
}

}  // namespace

// Cross-polytope buckets are more selective per bit, so fewer bands reach a
// recall that hyperplanes need more for; both lists start cheap (few Redis
// keys per vector) and stop where ingest and memory stop paying off. At 1M
// clustered vectors, 20 cross-polytope bands reached recall 0.95 with 16
// probes and 1,020 candidates where 12 bands needed ~48 probes and 1,500:
// fewer rows to score, the query's main cost, for ~220 bytes per vector.
std::vector<std::size_t> default_tune_bands(HashFamily family) {
  if (family == HashFamily::kCrossPolytope) return {6, 8, 10, 12, 16, 20};
  // k-means buckets follow the data: 1 band is IVF; a few more buy recall
  // at probe 0 for one Redis key a vector each.
  if (family == HashFamily::kKMeans) return {1, 2, 4};
  return {8, 12, 16, 24};
}

// Denser where the recommendation usually falls (a few dozen probes).
std::vector<std::size_t> default_tune_probes() { return {0, 8, 16, 24, 32, 48, 64, 128, 256, 512}; }

std::vector<std::size_t> pareto_frontier(std::span<const TunePoint> points) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const bool dominated = std::any_of(points.begin(), points.end(),
                                       [&](const TunePoint& q) { return dominates(q, points[i]); });
    if (!dominated) out.push_back(i);
  }
  std::sort(out.begin(), out.end(), [&](std::size_t a, std::size_t b) {
    if (points[a].recall != points[b].recall) return points[a].recall > points[b].recall;
    return points[a].queries_per_second > points[b].queries_per_second;
  });
  return out;
}

std::optional<std::size_t> recommend(std::span<const TunePoint> points, double target,
                                     std::vector<std::string>& notes) {
  std::vector<std::size_t> meeting;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (points[i].recall >= target) meeting.push_back(i);
  }
  std::stable_sort(meeting.begin(), meeting.end(), [&](std::size_t a, std::size_t b) {
    const TunePoint &x = points[a], &y = points[b];
    if (x.queries_per_second != y.queries_per_second) return x.queries_per_second > y.queries_per_second;
    return x.bytes_per_vector.value_or(0) < y.bytes_per_vector.value_or(0);
  });
  for (const std::size_t i : meeting) {
    const TunePoint& p = points[i];
    if (p.held_out_lower.value_or(p.held_out_recall) >= target) return i;
    notes.push_back("passed over: " + std::string(family_name(p.config.family)) +
                       " " + std::to_string(p.config.bands) + " bands, " +
                       std::to_string(p.query.probes) + " probes reached " +
                       std::to_string(p.recall) + " on the tuning queries but only " +
                       std::to_string(p.held_out_recall) + " (lower bound " +
                       std::to_string(p.held_out_lower.value_or(p.held_out_recall)) +
                       ") on the held-out ones; trying the next configuration");
  }
  return std::nullopt;
}

namespace {

void check_rows(const char* op, std::size_t results, std::size_t rows, const char* what) {
  if (rows < results) {
    throw InvalidArgument(std::string(op) + ": " + std::to_string(results) + " results but " +
                          what + " for " + std::to_string(rows) + " queries");
  }
}

// How many of the result's ids are among the first `want` of `truth`.
std::size_t hits_by_id(const QueryResult& result, const std::vector<std::int64_t>& truth,
                       std::size_t want) {
  const std::unordered_set<std::int64_t> best(truth.begin(),
                                              truth.begin() + static_cast<std::ptrdiff_t>(want));
  std::size_t hit = 0;
  for (const Neighbor& n : result.neighbors) hit += best.count(n.id);
  return hit;
}

}  // namespace

double recall_at_k(std::span<const QueryResult> results,
                   const std::vector<std::vector<std::int64_t>>& truth, std::size_t k) {
  check_rows("recall_at_k", results.size(), truth.size(), "truth");
  double sum = 0;
  std::size_t counted = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const std::size_t want = std::min(k, truth[i].size());
    if (want == 0) continue;
    sum += static_cast<double>(hits_by_id(results[i], truth[i], want)) / static_cast<double>(want);
    ++counted;
  }
  return counted == 0 ? 0 : sum / static_cast<double>(counted);
}

Recall measure_recall(std::span<const QueryResult> results, std::span<const float> base,
                      std::span<const float> queries, std::size_t dim,
                      std::span<const std::vector<std::int64_t>> truth, std::size_t k) {
  if (dim == 0) throw InvalidArgument("recall: dim must be positive (got 0)");
  check_rows("recall", results.size(), truth.size(), "truth");
  check_rows("recall", results.size(), queries.size() / dim, "query vectors");
  Recall sum;
  double squares = 0;  // of the per-query recalls by similarity
  std::size_t counted = 0;
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const std::size_t want = std::min(k, truth[i].size());
    if (want == 0) continue;
    const auto query = queries.subspan(i * dim, dim);
    const std::int64_t kth_id = truth[i][want - 1];
    const auto kth = base_similarity(base, query, kth_id);
    if (!kth) {
      throw InvalidArgument("recall: the truth of query " + std::to_string(i) + " lists id " +
                            std::to_string(kth_id) + ", not a row of the base (" +
                            std::to_string(base.size() / dim) + " rows)");
    }
    ids.clear();
    for (const Neighbor& n : results[i].neighbors) ids.push_back(n.id);
    const auto share = [want](std::size_t hits) {
      return static_cast<double>(std::min(want, hits)) / static_cast<double>(want);
    };
    const double mine = share(hits_by_similarity(base, query, ids, *kth, k));
    sum.by_similarity += mine;
    squares += mine * mine;
    sum.by_id += share(hits_by_id(results[i], truth[i], want));
    ++counted;
  }
  if (counted == 0) return {};
  const auto n = static_cast<double>(counted);
  const double mean = sum.by_similarity / n;
  const double variance = counted > 1 ? std::max(0.0, (squares - n * mean * mean) / (n - 1)) : 0.0;
  return {mean, sum.by_id / n, std::sqrt(variance / n)};
}

}  // namespace lshrs
