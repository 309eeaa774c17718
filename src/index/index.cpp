// lshrs::Index — the write path (buffer, ingest, ingest_from, flush),
// administration (remove, clear, stats, save) and the hashers. Opening is in
// index_open.cpp, queries in index_query.cpp.
#include "lshrs/index.hpp"

#include <algorithm>
#include <utility>
#include <unordered_map>
#include <unordered_set>

#include "lshrs/attributes.hpp"
#include "index/index_impl.hpp"
#include "index/index_options.hpp"
#include "index/leftovers.hpp"
#include "index/pipelined_ingest.hpp"
#include "lshrs/cross_polytope.hpp"
#include "lshrs/error.hpp"
#include "lshrs/kmeans.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/model_io.hpp"
#include "lshrs/safe_text.hpp"
#include "util/vector_checks.hpp"

namespace lshrs {

Model detail::index_model(const Index& index) {
  const IndexConfig& c = index.config();
  Model m;
  m.config = c;  // its ModelConfig part
  m.redis.prefix = c.prefix;
  m.query_defaults = c.query_defaults;
  m.projections = index.band_hasher().model();
  return m;
}

const IndexConfig& Index::config() const noexcept { return impl_->config; }

namespace {

// One family's concrete hasher, for callers that need its own accessors.
template <typename H>
const H& hasher_as(const BandHasher& hasher, const IndexConfig& c, const char* wanted) {
  const auto* mine = dynamic_cast<const H*>(&hasher);
  if (!mine) {
    throw ConfigurationError("prefix \"" + quote_user_text(c.prefix) + "\" uses " +
                             std::string(family_name(c.family)) + " hashing: it has no " + wanted +
                             " hasher");
  }
  return *mine;
}

}  // namespace

const BandHasher& Index::band_hasher() const noexcept { return *impl_->hasher; }

const Hasher& Index::hasher() const {
  return hasher_as<HyperplaneHasher>(*impl_->hasher, impl_->config, "hyperplane");
}

const CrossPolytopeHasher& Index::polytope_hasher() const {
  return hasher_as<CrossPolytopeHasher>(*impl_->hasher, impl_->config, "cross-polytope");
}

const KMeansHasher& Index::kmeans_hasher() const {
  return hasher_as<KMeansHasher>(*impl_->hasher, impl_->config, "k-means");
}

Signatures Index::hash(std::span<const float> vectors) const { return impl_->hasher->hash(vectors); }

std::size_t Index::band_bytes() const { return impl_->hasher->band_bytes(); }

std::size_t Index::band_bits() const { return impl_->hasher->band_bits(); }

StoreLayout Index::layout() const {
  return StoreLayout{impl_->config.num_bands, band_bytes(), impl_->config.family,
                     impl_->signatures.load()};
}

std::size_t Index::remove_from(std::shared_ptr<BucketStore> store, const std::string& prefix,
                               std::span<const std::int64_t> ids) {
  if (!store) throw InvalidArgument("Index::remove_from needs a store");
  if (!store->load_meta(prefix)) return store->remove(prefix, std::nullopt, ids);
  return open(std::move(store), prefix).remove(ids);
}

Index::Index(Index&&) noexcept = default;

Index::~Index() {
  if (!impl_) return;  // moved from
  try {
    flush();
  } catch (...) {
    // Destructors must not throw; close() is the way to see flush errors.
  }
}

void Index::close() {
  flush();
  std::lock_guard flush_lock(impl_->flush_mutex);
  verify_meta();
}


std::size_t Index::buffer_rows(std::span<const std::int64_t> ids, const Signatures& sigs,
                               std::vector<RecordExtras> extras) {
  std::lock_guard lock(impl_->buffer_mutex);
  impl_->buffer.append(ids, sigs.bytes, std::move(extras));
  return impl_->buffer.ids.size();
}

void Index::append(std::span<const std::int64_t> ids, const Signatures& sigs, std::vector<RecordExtras> extras) {
  if (buffer_rows(ids, sigs, std::move(extras)) >= impl_->config.buffer_size) flush();
}

namespace {

// One RecordExtras per id from the caller's attribute texts ("" for none),
// each checked and made compact; empty when no id has attributes.
std::vector<RecordExtras> extras_of(std::span<const std::int64_t> ids, std::span<const std::string> attributes) {
  if (attributes.size() != ids.size()) {
    throw InvalidArgument(std::to_string(ids.size()) + " ids but " + std::to_string(attributes.size()) +
                          " attributes; pass one JSON object (or \"\" for none) per id");
  }
  std::vector<RecordExtras> extras(ids.size());
  bool any = false;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (attributes[i].empty()) continue;
    extras[i].attributes = canonical_attributes(attributes[i], "the attributes of id " + std::to_string(ids[i]),
                                                kMaxAttributeBytes);
    any = true;
  }
  if (!any) extras.clear();
  return extras;
}

}  // namespace

void Index::ingest(std::int64_t id, std::span<const float> vector, std::string_view attributes) {
  const std::int64_t ids[] = {id};
  util::validate_batch(ids, vector, impl_->config.dim);
  const std::string text(attributes);
  std::vector<RecordExtras> extras = extras_of(ids, std::span(&text, 1));
  append(ids, hash(vector), std::move(extras));
}

void Index::index(std::span<const std::int64_t> ids, std::span<const float> vectors,
                  std::span<const std::string> attributes) {
  util::validate_batch(ids, vectors, impl_->config.dim);
  std::vector<RecordExtras> extras = extras_of(ids, attributes);
  if (ids.empty()) return;
  append(ids, hash(vectors), std::move(extras));
  flush();
}

std::vector<std::optional<std::string>> Index::attributes(std::span<const std::int64_t> ids) {
  for (const std::int64_t id : ids) {
    if (id < 0) throw InvalidArgument("id " + std::to_string(id) + " is negative; ids are integers >= 0");
  }
  std::vector<std::optional<std::string>> out(ids.size());
  if (ids.empty()) return out;
  const auto records = impl_->store->records(impl_->config.prefix, layout(), ids);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (records[i] && records[i]->extras.attributes) out[i] = std::move(*records[i]->extras.attributes);
  }
  return out;
}

void Index::ingest(std::int64_t id, std::span<const float> vector) {
  const std::int64_t ids[] = {id};
  util::validate_batch(ids, vector, impl_->config.dim);
  append(ids, hash(vector));
}

void Index::index(std::span<const std::int64_t> ids, std::span<const float> vectors) {
  util::validate_batch(ids, vectors, impl_->config.dim);
  if (ids.empty()) return;
  append(ids, hash(vectors));
  flush();
}

void Index::index(std::span<const std::int64_t> ids) {
  if (!impl_->fetcher) {
    throw InvalidArgument("index(ids) without vectors needs a VectorFetcher: pass one to the Index");
  }
  if (ids.empty()) return;
  FetchedVectors fetched = impl_->fetcher->fetch(ids);
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
  // Write k is sent on a background thread while the batches of write k+1
  // are read and hashed. Errors keep the order of the serial loop: a refused
  // batch is reported (and nothing of it buffered) only once the rows before
  // it were acknowledged, and a write's own failure comes first; a failed
  // write leaves its rows and those hashed meanwhile in the buffer, in source
  // order, for flush() to retry — nothing read from the source is lost.
  const std::size_t write_rows =
      options.write_rows ? options.write_rows
                         : std::min(IngestOptions::kMaxWriteRows,
                                    std::size_t{2} << std::min<std::size_t>(band_bits(), 20));
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
  std::vector<std::int64_t> pending_ids;
  Signatures pending{0, impl_->config.num_bands, band_bytes(), {}};
  // Hands the pending rows to the writer once the write before them was
  // acknowledged; if that write failed, they join its rows in the buffer.
  auto send = [&] {
    try {
      acknowledge();
    } catch (...) {
      buffer_rows(pending_ids, pending);
      throw;
    }
    if (pending_ids.empty()) return;
    in_flight = pending_ids.size();
    std::vector<std::int64_t> ids = std::exchange(pending_ids, {});
    Signatures sigs = std::exchange(pending, Signatures{0, pending.num_bands, pending.band_bytes, {}});
    writer.start([this, ids = std::move(ids), sigs = std::move(sigs)] {
      append(ids, sigs);
      flush();
    });
  };
  VectorBatch batch;
  for (;;) {
    Signatures sigs;
    try {
      if (!source.next(batch)) break;
      if (batch.dim != impl_->config.dim) {
        throw InvalidArgument(source.describe() + " yields vectors of dimension " +
                              std::to_string(batch.dim) + " but the index has dim " +
                              std::to_string(impl_->config.dim));
      }
      util::validate_batch(batch.ids, batch.data, impl_->config.dim);
      sigs = hash(batch.data);
    } catch (...) {
      // The rows before the refused batch are written first; a failure of
      // theirs replaces this error (and leaves them buffered).
      send();
      acknowledge();
      throw;
    }
    pending_ids.insert(pending_ids.end(), batch.ids.begin(), batch.ids.end());
    pending.bytes.insert(pending.bytes.end(), sigs.bytes.begin(), sigs.bytes.end());
    pending.count += sigs.count;
    if (pending_ids.size() >= write_rows) send();
  }
  send();
  acknowledge();
  report(true);
  return progress.rows_done;
}

void Index::flush() {
  std::lock_guard flush_lock(impl_->flush_mutex);
  {
    std::lock_guard lock(impl_->buffer_mutex);
    if (impl_->buffer.ids.empty()) return;
  }
  if (impl_->meta.empty()) write_meta();  // the buffer stays put if this throws
  Impl::Buffer pending;
  {
    std::lock_guard lock(impl_->buffer_mutex);
    std::swap(pending, impl_->buffer);
  }
  if (pending.ids.empty()) return;
  // The last write of an id wins; a store batch holds each id once.
  const std::size_t width = impl_->config.num_bands * band_bytes();
  std::unordered_map<std::int64_t, std::size_t> last;
  last.reserve(pending.ids.size());
  for (std::size_t i = 0; i < pending.ids.size(); ++i) last[pending.ids[i]] = i;
  std::vector<std::int64_t> ids;
  std::vector<RecordExtras> extras;
  Signatures sigs{0, impl_->config.num_bands, band_bytes(), {}};
  ids.reserve(last.size());
  sigs.bytes.reserve(last.size() * width);
  for (std::size_t i = 0; i < pending.ids.size(); ++i) {
    if (last[pending.ids[i]] != i) continue;
    ids.push_back(pending.ids[i]);
    const auto* row = pending.signatures.data() + i * width;
    sigs.bytes.insert(sigs.bytes.end(), row, row + width);
    if (!pending.extras.empty()) extras.push_back(pending.extras[i]);
  }
  sigs.count = ids.size();
  try {
    impl_->store->add(impl_->config.prefix, layout(), ids, sigs, extras);
    verify_meta();
  } catch (...) {
    std::lock_guard lock(impl_->buffer_mutex);  // put it back in front: nothing is lost
    pending.append_all(impl_->buffer);
    std::swap(pending, impl_->buffer);
    throw;
  }
}

std::size_t Index::remove(std::span<const std::int64_t> ids) {
  std::lock_guard flush_lock(impl_->flush_mutex);  // no flush may re-add them meanwhile
  {
    std::lock_guard lock(impl_->buffer_mutex);
    const std::size_t width = impl_->config.num_bands * band_bytes();
    const std::unordered_set<std::int64_t> doomed(ids.begin(), ids.end());
    Impl::Buffer kept;
    for (std::size_t i = 0; i < impl_->buffer.ids.size(); ++i) {
      if (!doomed.count(impl_->buffer.ids[i])) kept.append_row(impl_->buffer, i, width);
    }
    std::swap(kept, impl_->buffer);
  }
  return ids.empty() ? 0 : impl_->store->remove(impl_->config.prefix, layout(), ids);
}

std::size_t Index::clear() {
  flush();
  std::lock_guard flush_lock(impl_->flush_mutex);
  const std::size_t removed = impl_->store->clear(impl_->config.prefix);
  const Model mine = detail::index_model(*this);
  // The meta as it was (with its creator's query defaults), so other clients
  // still recognise their index.
  const std::string encoded = impl_->meta.empty() ? encode_meta(mine) : impl_->meta;
  if (impl_->store->store_meta_if_absent(impl_->config.prefix, encoded)) {
    impl_->adopt_meta(encoded);
  } else if (auto theirs = impl_->store->load_meta(impl_->config.prefix)) {
    check_compatible(decode_meta(*theirs), mine);
    impl_->adopt_meta(std::move(*theirs));
  }
  return removed;
}

IndexStats Index::stats() {
  IndexStats s;
  s.config = config();
  s.store = impl_->store->describe();
  {
    std::lock_guard lock(impl_->buffer_mutex);
    s.buffered = impl_->buffer.ids.size();
  }
  s.storage = impl_->store->stats(impl_->config.prefix);
  return s;
}

std::size_t Index::buffered() const {
  std::lock_guard lock(impl_->buffer_mutex);
  return impl_->buffer.ids.size();
}

void Index::save(const std::filesystem::path& dir) {
  flush();
  Model model = detail::index_model(*this);
  // The Python package's load_from_disk connects where the model says.
  if (const auto where = impl_->store->address()) {
    model.redis.host = where->host;
    model.redis.port = where->port;
    model.redis.db = where->db;
  }
  save_model(dir, model);
}

}  // namespace lshrs
