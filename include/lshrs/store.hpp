// lshrs — where bucket membership lives.
//
// A BucketStore keeps, for each index namespace (`prefix`), the sets of ids
// that fell into each band bucket, each id's band signatures (so that remove
// and update cost O(bands)), and the index's self-description (`meta`).
// Implementations: MemoryStore (embedded), RedisStore (one node or Redis
// Cluster). The key layout is shared with the Python package:
//   bucket      <prefix>:<band>:bucket:<hex of the band's signature bytes>
//   signatures  <prefix>:sigs:<r>     (ours; a hash of the ids r·128 … r·128+127)
//   signature   <prefix>:sig:<id>     (ours, per id: indexes written before ranges)
//   meta        <prefix>:meta         (ours)
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

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lshrs/hasher.hpp"

namespace lshrs {

// One bucket to read: a band and that band's packed signature bytes.
struct BucketRef {
  std::uint32_t band = 0;
  std::string signature;  // raw bytes, not hex
};

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
};

// The server a store talks to, as a model file records it (the Python
// package's redis_config): TCP host and port, or a unix socket path as host
// with port 0; for a Cluster, the seed node. Never a password.
struct StoreAddress {
  std::string host;
  int port = 0;
  int db = 0;
};

class BucketStore {
 public:
  virtual ~BucketStore() = default;

  // Puts ids[i] into the bucket of each band given by sigs.row(i).
  // Requires ids.size() == sigs.count and no duplicate id in one call.
  virtual void add(std::string_view prefix, std::span<const std::int64_t> ids,
                   const Signatures& sigs) = 0;

  // The members of each bucket, in the order asked.
  virtual std::vector<std::vector<std::int64_t>> members(std::string_view prefix,
                                                         std::span<const BucketRef> buckets) = 0;

  // Removes each id from all its buckets; returns how many were present.
  virtual std::size_t remove(std::string_view prefix, std::span<const std::int64_t> ids) = 0;

  // Deletes every key of the namespace, meta included; returns the count.
  virtual std::size_t clear(std::string_view prefix) = 0;

  // The namespace's self-description, if one was written.
  virtual std::optional<std::string> load_meta(std::string_view prefix) = 0;
  // Writes `meta` unless one exists; returns false (and writes nothing) if so.
  virtual bool store_meta_if_absent(std::string_view prefix, std::string_view meta) = 0;

  virtual StoreStats stats(std::string_view prefix) = 0;

  // Where the data lives, for messages and stats; never contains a password.
  virtual std::string describe() const = 0;

  // The server behind the store, for Index::save(); empty for in-process
  // stores (the model then records the Python package's defaults).
  virtual std::optional<StoreAddress> address() const { return std::nullopt; }
};

// Key construction: the single place that defines the layout above.
std::string to_hex(std::span<const std::uint8_t> bytes);
std::string bucket_key(std::string_view prefix, std::size_t band,
                       std::span<const std::uint8_t> signature);
std::string signature_key(std::string_view prefix, std::int64_t id);
// Ids per signature range hash: Redis' default hash-max-listpack-entries, so
// a range stays in the compact encoding.
inline constexpr std::size_t kSignatureRangeIds = 128;
// The range of `id`: floor(id / kSignatureRangeIds), also for negative ids.
constexpr std::int64_t signature_range(std::int64_t id) { return id >> 7; }
static_assert(kSignatureRangeIds == 128, "signature_range() divides by shifting");
std::string signature_range_key(std::string_view prefix, std::int64_t range);
std::string meta_key(std::string_view prefix);

// Throws InvalidArgument unless `prefix` is non-empty and free of whitespace
// and control characters (it becomes part of every key).
void validate_prefix(std::string_view prefix);

}  // namespace lshrs
