// RedisStore: everything that walks the keyspace of a prefix (clear, stats,
// remove without signature keys).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "lshrs/error.hpp"
#include "lshrs/redis_store.hpp"
#include "store/key_parse.hpp"
#include "redis/protocol/redis_store_impl.hpp"
#include "util/percentile.hpp"

namespace lshrs {
namespace {

using redis::Command;
using redis::KeyKind;
using redis::Reply;

constexpr const char* kScanCount = "1000";
// Up to this many buckets, size statistics are exact; beyond, sampled.
constexpr std::size_t kExactBuckets = 10'000;
// Keys of each kind whose MEMORY USAGE is sampled for bytes_per_vector.
constexpr std::size_t kMemorySamples = 64;

// Keeps a uniform sample of at most `capacity` items from a stream.
class Reservoir {
 public:
  explicit Reservoir(std::size_t capacity) : capacity_(capacity) {}
  void offer(const std::string& item) {
    ++seen_;
    if (items_.size() < capacity_) {
      items_.push_back(item);
      return;
    }
    const std::uint64_t slot = std::uniform_int_distribution<std::uint64_t>(0, seen_ - 1)(rng_);
    if (slot < capacity_) items_[slot] = item;
  }
  const std::vector<std::string>& items() const { return items_; }
  std::uint64_t seen() const { return seen_; }

 private:
  std::size_t capacity_;
  std::uint64_t seen_ = 0;
  std::vector<std::string> items_;
  std::mt19937_64 rng_{0x5eed};
};

std::uint64_t nearest_rank(const std::vector<std::uint64_t>& sorted_sizes, double q) {
  return util::nearest_rank_percentile(std::span<const std::uint64_t>(sorted_sizes), q);
}

}  // namespace

std::string RedisStore::Impl::scan_step(const redis::NodeExecutor& node, const std::string& node_name,
                                        const std::string& cursor, const std::string& pattern,
                                        std::vector<std::string>& keys) {
  const Command scan(std::vector<std::string>{"SCAN", cursor, "MATCH", pattern, "COUNT", kScanCount}, 0);
  // The transport retries LOADING and the like; the store, a lost link.
  Reply reply = redis::with_retry(retry, [&] { return std::move(node(std::span(&scan, 1)).front()); });
  if (reply.is_error() || reply.elements.size() != 2) {
    fail("SCAN", "unexpected reply from " + node_name + ": " + reply.text);
  }
  for (Reply& key : reply.elements[1].elements) keys.push_back(std::move(key.text));
  return reply.elements[0].text;
}

void RedisStore::Impl::scan_prefix(std::string_view prefix, std::string_view tail_glob,
                                   const std::function<void(std::vector<std::string>&)>& on_page) {
  const std::string pattern = redis::glob_escape(prefix) + ":" + std::string(tail_glob);
  transport->for_each_master([&](const std::string& name, const redis::NodeExecutor& node) {
    std::string cursor = "0";
    std::vector<std::string> keys;
    do {
      keys.clear();
      cursor = scan_step(node, name, cursor, pattern, keys);
      std::erase_if(keys, [&](const std::string& k) {
        return redis::classify_key(prefix, k).kind == KeyKind::Kind::kForeign;
      });
      if (!keys.empty()) on_page(keys);
    } while (cursor != "0");
  });
}

std::vector<std::string> RedisStore::do_sample_keys(std::string_view prefix, KeyClass which,
                                                    std::size_t limit) {
  const bool sigs = which == KeyClass::kSignatures;
  const std::string pattern = redis::glob_escape(prefix) + (sigs ? ":sig*" : ":*:bucket:*");
  std::vector<std::string> found;
  impl_->transport->for_each_master([&](const std::string& name, const redis::NodeExecutor& node) {
    std::string cursor = "0";
    std::vector<std::string> keys;
    while (found.size() < limit) {
      keys.clear();
      cursor = impl_->scan_step(node, name, cursor, pattern, keys);
      for (auto& key : keys) {
        const KeyKind::Kind kind = redis::classify_key(prefix, key).kind;
        const bool wanted = sigs ? kind == KeyKind::Kind::kSignature ||
                                       kind == KeyKind::Kind::kSignatureRange
                                 : kind == KeyKind::Kind::kBucket;
        if (!wanted) continue;
        if (found.size() < limit) found.push_back(std::move(key));
      }
      if (cursor == "0") break;
    }
  });
  return found;
}

std::size_t RedisStore::do_clear(std::string_view prefix) {
  std::size_t deleted = 0;
  impl_->scan_prefix(prefix, "*", [&](std::vector<std::string>& keys) {
    // One key per UNLINK: in a cluster no command may span slots.
    std::vector<Command> unlinks;
    unlinks.reserve(keys.size());
    for (auto& key : keys) unlinks.emplace_back(std::vector<std::string>{"UNLINK", std::move(key)});
    for (const Reply& r : impl_->run(unlinks, "clear")) deleted += static_cast<std::size_t>(r.integer);
  });
  return deleted;
}

std::size_t RedisStore::Impl::remove_by_scan(std::string_view prefix, std::span<const std::int64_t> ids,
                                             std::vector<bool>* found) {
  std::vector<std::string> texts;
  for (const auto id : ids) texts.push_back(id_text(id));
  std::vector<bool> local;
  std::vector<bool>& present = found ? *found : local;
  present.assign(ids.size(), false);
  scan_prefix(prefix, "*:bucket:*", [&](std::vector<std::string>& keys) {
    std::vector<Command> cmds;
    for (const auto& key : keys) {
      if (redis::classify_key(prefix, key).kind != KeyKind::Kind::kBucket) continue;
      for (const char* verb : {"SMISMEMBER", "SREM"}) {
        std::vector<std::string> argv{verb, key};
        argv.insert(argv.end(), texts.begin(), texts.end());
        cmds.emplace_back(std::move(argv));
      }
    }
    const auto replies = run(cmds, "remove (scanning buckets)");
    for (std::size_t c = 0; c < replies.size(); c += 2) {
      const auto& flags = replies[c].elements;
      for (std::size_t i = 0; i < flags.size() && i < ids.size(); ++i) {
        if (flags[i].integer == 1) present[i] = true;
      }
    }
  });
  return static_cast<std::size_t>(std::count(present.begin(), present.end(), true));
}

// Outside the signature protocol, like the scan of unsigned ids in
// remove_tracked(): a writer of one of these ids at the same moment may keep
// some of its buckets. The signature entries go last (per-id keys and range
// fields alike: a prefix whose meta was deleted may hold either), so that a
// remove that fails midway finds the ids again when repeated.
std::size_t RedisStore::Impl::remove_without_layout(std::string_view prefix,
                                                    std::span<const std::int64_t> ids) {
  std::vector<bool> present;
  remove_by_scan(prefix, ids, &present);
  std::vector<Command> unlinks;
  unlinks.reserve(2 * ids.size());
  for (const auto id : ids) {
    unlinks.emplace_back(std::vector<std::string>{"UNLINK", signature_key(prefix, id)});
    unlinks.emplace_back(
        std::vector<std::string>{"HDEL", signature_range_key(prefix, signature_range(id)), id_text(id)});
  }
  const auto replies = run(unlinks, "remove (signature keys)");
  for (std::size_t i = 0; i < replies.size(); ++i) {
    if (replies[i].integer == 1) present[i / 2] = true;
  }
  return static_cast<std::size_t>(std::count(present.begin(), present.end(), true));
}

StoreStats RedisStore::do_stats(std::string_view prefix) {
  std::uint64_t sig_keys = 0, range_keys = 0, ranged_ids = 0, unfinished = 0;
  std::vector<std::uint64_t> per_band;
  Reservoir buckets(kExactBuckets), sig_sample(kMemorySamples), range_sample(kMemorySamples);
  impl_->scan_prefix(prefix, "*", [&](std::vector<std::string>& keys) {
    std::vector<Command> lengths;
    std::vector<std::string> ranges;
    for (const auto& key : keys) {
      const KeyKind kind = redis::classify_key(prefix, key);
      if (kind.kind == KeyKind::Kind::kSignature) {
        ++sig_keys;
        sig_sample.offer(key);
      } else if (kind.kind == KeyKind::Kind::kSignatureRange) {
        ++range_keys;
        range_sample.offer(key);
        lengths.emplace_back(std::vector<std::string>{"HLEN", key});
        lengths.emplace_back(std::vector<std::string>{"HEXISTS", key, "n"});
        ranges.push_back(key);
      } else if (kind.kind == KeyKind::Kind::kBucket) {
        if (kind.band >= per_band.size()) per_band.resize(kind.band + 1, 0);
        ++per_band[kind.band];
        buckets.offer(key);
      }
    }
    // A clean range's fields are its ids. A busy one (a writer at work, or
    // one that stopped mid-write: range_scripts.hpp) also holds its state
    // fields n, p<token>, t<token>; its ids are then the fields that are
    // decimal numbers, counted one by one.
    const auto replies = impl_->run(lengths, "stats (HLEN)");
    std::vector<Command> busy;
    for (std::size_t i = 0; i < ranges.size(); ++i) {
      if (replies[2 * i + 1].integer == 1) {
        busy.emplace_back(std::vector<std::string>{"HKEYS", ranges[i]});
      } else {
        ranged_ids += static_cast<std::uint64_t>(replies[2 * i].integer);
      }
    }
    unfinished += busy.size();
    for (const Reply& fields : impl_->run(busy, "stats (HKEYS)")) {
      ranged_ids += static_cast<std::uint64_t>(std::count_if(
          fields.elements.begin(), fields.elements.end(),
          [](const Reply& f) { return !f.text.empty() && f.text[0] >= '0' && f.text[0] <= '9'; }));
    }
  });

  StoreStats s;
  s.buckets = buckets.seen();
  s.buckets_per_band = per_band;
  s.sizes_sampled = buckets.seen() > kExactBuckets;
  s.unfinished_ranges = unfinished;
  if (sig_keys + ranged_ids > 0 || s.buckets == 0) s.ids = sig_keys + ranged_ids;

  std::vector<Command> cards;
  for (const auto& key : buckets.items()) {
    cards.emplace_back(std::vector<std::string>{"SCARD", key});
    cards.back().replica_ok = true;  // sizes may lag a little, like a query's reads
  }
  std::vector<std::uint64_t> sizes, members_per_band(per_band.size(), 0);
  const auto card_replies = impl_->run(cards, "stats (SCARD)");
  for (std::size_t i = 0; i < card_replies.size(); ++i) {
    const Reply& r = card_replies[i];
    if (r.integer <= 0) continue;
    sizes.push_back(static_cast<std::uint64_t>(r.integer));
    const std::size_t band = redis::classify_key(prefix, cards[i].argv[1]).band;
    if (band < members_per_band.size()) members_per_band[band] += static_cast<std::uint64_t>(r.integer);
  }
  // Every id is in one bucket of each band: with every bucket counted and no
  // write under way, a band with fewer memberships lost keys (an evicting
  // server, a foreign DEL) or one with more holds leftovers.
  if (!s.sizes_sampled && s.ids && *s.ids > 0 && unfinished == 0) {
    for (std::size_t b = 0; b < members_per_band.size(); ++b) {
      if (members_per_band[b] == *s.ids) continue;
      s.warnings.push_back(
          "band " + std::to_string(b) + " holds " + std::to_string(members_per_band[b]) +
          " memberships for " + std::to_string(*s.ids) + " ids: " +
          (members_per_band[b] < *s.ids ? "buckets were lost (evicted or deleted); index the missing vectors again"
                                        : "buckets hold ids without signatures; delete them or clear the index"));
      break;  // one line says it; the next bands would repeat it
    }
  }
  std::sort(sizes.begin(), sizes.end());
  if (!sizes.empty()) {
    const double total = std::accumulate(sizes.begin(), sizes.end(), 0.0);
    s.mean_bucket_size = total / static_cast<double>(sizes.size());
    s.p50_bucket_size = nearest_rank(sizes, 0.50);
    s.p99_bucket_size = nearest_rank(sizes, 0.99);
    s.max_bucket_size = sizes.back();
  }

  // Memory: sampled per-key usage times key counts, per indexed id.
  std::vector<std::string> bucket_sample(buckets.items().begin(),
                                         buckets.items().begin() +
                                             static_cast<std::ptrdiff_t>(std::min(kMemorySamples, buckets.items().size())));
  const auto bucket_mem = impl_->mean_memory(bucket_sample);
  const auto sig_mem = impl_->mean_memory(sig_sample.items());
  const auto range_mem = impl_->mean_memory(range_sample.items());
  const std::size_t bands = static_cast<std::size_t>(std::count_if(
      per_band.begin(), per_band.end(), [](std::uint64_t n) { return n > 0; }));
  const double ids = s.ids ? static_cast<double>(*s.ids)
                           : s.mean_bucket_size * static_cast<double>(s.buckets) /
                                 static_cast<double>(std::max<std::size_t>(1, bands));
  if (bucket_mem && ids > 0) {
    const double total = *bucket_mem * static_cast<double>(s.buckets) +
                         sig_mem.value_or(0.0) * static_cast<double>(sig_keys) +
                         range_mem.value_or(0.0) * static_cast<double>(range_keys);
    s.bytes_per_vector = total / ids;
  }
  return s;
}

std::optional<double> RedisStore::Impl::mean_memory(const std::vector<std::string>& keys) {
  if (keys.empty()) return std::nullopt;
  std::vector<Command> cmds;
  for (const auto& key : keys) cmds.emplace_back(std::vector<std::string>{"MEMORY", "USAGE", key}, 2);
  // Some hosted Redis disable MEMORY: then the figure is left empty.
  const auto replies = run(cmds, "stats (MEMORY USAGE)", /*allow_errors=*/true);
  double sum = 0;
  std::size_t n = 0;
  for (const Reply& r : replies) {
    if (r.kind != Reply::Kind::kInteger) continue;
    sum += static_cast<double>(r.integer);
    ++n;
  }
  if (n == 0) return std::nullopt;
  return sum / static_cast<double>(n);
}

}  // namespace lshrs
