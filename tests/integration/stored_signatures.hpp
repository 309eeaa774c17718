// Reads, past the store, what the range hashes hold for some ids: the
// committed signature and whether the range is clean (no writer state left),
// for checks that must not trust the code under test. Shared by the Redis
// suites and bench/soak_driver.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lshrs/redis_store.hpp"
#include "lshrs/store.hpp"
#include "redis/transport/transport.hpp"

namespace lshrs::testing {

struct StoredSignature {
  std::optional<std::string> committed;  // absent: no field for the id
  bool clean = false;                    // its range holds no writer state
  std::string error;                     // a reply that is neither (e.g. WRONGTYPE)
};

inline std::vector<StoredSignature> stored_signatures(redis::Transport& transport, const std::string& prefix,
                                                      std::span<const std::int64_t> ids) {
  std::vector<redis::Command> reads;
  reads.reserve(2 * ids.size());
  for (const auto id : ids) {
    const std::string key = signature_range_key(prefix, signature_range(id));
    reads.emplace_back(std::vector<std::string>{"HGET", key, std::to_string(id)});
    reads.emplace_back(std::vector<std::string>{"HEXISTS", key, "n"});
  }
  const auto replies = transport.execute(reads);
  std::vector<StoredSignature> out(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const redis::Reply& sig = replies[2 * i];
    const redis::Reply& busy = replies[2 * i + 1];
    if (sig.is_error() || busy.is_error()) {
      out[i].error = sig.is_error() ? sig.text : busy.text;
      continue;
    }
    if (sig.kind == redis::Reply::Kind::kString) out[i].committed = sig.text;
    out[i].clean = busy.integer == 0;
  }
  return out;
}

// The (band, byte) buckets a signature of one-byte bands puts an id in.
using Buckets = std::set<std::pair<std::size_t, std::uint8_t>>;

inline Buckets buckets_of(const std::string& sig) {
  Buckets out;
  for (std::size_t b = 0; b < sig.size(); ++b) out.insert({b, static_cast<std::uint8_t>(sig[b])});
  return out;
}

// id -> the buckets holding it, over every one-byte bucket of `bands` bands,
// read in one call.
inline std::map<std::int64_t, Buckets> memberships(BucketStore& store, const std::string& prefix,
                                                   std::size_t bands) {
  std::vector<BucketRef> refs;
  for (std::uint32_t b = 0; b < bands; ++b) {
    for (int v = 0; v < 256; ++v) refs.push_back({b, std::string(1, static_cast<char>(v))});
  }
  std::map<std::int64_t, Buckets> out;
  const auto got = store.members(prefix, refs);
  for (std::size_t k = 0; k < refs.size(); ++k) {
    for (const auto id : got[k]) {
      out[id].insert({refs[k].band, static_cast<std::uint8_t>(refs[k].signature[0])});
    }
  }
  return out;
}

}  // namespace lshrs::testing
