// The tuner's search (lshrs/tuner.hpp, docs/tuning.md): queries and truth,
// one index per configuration, a sweep of query settings on each.
#include "lshrs/tuner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <set>
#include <string>

#include "lshrs/error.hpp"
#include "lshrs/exact.hpp"
#include "lshrs/kmeans.hpp"
#include "lshrs/safe_text.hpp"
#include "lshrs/tuning.hpp"

namespace lshrs {
namespace {

using Clock = std::chrono::steady_clock;

// Rows indexed per Index::index() call while building a candidate.
constexpr std::size_t kIngestChunk = 10'000;
// Budget handed to the size rule: large enough never to cap its rows.
constexpr std::size_t kUnlimitedBits = 1 << 16;

std::string str(std::size_t v) { return std::to_string(v); }

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void validate(const TuneOptions& o, std::size_t dim, const TuneEnvironment& env) {
  if (!(o.target_recall > 0.0 && o.target_recall < 1.0)) {
    throw InvalidArgument("target recall must be in (0, 1) (got " + std::to_string(o.target_recall) + ")");
  }
  if (o.k == 0) throw InvalidArgument("k must be greater than zero");
  if (dim == 0) throw InvalidArgument("tune: dim must be positive (got 0)");
  if (o.families.empty()) throw InvalidArgument("tune: the list of families is empty");
  if (std::set<HashFamily>(o.families.begin(), o.families.end()).size() != o.families.size()) {
    throw InvalidArgument("tune: a family is listed twice");
  }
  for (const std::size_t b : o.bands) {
    if (b == 0) throw InvalidArgument("tune: a band count is 0; bands must be positive");
  }
  for (const std::size_t p : o.probes) {
    if (p > kMaxProbes) {
      throw InvalidArgument("tune: probes " + str(p) + " exceeds the supported " + str(kMaxProbes));
    }
  }
  if (o.max_candidates.empty()) {
    throw InvalidArgument("tune: the list of max_candidates is empty (use {nullopt} for no cap)");
  }
  for (const auto& m : o.max_candidates) {
    if (m && *m == 0) throw InvalidArgument("tune: max_candidates 0; caps must be positive");
  }
  if (o.queries_per_half == 0) throw InvalidArgument("tune: queries_per_half must be positive");
  if (!(o.margin >= 0.0 && o.margin < 1.0)) {
    throw InvalidArgument("tune: margin must be in [0, 1) (got " + std::to_string(o.margin) + ")");
  }
  if (o.sample_size && *o.sample_size == 0) throw InvalidArgument("tune: sample size must be positive");
  if (o.max_bytes_per_vector && !(*o.max_bytes_per_vector > 0)) {
    throw InvalidArgument("tune: max bytes per vector must be positive");
  }
  validate_prefix(o.prefix);
  if (!env.store_factory) throw InvalidArgument("tune: the environment has no store factory");
  if (!env.fetcher) throw InvalidArgument("tune: the environment has no vector fetcher");
}

// The first `count` of a seeded shuffle of 0 … n-1 (Fisher–Yates with a
// fixed generator, so a seed gives the same draw everywhere).
std::vector<std::size_t> draw(std::size_t n, std::size_t count, std::mt19937_64& rng) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (std::size_t i = 0; i < count && i + 1 < n; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(rng() % (n - i));
    std::swap(order[i], order[j]);
  }
  order.resize(std::min(count, n));
  return order;
}

void append_row(std::vector<float>& out, std::span<const float> m, std::size_t row, std::size_t dim) {
  const auto r = m.subspan(row * dim, dim);
  out.insert(out.end(), r.begin(), r.end());
}

// The query rows (tuning half first), the base rows to index, and the truth.
struct Workload {
  std::vector<float> queries;  // tuning rows, then held-out rows
  std::size_t tuning = 0, held_out = 0;
  std::vector<std::int64_t> ids;  // base rows indexed, ascending
  std::size_t full_size = 0;      // rows the full index would hold (the size rule's n)
  std::vector<std::vector<std::int64_t>> truth;  // per query row
};

Workload make_workload(std::span<const float> base, std::size_t dim, std::span<const float> queries,
                       const TuneOptions& o) {
  const std::size_t n = base.size() / dim;
  std::mt19937_64 rng(o.seed);
  Workload w;
  std::vector<std::uint8_t> excluded(n, 0);
  if (!queries.empty()) {
    const std::size_t nq = queries.size() / dim;
    if (nq < 2) throw InvalidArgument("tune: give at least 2 queries (half tune, half check)");
    const std::size_t half = std::min(o.queries_per_half, nq / 2);
    const auto order = draw(nq, 2 * half, rng);
    for (const std::size_t r : order) append_row(w.queries, queries, r, dim);
    w.tuning = w.held_out = half;
  } else {
    const std::size_t want = 2 * o.queries_per_half;
    if (n < want + o.k + 1) {
      throw InvalidArgument("tune: the base has " + str(n) + " rows; drawing " + str(want) +
                            " queries from it needs more than " + str(want + o.k) +
                            " (give --queries, or fewer queries per half)");
    }
    for (const std::size_t r : draw(n, want, rng)) {
      append_row(w.queries, base, r, dim);
      excluded[r] = 1;
    }
    w.tuning = w.held_out = o.queries_per_half;
  }
  std::vector<std::int64_t> eligible;
  for (std::size_t i = 0; i < n; ++i) {
    if (!excluded[i]) eligible.push_back(static_cast<std::int64_t>(i));
  }
  w.full_size = eligible.size();
  if (o.sample_size && *o.sample_size < eligible.size()) {
    for (const std::size_t r : draw(eligible.size(), *o.sample_size, rng)) w.ids.push_back(eligible[r]);
    std::sort(w.ids.begin(), w.ids.end());
    std::vector<float> rows;
    rows.reserve(w.ids.size() * dim);
    for (const std::int64_t id : w.ids) append_row(rows, base, static_cast<std::size_t>(id), dim);
    w.truth = exact_neighbors(rows, w.queries, dim, o.k);
    for (auto& t : w.truth) {
      for (auto& id : t) id = w.ids[static_cast<std::size_t>(id)];
    }
  } else {
    w.ids = std::move(eligible);
    w.truth = exact_neighbors(base, w.queries, dim, o.k, excluded);
  }
  return w;
}

// A configuration's centroids, trained on an even spread of the indexed rows
// (every m-th, at most the default sample), seeded like its projections.
std::shared_ptr<const std::vector<float>> train_centroids(const TuneConfig& c, std::span<const float> base,
                                                          std::size_t dim, const Workload& w) {
  KMeansTrainOptions t;
  t.num_bands = c.bands;
  t.bits_per_band = c.rows;
  t.seed = c.seed;
  const std::size_t step = std::max<std::size_t>(1, w.ids.size() / t.sample_size);
  std::vector<float> rows;
  for (std::size_t i = 0; i < w.ids.size(); i += step) {
    append_row(rows, base, static_cast<std::size_t>(w.ids[i]), dim);
  }
  return std::make_shared<const std::vector<float>>(train_kmeans(rows, dim, t));
}

std::vector<TuneConfig> candidate_configs(const TuneOptions& o, std::size_t dim, std::size_t n) {
  std::vector<TuneConfig> out;
  for (const HashFamily family : o.families) {
    const std::size_t bits = kmeans_bits(n, std::min(n, KMeansTrainOptions{}.sample_size));
    const SizeBasedBands rule = family == HashFamily::kKMeans
                                    ? SizeBasedBands{0, bits, bits}
                                    : size_based_bands(family, dim, n, kUnlimitedBits);
    auto bands = o.bands.empty() ? default_tune_bands(family) : o.bands;
    std::sort(bands.begin(), bands.end());
    bands.erase(std::unique(bands.begin(), bands.end()), bands.end());
    for (const std::size_t b : bands) {
      validate_shape(dim, b, rule.rows);  // before anything is written
      hash_family_traits(family).check_shape(dim, b, rule.rows);
      out.push_back({family, b, rule.rows, rule.bits_per_band, o.seed, nullptr});
    }
  }
  return out;
}

// Clears a candidate's prefix however its measurement ends.
class PrefixGuard {
 public:
  PrefixGuard(std::shared_ptr<BucketStore> store, std::string prefix)
      : store_(std::move(store)), prefix_(std::move(prefix)) {}
  ~PrefixGuard() {
    try {
      store_->clear(prefix_);
    } catch (...) {
      // Destructors must not throw; the prefix is named in docs/tuning.md.
    }
  }
  PrefixGuard(const PrefixGuard&) = delete;
  PrefixGuard& operator=(const PrefixGuard&) = delete;

 private:
  std::shared_ptr<BucketStore> store_;
  std::string prefix_;
};

double build(Index& index, std::span<const float> base, std::size_t dim, const Workload& w) {
  const auto start = Clock::now();
  std::vector<float> rows;
  for (std::size_t at = 0; at < w.ids.size(); at += kIngestChunk) {
    const std::size_t m = std::min(kIngestChunk, w.ids.size() - at);
    const std::span<const std::int64_t> ids(w.ids.data() + at, m);
    rows.clear();
    for (const std::int64_t id : ids) append_row(rows, base, static_cast<std::size_t>(id), dim);
    index.index(ids, rows);
  }
  index.close();
  const double s = seconds_since(start);
  return s > 0 ? static_cast<double>(w.ids.size()) / s : 0;
}

void measure(Index& index, std::span<const float> base, const Workload& w, std::size_t dim,
             std::size_t k, TunePoint& p) {
  QueryOptions o;
  o.top_k = k;
  o.rerank = true;
  o.probes = p.query.probes;
  o.max_candidates = p.query.max_candidates.value_or(kAllCandidates);
  std::vector<QueryResult> results;
  results.reserve(w.tuning + w.held_out);
  const auto start = Clock::now();
  for (std::size_t i = 0; i < w.tuning + w.held_out; ++i) {
    results.push_back(index.query(std::span(w.queries).subspan(i * dim, dim), o));
  }
  const double s = seconds_since(start);
  const std::span<const QueryResult> all(results);
  const std::span<const std::vector<std::int64_t>> truth(w.truth);
  const std::span<const float> queries(w.queries);
  const std::size_t split = w.tuning * dim;
  const Recall tuning = measure_recall(all.first(w.tuning), base, queries.first(split), dim,
                                       truth.first(w.tuning), k);
  const Recall held = measure_recall(all.subspan(w.tuning), base, queries.subspan(split), dim,
                                     truth.subspan(w.tuning), k);
  p.recall = tuning.by_similarity;
  p.held_out_recall = held.by_similarity;
  p.held_out_lower = held.by_similarity - kRecallBoundZ * held.by_similarity_stderr;
  p.recall_by_id = tuning.by_id;
  p.held_out_recall_by_id = held.by_id;
  double candidates = 0, fetched = 0;
  for (const auto& r : results) {
    candidates += static_cast<double>(r.candidates);
    fetched += static_cast<double>(std::min(r.candidates, *o.max_candidates));
  }
  const auto count = static_cast<double>(results.size());
  p.mean_candidates = candidates / count;
  p.fraction_read = fetched / count / static_cast<double>(std::max<std::size_t>(1, w.ids.size()));
  p.queries_per_second = s > 0 ? count / s : 0;
}

std::string describe(const TuneConfig& c) {
  return std::string(family_name(c.family)) + " " + str(c.bands) + " bands x " + str(c.rows) +
         (c.family == HashFamily::kCrossPolytope ? " hashes"
          : c.family == HashFamily::kKMeans      ? " bits"
                                                 : " rows") +
         " (" +
         str(c.bits_per_band) + " bits/band)";
}

}  // namespace

IndexOptions tuned_index_options(const TunePoint& point, std::size_t dim) {
  IndexOptions o;
  o.dim = dim;
  o.family = point.config.family;
  o.num_bands = point.config.bands;
  o.rows_per_band = point.config.rows;
  o.num_perm = point.config.bands * point.config.rows;
  o.seed = point.config.seed;
  if (point.config.centroids) o.projections = *point.config.centroids;
  o.query_defaults = point.query;
  return o;
}

TuneReport tune(std::span<const float> base, std::size_t dim, std::span<const float> queries,
                const TuneEnvironment& env, const TuneOptions& options) {
  validate(options, dim, env);
  if (base.empty() || base.size() % dim != 0) {
    throw InvalidArgument("tune: the base holds " + str(base.size()) +
                          " floats; expected a positive multiple of dim " + str(dim));
  }
  if (queries.size() % dim != 0) {
    throw InvalidArgument("tune: the queries hold " + str(queries.size()) +
                          " floats, not a multiple of dim " + str(dim));
  }
  auto probes = options.probes.empty() ? default_tune_probes() : options.probes;
  std::sort(probes.begin(), probes.end());
  probes.erase(std::unique(probes.begin(), probes.end()), probes.end());

  const Workload w = make_workload(base, dim, queries, options);
  const std::vector<TuneConfig> configs = candidate_configs(options, dim, w.full_size);
  auto store = env.store_factory();
  if (!store) throw InvalidArgument("tune: the store factory returned no store");
  for (std::size_t i = 0; i < configs.size(); ++i) {
    const std::string prefix = options.prefix + "-" + str(i);
    if (store->load_meta(prefix)) {
      throw ConfigurationError("prefix \"" + quote_user_text(prefix) + "\" already holds an index in " +
                               store->describe() + ": the tuner builds its candidates under \"" +
                               quote_user_text(options.prefix) + "-<n>\"; choose another prefix");
    }
  }

  TuneReport report;
  report.indexed = w.ids.size();
  report.tuning_queries = w.tuning;
  report.held_out_queries = w.held_out;
  TuneProgress progress;
  progress.configs_total = configs.size();
  auto say = [&](std::string message, const TunePoint* point) {
    progress.message = std::move(message);
    progress.point = point;
    if (env.progress && !env.progress(progress)) report.cancelled = true;
    return !report.cancelled;
  };
  double best_qps = 0;                   // fastest point meeting the target so far
  std::optional<double> bytes_per_band;  // per family, from the first build
  HashFamily bytes_family = HashFamily::kHyperplane;
  for (std::size_t i = 0; i < configs.size() && !report.cancelled; ++i) {
    TuneConfig c = configs[i];
    progress.configs_done = i;
    if (bytes_per_band && bytes_family != c.family) bytes_per_band.reset();
    if (options.max_bytes_per_vector && bytes_per_band &&
        *bytes_per_band * static_cast<double>(c.bands) > *options.max_bytes_per_vector) {
      say("skipping " + describe(c) + ": predicted above the bytes/vector budget", nullptr);
      continue;
    }
    if (!say("building " + describe(c) + " over " + str(w.ids.size()) + " vectors", nullptr)) break;
    if (c.family == HashFamily::kKMeans) c.centroids = train_centroids(c, base, dim, w);
    auto candidate_store = i == 0 ? store : env.store_factory();
    TunePoint p;
    p.config = c;
    IndexOptions io = tuned_index_options(p, dim);
    io.prefix = options.prefix + "-" + str(i);
    PrefixGuard guard(candidate_store, io.prefix);
    Index index(io, candidate_store, env.fetcher);
    p.ingest_vectors_per_second = build(index, base, dim, w);
    p.bytes_per_vector = index.stats().storage.bytes_per_vector;
    if (p.bytes_per_vector) {
      bytes_per_band = *p.bytes_per_vector / static_cast<double>(c.bands);
      bytes_family = c.family;
      if (options.max_bytes_per_vector && *p.bytes_per_vector > *options.max_bytes_per_vector) {
        say("dropping " + describe(c) + ": " + std::to_string(*p.bytes_per_vector) +
                " bytes/vector is above the budget", nullptr);
        continue;
      }
    }
    bool done = false;
    for (const std::size_t probe : probes) {
      bool met_with_margin = false, slower = true;
      for (const auto& cap : options.max_candidates) {
        p.query = {probe, cap};
        measure(index, base, w, dim, options.k, p);
        report.points.push_back(p);
        // The held-out half is not used to choose, but a sweep that stopped
        // where it falls short would leave no next point to fall back on.
        met_with_margin = met_with_margin || (p.recall >= options.target_recall + options.margin &&
                                              *p.held_out_lower >= options.target_recall);
        slower = slower && p.queries_per_second < best_qps;
        if (p.recall >= options.target_recall) best_qps = std::max(best_qps, p.queries_per_second);
        if (!say(describe(c) + ", " + str(probe) + " probes", &report.points.back())) {
          done = true;
          break;
        }
      }
      // More probes only read more: once the target is met with margin (and
      // checked), or every point is already slower than one meeting it, stop.
      if (done || met_with_margin || slower) break;
    }
  }
  progress.configs_done = configs.size();
  report.frontier = pareto_frontier(report.points);
  report.recommended = recommend(report.points, options.target_recall, report.notes);
  if (!report.recommended) {
    report.warnings.push_back("no configuration reached recall@" + str(options.k) + " " +
                              std::to_string(options.target_recall) +
                              " on both tuning and held-out queries: try more bands or probes");
  }
  return report;
}

}  // namespace lshrs
