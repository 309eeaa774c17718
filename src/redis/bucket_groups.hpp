// lshrs internal — the bucket writes of one round of the signature
// protocols (per id and per range): (band, signature) -> ids, emitted as one
// variadic SADD or SREM per bucket.
//
// Thread safety: a BucketGroups is used by one thread; it points into bytes
// the caller keeps alive until emit().
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lshrs/store.hpp"
#include "redis/transport.hpp"

namespace lshrs::redis {

inline std::string_view as_view(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}
inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Bounds the time one command blocks the server; a larger group is split.
inline constexpr std::size_t kMaxMembersPerCommand = 10'000;

// Groups (band, signature) -> ids and emits one variadic command per group:
// `verb key id id ...`, split every kMaxMembersPerCommand ids.
class BucketGroups {
 public:
  void add(std::size_t band, std::string_view sig, std::size_t id_index) {
    if (band >= index_.size()) index_.resize(band + 1);
    auto [it, inserted] = index_[band].try_emplace(sig, groups_.size());
    if (inserted) groups_.push_back({band, sig, {}});
    groups_[it->second].ids.push_back(id_index);
  }
  // Every band of `sig` (split every `width` bytes).
  void add_all(std::string_view sig, std::size_t width, std::size_t id_index) {
    for (std::size_t b = 0; (b + 1) * width <= sig.size(); ++b) add(b, sig.substr(b * width, width), id_index);
  }
  // The bands of `stale` that differ from `kept`'s (same width and length).
  void add_differing(std::string_view stale, std::string_view kept, std::size_t width,
                     std::size_t id_index) {
    for (std::size_t b = 0; (b + 1) * width <= stale.size(); ++b) {
      const std::string_view band = stale.substr(b * width, width);
      if (band != kept.substr(b * width, width)) add(b, band, id_index);
    }
  }
  void emit(std::string_view verb, std::string_view prefix, const std::vector<std::string>& ids,
            std::vector<Command>& out) const {
    for (const Group& g : groups_) {
      const std::string key = bucket_key(prefix, g.band, as_bytes(g.sig));
      for (std::size_t start = 0; start < g.ids.size(); start += kMaxMembersPerCommand) {
        const std::size_t end = std::min(g.ids.size(), start + kMaxMembersPerCommand);
        std::vector<std::string> argv;
        argv.reserve(2 + end - start);
        argv.emplace_back(verb);
        argv.push_back(key);
        for (std::size_t k = start; k < end; ++k) argv.push_back(ids[g.ids[k]]);
        out.emplace_back(std::move(argv));
      }
    }
  }

 private:
  struct Group {
    std::size_t band;
    std::string_view sig;  // points into caller-owned bytes
    std::vector<std::size_t> ids;
  };
  std::vector<std::unordered_map<std::string_view, std::size_t>> index_;
  std::vector<Group> groups_;
};

}  // namespace lshrs::redis
