// lshrs::Index — opening: the constructors, the one decision between
// adopting, checking, creating and refusing an index (open_index), and the
// meta that witnesses it in the store (write_meta, verify_meta). The write
// path is in index.cpp, queries in index_query.cpp.
#include "lshrs/index.hpp"

#include <utility>

#include "index/index_impl.hpp"
#include "index/index_options.hpp"
#include "index/leftovers.hpp"
#include "lshrs/error.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/model_io.hpp"
#include "lshrs/safe_text.hpp"

namespace lshrs {
namespace {

// An index adopted from its meta is what the meta says, under `prefix`.
IndexConfig config_from_model(const Model& m, const std::string& prefix) {
  IndexConfig c;
  static_cast<ModelConfig&>(c) = m.config;
  c.prefix = prefix;
  c.query_defaults = m.query_defaults;
  return c;
}

std::string describe_config(const ModelConfig& c) {
  return "family=" + std::string(family_name(c.family)) + ", dim=" + std::to_string(c.dim) +
         ", num_bands=" + std::to_string(c.num_bands) +
         ", rows_per_band=" + std::to_string(c.rows_per_band) + ", seed=" + std::to_string(c.seed);
}

// When the stored projections are another generator's for the same seed (an
// index created before numpy's generator became the default), say which, so
// the user can pass it instead of guessing. Runs only on the error path.
std::string generator_hint(const Model& theirs, const IndexConfig& mine) {
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
    : Index(open(std::move(store), std::move(options), OpenOptions{}, std::move(fetcher))) {}

Index::Index(IndexOptions options, std::vector<float> projections,
             std::shared_ptr<BucketStore> store, std::shared_ptr<VectorFetcher> fetcher)
    : Index([&] {
        options.projections = std::move(projections);
        return open(std::move(store), std::move(options), OpenOptions{}, std::move(fetcher));
      }()) {}

// Builds the hasher only: whether the store already holds this index is
// open_index()'s business.
Index::Index(IndexConfig config, std::vector<float> projections,
             std::shared_ptr<BucketStore> store, std::shared_ptr<VectorFetcher> fetcher)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->store = std::move(store);
  impl_->fetcher = std::move(fetcher);
  const IndexConfig& c = impl_->config;
  impl_->hasher = make_band_hasher({.family = c.family,
                                    .dim = c.dim,
                                    .num_bands = c.num_bands,
                                    .rows_per_band = c.rows_per_band,
                                    .seed = c.seed,
                                    .generator = c.projection_generator,
                                    .model = std::move(projections)});
}

Index Index::open(std::shared_ptr<BucketStore> store, IndexOptions options, OpenOptions how,
                  std::shared_ptr<VectorFetcher> fetcher) {
  const std::string prefix = options.prefix;
  return open_index(std::move(store), prefix, &options, how, std::move(fetcher));
}

Index Index::open(std::shared_ptr<BucketStore> store, const std::string& prefix,
                  std::shared_ptr<VectorFetcher> fetcher) {
  return open_index(std::move(store), prefix, nullptr, OpenOptions{.create_if_missing = false},
                    std::move(fetcher));
}

Index Index::load(const std::filesystem::path& dir, std::shared_ptr<BucketStore> store,
                  std::shared_ptr<VectorFetcher> fetcher, std::optional<std::string> prefix) {
  Model model = load_model(dir);
  std::string where = prefix ? std::move(*prefix) : model.redis.prefix;
  return open(std::move(store), options_from_model(std::move(model), std::move(where)),
              OpenOptions{}, std::move(fetcher));
}

// An index can vanish from a server that evicts keys: say so where its meta
// is found missing, rather than leaving only "index it first".
static std::string evicted_note(BucketStore& store) {
  for (const std::string& w : store.server_warnings()) {
    if (w.find("has evicted") != std::string::npos) return "; " + w;
  }
  return "";
}

// The one place that decides between adopting, checking, creating and
// refusing (see index.hpp). It only reads the store: a new index's meta is
// written by its first flush, so every refusal here leaves the store as it was.
Index Index::open_index(std::shared_ptr<BucketStore> store, const std::string& prefix,
                        const IndexOptions* mine, OpenOptions how,
                        std::shared_ptr<VectorFetcher> fetcher) {
  if (!store) store = std::make_shared<MemoryStore>();
  validate_prefix(prefix);
  // Bad options are refused before the store is asked anything.
  std::optional<IndexConfig> wanted;
  if (mine) wanted = detail::resolve_config(*mine);
  const std::string shown = quote_user_text(prefix);
  const auto existing = store->load_meta(prefix);
  if (!existing) {
    if (!mine || !how.create_if_missing) {
      throw IndexNotFound("no index under prefix \"" + shown + "\" in " + store->describe() +
                          (mine ? " and create_if_missing is off: create it first, or use the "
                                  "prefix that holds it"
                                : ": index vectors into it first (lshrs index), or check the prefix and the server") +
                          evicted_note(*store));
    }
    Index index(std::move(*wanted), mine->projections, store, fetcher);
    try {
      detail::refuse_leftovers(*store, prefix, index.layout());
    } catch (const ConfigurationError&) {
      // Another client may have created the index between our two reads: its
      // meta comes before its other keys. Then open it as it now is.
      if (!store->load_meta(prefix)) throw;
      return open_index(std::move(store), prefix, mine, how, std::move(fetcher));
    }
    return index;
  }
  if (how.error_if_exists) {
    throw IndexAlreadyExists("an index already exists under prefix \"" + shown + "\" in " +
                             store->describe() +
                             " and error_if_exists is on: use another prefix, or clear it first");
  }
  Model theirs = decode_meta(*existing);
  if (!mine) {
    Index index(config_from_model(theirs, prefix), std::move(theirs.projections), std::move(store),
                std::move(fetcher));
    index.impl_->adopt_meta(*existing);
    return index;
  }
  Index index(std::move(*wanted), mine->projections, std::move(store), std::move(fetcher));
  index.check_compatible(theirs, detail::index_model(index));
  index.impl_->adopt_meta(*existing);
  return index;
}

// Writes our meta, or checks the one another client wrote meanwhile; runs
// under flush_mutex before the first bucket write of this client.
void Index::write_meta() {
  const Model mine = detail::index_model(*this);
  const std::string encoded = encode_meta(mine);
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (impl_->store->store_meta_if_absent(impl_->config.prefix, encoded)) {
      impl_->adopt_meta(encoded);
      return;
    }
    // Another client wrote it between our two calls: read theirs.
    if (const auto existing = impl_->store->load_meta(impl_->config.prefix)) {
      check_compatible(decode_meta(*existing), mine);
      impl_->adopt_meta(*existing);
      return;
    }
  }
  throw StorageError("could not write or read the meta of prefix \"" +
                     quote_user_text(impl_->config.prefix) + "\" in " + impl_->store->describe());
}

void Index::check_compatible(const Model& theirs, const Model& mine) const {
  const auto& a = theirs.config;
  const auto& b = mine.config;
  const bool same_shape = a.family == b.family && a.dim == b.dim && a.num_bands == b.num_bands &&
                          a.rows_per_band == b.rows_per_band;
  if (same_shape && theirs.projections == mine.projections) return;
  throw ConfigurationError("prefix \"" + quote_user_text(impl_->config.prefix) + "\" in " +
                           impl_->store->describe() + " holds an index with " + describe_config(a) +
                           "; this client has " + describe_config(b) +
                           (same_shape ? " and different projections" : "") +
                           generator_hint(theirs, impl_->config) +
                           ". Open it as it is (with no configuration: its meta describes it, e.g. lshrs query "
                           "--prefix P), clear it first (lshrs clear, clear()), or use another prefix");
}

// A server restarted without persistence, or a `clear` by another client,
// deletes the index under a writer that reconnects and carries on: its
// acknowledged writes are then gone. The meta is the witness: written once
// when the index was created, it must still be there, unchanged.
void Index::verify_meta() const {
  if (impl_->meta.empty()) return;  // this client never wrote: nothing of ours can be lost
  const auto now = impl_->store->load_meta(impl_->config.prefix);
  if (now && *now == impl_->meta) return;
  // An evicting server is the likelier cause when it says it evicted keys.
  const auto risks = impl_->store->server_warnings();
  const std::string cause =
      risks.empty() ? "the server lost its data (restarted without persistence?) or the prefix was cleared"
                    : "the server evicts keys (" + risks.front() + ")";
  throw StorageError(
      "the index under prefix \"" + impl_->config.prefix + "\" in " + impl_->store->describe() +
      (now ? " was replaced by a different index" : " is gone (its meta key was deleted)") +
      " while this client was writing: " + cause +
      ", so vectors reported written may be missing; index them again");
}

}  // namespace lshrs
