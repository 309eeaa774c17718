// lshrs — where bucket membership lives.
//
// A BucketStore keeps, for each index namespace (`prefix`), the sets of ids
// that fell into each band bucket, each id's band signatures (so that remove
// and update cost O(bands)), and the index's self-description (`meta`).
// Implementations: MemoryStore (embedded), RedisStore (one node or Redis
// Cluster). The key layout is shared with the Python package:
//   bucket      <prefix>:<band>:bucket:<hex of the band's signature bytes>
//   records     <prefix>:sigs:<r>     (ours; a hash of the ids r·128 … r·128+127:
//                                     each id's signatures and RecordExtras)
//   signature   <prefix>:sig:<id>     (ours, per id: indexes written before ranges)
//   meta        <prefix>:meta         (ours)
//
// Stores are told the layout they serve (StoreLayout: bands, bytes per band,
// family, where the signatures live) on every call that splits signatures
// into bands — add() and remove() — instead of guessing it from what they
// happen to hold or from the meta. An
// argument rather than a per-prefix handle or a bind_layout() registration:
// one store serves many prefixes and many Index objects, each knowing its
// layout from its configuration, so nothing has to be opened, remembered or
// kept in step; a call simply cannot come without its layout. (faiss'
// InvertedLists carries code_size for the same reason.)
//
// Every public method is non-virtual: it checks its inputs once, here, for
// every implementation (prefix, layout, id and signature counts, duplicate
// ids), then calls the private virtual do_*() the implementation provides.
// A refused call throws InvalidArgument and changes nothing.
//
// Contract every implementation keeps (tests/unit/store_contract.hpp checks it):
//  - add() is all-or-nothing from the caller's view: it returns only once the
//    whole batch is durable in the store, or throws StorageError, after which
//    calling add() again with the same batch is safe (it is idempotent).
//  - Re-adding an id with different signatures moves it out of its old buckets.
//  - members() reads every requested bucket in one round trip per server.
//  - Nothing outside `prefix` is ever read or written.
//
// Thread safety: every method may be called concurrently from many threads.
#pragma once

#include "lshrs/export.hpp"
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lshrs/hash_family.hpp"
#include "lshrs/signatures.hpp"

namespace lshrs {

// What a store can tell about one namespace. Fields a store cannot compute
// cheaply are left empty rather than guessed.
struct StoreStats {
  std::optional<std::uint64_t> ids;           // distinct ids indexed
  std::uint64_t buckets = 0;                  // non-empty buckets, all bands
  std::vector<std::uint64_t> buckets_per_band;
  bool sizes_sampled = false;                 // size figures from a sample
  double mean_bucket_size = 0;
  std::uint64_t p50_bucket_size = 0;
  std::uint64_t p99_bucket_size = 0;
  std::uint64_t max_bucket_size = 0;
  std::optional<double> bytes_per_vector;     // store memory per indexed id
  // Signature ranges a writer is at work on, or left mid-write by one that
  // stopped (their ids are counted as committed; a repair or the next write
  // finishes them).
  std::uint64_t unfinished_ranges = 0;
  // What suggests the index lost data without an error, one line each: a
  // server that evicts keys (BucketStore::server_warnings()), bands holding
  // fewer memberships than there are ids.
  std::vector<std::string> warnings;
};

// The server a store talks to, as a model file records it (the Python
// package's redis_config): TCP host and port, or a unix socket path as host
// with port 0; for a Cluster, the seed node. Never a password.
struct StoreAddress {
  std::string host;
  int port = 0;
  int db = 0;
};

// Where a store keeps each id's signatures: in range records
// (<prefix>:sigs:<id / 128>, every index written since 0.2), or one key per id
// (<prefix>:sig:<id>, indexes an earlier release wrote; their meta has no
// "signatures" field). The index knows which from its meta and says so.
enum class SignatureRecords { kRanged, kPerId };

// The shape of an index's signatures, as its configuration fixes it: every
// id has `bands` band signatures of `band_bytes` bytes each. The family does
// not change the key layout (all share it); it is carried so that a store
// can report or refuse a mix.
struct StoreLayout {
  std::size_t bands = 0;
  std::size_t band_bytes = 0;
  HashFamily family = HashFamily::kHyperplane;
  SignatureRecords signatures = SignatureRecords::kRanged;

  std::size_t row_bytes() const noexcept { return bands * band_bytes; }
  bool operator==(const StoreLayout&) const = default;
};

// What an id's record holds beside its band signatures: the per-id data of
// filters (attributes) and expiry (TTL). It lives in the id's field of its
// signature range, so it is written by the same commit as the id's buckets
// and removed with the id. A write replaces the whole record: an id added
// again without extras loses the ones it had. Only ranged signatures
// (SignatureRecords::kRanged) hold extras.
struct RecordExtras {
  std::optional<std::string> attributes;      // opaque to the store; at most kMaxAttributeBytes
  std::optional<std::int64_t> expires_at_ms;  // Unix time in milliseconds, > 0
  bool operator==(const RecordExtras&) const = default;
};
inline constexpr std::size_t kMaxAttributeBytes = 64 * 1024;

// One id's committed record, as records() reads it.
struct IdRecord {
  std::string signature;  // the id's band signatures concatenated (row_bytes())
  RecordExtras extras;
  bool operator==(const IdRecord&) const = default;
};

class LSHRS_API BucketStore {
 public:
  virtual ~BucketStore() = default;

  // Puts ids[i] into the bucket of each band given by sigs.row(i). Refuses
  // (InvalidArgument, nothing written) an empty layout, signatures of another
  // shape than `layout`, ids.size() != sigs.count, an id given twice and a
  // negative id (a member is an id >= 0 in canonical decimal: a read refuses
  // any other member, StorageError naming its bucket).
  // `extras`, when not empty, holds one entry per id (InvalidArgument for
  // another count, attributes over kMaxAttributeBytes, an expiry <= 0, or
  // any extras on the per-id layout or in a store that keeps no records).
  void add(std::string_view prefix, const StoreLayout& layout, std::span<const std::int64_t> ids,
           const Signatures& sigs, std::span<const RecordExtras> extras = {});

  // The committed record of each id, in the order asked; nullopt for an id
  // that is not indexed (or was written without signatures). One round trip
  // per server. A stored record that does not fit `layout` is a
  // StorageError naming its key and id. A store that keeps no records
  // (a Python storage object) refuses the call (InvalidArgument).
  std::vector<std::optional<IdRecord>> records(std::string_view prefix, const StoreLayout& layout,
                                               std::span<const std::int64_t> ids);

  // The members of each bucket, in the order asked. A ref whose signature is
  // not one band wide simply names a bucket that does not exist.
  std::vector<std::vector<std::int64_t>> members(std::string_view prefix,
                                                 std::span<const BucketRef> buckets);

  // Removes each id from all its buckets (split by `layout`); returns how
  // many were present. An id given twice is removed and counted once; a
  // negative id is refused (InvalidArgument).
  // `layout` is empty only for a prefix without meta — an index the Python
  // package built (it keeps no signatures), or one whose meta was deleted —
  // where nothing tells the layout: the store then finds the ids by scanning
  // every bucket of the prefix (O(keyspace)) and drops their signatures.
  std::size_t remove(std::string_view prefix, const std::optional<StoreLayout>& layout,
                     std::span<const std::int64_t> ids);

  // Deletes every key of the namespace, meta included; returns the count.
  std::size_t clear(std::string_view prefix);

  // The namespace's self-description, if one was written.
  std::optional<std::string> load_meta(std::string_view prefix);
  // Writes `meta` unless one exists; returns false (and writes nothing) if so.
  bool store_meta_if_absent(std::string_view prefix, std::string_view meta);

  // Includes server_warnings() in its warnings.
  StoreStats stats(std::string_view prefix);

  // What the server behind the store does that can lose index data without
  // an error reply: an evicting maxmemory-policy, keys it has already
  // evicted. One line each, naming the server; empty when nothing is known
  // (in-process stores, a server that hides INFO). One round trip per master.
  std::vector<std::string> server_warnings();

  // Up to `limit` keys of the namespace of one class (signature records, or
  // buckets), so that a prefix holding leftovers of an index (its meta
  // deleted) is told from a new one; empty when it holds none. Stops once it
  // has `limit`, but walks the whole keyspace (SCAN MATCH on every master)
  // when there are fewer: Index::open calls it only before creating an
  // index. A store that cannot list its keys returns none (the default).
  enum class KeyClass { kSignatures, kBuckets };
  std::vector<std::string> sample_keys(std::string_view prefix, KeyClass which, std::size_t limit);

  // Where the data lives, for messages and stats; never contains a password.
  virtual std::string describe() const = 0;

  // The server behind the store, for Index::save(); empty for in-process
  // stores (the model then records the Python package's defaults).
  virtual std::optional<StoreAddress> address() const { return std::nullopt; }

 private:
  // The implementation, called with checked arguments only: a valid prefix,
  // a non-empty layout (if any) that `sigs` has, one signature row per id,
  // distinct and at least one id.
  // `extras` is empty or holds one entry per id.
  virtual void do_add(std::string_view prefix, const StoreLayout& layout,
                      std::span<const std::int64_t> ids, const Signatures& sigs,
                      std::span<const RecordExtras> extras) = 0;
  virtual std::vector<std::optional<IdRecord>> do_records(std::string_view prefix,
                                                          const StoreLayout& layout,
                                                          std::span<const std::int64_t> ids);
  virtual std::vector<std::vector<std::int64_t>> do_members(std::string_view prefix,
                                                            std::span<const BucketRef> buckets) = 0;
  virtual std::size_t do_remove(std::string_view prefix, const std::optional<StoreLayout>& layout,
                                std::span<const std::int64_t> ids) = 0;
  virtual std::size_t do_clear(std::string_view prefix) = 0;
  virtual std::optional<std::string> do_load_meta(std::string_view prefix) = 0;
  virtual bool do_store_meta_if_absent(std::string_view prefix, std::string_view meta) = 0;
  virtual StoreStats do_stats(std::string_view prefix) = 0;
  virtual std::vector<std::string> do_sample_keys(std::string_view prefix, KeyClass which,
                                                  std::size_t limit);
  virtual std::vector<std::string> do_server_warnings();
};

// Key construction: the single place that defines the layout above.
LSHRS_API std::string to_hex(std::span<const std::uint8_t> bytes);
LSHRS_API std::string bucket_key(std::string_view prefix, std::size_t band,
                       std::span<const std::uint8_t> signature);
LSHRS_API std::string signature_key(std::string_view prefix, std::int64_t id);
// Ids per signature range hash: Redis' default hash-max-listpack-entries, so
// a range stays in the compact encoding.
inline constexpr std::size_t kSignatureRangeIds = 128;
// The range of `id`: floor(id / kSignatureRangeIds), also for negative ids.
constexpr std::int64_t signature_range(std::int64_t id) { return id >> 7; }
static_assert(kSignatureRangeIds == 128, "signature_range() divides by shifting");
LSHRS_API std::string signature_range_key(std::string_view prefix, std::int64_t range);
LSHRS_API std::string meta_key(std::string_view prefix);

// Throws InvalidArgument unless `prefix` is non-empty and free of whitespace
// and control characters (it becomes part of every key).
LSHRS_API void validate_prefix(std::string_view prefix);

}  // namespace lshrs
