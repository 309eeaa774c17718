// lshrs internal — RedisStore's state and the round-trip helpers its methods
// share (split over redis_store.cpp, redis_store_write.cpp and
// redis_store_scan.cpp).
//
// Thread safety: Impl is immutable after construction apart from the
// transport, which is itself thread-safe, and the caches guarded by their
// mutexes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lshrs/redis_store.hpp"
#include "redis/transport/connection.hpp"
#include "redis/transport/retry.hpp"
#include "redis/transport/transport.hpp"

namespace lshrs {

struct LSHRS_LOCAL RedisStore::Impl {
  Impl(RedisOptions opts, std::unique_ptr<redis::Transport> t, redis::RetryPolicy r);

  // Sends `commands` in pipelined chunks of options.pipeline_chunk, in order,
  // each chunk resent whole on connection loss (the transport retries
  // transient error replies such as LOADING itself). Error replies throw
  // StorageError naming `what`, unless allow_errors (then they are
  // returned). Throws ConnectionError when the retries are exhausted.
  std::vector<redis::Reply> run(std::span<const redis::Command> commands, std::string_view what,
                                bool allow_errors = false);

  // One retried SCAN step on a node: returns the next cursor, appends keys.
  std::string scan_step(const redis::NodeExecutor& node, const std::string& node_name,
                        const std::string& cursor, const std::string& pattern,
                        std::vector<std::string>& keys);

  // Calls on_page(keys) for each SCAN page of keys of `prefix` matching
  // `tail_glob` (e.g. "*", "sig:*") on every master; `keys` are only those
  // classify_key() attributes to `prefix`.
  void scan_prefix(std::string_view prefix, std::string_view tail_glob,
                   const std::function<void(std::vector<std::string>& keys)>& on_page);

  // remove() without signature keys: SCAN every bucket of the prefix. Sets
  // (*present)[i] for each ids[i] found in a bucket, when given.
  std::size_t remove_by_scan(std::string_view prefix, std::span<const std::int64_t> ids,
                             std::vector<bool>* present = nullptr);
  // remove() without a layout (a prefix without meta, store.hpp): by scan,
  // then the ids' signature keys, if the meta was deleted under them.
  std::size_t remove_without_layout(std::string_view prefix, std::span<const std::int64_t> ids);

  // Runs one of the signature scripts (signature_scripts.hpp,
  // range_scripts.hpp) on each args = {key, ARGV...}, by EVALSHA, loading
  // the script where a server lacks it. Error replies throw StorageError.
  std::vector<redis::Reply> run_script(const char* script, std::vector<std::vector<std::string>> args,
                                       std::string_view what);
  // The script's SHA1 as the servers know it (SCRIPT LOAD on every master
  // the first time, or again with reload).
  std::string script_sha(const char* script, bool reload);

  // The range protocol (redis_store_ranges.cpp): add (targets = each id's
  // whole record, store/range_record.hpp) or remove (targets empty) of ids;
  // returns how many ids had a committed record. `layout`: the caller's
  // StoreLayout — every add, remove and repair is told it, so no width is
  // ever guessed; a committed record that does not start with a signature
  // of layout.row_bytes() (foreign data) is refused, StorageError naming
  // its key and id, before anything is written. A prefix
  // without meta (the Python package's) needs none: its ids are removed by
  // the bucket scan, remove_without_layout().
  // Each id's committed record, read with one HMGET per range.
  std::vector<std::optional<IdRecord>> read_ranges(std::string_view prefix, std::span<const std::int64_t> ids,
                                                   const StoreLayout& layout);
  std::size_t write_ranges(std::string_view prefix, std::span<const std::int64_t> ids,
                           std::span<const std::string_view> targets, const StoreLayout& layout,
                           std::vector<std::int64_t>* untracked);
  // Repair rounds on the given range numbers until each is clean or left to
  // an actor at work; returns how many of them it made clean.
  std::size_t repair_ranges(std::string_view prefix, std::vector<std::int64_t> ranges,
                            const StoreLayout& layout);
  // For a prefix on the per-id protocol: StorageError when a signature range
  // of any of `ids` exists, i.e. the meta lost its "signatures" field (altered,
  // or written by another application); per-id records beside the ranges
  // would leave ids in two buckets per band. One EXISTS per range touched.
  void refuse_ranges_beside_per_id(std::string_view prefix, std::span<const std::int64_t> ids);
  // RedisOptions::lease in whole seconds, as the scripts take it.
  std::string lease_text() const { return std::to_string(options.lease.count()); }
  // Repair rounds for ids[i], i in `due` (redis_store_write.cpp).
  void repair(std::string_view prefix, std::span<const std::int64_t> ids, std::vector<std::size_t> due,
              std::size_t width);
  void repair_round(std::string_view prefix, std::span<const std::int64_t> ids,
                    std::vector<std::size_t>& due, std::size_t width,
                    std::vector<std::string>& texts, const std::vector<std::string>& tokens);
  // Lease tokens for calls named by `whats` (key + role): those a failed
  // call left behind, else fresh ones; settle_tokens() records or forgets them.
  std::vector<std::string> tokens_for(const std::vector<std::string>& whats);
  void settle_tokens(const std::vector<std::string>& whats, const std::vector<std::string>& tokens,
                     bool failed);

  // Mean MEMORY USAGE of `keys` in bytes; empty if the server will not say.
  std::optional<double> mean_memory(const std::vector<std::string>& keys);

  [[noreturn]] void fail(std::string_view what, const std::string& detail) const;

  RedisOptions options;
  std::unique_ptr<redis::Transport> transport;
  redis::RetryPolicy retry;  // for connection loss (retry.hpp)

 private:
  std::mutex tokens_mutex_;
  std::unordered_map<std::string, std::string> resumable_;  // what -> token of a failed call
  std::mutex scripts_mutex_;
  std::unordered_map<const char*, std::string> shas_;  // script text -> SHA1
};

// Repair rounds before giving up on ids that other actors keep touching.
inline constexpr int kMaxRepairRounds = 64;
// What the end scripts of both protocols return.
enum EndResult : long long { kClean = 0, kOtherActorBusy = 1, kRepairDue = 2 };

// Decimal ASCII, as the Python package writes members.
inline std::string id_text(std::int64_t id) { return std::to_string(id); }
// Parses a set member; StorageError naming `key` if it is not a decimal id.
std::int64_t parse_member(const std::string& member, std::string_view key);

}  // namespace lshrs
