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
#include "redis/connection.hpp"
#include "redis/transport.hpp"

namespace lshrs {

struct LSHRS_LOCAL RedisStore::Impl {
  Impl(RedisOptions opts, std::unique_ptr<redis::Transport> t);

  // Sends `commands` in pipelined chunks of options.pipeline_chunk, in order,
  // each chunk retried on connection loss (and on transient error replies
  // such as LOADING). Error replies throw StorageError naming `what`, unless
  // allow_errors (then they are returned). Throws ConnectionError when the
  // retries are exhausted.
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

  // Runs the signature script kBeginScript (begin) or kEndScript on each
  // args = {key, ARGV...} (see signature_scripts.hpp), by EVALSHA, loading
  // the script where a server lacks it. Error replies throw StorageError.
  std::vector<redis::Reply> run_script(bool begin, std::vector<std::vector<std::string>> args,
                                       std::string_view what);
  // The script's SHA1 as the servers know it (SCRIPT LOAD on every master
  // the first time, or again with reload).
  std::string script_sha(bool begin, bool reload);
  // Repair rounds for ids[i], i in `due` (redis_store_write.cpp).
  void repair(std::string_view prefix, std::span<const std::int64_t> ids, std::vector<std::size_t> due,
              const std::vector<std::size_t>& widths);
  void repair_round(std::string_view prefix, std::span<const std::int64_t> ids,
                    std::vector<std::size_t>& due, const std::vector<std::size_t>& widths,
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
  redis::RetryPolicy retry;

 private:
  std::mutex tokens_mutex_;
  std::unordered_map<std::string, std::string> resumable_;  // what -> token of a failed call
  std::mutex scripts_mutex_;
  std::string begin_sha_, end_sha_;
};

// Decimal ASCII, as the Python package writes members.
inline std::string id_text(std::int64_t id) { return std::to_string(id); }
// Parses a set member; StorageError naming `key` if it is not a decimal id.
std::int64_t parse_member(const std::string& member, std::string_view key);

}  // namespace lshrs
