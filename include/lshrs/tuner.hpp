// lshrs — the tuner: measures candidate configurations on the user's own
// data and recommends the fastest that reaches a target recall.
//
// For each hash family and band count it builds one index (bits per band
// from the size rule for n, size_based_bands in tuning.hpp) in a fresh prefix
// of a store the caller provides (real Redis in the CLI), then sweeps the
// query settings (probes, max_candidates) from the cheapest up, measuring
// each point: recall@k against exact neighbours on tuning queries and on
// held-out queries (counted by similarity, exact.hpp; by id alongside),
// candidates per query, the fraction of the data fetched, reranked
// queries/s (one thread, through the caller's fetcher), bytes per vector in
// the store and the ingest rate. It returns every point, their
// Pareto frontier and a recommendation checked on the held-out queries.
// How it searches, and why, is in docs/tuning.md.
//
// Thread safety: tune() is a pure function of its arguments apart from the
// store it is given, which it uses from the calling thread only; it clears
// every prefix it wrote before returning, also when it throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lshrs/export.hpp"
#include "lshrs/fetcher.hpp"
#include "lshrs/hash_family.hpp"
#include "lshrs/index.hpp"
#include "lshrs/query_defaults.hpp"
#include "lshrs/store.hpp"

namespace lshrs {

// The band counts tried when TuneOptions leaves them empty, per family: the
// one place these defaults live.
LSHRS_API std::vector<std::size_t> default_tune_bands(HashFamily family);
// The probe budgets tried by default, cheapest first.
LSHRS_API std::vector<std::size_t> default_tune_probes();

struct TuneOptions {
  // Recall@k the recommendation must reach on tuning AND held-out queries;
  // in (0, 1).
  double target_recall = 0.95;
  std::size_t k = 10;  // neighbours per query (> 0)
  // Families tried (non-empty, no repeats). Hyperplane is the only family the
  // Python package can read; k-means candidates are trained on the indexed
  // rows first (kmeans.hpp).
  std::vector<HashFamily> families = {HashFamily::kKMeans, HashFamily::kCrossPolytope,
                                      HashFamily::kHyperplane};
  // Band counts per family (each > 0); empty: default_tune_bands(family).
  std::vector<std::size_t> bands;
  // Probe budgets (each <= kMaxProbes), tried in increasing order; empty:
  // default_tune_probes().
  std::vector<std::size_t> probes;
  // Rerank caps tried at each probe budget (each > 0; empty optional: every
  // candidate). Default: no cap only.
  std::vector<std::optional<std::size_t>> max_candidates = {std::nullopt};
  // Queries per half (tuning, held-out) (> 0). Given queries are split in
  // two halves (at most this many each); without queries 2 × this many base
  // rows are drawn as queries and left out of the index.
  std::size_t queries_per_half = 200;
  // A probe sweep stops once tuning recall >= target + margin (>= 0) and the
  // held-out recall >= target (so a point failing its check has a successor).
  double margin = 0.01;
  // Index a random sample of this many base rows instead of all of them,
  // with bits per band sized for the full row count (default: everything;
  // buckets depend on n, so a sample measures sparser buckets than the full
  // index will have).
  std::optional<std::size_t> sample_size;
  // Drop index configurations using more store memory than this per vector
  // (measured after the build; later ones predicted from it and skipped).
  std::optional<double> max_bytes_per_vector;
  // Seed of the projections and of the query split / draw / sample.
  std::uint64_t seed = 42;
  // Candidate i is built under "<prefix>-<i>"; every one must be free.
  std::string prefix = "lshrs-tune";
};

// One index configuration.
struct TuneConfig {
  HashFamily family = HashFamily::kHyperplane;
  std::size_t bands = 0;
  std::size_t rows = 0;           // hashes per band (k-means: bits per band)
  std::size_t bits_per_band = 0;  // rows × bits per hash
  std::uint64_t seed = 0;
  // k-means only: the centroids trained on the indexed rows (kmeans.hpp),
  // shared by every point of the configuration; null for the other families.
  std::shared_ptr<const std::vector<float>> centroids;
};

// One measured point: an index configuration queried with `query` settings.
struct TunePoint {
  TuneConfig config;
  QueryDefaults query;
  double recall = 0;             // recall@k on the tuning queries, by similarity
  double held_out_recall = 0;    // recall@k on the held-out queries, by similarity
  // Its one-sided 95% lower bound (held_out_recall - kRecallBoundZ · stderr
  // over the held-out queries): what the recommendation must reach, so that
  // the promise holds on queries the tuner never saw. Empty: the point was
  // not measured by tune() (then held_out_recall itself is used).
  std::optional<double> held_out_lower;
  // The same counted by id (a hit is one of the truth's k ids): lower where
  // rows tie at the k-th similarity; kept for comparison, never used to choose.
  double recall_by_id = 0, held_out_recall_by_id = 0;
  double mean_candidates = 0;    // distinct ids found per query
  double fraction_read = 0;      // vectors fetched per query ÷ vectors indexed
  double queries_per_second = 0; // reranked, one thread, both query halves
  std::optional<double> bytes_per_vector;  // the store's StoreStats (none for memory)
  double ingest_vectors_per_second = 0;
};

struct TuneProgress {
  std::string message;             // one line, for humans
  const TunePoint* point = nullptr;  // the point just measured, if any
  std::size_t configs_done = 0, configs_total = 0;
};

struct TuneReport {
  std::vector<TunePoint> points;       // in the order measured
  std::vector<std::size_t> frontier;   // indices into points, by recall
  std::optional<std::size_t> recommended;  // index into points
  std::vector<std::string> warnings;   // the target was missed: no recommendation
  std::vector<std::string> notes;      // points passed over for their held-out recall
  std::size_t indexed = 0, tuning_queries = 0, held_out_queries = 0;
  bool cancelled = false;              // the progress callback said stop
};

// Settings for tune() that are not options: where candidate indexes live
// and how their candidates' vectors are read back.
struct TuneEnvironment {
  // Returns the store a candidate index is built in (may return the same
  // store each time: prefixes differ). Required.
  std::function<std::shared_ptr<BucketStore>()> store_factory;
  // Reads base rows by id (= row number) for reranking. Required.
  std::shared_ptr<VectorFetcher> fetcher;
  // Called after each point and index build; return false to stop (the
  // report then holds what was measured, cancelled = true). Optional.
  std::function<bool(const TuneProgress&)> progress;
};

// `base`: row-major rows × dim; `queries`: row-major, empty to draw them
// from the base. InvalidArgument for bad options or shapes (before any
// write); ConfigurationError when a candidate prefix already holds an index.
LSHRS_API TuneReport tune(std::span<const float> base, std::size_t dim, std::span<const float> queries,
                const TuneEnvironment& environment, const TuneOptions& options = {});

// The IndexOptions that build `point`'s index (dim, family, bands, rows,
// seed, and a k-means point's centroids as projections) with its query
// settings as query_defaults: what `--save-model` saves.
LSHRS_API IndexOptions tuned_index_options(const TunePoint& point, std::size_t dim);

// Points of `points` not dominated on (recall ↑, queries/s ↑, bytes/vector ↓
// when known for both, ingest ↑), ordered by recall (desc), then q/s (desc).
LSHRS_API std::vector<std::size_t> pareto_frontier(std::span<const TunePoint> points);

// Among points whose tuning recall >= target, by q/s (desc), then bytes per
// vector (asc): the first whose held-out recall's lower bound
// (TunePoint::held_out_lower, else the recall) also meets the target. Each
// one passed over for its held-out recall adds a line to `notes`: that is the
// held-out check doing its job, not a failure.
LSHRS_API std::optional<std::size_t> recommend(std::span<const TunePoint> points, double target,
                                     std::vector<std::string>& notes);

// Recall by id: mean over queries of |results[i]'s ids ∩ truth[i][0..k)| /
// min(k, |truth[i]|) (queries with no truth left out); InvalidArgument when
// truth has fewer rows.
LSHRS_API double recall_at_k(std::span<const QueryResult> results,
                   const std::vector<std::vector<std::int64_t>>& truth, std::size_t k);

struct Recall {
  double by_similarity = 0;  // what the tuner targets and `lshrs bench` reports as recall
  double by_id = 0;          // recall_at_k above
  // Standard error of by_similarity, a mean over queries: the spread of the
  // per-query recalls / sqrt(queries). 0 for fewer than two queries.
  double by_similarity_stderr = 0;
};

// z of a one-sided 95% bound: the held-out recall's lower end is
// held_out_recall - kRecallBoundZ * stderr.
inline constexpr double kRecallBoundZ = 1.645;

// Recall@k both ways; query i is row i of `queries` (row-major, `dim` wide,
// at least results.size() rows) and truth[i] its exact neighbours, ids = rows
// of `base` (rows × dim). By similarity: per query, hits_by_similarity
// (exact.hpp) of its first k ids against the cosine of truth[i]'s
// min(k, |truth[i]|)-th id, at most that many, over that many; queries with
// no truth left out. InvalidArgument when a truth id counted on is not a base
// row, or for too few rows of truth or queries.
LSHRS_API Recall measure_recall(std::span<const QueryResult> results, std::span<const float> base,
                                std::span<const float> queries, std::size_t dim,
                                std::span<const std::vector<std::int64_t>> truth, std::size_t k);

}  // namespace lshrs
