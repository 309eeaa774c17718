#include "lshrs/index.hpp"

#include <algorithm>
#include <utility>
#include <unordered_map>
#include <unordered_set>

#include "index/index_options.hpp"
#include "index/pipelined_ingest.hpp"
#include "lshrs/error.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/model_io.hpp"
#include "lshrs/safe_text.hpp"

namespace lshrs {
namespace {

Model to_model(const IndexOptions& o, const Index& index) {
  Model m;
  m.config = detail::model_config(o);
  m.redis.prefix = o.prefix;
  m.query_defaults = o.query_defaults;
  m.projections = o.family == HashFamily::kCrossPolytope ? index.polytope_hasher().signs()
                                                         : index.hasher().projections();
  return m;
}

std::string describe_config(const ModelConfig& c) {
  return "family=" + std::string(family_name(c.family)) + ", dim=" + std::to_string(c.dim) +
         ", num_bands=" + std::to_string(c.num_bands) +
         ", rows_per_band=" + std::to_string(c.rows_per_band) + ", seed=" + std::to_string(c.seed);
}

// When the stored projections are another generator's for the same seed (an
// index created before numpy's generator became the default), say which, so
// the user can pass it instead of guessing. Runs only on the error path.
std::string generator_hint(const Model& theirs, const IndexOptions& mine) {
  const ModelConfig& c = theirs.config;
  if (c.dim != mine.dim || c.num_perm != mine.num_perm) return "";
  for (const auto g : {ProjectionGenerator::kNumpy, ProjectionGenerator::kLshrsV0}) {
    if (g != mine.projection_generator &&
        generate_projections(mine.seed, c.num_perm, c.dim, g) == theirs.projections) {
      return " (the stored ones are projection_generator \"" +
             std::string(projection_generator_name(g)) + "\" for seed " +
             std::to_string(mine.seed) + ": pass that generator)";
    }
  }
  return "";
}

}  // namespace

Index::Index(IndexOptions options, std::shared_ptr<BucketStore> store,
             std::shared_ptr<VectorFetcher> fetcher)
    : Index(std::move(options), std::nullopt, std::move(store), std::move(fetcher)) {}

Index::Index(IndexOptions options, std::vector<float> projections,
             std::shared_ptr<BucketStore> store, std::shared_ptr<VectorFetcher> fetcher)
    : Index(std::move(options), std::optional(std::move(projections)), std::move(store),
            std::move(fetcher)) {}

Index::Index(IndexOptions options, std::optional<std::vector<float>> projections,
             std::shared_ptr<BucketStore> store, std::shared_ptr<VectorFetcher> fetcher)
    : options_(detail::resolve_options(std::move(options))),
      store_(store ? std::move(store) : std::make_shared<MemoryStore>()),
      fetcher_(std::move(fetcher)),
      buffer_mutex_(std::make_unique<std::mutex>()),
      flush_mutex_(std::make_unique<std::mutex>()) {
  const std::size_t bands = *options_.num_bands, rows = *options_.rows_per_band;
  if (options_.family == HashFamily::kCrossPolytope) {
    polytope_ = projections ? std::make_unique<CrossPolytopeHasher>(options_.dim, bands, rows,
                                                                    std::move(*projections))
                            : std::make_unique<CrossPolytopeHasher>(options_.dim, bands, rows,
                                                                    options_.seed);
  } else {
    hasher_ = projections ? std::make_unique<Hasher>(options_.dim, bands, rows, std::move(*projections))
                          : std::make_unique<Hasher>(options_.dim, bands, rows, options_.seed,
                                                     options_.projection_generator);
  }
  init_store();
}

const Hasher& Index::hasher() const {
  if (!hasher_) {
    throw ConfigurationError("prefix \"" + options_.prefix +
                             "\" uses cross-polytope hashing: it has no hyperplane hasher");
  }
  return *hasher_;
}

const CrossPolytopeHasher& Index::polytope_hasher() const {
  if (!polytope_) {
    throw ConfigurationError("prefix \"" + options_.prefix +
                             "\" uses hyperplane hashing: it has no cross-polytope hasher");
  }
  return *polytope_;
}

Signatures Index::hash(std::span<const float> vectors) const {
  return polytope_ ? polytope_->hash(vectors) : hasher_->hash(vectors);
}

std::size_t Index::band_bytes() const {
  return polytope_ ? polytope_->band_bytes() : hasher_->band_bytes();
}

StoreLayout Index::layout() const {
  return StoreLayout{*options_.num_bands, band_bytes(), options_.family};
}

Index Index::load(const std::filesystem::path& dir, std::shared_ptr<BucketStore> store,
                  std::shared_ptr<VectorFetcher> fetcher) {
  Model model = load_model(dir);
  return Index(options_from_model(model, model.redis.prefix), std::move(model.projections),
               std::move(store), std::move(fetcher));
}

Index Index::open(std::shared_ptr<BucketStore> store, const std::string& prefix,
                  std::shared_ptr<VectorFetcher> fetcher) {
  if (!store) throw InvalidArgument("Index::open needs a store");
  validate_prefix(prefix);
  const auto meta = store->load_meta(prefix);
  if (!meta) {
    throw ConfigurationError("no index under prefix \"" + quote_user_text(prefix) + "\" in " +
                             store->describe() +
                             ": create it with IndexOptions (or `lshrs index`) first");
  }
  Model model = decode_meta(*meta);
  return Index(options_from_model(model, prefix), std::move(model.projections),
               std::move(store), std::move(fetcher));
}

std::size_t Index::remove_from(std::shared_ptr<BucketStore> store, const std::string& prefix,
                               std::span<const std::int64_t> ids) {
  if (!store) throw InvalidArgument("Index::remove_from needs a store");
  if (!store->load_meta(prefix)) return store->remove(prefix, std::nullopt, ids);
  return open(std::move(store), prefix).remove(ids);
}

// Checks that the description already under <prefix>:meta agrees with this
// client. A missing meta is not written here but by the first flush, after a
// batch passed validation: a refused first batch must not create the index.
void Index::init_store() {
  if (const auto existing = store_->load_meta(options_.prefix)) {
    check_compatible(decode_meta(*existing), to_model(options_, *this));
    meta_ = *existing;
  }
}

// Writes our meta, or checks the one another client wrote meanwhile; runs
// under flush_mutex_ before the first bucket write of this client.
void Index::write_meta() {
  const Model mine = to_model(options_, *this);
  const std::string encoded = encode_meta(mine);
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (store_->store_meta_if_absent(options_.prefix, encoded)) {
      meta_ = encoded;
      return;
    }
    // Another client wrote it between our two calls: read theirs.
    if (const auto existing = store_->load_meta(options_.prefix)) {
      check_compatible(decode_meta(*existing), mine);
      meta_ = *existing;
      return;
    }
  }
  throw StorageError("could not write or read the meta of prefix \"" +
                     quote_user_text(options_.prefix) + "\" in " + store_->describe());
}

void Index::check_compatible(const Model& theirs, const Model& mine) const {
  const auto& a = theirs.config;
  const auto& b = mine.config;
  const bool same_shape = a.family == b.family && a.dim == b.dim && a.num_bands == b.num_bands &&
                          a.rows_per_band == b.rows_per_band;
  if (same_shape && theirs.projections == mine.projections) return;
  throw ConfigurationError("prefix \"" + quote_user_text(options_.prefix) + "\" in " +
                           store_->describe() + " holds an index with " + describe_config(a) +
                           "; this client has " + describe_config(b) +
                           (same_shape ? " and different projections" : "") +
                           generator_hint(theirs, options_) +
                           ". Open it with Index::open / `--model`, or use another prefix");
}

Index::Index(Index&&) noexcept = default;

Index::~Index() {
  if (!hasher_ && !polytope_) return;  // moved from
  try {
    flush();
  } catch (...) {
    // Destructors must not throw; close() is the way to see flush errors.
  }
}

void Index::close() {
  flush();
  std::lock_guard flush_lock(*flush_mutex_);
  verify_meta();
}

// A server restarted without persistence, or a `clear` by another client,
// deletes the index under a writer that reconnects and carries on: its
// acknowledged writes are then gone. The meta is the witness: written once
// when the index was created, it must still be there, unchanged.
void Index::verify_meta() const {
  if (meta_.empty()) return;  // this client never wrote: nothing of ours can be lost
  const auto now = store_->load_meta(options_.prefix);
  if (now && *now == meta_) return;
  throw StorageError(
      "the index under prefix \"" + options_.prefix + "\" in " + store_->describe() +
      (now ? " was replaced by a different index" : " is gone (its meta key was deleted)") +
      " while this client was writing: the server lost its data (restarted without persistence?) "
      "or the prefix was cleared, so vectors reported written may be missing; index them again");
}

std::size_t Index::buffer_rows(std::span<const std::int64_t> ids, const Signatures& sigs) {
  std::lock_guard lock(*buffer_mutex_);
  buffer_.ids.insert(buffer_.ids.end(), ids.begin(), ids.end());
  buffer_.signatures.insert(buffer_.signatures.end(), sigs.bytes.begin(), sigs.bytes.end());
  return buffer_.ids.size();
}

void Index::append(std::span<const std::int64_t> ids, const Signatures& sigs) {
  if (buffer_rows(ids, sigs) >= options_.buffer_size) flush();
}

void Index::ingest(std::int64_t id, std::span<const float> vector) {
  const std::int64_t ids[] = {id};
  detail::validate_batch(ids, vector, options_.dim);
  append(ids, hash(vector));
}

void Index::index(std::span<const std::int64_t> ids, std::span<const float> vectors) {
  detail::validate_batch(ids, vectors, options_.dim);
  if (ids.empty()) return;
  append(ids, hash(vectors));
  flush();
}

void Index::index(std::span<const std::int64_t> ids) {
  if (!fetcher_) {
    throw InvalidArgument("index(ids) without vectors needs a VectorFetcher: pass one to the Index");
  }
  if (ids.empty()) return;
  FetchedVectors fetched = fetcher_->fetch(ids);
  if (fetched.ids.size() != ids.size() || !std::equal(ids.begin(), ids.end(), fetched.ids.begin())) {
    throw InvalidArgument("the fetcher returned " + std::to_string(fetched.ids.size()) +
                          " of the " + std::to_string(ids.size()) +
                          " vectors asked for; every id to index must exist");
  }
  index(ids, fetched.data);
}

std::uint64_t Index::ingest_from(VectorSource& source, const IngestOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto last_report = start;
  IngestProgress progress;
  progress.total_rows = source.total_rows();
  auto report = [&](bool finished) {
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    progress.rows_per_second = seconds > 0 ? static_cast<double>(progress.rows_done) / seconds : 0;
    progress.finished = finished;
    if (options.progress) options.progress(progress);
  };
  // Batch k is written on a background thread while batch k+1 is read and
  // hashed here. Errors keep the order of the serial loop: a refused batch is
  // reported (and nothing of it buffered) only once the write before it was
  // acknowledged, and that write's own failure comes first; a failed write
  // leaves its rows and those of the batch hashed meanwhile in the buffer, in
  // source order, for flush() to retry — nothing read from the source is lost.
  detail::BackgroundWriter writer;
  std::uint64_t in_flight = 0;
  auto acknowledge = [&] {
    writer.wait();
    progress.rows_done += std::exchange(in_flight, 0);
    if (Clock::now() - last_report >= options.progress_interval) {
      last_report = Clock::now();
      report(false);
    }
  };
  VectorBatch batch;
  for (;;) {
    std::vector<std::int64_t> ids;
    Signatures sigs;
    try {
      if (!source.next(batch)) break;
      if (batch.dim != options_.dim) {
        throw InvalidArgument(source.describe() + " yields vectors of dimension " +
                              std::to_string(batch.dim) + " but the index has dim " +
                              std::to_string(options_.dim));
      }
      detail::validate_batch(batch.ids, batch.data, options_.dim);
      sigs = hash(batch.data);
      ids = batch.ids;
    } catch (...) {
      writer.wait();  // an earlier write's failure replaces this error
      throw;
    }
    try {
      acknowledge();
    } catch (...) {
      buffer_rows(ids, sigs);
      throw;
    }
    if (ids.empty()) continue;
    in_flight = ids.size();
    writer.start([this, ids = std::move(ids), sigs = std::move(sigs)] {
      append(ids, sigs);
      flush();
    });
  }
  acknowledge();
  report(true);
  return progress.rows_done;
}

void Index::flush() {
  std::lock_guard flush_lock(*flush_mutex_);
  {
    std::lock_guard lock(*buffer_mutex_);
    if (buffer_.ids.empty()) return;
  }
  if (meta_.empty()) write_meta();  // the buffer stays put if this throws
  Buffer pending;
  {
    std::lock_guard lock(*buffer_mutex_);
    std::swap(pending, buffer_);
  }
  if (pending.ids.empty()) return;
  // The last write of an id wins; a store batch holds each id once.
  const std::size_t width = options_.num_bands.value() * band_bytes();
  std::unordered_map<std::int64_t, std::size_t> last;
  last.reserve(pending.ids.size());
  for (std::size_t i = 0; i < pending.ids.size(); ++i) last[pending.ids[i]] = i;
  std::vector<std::int64_t> ids;
  Signatures sigs{0, *options_.num_bands, band_bytes(), {}};
  ids.reserve(last.size());
  sigs.bytes.reserve(last.size() * width);
  for (std::size_t i = 0; i < pending.ids.size(); ++i) {
    if (last[pending.ids[i]] != i) continue;
    ids.push_back(pending.ids[i]);
    const auto* row = pending.signatures.data() + i * width;
    sigs.bytes.insert(sigs.bytes.end(), row, row + width);
  }
  sigs.count = ids.size();
  try {
    store_->add(options_.prefix, layout(), ids, sigs);
    verify_meta();
  } catch (...) {
    std::lock_guard lock(*buffer_mutex_);  // put it back in front: nothing is lost
    pending.ids.insert(pending.ids.end(), buffer_.ids.begin(), buffer_.ids.end());
    pending.signatures.insert(pending.signatures.end(), buffer_.signatures.begin(),
                              buffer_.signatures.end());
    std::swap(pending, buffer_);
    throw;
  }
}

std::size_t Index::remove(std::span<const std::int64_t> ids) {
  std::lock_guard flush_lock(*flush_mutex_);  // no flush may re-add them meanwhile
  {
    std::lock_guard lock(*buffer_mutex_);
    const std::size_t width = *options_.num_bands * band_bytes();
    const std::unordered_set<std::int64_t> doomed(ids.begin(), ids.end());
    Buffer kept;
    for (std::size_t i = 0; i < buffer_.ids.size(); ++i) {
      if (doomed.count(buffer_.ids[i])) continue;
      kept.ids.push_back(buffer_.ids[i]);
      const auto* row = buffer_.signatures.data() + i * width;
      kept.signatures.insert(kept.signatures.end(), row, row + width);
    }
    std::swap(kept, buffer_);
  }
  return ids.empty() ? 0 : store_->remove(options_.prefix, layout(), ids);
}

std::size_t Index::clear() {
  flush();
  std::lock_guard flush_lock(*flush_mutex_);
  const std::size_t removed = store_->clear(options_.prefix);
  const Model mine = to_model(options_, *this);
  // The meta as it was (with its creator's query defaults), so other clients
  // still recognise their index.
  const std::string encoded = meta_.empty() ? encode_meta(mine) : meta_;
  if (store_->store_meta_if_absent(options_.prefix, encoded)) {
    meta_ = encoded;
  } else if (auto theirs = store_->load_meta(options_.prefix)) {
    check_compatible(decode_meta(*theirs), mine);
    meta_ = std::move(*theirs);
  }
  return removed;
}

IndexStats Index::stats() {
  IndexStats s;
  s.family = options_.family;
  s.dim = options_.dim;
  s.num_perm = options_.num_perm;
  s.num_bands = *options_.num_bands;
  s.rows_per_band = *options_.rows_per_band;
  s.buffer_size = options_.buffer_size;
  s.similarity_threshold = options_.similarity_threshold;
  s.seed = options_.seed;
  s.prefix = options_.prefix;
  s.store = store_->describe();
  s.query_defaults = options_.query_defaults;
  {
    std::lock_guard lock(*buffer_mutex_);
    s.buffered = buffer_.ids.size();
  }
  s.storage = store_->stats(options_.prefix);
  return s;
}

void Index::save(const std::filesystem::path& dir) {
  flush();
  Model model = to_model(options_, *this);
  // The Python package's load_from_disk connects where the model says.
  if (const auto where = store_->address()) {
    model.redis.host = where->host;
    model.redis.port = where->port;
    model.redis.db = where->db;
  }
  save_model(dir, model);
}

}  // namespace lshrs
