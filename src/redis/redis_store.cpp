// RedisStore: writes, reads, O(bands) removal and the meta key.
//
// A flush is three rounds, each pipelined in chunks of pipeline_chunk
// commands and acknowledged before the next starts: GET the ids' old
// signatures; SREM the old buckets whose band changed and SADD (one variadic
// command per distinct new bucket); then, only once every bucket write has
// been acknowledged, SET the new signatures. The signature key is the record
// of which buckets hold an id, so it must never run ahead of them. Ordering
// inside one pipeline would be enough on one server, but not on Redis
// Cluster: the SET may live on another node than the SREM, and a flush that
// fails there can leave the new signature stored while the old bucket still
// holds the id, which a retry (reading the new signature) would never repair.
// With the SET round last, a flush that dies anywhere is repaired by running
// it again: it reads the old signatures and every command is idempotent.
// remove() is ordered the same way: SREM the buckets, then DEL the signature.
// The extra round trip is taken on every transport (its cost is in
// docs/benchmarks.md, "Figures formerly in code comments"): one code path is
// simpler to reason about.
#include "lshrs/redis_store.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_map>

#include "lshrs/error.hpp"
#include "redis/redis_store_impl.hpp"
#include "redis/single_transport.hpp"

namespace lshrs {
namespace {

using redis::Command;
using redis::Reply;

// Bounds the time one command blocks the server; a larger group is split.
constexpr std::size_t kMaxMembersPerCommand = 10'000;

std::string_view as_view(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}
std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool is_retryable_error(std::string_view code) {
  return code == "LOADING" || code == "BUSY" || code == "TRYAGAIN" || code == "CLUSTERDOWN" ||
         code == "MASTERDOWN" || code == "READONLY";
}

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

}  // namespace

std::int64_t parse_member(const std::string& member, std::string_view key) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(member.data(), member.data() + member.size(), id);
  if (member.empty() || ec != std::errc() || end != member.data() + member.size()) {
    throw StorageError("Redis bucket '" + std::string(key) + "' holds member '" + member +
                       "', which is not a decimal id; is another application writing under "
                       "this prefix?");
  }
  return id;
}

RedisStore::Impl::Impl(RedisOptions opts, std::unique_ptr<redis::Transport> t)
    : options(std::move(opts)), transport(std::move(t)) {
  retry.attempts = std::max<std::size_t>(1, options.retry_attempts);
  retry.initial = options.retry_backoff;
  retry.max_delay = options.retry_backoff_max;
  if (options.pipeline_chunk == 0) options.pipeline_chunk = 1;
}

void RedisStore::Impl::fail(std::string_view what, const std::string& detail) const {
  throw StorageError("Redis " + std::string(what) + " failed on " + transport->describe() + ": " +
                     detail);
}

std::vector<Reply> RedisStore::Impl::run(std::span<const Command> commands, std::string_view what,
                                         bool allow_errors) {
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (std::size_t start = 0; start < commands.size(); start += options.pipeline_chunk) {
    const auto chunk = commands.subspan(start, std::min(options.pipeline_chunk, commands.size() - start));
    std::vector<Reply> got;
    try {
      got = redis::with_retry(retry, [&] {
        std::vector<Reply> r = transport->execute(chunk);
        for (const Reply& reply : r) {
          if (reply.is_error() && is_retryable_error(reply.error_code())) {
            throw ConnectionError("server busy: " + reply.text);
          }
        }
        return r;
      });
    } catch (const ConnectionError& e) {
      throw ConnectionError("Redis " + std::string(what) + " on " + transport->describe() +
                            " gave up after " + std::to_string(retry.attempts) +
                            " attempts: " + e.what() +
                            ". The call may be repeated as is once the server is reachable");
    }
    for (std::size_t i = 0; i < got.size(); ++i) {
      if (got[i].is_error() && !allow_errors) {
        const Command& cmd = chunk[i];
        fail(what, "'" + got[i].text + "' in reply to " + cmd.argv[0] + " " +
                       std::string(cmd.key()));
      }
      replies.push_back(std::move(got[i]));
    }
  }
  return replies;
}

RedisStore::RedisStore(RedisOptions options)
    : impl_(std::make_unique<Impl>(options, redis::make_transport(options))) {}

RedisStore::RedisStore(RedisOptions options, std::unique_ptr<redis::Transport> transport)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(transport))) {}

RedisStore::~RedisStore() = default;

const RedisOptions& RedisStore::options() const noexcept { return impl_->options; }

std::string RedisStore::describe() const { return impl_->transport->describe(); }

void RedisStore::add(std::string_view prefix, std::span<const std::int64_t> ids,
                     const Signatures& sigs) {
  validate_prefix(prefix);
  if (ids.size() != sigs.count) {
    throw InvalidArgument("RedisStore::add: " + std::to_string(ids.size()) + " ids but " +
                          std::to_string(sigs.count) + " signatures; pass one row per id");
  }
  const std::size_t row_bytes = sigs.num_bands * sigs.band_bytes;
  if (sigs.count > 0 && row_bytes == 0) {
    throw InvalidArgument("RedisStore::add: signatures with " + std::to_string(sigs.num_bands) +
                          " bands of " + std::to_string(sigs.band_bytes) +
                          " bytes; need at least one band of at least one byte");
  }
  if (sigs.bytes.size() != sigs.count * row_bytes) {
    throw InvalidArgument("RedisStore::add: signature buffer holds " +
                          std::to_string(sigs.bytes.size()) + " bytes, expected " +
                          std::to_string(sigs.count * row_bytes));
  }
  if (ids.empty()) return;
  impl_->remember_band_width(prefix, sigs.band_bytes);
  const bool track = impl_->options.track_signatures;

  std::vector<std::string> texts(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) texts[i] = id_text(ids[i]);

  // Round trip 1: the signatures the ids had before (empty when new).
  std::vector<std::string> old(ids.size());
  if (track) {
    std::vector<Command> gets;
    gets.reserve(ids.size());
    for (const auto id : ids) gets.emplace_back(std::vector<std::string>{"GET", signature_key(prefix, id)});
    auto replies = impl_->run(gets, "add (reading old signatures)");
    for (std::size_t i = 0; i < ids.size(); ++i) {
      // A signature of another shape predates a config change the meta check
      // would have refused; it cannot name buckets of this config, so skip it.
      if (replies[i].kind == Reply::Kind::kString && replies[i].text.size() == row_bytes) {
        old[i] = std::move(replies[i].text);
      }
    }
  }

  // Round trip 2: SREM stale buckets, SADD new ones.
  BucketGroups stale, fresh;
  for (std::size_t b = 0; b < sigs.num_bands; ++b) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const std::string_view sig = as_view(sigs.band(i, b));
      fresh.add(b, sig, i);
      if (!old[i].empty()) {
        const std::string_view before = std::string_view(old[i]).substr(b * sigs.band_bytes, sigs.band_bytes);
        if (before != sig) stale.add(b, before, i);
      }
    }
  }
  std::vector<Command> writes;
  stale.emit("SREM", prefix, texts, writes);
  fresh.emit("SADD", prefix, texts, writes);
  impl_->run(writes, "add");
  if (!track) return;

  // Round trip 3, only after every bucket write was acknowledged (see the
  // file comment): the new signatures.
  std::vector<Command> sets;
  sets.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    sets.emplace_back(std::vector<std::string>{"SET", signature_key(prefix, ids[i]),
                                               std::string(as_view(sigs.row(i)))});
  }
  impl_->run(sets, "add (writing signatures)");
}

std::vector<std::vector<std::int64_t>> RedisStore::members(std::string_view prefix,
                                                           std::span<const BucketRef> buckets) {
  validate_prefix(prefix);
  std::vector<Command> reads;
  reads.reserve(buckets.size());
  for (const BucketRef& ref : buckets) {
    reads.emplace_back(
        std::vector<std::string>{"SMEMBERS", bucket_key(prefix, ref.band, as_bytes(ref.signature))});
    // The ids arrive parsed, in Reply::integers: no string per member.
    reads.back().shape = redis::ReplyShape::kIntegerArray;
  }
  auto replies = impl_->run(reads, "members");
  std::vector<std::vector<std::int64_t>> out(buckets.size());
  for (std::size_t i = 0; i < replies.size(); ++i) {
    if (replies[i].elements.empty()) {
      out[i] = std::move(replies[i].integers);
      continue;
    }
    // A member that is not a decimal id made the reply generic: name it.
    out[i].reserve(replies[i].elements.size());
    for (const Reply& m : replies[i].elements) {
      out[i].push_back(parse_member(m.text, reads[i].key()));
    }
  }
  return out;
}

std::size_t RedisStore::remove(std::string_view prefix, std::span<const std::int64_t> ids) {
  validate_prefix(prefix);
  if (ids.empty()) return 0;
  if (!impl_->options.track_signatures) return impl_->remove_by_scan(prefix, ids);

  std::vector<Command> gets;
  gets.reserve(ids.size());
  for (const auto id : ids) gets.emplace_back(std::vector<std::string>{"GET", signature_key(prefix, id)});
  auto replies = impl_->run(gets, "remove (reading signatures)");

  std::vector<std::string> texts(ids.size());
  std::vector<std::size_t> found;
  std::vector<std::int64_t> unsigned_ids;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (replies[i].kind != Reply::Kind::kString || replies[i].text.empty()) {
      unsigned_ids.push_back(ids[i]);
      continue;
    }
    found.push_back(i);
    texts[i] = id_text(ids[i]);
  }
  // An index built by the Python package has neither meta nor signature
  // keys: there, ids can only be found by scanning the buckets. Our own
  // indexes always have meta, so a missing signature means a missing id.
  std::size_t scanned = 0;
  if (!unsigned_ids.empty()) {
    const Command exists(std::vector<std::string>{"EXISTS", meta_key(prefix)});
    if (impl_->run(std::span(&exists, 1), "remove (checking meta)").front().integer == 0) {
      scanned = impl_->remove_by_scan(prefix, unsigned_ids);
    }
  }
  if (found.empty()) return scanned;
  // The signature key holds the bands concatenated; their width comes from
  // this prefix's bucket keys (see Impl::band_widths).
  const auto widths = impl_->band_widths(prefix, ids[found.front()], replies[found.front()].text);
  BucketGroups doomed;
  std::vector<Command> dels;
  for (const std::size_t i : found) {
    const std::string_view sig = replies[i].text;
    for (const std::size_t width : widths) {
      if (sig.size() % width != 0) continue;
      for (std::size_t b = 0; b * width < sig.size(); ++b) doomed.add(b, sig.substr(b * width, width), i);
    }
    dels.emplace_back(std::vector<std::string>{"DEL", signature_key(prefix, ids[i])});
  }
  std::vector<Command> srems;
  doomed.emit("SREM", prefix, texts, srems);
  impl_->run(srems, "remove");
  // Only once the buckets are clean: a remove() that fails before this point
  // still finds the signatures when it is called again.
  impl_->run(dels, "remove (deleting signatures)");
  return found.size() + scanned;
}

std::optional<std::string> RedisStore::load_meta(std::string_view prefix) {
  validate_prefix(prefix);
  const Command get(std::vector<std::string>{"GET", meta_key(prefix)});
  auto replies = impl_->run(std::span(&get, 1), "load_meta");
  if (replies.front().is_nil()) return std::nullopt;
  return std::move(replies.front().text);
}

bool RedisStore::store_meta_if_absent(std::string_view prefix, std::string_view meta) {
  validate_prefix(prefix);
  const Command set(std::vector<std::string>{"SET", meta_key(prefix), std::string(meta), "NX"});
  const auto replies = impl_->run(std::span(&set, 1), "store_meta_if_absent");
  return !replies.front().is_nil();
}

}  // namespace lshrs
