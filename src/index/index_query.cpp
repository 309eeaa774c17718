// Index queries: probe keys, one store round trip, collision counting and the
// optional cosine rerank through the fetcher.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "filter/filter.hpp"
#include "index/index_impl.hpp"
#include "index/index_options.hpp"
#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "util/vector_checks.hpp"

namespace lshrs {
namespace {

bool by_collisions(const Neighbor& a, const Neighbor& b) {
  return a.collisions != b.collisions ? a.collisions > b.collisions : a.id < b.id;
}

bool by_similarity(const Neighbor& a, const Neighbor& b) {
  if (*a.similarity != *b.similarity) return *a.similarity > *b.similarity;
  return by_collisions(a, b);
}

// Sorts the best `keep` (all when empty) by `better` and drops the rest;
// candidates far outnumber k, so avoid a full sort.
template <typename Better>
void best_by(std::vector<Neighbor>& v, std::optional<std::size_t> keep, Better better) {
  if (keep && *keep < v.size()) {
    const auto middle = v.begin() + static_cast<std::ptrdiff_t>(*keep);
    std::partial_sort(v.begin(), middle, v.end(), better);
    v.erase(middle, v.end());
  } else {
    std::sort(v.begin(), v.end(), better);
  }
}

// The candidates a rerank scores: the best `keep` by collisions (any order,
// since the rerank orders them by cosine), or all of them.
void keep_most_collisions(std::vector<Neighbor>& v, std::optional<std::size_t> keep) {
  if (!keep || *keep >= v.size()) return;
  const auto middle = v.begin() + static_cast<std::ptrdiff_t>(*keep);
  std::nth_element(v.begin(), middle, v.end(), by_collisions);
  v.erase(middle, v.end());
}

// Counts how many probed buckets hold each id: an open-addressing table
// (linear probing, at most two thirds full). A node-based unordered_map spent
// more time allocating its nodes than counting (16 buckets of ~800 ids a
// query). Not half full at most: `most` counts repeats too, and the table of
// a 76-bucket query at 1M (~2,500 ids) then took 128 KiB to allocate and zero
// per query (glibc's mmap threshold); two thirds full halves that.
class CollisionCounter {
 public:
  // `most` bounds the number of distinct ids that will be added.
  explicit CollisionCounter(std::size_t most) {
    unsigned bits = 4;
    while ((std::size_t{1} << bits) < most + most / 2) ++bits;
    shift_ = 64 - bits;
    slots_.resize(std::size_t{1} << bits);
  }
  void add(std::int64_t id) {
    const std::size_t mask = slots_.size() - 1;
    // Fibonacci hashing: the high bits of id·2^64/φ spread sequential ids.
    const std::uint64_t hash = static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ull;
    std::size_t at = static_cast<std::size_t>(hash >> shift_);
    while (slots_[at].count != 0 && slots_[at].id != id) at = (at + 1) & mask;
    if (slots_[at].count++ == 0) {
      slots_[at].id = id;
      ++distinct_;
    }
  }
  std::size_t distinct() const noexcept { return distinct_; }
  void append_to(std::vector<Neighbor>& out) const {
    for (const Slot& s : slots_) {
      if (s.count != 0) out.push_back({s.id, s.count, std::nullopt});
    }
  }

 private:
  struct Slot {
    std::int64_t id = 0;
    std::uint32_t count = 0;  // 0: empty
  };
  std::vector<Slot> slots_;
  unsigned shift_ = 60;
  std::size_t distinct_ = 0;
};

// The candidates of one query, with how many of its buckets hold each.
void count_collisions(std::span<const std::vector<std::int64_t>> buckets, QueryResult& result) {
  std::size_t total = 0;
  for (const auto& b : buckets) total += b.size();
  CollisionCounter counts(total);
  for (const auto& b : buckets) {
    for (const std::int64_t id : b) counts.add(id);
  }
  result.neighbors.clear();
  result.neighbors.reserve(counts.distinct());
  counts.append_to(result.neighbors);
  result.candidates = result.neighbors.size();
}

}  // namespace

// Redis' FILTER-EF default is COUNT × 100: examine at most that many
// candidates for top_k matches before saying the effort ran out.
void Index::apply_filter(std::span<const float> query, const FilterExpression& filter,
                         const QueryOptions& options, std::size_t probes, QueryResult& result) {
  const std::optional<std::size_t> want = options.top_k;
  const std::size_t effort = options.filter_effort.value_or(want ? 100 * *want : SIZE_MAX);
  std::unordered_map<std::int64_t, bool> passes;  // every candidate examined so far
  std::vector<std::size_t> first;
  std::size_t buckets_read = query_buckets(query, probes, first).size();
  for (;;) {
    // Within the effort, the candidates with most collisions first.
    std::vector<Neighbor> fresh;
    for (const Neighbor& nb : result.neighbors) {
      if (!passes.count(nb.id)) fresh.push_back(nb);
    }
    keep_most_collisions(fresh, effort - std::min(effort, passes.size()));
    std::vector<std::int64_t> unknown;
    unknown.reserve(fresh.size());
    for (const Neighbor& nb : fresh) unknown.push_back(nb.id);
    const auto records = impl_->store->records(impl_->config.prefix, layout(), unknown);
    for (std::size_t j = 0; j < unknown.size(); ++j) {
      const auto& r = records[j];
      passes[unknown[j]] = r && r->extras.attributes && filter.matches_json_text(*r->extras.attributes);
    }
    const auto matched = static_cast<std::size_t>(std::count_if(
        result.neighbors.begin(), result.neighbors.end(), [&](const Neighbor& nb) {
          const auto it = passes.find(nb.id);
          return it != passes.end() && it->second;
        }));
    if (!want || matched >= *want) break;
    // Too few passed: read more buckets (the probe sequence is a prefix of
    // a longer one), unless the effort is spent or none are left to read.
    const std::size_t wider = probes == 0 ? 8 : probes * 4;
    const std::vector<BucketRef> refs =
        passes.size() >= effort || wider > (std::size_t{1} << 20) ? std::vector<BucketRef>{}
                                                                 : query_buckets(query, wider, first);
    if (refs.size() <= buckets_read) {
      result.filter_effort_spent = true;
      break;
    }
    probes = wider;
    buckets_read = refs.size();
    count_collisions(impl_->store->members(impl_->config.prefix, refs), result);
  }
  // Candidates beyond the effort were never examined: neither kept nor
  // counted as removed by the filter.
  std::erase_if(result.neighbors, [&](const Neighbor& nb) {
    const auto it = passes.find(nb.id);
    if (it == passes.end()) return true;
    if (!it->second) ++result.filtered_out;
    return !it->second;
  });
  result.candidates = result.neighbors.size();
}

std::vector<BucketRef> Index::query_buckets(std::span<const float> vectors, std::size_t probes,
                                            std::vector<std::size_t>& first) const {
  return impl_->hasher->query_buckets(vectors, probes, first);
}

QueryResult Index::query(std::span<const float> vector, const QueryOptions& options) {
  if (vector.size() != impl_->config.dim) {
    throw InvalidArgument("query vector has " + std::to_string(vector.size()) +
                          " components; the index has dim " + std::to_string(impl_->config.dim));
  }
  return std::move(query_batch(vector, options).front());
}

std::vector<QueryResult> Index::query_batch(std::span<const float> vectors,
                                            const QueryOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  detail::validate_query_options(options, impl_->fetcher != nullptr);
  util::validate_queries(vectors, impl_->config.dim);
  std::optional<FilterExpression> filter;
  if (!options.filter.empty()) filter = FilterExpression::parse(options.filter);
  const std::size_t n = vectors.size() / impl_->config.dim;
  std::vector<std::size_t> first;
  const QueryDefaults& defaults = impl_->config.query_defaults;
  const std::size_t probes = options.probes.value_or(defaults.probes);
  const auto max_candidates = options.max_candidates ? options.max_candidates : defaults.max_candidates;
  const std::vector<BucketRef> refs = query_buckets(vectors, probes, first);
  const auto buckets = impl_->store->members(impl_->config.prefix, refs);

  std::vector<QueryResult> results(n);
  for (std::size_t i = 0; i < n; ++i) {
    count_collisions(std::span(buckets).subspan(first[i], first[i + 1] - first[i]), results[i]);
    auto& neighbors = results[i].neighbors;
    if (filter) {
      apply_filter(vectors.subspan(i * impl_->config.dim, impl_->config.dim), *filter, options, probes, results[i]);
    }
    if (options.reranks()) {
      keep_most_collisions(neighbors, max_candidates);
      rerank(vectors.subspan(i * impl_->config.dim, impl_->config.dim), options, results[i]);
    } else {
      best_by(neighbors, options.top_k, by_collisions);
    }
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  for (auto& r : results) r.elapsed = elapsed;
  return results;
}

// Replaces collision order by cosine order, then applies top_p, top_k and
// min_similarity in the Python package's order (top_p counts candidates).
void Index::rerank(std::span<const float> query, const QueryOptions& options,
                   QueryResult& result) {
  auto& neighbors = result.neighbors;
  if (neighbors.empty()) return;
  std::vector<std::int64_t> ids(neighbors.size());
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = neighbors[i].id;
  const ScoredIds scored = impl_->fetcher->similarities(query, ids);
  if (scored.scores.size() != scored.ids.size()) {
    throw InvalidArgument("the vector fetcher scored " + std::to_string(scored.scores.size()) +
                          " of " + std::to_string(scored.ids.size()) + " ids");
  }
  const std::size_t considered = neighbors.size();
  std::vector<Neighbor> ranked;
  ranked.reserve(considered);
  // Fetchers return the ids they found in the order asked (the built-in ones
  // all do): match both lists in one walk, without building a node-based map
  // per query; other orders fall back to the map.
  std::size_t next = 0;
  for (const auto& nb : neighbors) {
    if (next < scored.ids.size() && scored.ids[next] == nb.id) {
      ranked.push_back(nb);
      ranked.back().similarity = scored.scores[next++];
    }
  }
  if (next != scored.ids.size()) {
    std::unordered_map<std::int64_t, float> score_of;
    for (std::size_t i = 0; i < scored.ids.size(); ++i) score_of[scored.ids[i]] = scored.scores[i];
    ranked.clear();
    for (const auto& nb : neighbors) {
      const auto it = score_of.find(nb.id);
      if (it == score_of.end()) continue;  // deleted from the source since it was indexed
      ranked.push_back(nb);
      ranked.back().similarity = it->second;
    }
  }
  result.missing_vectors = considered - ranked.size();
  // Only the best `keep` are returned: order those, not every candidate.
  std::optional<std::size_t> keep = options.top_k;
  if (options.top_p) {
    const auto by_p = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::ceil(static_cast<double>(considered) * *options.top_p)));
    keep = keep ? std::min(*keep, by_p) : by_p;
  }
  best_by(ranked, keep, by_similarity);
  if (options.min_similarity) {
    std::erase_if(ranked, [&](const Neighbor& nb) { return *nb.similarity < *options.min_similarity; });
  }
  neighbors = std::move(ranked);
}

std::vector<std::int64_t> Index::top_k(std::span<const float> vector, std::size_t k) {
  QueryOptions o;
  o.top_k = k;
  std::vector<std::int64_t> ids;
  for (const auto& nb : query(vector, o).neighbors) ids.push_back(nb.id);
  return ids;
}

std::vector<std::pair<std::int64_t, float>> Index::above_p(std::span<const float> vector,
                                                           double p) {
  QueryOptions o;
  o.top_k = std::nullopt;
  o.top_p = p;
  std::vector<std::pair<std::int64_t, float>> out;
  for (const auto& nb : query(vector, o).neighbors) out.emplace_back(nb.id, *nb.similarity);
  return out;
}

}  // namespace lshrs
