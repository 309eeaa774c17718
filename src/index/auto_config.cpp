// The no-flags configuration, measured on the data at hand (auto_config.hpp).
#include "lshrs/auto_config.hpp"

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <memory>
#include <numeric>
#include <unordered_map>

#include "lshrs/error.hpp"
#include "lshrs/exact.hpp"
#include "lshrs/fetcher.hpp"
#include "lshrs/kmeans.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/tuning.hpp"

namespace lshrs {
namespace {

// Below this many usable rows k-means has too little to learn from; the
// data-independent hyperplanes (sized for n, probes still calibrated) serve.
constexpr std::size_t kKMeansMinRows = 1'000;

// Probe budgets tried in turn: each reads ~1.5x the buckets of the last.
constexpr std::size_t kProbeSteps[] = {0,   1,   2,   3,   4,   6,   8,   12,  16,  24,  32,
                                       48,  64,  96,  128, 192, 256, 384, 512, 768, 1024, 1536,
                                       2048, 3072, 4096};

std::string str(std::size_t v) { return std::to_string(v); }

std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

bool usable(std::span<const float> row) {
  bool nonzero = false;
  for (const float v : row) {
    if (!std::isfinite(v)) return false;
    nonzero = nonzero || v != 0.0f;
  }
  return nonzero;
}

// One calibration query: a sample row, and the k rows of the data most
// similar to it other than itself (best first), with their vectors, so that
// the memory index can hold them.
struct Neighbour {
  float similarity;
  std::int64_t id;
  std::vector<float> row;
};
struct Probe {
  std::int64_t self;  // its id in the data
  std::size_t row;    // its row in the sample
  std::vector<Neighbour> best;
};

class Truth {
 public:
  Truth(std::span<const float> rows, std::span<const std::int64_t> ids, std::size_t dim,
        std::size_t count, std::size_t k)
      : dim_(dim), k_(k) {
    const std::size_t n = ids.size();
    const std::size_t step = std::max<std::size_t>(1, n / count);
    for (std::size_t i = 0; i < n && probes_.size() < count; i += step) {
      probes_.push_back({ids[i], i, {}});
      queries_.insert(queries_.end(), rows.begin() + static_cast<std::ptrdiff_t>(i * dim),
                      rows.begin() + static_cast<std::ptrdiff_t>((i + 1) * dim));
    }
  }

  // Offers every row of a batch of the data to every query.
  void add(std::span<const float> rows, std::span<const std::int64_t> ids) {
    if (ids.empty()) return;
    // k + 1 per query: its own row may be among them.
    const auto nearest = exact_neighbors(rows, queries_, dim_, k_ + 1);
    for (std::size_t q = 0; q < probes_.size(); ++q) {
      for (const std::int64_t r : nearest[q]) {
        const auto row = rows.subspan(static_cast<std::size_t>(r) * dim_, dim_);
        offer(probes_[q], ids[static_cast<std::size_t>(r)], row, query(q));
      }
    }
    rows_ += ids.size();
  }

  std::span<const float> query(std::size_t q) const {
    return std::span<const float>(queries_).subspan(q * dim_, dim_);
  }
  const std::vector<float>& queries() const { return queries_; }
  const std::vector<Probe>& probes() const { return probes_; }
  std::uint64_t rows() const { return rows_; }

 private:
  void offer(Probe& p, std::int64_t id, std::span<const float> row, std::span<const float> q) const {
    if (id == p.self || !usable(row)) return;
    for (const auto& nb : p.best) {
      if (nb.id == id) return;  // an id the data repeats: its first row counts
    }
    // The rerank's own formula, so that a neighbour scores the same float there.
    const float sim = cosine_similarities(q, row).front();
    if (p.best.size() == k_ && !(sim > p.best.back().similarity)) return;
    Neighbour nb{sim, id, std::vector<float>(row.begin(), row.end())};
    const auto at = std::find_if(p.best.begin(), p.best.end(),
                                 [sim](const Neighbour& b) { return sim > b.similarity; });
    p.best.insert(at, std::move(nb));
    if (p.best.size() > k_) p.best.pop_back();
  }

  std::size_t dim_, k_;
  std::vector<Probe> probes_;
  std::vector<float> queries_;
  std::uint64_t rows_ = 0;
};

// The rows the memory index holds: the sample, then every query's exact
// neighbours that are not in it; ids are their positions here.
struct Calibration {
  std::vector<float> rows;
  std::vector<std::size_t> self;        // each query's position
  std::vector<float> kth;               // each query's k-th exact similarity
};

Calibration calibration_rows(std::vector<float> sample, std::span<const std::int64_t> ids,
                             const Truth& truth, std::size_t dim, std::size_t k) {
  Calibration c;
  std::unordered_map<std::int64_t, std::size_t> position;
  for (std::size_t i = 0; i < ids.size(); ++i) position.emplace(ids[i], i);
  c.rows = std::move(sample);
  for (const Probe& p : truth.probes()) {
    c.self.push_back(p.row);
    c.kth.push_back(p.best.size() >= k ? p.best[k - 1].similarity : -2.0f);
    for (const Neighbour& nb : p.best) {
      if (position.emplace(nb.id, c.rows.size() / dim).second) {
        c.rows.insert(c.rows.end(), nb.row.begin(), nb.row.end());
      }
    }
  }
  return c;
}

// Recall@k of the index on the calibration queries at `probes`, by similarity.
double measure(Index& index, const Truth& truth, const Calibration& c, std::size_t k,
               std::size_t probes) {
  QueryOptions q;
  q.top_k = k + 1;  // the query's own row comes back too
  q.rerank = true;
  q.probes = probes;
  const auto results = index.query_batch(truth.queries(), q);
  std::size_t hits = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    std::size_t seen = 0;
    for (const auto& nb : results[i].neighbors) {
      if (static_cast<std::size_t>(nb.id) == c.self[i] || seen == k) continue;
      ++seen;
      if (nb.similarity && *nb.similarity >= c.kth[i] - kRecallTolerance) ++hits;
    }
  }
  return static_cast<double>(hits) / static_cast<double>(results.size() * k);
}

}  // namespace

AutoConfig auto_configure(std::span<const float> sample, std::span<const std::int64_t> sample_ids,
                          std::size_t dim, std::uint64_t total_rows, const AutoConfigOptions& o,
                          VectorSource* truth_source) {
  if (dim == 0 || sample.size() % dim != 0) {
    throw InvalidArgument("auto_configure: a sample of " + str(sample.size()) +
                          " floats is not rows of dimension " + str(dim));
  }
  if (!(o.target_recall > 0.0 && o.target_recall <= 1.0) || o.k == 0 || o.queries == 0) {
    throw InvalidArgument("auto_configure: target recall must be in (0, 1], k and queries positive");
  }
  if (sample_ids.size() * dim != sample.size()) {
    throw InvalidArgument("auto_configure: " + str(sample_ids.size()) + " ids for " +
                          str(sample.size() / dim) + " sample rows");
  }
  std::vector<float> rows;
  std::vector<std::int64_t> ids;
  rows.reserve(std::min(sample.size(), kAutoSampleRows * dim));
  const std::size_t given = sample.size() / dim;
  const std::size_t step = std::max<std::size_t>(1, given / kAutoSampleRows);
  for (std::size_t i = 0; i < given; i += step) {
    const auto row = sample.subspan(i * dim, dim);
    if (!usable(row)) continue;
    rows.insert(rows.end(), row.begin(), row.end());
    ids.push_back(sample_ids[i]);
  }
  const std::size_t n = rows.size() / dim;
  if (n < 2 * o.k + 2) {
    throw InvalidArgument("auto_configure: " + str(n) +
                          " usable rows are too few to choose a configuration from (at least " +
                          str(2 * o.k + 2) + "); give the bands and rows instead");
  }
  const std::size_t total = static_cast<std::size_t>(std::max<std::uint64_t>(total_rows, n));
  auto say = [&](const std::string& line) {
    if (o.progress) o.progress(line);
  };

  AutoConfig out;
  out.sample_rows = n;
  IndexOptions& opts = out.options;
  opts.dim = dim;
  opts.seed = o.seed;
  if (n >= kKMeansMinRows) {
    const std::size_t bits = kmeans_bits(total, n);
    opts.family = HashFamily::kKMeans;
    opts.num_bands = 1;
    opts.rows_per_band = bits;
    opts.num_perm = bits;
    KMeansTrainOptions t;
    t.num_bands = 1;
    t.bits_per_band = bits;
    t.seed = o.seed;
    say("training k-means: " + str(std::size_t{1} << bits) + " centroids on " + str(n) + " rows");
    opts.projections = train_kmeans(rows, dim, t);
  } else {
    opts.expected_size = total;  // hyperplanes sized for n (size_based_bands)
  }

  Truth truth(rows, ids, dim, o.queries, o.k);
  if (truth_source) {
    say("finding the exact neighbours of " + str(truth.probes().size()) + " rows in " +
        truth_source->describe());
    VectorBatch batch;
    while (truth.rows() < o.max_truth_rows && truth_source->next(batch)) {
      if (batch.dim != dim) {
        throw InvalidArgument("auto_configure: " + truth_source->describe() + " has dimension " +
                              str(batch.dim) + ", the sample " + str(dim));
      }
      const std::size_t keep = static_cast<std::size_t>(
          std::min<std::uint64_t>(batch.size(), o.max_truth_rows - truth.rows()));
      truth.add(std::span<const float>(batch.data).first(keep * dim),
                std::span<const std::int64_t>(batch.ids).first(keep));
    }
  } else {
    truth.add(rows, ids);
  }
  out.truth_rows = truth.rows();
  const Calibration c = calibration_rows(std::move(rows), ids, truth, dim, o.k);
  auto fetcher = std::make_shared<CallbackFetcher>(dim, [&c, dim](std::span<const std::int64_t> wanted) {
    std::vector<float> v;
    v.reserve(wanted.size() * dim);
    for (const std::int64_t id : wanted) {
      const auto* r = c.rows.data() + static_cast<std::size_t>(id) * dim;
      v.insert(v.end(), r, r + dim);
    }
    return v;
  });
  Index index = Index::open(std::make_shared<MemoryStore>(), opts, OpenOptions{}, fetcher);
  std::vector<std::int64_t> positions(c.rows.size() / dim);
  std::iota(positions.begin(), positions.end(), std::int64_t{0});
  index.index(positions, c.rows);

  std::size_t probes = 0;
  for (const std::size_t p : kProbeSteps) {
    if (p > o.max_probes) break;
    probes = p;
    out.estimated_recall = measure(index, truth, c, o.k, p);
    say("probes " + str(p) + ": recall@" + str(o.k) + " " + fixed(out.estimated_recall, 3) + " on " +
        str(c.self.size()) + " rows of the data");
    if (out.estimated_recall >= o.target_recall) {
      out.target_met = true;
      break;
    }
  }
  // The options as a user would give them: the resolved shape, the measured budget.
  const IndexConfig& resolved = index.config();
  opts.num_bands = resolved.num_bands;
  opts.rows_per_band = resolved.rows_per_band;
  opts.num_perm = resolved.num_perm;
  opts.expected_size.reset();
  if (opts.family != HashFamily::kKMeans) opts.projections.clear();
  opts.query_defaults.probes = probes;
  out.summary = std::string(family_name(opts.family)) + " " + str(*opts.num_bands) + " x " +
                str(*opts.rows_per_band) +
                (opts.family == HashFamily::kKMeans ? " bits" : " rows") + ", probes " + str(probes) +
                ": recall@" + str(o.k) + " " + fixed(out.estimated_recall, 3) + " measured on " +
                str(c.self.size()) + " rows of the data" +
                (out.target_met ? "" : " (below the " + fixed(o.target_recall, 2) + " aimed at)");
  return out;
}

}  // namespace lshrs
