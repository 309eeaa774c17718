// Reads, past the store, what the range hashes hold for some ids: the
// committed signature and whether the range is clean (no writer state left),
// for checks that must not trust the code under test. Shared by the Redis
// suites and bench/soak_driver.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lshrs/redis_store.hpp"
#include "lshrs/store.hpp"
#include "redis/transport.hpp"

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

}  // namespace lshrs::testing
