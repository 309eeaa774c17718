#include "lshrs/memory_store.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "lshrs/error.hpp"
#include "util/percentile.hpp"

namespace lshrs {
namespace {

// One prefix: bucket sets per band keyed by raw signature bytes, each id's
// record (its concatenated band signatures — the reverse index — and its
// extras), and the meta blob.
struct Namespace {
  std::vector<std::unordered_map<std::string, std::unordered_set<std::int64_t>>> bands;
  std::unordered_map<std::int64_t, IdRecord> signatures;
  std::optional<std::string> meta;

  void unlink(std::int64_t id, const std::string& sig, std::size_t band_bytes) {
    for (std::size_t b = 0; b * band_bytes < sig.size() && b < bands.size(); ++b) {
      auto bucket = bands[b].find(sig.substr(b * band_bytes, band_bytes));
      if (bucket == bands[b].end()) continue;
      bucket->second.erase(id);
      if (bucket->second.empty()) bands[b].erase(bucket);
    }
  }

  // Without a layout: out of every bucket that holds it, whatever its width.
  void unlink_everywhere(std::int64_t id) {
    for (auto& band : bands) {
      for (auto it = band.begin(); it != band.end();) {
        it->second.erase(id);
        it = it->second.empty() ? band.erase(it) : std::next(it);
      }
    }
  }

  std::size_t key_count() const {
    std::size_t n = signatures.size() + (meta ? 1 : 0);
    for (const auto& band : bands) n += band.size();
    return n;
  }
};

std::uint64_t percentile(const std::vector<std::uint64_t>& sorted, double q) {
  return util::nearest_rank_percentile(std::span<const std::uint64_t>(sorted), q);
}

}  // namespace

struct MemoryStore::State {
  std::shared_mutex mutex;
  std::map<std::string, Namespace, std::less<>> spaces;

  Namespace& space(std::string_view prefix) {
    auto it = spaces.find(prefix);
    if (it == spaces.end()) it = spaces.emplace(std::string(prefix), Namespace{}).first;
    return it->second;
  }
  const Namespace* find(std::string_view prefix) const {
    auto it = spaces.find(prefix);
    return it == spaces.end() ? nullptr : &it->second;
  }
};

MemoryStore::MemoryStore() : state_(std::make_unique<State>()) {}
MemoryStore::~MemoryStore() = default;

void MemoryStore::do_add(std::string_view prefix, const StoreLayout& layout,
                         std::span<const std::int64_t> ids, const Signatures& sigs,
                         std::span<const RecordExtras> extras) {
  std::unique_lock lock(state_->mutex);
  Namespace& ns = state_->space(prefix);
  if (ns.bands.size() < layout.bands) ns.bands.resize(layout.bands);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto row = sigs.row(i);
    std::string sig(row.begin(), row.end());
    IdRecord record{std::move(sig), extras.empty() ? RecordExtras{} : extras[i]};
    auto old = ns.signatures.find(ids[i]);
    if (old != ns.signatures.end()) {
      if (old->second.signature == record.signature) {
        old->second.extras = std::move(record.extras);  // a write replaces the whole record
        continue;
      }
      ns.unlink(ids[i], old->second.signature, layout.band_bytes);
    }
    for (std::size_t b = 0; b < layout.bands; ++b) {
      ns.bands[b][record.signature.substr(b * layout.band_bytes, layout.band_bytes)].insert(ids[i]);
    }
    ns.signatures[ids[i]] = std::move(record);
  }
}

std::vector<std::vector<std::int64_t>> MemoryStore::do_members(std::string_view prefix,
                                                               std::span<const BucketRef> buckets) {
  std::vector<std::vector<std::int64_t>> out(buckets.size());
  std::shared_lock lock(state_->mutex);
  const Namespace* ns = state_->find(prefix);
  if (!ns) return out;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (buckets[i].band >= ns->bands.size()) continue;
    const auto& band = ns->bands[buckets[i].band];
    auto it = band.find(buckets[i].signature);
    if (it != band.end()) out[i].assign(it->second.begin(), it->second.end());
  }
  return out;
}

std::size_t MemoryStore::do_remove(std::string_view prefix, const std::optional<StoreLayout>& layout,
                                   std::span<const std::int64_t> ids) {
  std::unique_lock lock(state_->mutex);
  auto it = state_->spaces.find(prefix);
  if (it == state_->spaces.end()) return 0;
  Namespace& ns = it->second;
  std::size_t removed = 0;
  for (const std::int64_t id : ids) {
    auto sig = ns.signatures.find(id);
    if (sig == ns.signatures.end()) continue;
    if (layout) {
      ns.unlink(id, sig->second.signature, layout->band_bytes);
    } else {
      ns.unlink_everywhere(id);
    }
    ns.signatures.erase(sig);
    ++removed;
  }
  return removed;
}

std::size_t MemoryStore::do_clear(std::string_view prefix) {
  std::unique_lock lock(state_->mutex);
  auto it = state_->spaces.find(prefix);
  if (it == state_->spaces.end()) return 0;
  const std::size_t keys = it->second.key_count();
  state_->spaces.erase(it);
  return keys;
}

std::optional<std::string> MemoryStore::do_load_meta(std::string_view prefix) {
  std::shared_lock lock(state_->mutex);
  const Namespace* ns = state_->find(prefix);
  return ns ? ns->meta : std::nullopt;
}

bool MemoryStore::do_store_meta_if_absent(std::string_view prefix, std::string_view meta) {
  std::unique_lock lock(state_->mutex);
  Namespace& ns = state_->space(prefix);
  if (ns.meta) return false;
  ns.meta = std::string(meta);
  return true;
}

std::vector<std::string> MemoryStore::do_sample_keys(std::string_view prefix, KeyClass which,
                                                     std::size_t limit) {
  std::vector<std::string> keys;
  std::shared_lock lock(state_->mutex);
  const Namespace* ns = state_->find(prefix);
  if (!ns) return keys;
  if (which == KeyClass::kSignatures) {
    for (auto it = ns->signatures.begin(); it != ns->signatures.end() && keys.size() < limit; ++it) {
      keys.push_back(signature_range_key(prefix, signature_range(it->first)));
    }
    return keys;
  }
  for (std::size_t b = 0; b < ns->bands.size(); ++b) {
    for (auto it = ns->bands[b].begin(); it != ns->bands[b].end() && keys.size() < limit; ++it) {
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(it->first.data());
      keys.push_back(bucket_key(prefix, b, {bytes, it->first.size()}));
    }
  }
  return keys;
}

std::vector<std::optional<IdRecord>> MemoryStore::do_records(std::string_view prefix,
                                                             const StoreLayout& layout,
                                                             std::span<const std::int64_t> ids) {
  std::vector<std::optional<IdRecord>> out(ids.size());
  std::shared_lock lock(state_->mutex);
  const Namespace* ns = state_->find(prefix);
  if (!ns) return out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto it = ns->signatures.find(ids[i]);
    if (it == ns->signatures.end()) continue;
    if (it->second.signature.size() != layout.row_bytes()) {
      throw StorageError("memory store: the record of id " + std::to_string(ids[i]) + " under prefix \"" +
                         std::string(prefix) + "\" holds a signature of " +
                         std::to_string(it->second.signature.size()) + " bytes, not the " +
                         std::to_string(layout.row_bytes()) + " of this layout");
    }
    out[i] = it->second;
  }
  return out;
}

StoreStats MemoryStore::do_stats(std::string_view prefix) {
  StoreStats stats;
  std::shared_lock lock(state_->mutex);
  const Namespace* ns = state_->find(prefix);
  stats.ids = ns ? ns->signatures.size() : 0;
  if (!ns) return stats;
  std::vector<std::uint64_t> sizes;
  std::uint64_t total = 0;
  for (const auto& band : ns->bands) {
    stats.buckets_per_band.push_back(band.size());
    for (const auto& [sig, ids] : band) {
      sizes.push_back(ids.size());
      total += ids.size();
    }
  }
  stats.buckets = sizes.size();
  std::sort(sizes.begin(), sizes.end());
  if (!sizes.empty()) {
    stats.mean_bucket_size = static_cast<double>(total) / static_cast<double>(sizes.size());
    stats.p50_bucket_size = percentile(sizes, 0.5);
    stats.p99_bucket_size = percentile(sizes, 0.99);
    stats.max_bucket_size = sizes.back();
  }
  return stats;
}

}  // namespace lshrs
