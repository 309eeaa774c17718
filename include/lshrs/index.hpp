// lshrs — the index: hashes vectors, buffers their bucket writes, answers
// nearest-neighbour queries by band collisions, optionally reranked by cosine.
//
// An Index combines a Hasher (fixed by dim, bands, rows and seed or by loaded
// projections), a BucketStore (where membership lives, shared with every other
// client of the same prefix) and an optional VectorFetcher (for reranking).
// Semantics follow the Python package `lshrs` (see README, "Python mapping").
//
// Thread safety: an Index is safe for concurrent use: any number of threads may
// ingest, index, flush, query and remove at once. Writes of one thread become
// visible to queries once flushed (flush(), index(), or a full buffer).
#pragma once

#include "lshrs/export.hpp"
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "lshrs/cross_polytope.hpp"
#include "lshrs/fetcher.hpp"
#include "lshrs/hash_family.hpp"
#include "lshrs/hasher.hpp"
#include "lshrs/index_config.hpp"
#include "lshrs/kmeans.hpp"
#include "lshrs/query_defaults.hpp"
#include "lshrs/source.hpp"
#include "lshrs/store.hpp"

namespace lshrs {

class FilterExpression;  // src/filter/filter.hpp: a parsed QueryOptions::filter

// Construction settings: what the user asks for. Index::open resolves them
// into an IndexConfig (index_config.hpp), which is what the index then is. Fields marked [shared] must be equal for every client
// of one prefix: the store's meta records them and a mismatch is refused.
struct IndexOptions {
  // [shared] Vector dimension. Required (> 0, at most kMaxDim; hasher.hpp
  // lists the limits on the shape).
  std::size_t dim = 0;
  // [shared] The hash family (hash_family.hpp). Hyperplane is the only one the
  // Python package can read; cross-polytope gives more recall per bucket;
  // k-means (trained, given as `projections`) the fewest candidates for a
  // recall; for it rows_per_band is the bits per band (2^bits centroids).
  HashFamily family = HashFamily::kHyperplane;
  // [shared] Total hashes, = num_bands · rows_per_band: hyperplanes (one bit
  // each) or cross-polytopes (log2(d')+1 bits each). More hashes make buckets
  // more selective and hashing slower. When bands and rows are chosen for
  // `expected_size`, this is the budget of hash bits per vector instead, and
  // it is rewritten to the chosen num_bands · rows_per_band.
  std::size_t num_perm = 128;
  // [shared] Bands and rows (hashes) per band. Leave both empty to choose
  // them: from expected_size when given (see tuning.hpp, size_based_bands),
  // else from `similarity_threshold` (hyperplanes) or one hash per band
  // (cross-polytope). Give both or neither.
  std::optional<std::size_t> num_bands;
  std::optional<std::size_t> rows_per_band;
  // How many vectors the index will hold, if known (> 0): bits per band then
  // grow with log2(expected_size) so that buckets stay small, and recall comes
  // from multi-probe (QueryOptions::probes). Used only to choose bands/rows.
  std::optional<std::size_t> expected_size;
  // Cosine similarity around which pairs start to become candidates; used only
  // to choose bands/rows when they are not given.
  double similarity_threshold = 0.5;
  // Vectors buffered by ingest() before an automatic flush. Larger buffers
  // coalesce more writes per bucket; unflushed writes are invisible to queries.
  std::size_t buffer_size = 10'000;
  // [shared] Seed of the projection generator.
  std::uint64_t seed = 42;
  // [shared] How the projections are drawn from `seed` (hasher.hpp). The
  // default, numpy, gives the original Python package's projections for the
  // same seed; lshrs-v0 reproduces indexes that earlier versions of this
  // library created from a seed. Unused when projections are given or loaded.
  ProjectionGenerator projection_generator = ProjectionGenerator::kNumpy;
  // [shared] Given projections instead of the seed's: row-major num_perm × dim
  // (for cross-polytope the signs, num_perm × 3·d', see cross_polytope.hpp;
  // for k-means the centroids train_kmeans() returns, (num_bands·2^rows) × dim),
  // as a model directory holds them. Empty: drawn from `seed` (k-means
  // refuses: its centroids come from training, see kmeans.hpp).
  std::vector<float> projections;
  // Namespace of every key in the store.
  std::string prefix = "lsh";
  // What a query that leaves probes / max_candidates empty uses: a tuned
  // model's recommendation (query_defaults.hpp), else 0 probes and no cap.
  // Per client; recorded in the meta by the client that creates the index.
  QueryDefaults query_defaults;
};

// Per-query settings.
struct QueryOptions {
  // Number of results (> 0). Empty: all candidates.
  std::optional<std::size_t> top_k = 10;
  // Keep the best max(1, ceil(candidates · top_p)) by cosine, capped by top_k;
  // in (0, 1]. Needs a fetcher.
  std::optional<double> top_p;
  // Drop results whose cosine is below this; in [-1, 1]. Needs a fetcher.
  std::optional<float> min_similarity;
  // Rank by cosine instead of by collision count. Needs a fetcher.
  bool rerank = false;
  // Rerank only the best this many candidates by collision count; bounds the
  // fetch cost when buckets are large. Empty: the index's default
  // (query_defaults().max_candidates; every candidate when it has none);
  // kAllCandidates reranks every candidate whatever the default.
  std::optional<std::size_t> max_candidates;
  // Query-directed multi-probe (Lv et al. 2007): besides the query's own
  // bucket in each of the b bands, read the `probes` buckets most likely to
  // hold its near neighbours, over all bands together (a bucket of any band
  // may get several, another none), in increasing order of a perturbation
  // score: the squared distances to the hyperplanes of the bits changed, or
  // for cross-polytope the squared gaps to the runner-up vertices. 0 reads
  // exactly b buckets. Empty: the index's default (query_defaults().probes,
  // 0 unless a tuned model set it). All b + probes buckets go in the one
  // round trip per node.
  std::optional<std::size_t> probes;
  // Only ids whose attributes pass this filter, in the FILTER syntax of Redis
  // vector sets (docs/filters.md): `.year > 2020 and .lang == "en"`. An id
  // without attributes never passes. Empty: no filter. The candidates'
  // attributes are read in one more round trip; while fewer than top_k
  // pass, the probe budget grows (×4 a round) until top_k pass, every
  // bucket was read or filter_effort candidates were examined
  // (QueryResult says which). A syntax error is InvalidArgument naming the
  // column.
  std::string filter;
  // Most candidates a filtered query examines (Redis' FILTER-EF); > 0.
  // Empty: 100 × top_k (every candidate without a top_k).
  std::optional<std::size_t> filter_effort;

  // Whether the candidates are ranked by cosine through the fetcher: asked
  // for by `rerank`, and implied by top_p and min_similarity, which need the
  // cosine. The one place that rule is written.
  bool reranks() const noexcept { return rerank || top_p.has_value() || min_similarity.has_value(); }
};

// A max_candidates larger than any candidate count: "rerank them all", also
// over an index whose query defaults cap them.
inline constexpr std::size_t kAllCandidates = std::numeric_limits<std::size_t>::max();

struct Neighbor {
  std::int64_t id = 0;
  std::uint32_t collisions = 0;         // buckets shared with the query
  std::optional<float> similarity;      // cosine, when reranked
};

struct QueryResult {
  std::vector<Neighbor> neighbors;
  std::size_t candidates = 0;           // distinct ids found in the buckets
  std::size_t missing_vectors = 0;      // candidates the fetcher no longer had
  // A filtered query: candidates whose attributes failed the filter (not in
  // `candidates`' count of what is left), and whether it stopped at
  // filter_effort (or with every bucket read) before top_k passed.
  std::size_t filtered_out = 0;
  bool filter_effort_spent = false;
  std::chrono::microseconds elapsed{0};
};

struct IndexStats {
  IndexConfig config;                   // Index::config(): family, shape, seed, prefix, query defaults
  std::string store;                    // BucketStore::describe()
  std::size_t buffered = 0;             // vectors waiting for a flush
  StoreStats storage;
};

// The options an index with this model config has, under `prefix`.
LSHRS_API IndexOptions options_from_model(const ModelConfig& config, std::string prefix);
// Same, with the model's projections and query defaults.
LSHRS_API IndexOptions options_from_model(Model model, std::string prefix);

class LSHRS_API Index {
 public:
  // Opening. Every entry point below forwards to one private function that
  // makes the one decision: the store holds `<prefix>:meta` → refuse it
  // (error_if_exists), or open it — checking that it matches the options
  // given (ConfigurationError naming both configs), or adopting it when none
  // are; no meta → create the index the options describe (create_if_missing;
  // its meta is written by the first flush of a validated batch, so a
  // refused first batch leaves the store untouched) or refuse (IndexNotFound).
  // Opening never writes to the store; bad options are refused before the
  // store is read.
  //
  // The prefix rule: the prefix is always the caller's — IndexOptions::prefix
  // or the `prefix` argument. A model directory's recorded prefix
  // (redis_config.prefix) is only load()'s default when no prefix is given,
  // as Python's load_from_disk uses it unless redis_config overrides it.
  //
  // A null store means an embedded MemoryStore.

  // The index `options` describe under options.prefix, per `how`.
  static Index open(std::shared_ptr<BucketStore> store, IndexOptions options,
                    OpenOptions how = {}, std::shared_ptr<VectorFetcher> fetcher = nullptr);
  // The index the store's meta describes under `prefix` (written by any
  // client of this library), whatever its config; IndexNotFound when there
  // is none (nothing describes what to create).
  static Index open(std::shared_ptr<BucketStore> store, const std::string& prefix,
                    std::shared_ptr<VectorFetcher> fetcher = nullptr);
  // A model directory (Python load_from_disk): its config, projections and
  // query defaults under `prefix` (default: the one the model records), opened
  // as open(store, options, {}) does.
  static Index load(const std::filesystem::path& dir, std::shared_ptr<BucketStore> store = nullptr,
                    std::shared_ptr<VectorFetcher> fetcher = nullptr,
                    std::optional<std::string> prefix = std::nullopt);
  // Same as open(store, options, {}, fetcher): the Python LSHRS(...)
  // constructor's semantics.
  explicit Index(IndexOptions options, std::shared_ptr<BucketStore> store = nullptr,
                 std::shared_ptr<VectorFetcher> fetcher = nullptr);
  // Same, with options.projections = projections.
  Index(IndexOptions options, std::vector<float> projections,
        std::shared_ptr<BucketStore> store, std::shared_ptr<VectorFetcher> fetcher);

  // Removes ids from the index under `prefix`, whoever wrote it: with the
  // layout its meta records, or — a prefix without meta, as the Python
  // package leaves it — by scanning its buckets (BucketStore::remove).
  static std::size_t remove_from(std::shared_ptr<BucketStore> store, const std::string& prefix,
                                 std::span<const std::int64_t> ids);

  // Flushes (errors are swallowed here: call close() to see them).
  ~Index();
  Index(Index&&) noexcept;
  Index& operator=(Index&&) = delete;
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  // Buffers one vector (dim floats) under `id` (>= 0); flushes when the
  // buffer holds buffer_size vectors. Re-ingesting an id replaces it.
  void ingest(std::int64_t id, std::span<const float> vector);
  // Hashes n = ids.size() vectors (row-major n × dim) and flushes.
  // The whole batch is validated before anything is buffered.
  void index(std::span<const std::int64_t> ids, std::span<const float> vectors);
  // Same, each id with its attributes for filters (docs/filters.md): a flat
  // JSON object per id, such as {"lang": "en", "year": 2021, "tags": ["a"]},
  // or "" for none. They are written with the id's buckets, in the same
  // commit, and replaced whenever the id is written again (also by a write
  // without attributes). InvalidArgument, nothing buffered, for a count other
  // than ids.size() or attributes that are not such an object.
  void index(std::span<const std::int64_t> ids, std::span<const float> vectors,
             std::span<const std::string> attributes);
  void ingest(std::int64_t id, std::span<const float> vector, std::string_view attributes);
  // Same, fetching the vectors through the fetcher.
  void index(std::span<const std::int64_t> ids);
  // Each id's stored attributes (compact JSON), in the order asked; nullopt
  // for an id without attributes or not in the store (buffered writes are
  // read once flushed). One round trip per server.
  std::vector<std::optional<std::string>> attributes(std::span<const std::int64_t> ids);
  // Drains `source` batch by batch (Python create_signatures); each batch is
  // validated and hashed, and the batches are written and flushed in writes
  // of IngestOptions::write_rows rows while the next ones are read and hashed
  // (one write in flight, on a thread of its own). Returns the number of
  // rows indexed; when it returns, every one was acknowledged by the store.
  // On a store error the rows not acknowledged stay buffered (flush()
  // retries them); a refused batch is not buffered, the ones before it are
  // written.
  std::uint64_t ingest_from(VectorSource& source, const IngestOptions& options = {});
  // Writes the buffer to the store. On failure the buffer is kept (StorageError).
  // Also StorageError when the store lost the index meanwhile (its meta is
  // gone or changed: a server restarted without persistence, a `clear` by
  // another client), since earlier acknowledged writes may be gone with it.
  void flush();

  QueryResult query(std::span<const float> vector, const QueryOptions& options = {});
  // n queries (row-major n × dim), one store round trip for all of them.
  std::vector<QueryResult> query_batch(std::span<const float> vectors,
                                       const QueryOptions& options = {});
  // Ids of the k best candidates by collision count (Python get_top_k).
  std::vector<std::int64_t> top_k(std::span<const float> vector, std::size_t k = 10);
  // (id, cosine) of the best max(1, ceil(candidates·p)) (Python get_above_p).
  std::vector<std::pair<std::int64_t, float>> above_p(std::span<const float> vector,
                                                       double p = 0.95);

  // Removes ids (buffered and stored); returns how many were stored.
  std::size_t remove(std::span<const std::int64_t> ids);
  // Flushes, then deletes every key of the prefix; the index stays usable.
  // Returns the number of keys deleted.
  std::size_t clear();
  // Everything about the index, including a scan of the store for its
  // bucket figures (StoreStats): one or more round trips.
  IndexStats stats();
  // Vectors waiting in the buffer for a flush (IndexStats::buffered without
  // reading the store): cheap, takes only the buffer's lock.
  std::size_t buffered() const;
  // Writes the model directory (Python package format, see model_io.hpp);
  // its redis_config names the store's server (StoreAddress), never a password.
  void save(const std::filesystem::path& dir);
  // Flushes, checks that the store still holds this index (see flush()) and
  // reports any error; the destructor flushes silently.
  void close();

  // What this index is: the options resolved, or the config of the meta or
  // model directory it was opened from.
  const IndexConfig& config() const noexcept;
  HashFamily family() const noexcept { return config().family; }
  // The probes and max_candidates a query that leaves them empty uses: from
  // the model directory or meta this index was opened from, or IndexOptions.
  const QueryDefaults& query_defaults() const noexcept { return config().query_defaults; }
  // The family's hasher, whatever the family (band_hasher.hpp).
  const BandHasher& band_hasher() const noexcept;
  // The hyperplane hasher; ConfigurationError for an index of another family.
  const Hasher& hasher() const;
  // The cross-polytope hasher; ConfigurationError for an index of another family.
  const CrossPolytopeHasher& polytope_hasher() const;
  // The k-means hasher (its centroids); ConfigurationError for another family.
  const KMeansHasher& kmeans_hasher() const;
  // Band signatures of n vectors (row-major n × dim), whatever the family.
  Signatures hash(std::span<const float> vectors) const;

  // What the store is told on every add and remove (store.hpp): bands,
  // bytes per band and family; for store calls made outside the index, such
  // as RedisStore::repair().
  StoreLayout layout() const;

 private:
  struct Impl;  // src/index/index_impl.hpp: config, hasher, store, buffer, locks

  // The one open every public entry point forwards to; `mine` null: adopt
  // the store's meta.
  static Index open_index(std::shared_ptr<BucketStore> store, const std::string& prefix,
                          const IndexOptions* mine, OpenOptions how,
                          std::shared_ptr<VectorFetcher> fetcher);
  Index(IndexConfig config, std::vector<float> projections, std::shared_ptr<BucketStore> store,
        std::shared_ptr<VectorFetcher> fetcher);
  void write_meta();
  void verify_meta() const;
  void check_compatible(const Model& theirs, const Model& mine) const;
  // `extras`: empty, or one per id.
  void append(std::span<const std::int64_t> ids, const Signatures& sigs,
              std::vector<RecordExtras> extras = {});
  std::size_t buffer_rows(std::span<const std::int64_t> ids, const Signatures& sigs,
                          std::vector<RecordExtras> extras = {});  // no flush
  // Drops the candidates of `result` whose attributes fail the query's
  // filter, probing more buckets while too few pass (QueryOptions::filter).
  void apply_filter(std::span<const float> query, const FilterExpression& filter, const QueryOptions& options,
                    std::size_t probes, QueryResult& result);
  std::size_t band_bytes() const;
  std::size_t band_bits() const;  // distinct buckets a band can hold: 2^band_bits()
  // Every bucket the n queries read (first[i] … first[i+1] for query i).
  std::vector<BucketRef> query_buckets(std::span<const float> vectors, std::size_t probes,
                                       std::vector<std::size_t>& first) const;
  void rerank(std::span<const float> query, const QueryOptions& options, QueryResult& result);

  std::unique_ptr<Impl> impl_;
};

}  // namespace lshrs
