// BucketStore's public entries: the checks every store shares, made once
// before the implementation's do_*() runs (store.hpp).
#include <string>
#include <unordered_set>

#include "lshrs/error.hpp"
#include "lshrs/hasher.hpp"  // kMaxHyperplanes
#include "lshrs/store.hpp"

namespace lshrs {
namespace {

std::string describe_layout(const StoreLayout& layout) {
  return std::to_string(layout.bands) + " bands of " + std::to_string(layout.band_bytes) +
         " bytes (" + std::string(family_name(layout.family)) + ")";
}

void validate_layout(const StoreLayout& layout, std::string_view call) {
  if (layout.bands == 0 || layout.band_bytes == 0) {
    throw InvalidArgument("BucketStore::" + std::string(call) + ": layout of " +
                          describe_layout(layout) +
                          "; an index has at least one band of at least one byte");
  }
  // Far beyond any shape validate_shape() admits, and small enough that
  // row_bytes() cannot overflow.
  if (layout.bands > kMaxHyperplanes || layout.band_bytes > kMaxHyperplanes) {
    throw InvalidArgument("BucketStore::" + std::string(call) + ": layout of " +
                          describe_layout(layout) + " exceeds " +
                          std::to_string(kMaxHyperplanes) + " bands or bytes per band");
  }
}

// A bucket member is an id >= 0 in decimal: what every read accepts
// (store/key_parse.hpp, parse_member_id), so nothing else is written.
void refuse_negative(std::int64_t id, std::string_view call) {
  if (id >= 0) return;
  throw InvalidArgument("BucketStore::" + std::string(call) + ": id " + std::to_string(id) +
                        " is negative; ids are integers >= 0");
}

void validate_signatures(const StoreLayout& layout, std::span<const std::int64_t> ids,
                         const Signatures& sigs) {
  if (sigs.num_bands != layout.bands || sigs.band_bytes != layout.band_bytes) {
    throw InvalidArgument("BucketStore::add: signatures of " + std::to_string(sigs.num_bands) +
                          " bands of " + std::to_string(sigs.band_bytes) +
                          " bytes for an index of " + describe_layout(layout));
  }
  if (ids.size() != sigs.count) {
    throw InvalidArgument("BucketStore::add: " + std::to_string(ids.size()) + " ids but " +
                          std::to_string(sigs.count) + " signatures; pass one row per id");
  }
  if (sigs.bytes.size() / layout.row_bytes() != sigs.count ||
      sigs.bytes.size() % layout.row_bytes() != 0) {
    throw InvalidArgument("BucketStore::add: signature buffer holds " +
                          std::to_string(sigs.bytes.size()) + " bytes, expected " +
                          std::to_string(sigs.count) + " × " + std::to_string(layout.row_bytes()));
  }
  std::unordered_set<std::int64_t> seen;
  seen.reserve(ids.size());
  for (const std::int64_t id : ids) {
    refuse_negative(id, "add");
    if (!seen.insert(id).second) {
      throw InvalidArgument("BucketStore::add: id " + std::to_string(id) +
                            " appears twice in one batch; give each id once (the last "
                            "vector of an id is the one to index)");
    }
  }
}

void validate_extras(const StoreLayout& layout, std::span<const std::int64_t> ids,
                     std::span<const RecordExtras> extras) {
  if (extras.empty()) return;
  if (extras.size() != ids.size()) {
    throw InvalidArgument("BucketStore::add: " + std::to_string(ids.size()) + " ids but " +
                          std::to_string(extras.size()) + " record extras; pass one per id, or none");
  }
  for (std::size_t i = 0; i < extras.size(); ++i) {
    const RecordExtras& e = extras[i];
    if (e.attributes && e.attributes->size() > kMaxAttributeBytes) {
      throw InvalidArgument("BucketStore::add: the attributes of id " + std::to_string(ids[i]) + " take " +
                            std::to_string(e.attributes->size()) + " bytes, more than the " +
                            std::to_string(kMaxAttributeBytes) + " an id may hold");
    }
    if (e.expires_at_ms && *e.expires_at_ms <= 0) {
      throw InvalidArgument("BucketStore::add: the expiry of id " + std::to_string(ids[i]) + " is " +
                            std::to_string(*e.expires_at_ms) + " ms; an expiry is a Unix time in ms > 0");
    }
    if ((e.attributes || e.expires_at_ms) && layout.signatures != SignatureRecords::kRanged) {
      throw InvalidArgument(
          "BucketStore::add: id " + std::to_string(ids[i]) +
          " has attributes or an expiry, but this index keeps one signature key per id (written by a "
          "release before 0.2), which holds neither; re-index it into a new prefix");
    }
  }
}

}  // namespace

void BucketStore::add(std::string_view prefix, const StoreLayout& layout,
                      std::span<const std::int64_t> ids, const Signatures& sigs,
                      std::span<const RecordExtras> extras) {
  validate_prefix(prefix);
  validate_layout(layout, "add");
  validate_signatures(layout, ids, sigs);
  validate_extras(layout, ids, extras);
  if (ids.empty()) return;
  do_add(prefix, layout, ids, sigs, extras);
}

std::vector<std::optional<IdRecord>> BucketStore::records(std::string_view prefix,
                                                          const StoreLayout& layout,
                                                          std::span<const std::int64_t> ids) {
  validate_prefix(prefix);
  validate_layout(layout, "records");
  for (const std::int64_t id : ids) refuse_negative(id, "records");
  if (ids.empty()) return {};
  return do_records(prefix, layout, ids);
}

std::vector<std::optional<IdRecord>> BucketStore::do_records(std::string_view, const StoreLayout&,
                                                             std::span<const std::int64_t>) {
  throw InvalidArgument("the store " + describe() + " keeps no per-id records (attributes, expiry)");
}

std::vector<std::vector<std::int64_t>> BucketStore::members(std::string_view prefix,
                                                            std::span<const BucketRef> buckets) {
  validate_prefix(prefix);
  if (buckets.empty()) return {};
  return do_members(prefix, buckets);
}

std::size_t BucketStore::remove(std::string_view prefix, const std::optional<StoreLayout>& layout,
                                std::span<const std::int64_t> ids) {
  validate_prefix(prefix);
  if (layout) validate_layout(*layout, "remove");
  // Each id once, in the order given: an id named twice is one removal.
  std::vector<std::int64_t> distinct;
  distinct.reserve(ids.size());
  std::unordered_set<std::int64_t> seen;
  seen.reserve(ids.size());
  for (const std::int64_t id : ids) {
    refuse_negative(id, "remove");
    if (seen.insert(id).second) distinct.push_back(id);
  }
  if (distinct.empty()) return 0;
  return do_remove(prefix, layout, distinct);
}

std::size_t BucketStore::clear(std::string_view prefix) {
  validate_prefix(prefix);
  return do_clear(prefix);
}

std::optional<std::string> BucketStore::load_meta(std::string_view prefix) {
  validate_prefix(prefix);
  return do_load_meta(prefix);
}

bool BucketStore::store_meta_if_absent(std::string_view prefix, std::string_view meta) {
  validate_prefix(prefix);
  return do_store_meta_if_absent(prefix, meta);
}

StoreStats BucketStore::stats(std::string_view prefix) {
  validate_prefix(prefix);
  StoreStats s = do_stats(prefix);
  for (std::string& w : do_server_warnings()) s.warnings.push_back(std::move(w));
  return s;
}

std::vector<std::string> BucketStore::server_warnings() { return do_server_warnings(); }

std::vector<std::string> BucketStore::do_server_warnings() { return {}; }

std::vector<std::string> BucketStore::sample_keys(std::string_view prefix, KeyClass which,
                                                  std::size_t limit) {
  validate_prefix(prefix);
  if (limit == 0) return {};
  return do_sample_keys(prefix, which, limit);
}

std::vector<std::string> BucketStore::do_sample_keys(std::string_view, KeyClass, std::size_t) {
  return {};
}

}  // namespace lshrs
