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
#include <vector>

#include "lshrs/store.hpp"
#include "redis/transport/transport.hpp"

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
// `verb key id id ...`, split every kMaxMembersPerCommand ids. Entries are
// collected flat and grouped by one sort at emit() (no hash map, no vector
// per group: at 16 bits per band nearly every group holds one id, and the
// map's allocations cost the client more than the commands). Groups come
// out in (band, signature) order, ids within a group in the order added.
class BucketGroups {
 public:
  void add(std::size_t band, std::string_view sig, std::size_t id_index) {
    entries_.push_back({band, sig, id_index});
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
            std::vector<Command>& out) {
    std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
      return a.band != b.band ? a.band < b.band : a.sig < b.sig;
    });
    for (std::size_t first = 0; first < entries_.size();) {
      std::size_t end = first + 1;
      while (end < entries_.size() && entries_[end].band == entries_[first].band &&
             entries_[end].sig == entries_[first].sig) {
        ++end;
      }
      const std::string key = bucket_key(prefix, entries_[first].band, as_bytes(entries_[first].sig));
      for (std::size_t start = first; start < end; start += kMaxMembersPerCommand) {
        const std::size_t stop = std::min(end, start + kMaxMembersPerCommand);
        std::vector<std::string> argv;
        argv.reserve(2 + stop - start);
        argv.emplace_back(verb);
        argv.push_back(key);
        for (std::size_t k = start; k < stop; ++k) argv.push_back(ids[entries_[k].id_index]);
        out.emplace_back(std::move(argv));
      }
      first = end;
    }
  }

 private:
  struct Entry {
    std::size_t band;
    std::string_view sig;  // points into caller-owned bytes
    std::size_t id_index;
  };
  std::vector<Entry> entries_;
};

}  // namespace lshrs::redis
