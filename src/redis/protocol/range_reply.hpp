// lshrs internal — the reply of the range protocol's begin script
// (range_scripts.hpp: {n, sole, committed of each batch id, entries, other
// ids, their committed}), decoded and checked. The reply comes from a server
// that anyone with access to it may have tampered with: any other shape is
// a StorageError naming the range key, never a crash or a guess.
//
// Thread safety: pure function.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "redis/transport/transport.hpp"

namespace lshrs::redis {

// What a begin told about one range.
struct RangeState {
  long long n = 0;  // 0: a repair found the range clean
  bool sole = false;
  std::vector<std::optional<std::string>> committed;  // per batch id: its whole record
  std::vector<std::string> entries;                   // triples id, old, target
  std::vector<std::string> others;                    // ids the records name outside the batch
  std::vector<std::optional<std::string>> other_committed;
  // id -> the signatures (record prefixes) the actors' records give it
  std::unordered_map<std::string_view, std::vector<std::string_view>> dirty;
};

// Decodes `reply` (its strings are moved out) for a batch of `batch` ids of
// the range `key`, whose records (store/range_record.hpp) start with
// signatures of `row_bytes`; StorageError for any other shape. Committed
// values stay whole records; `dirty` holds their signature parts.
RangeState parse_range_begin(Reply& reply, const std::string& key, std::size_t batch, std::size_t row_bytes);

}  // namespace lshrs::redis
