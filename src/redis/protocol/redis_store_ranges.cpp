// RedisStore: the range protocol, by which concurrent writers and removers
// of ids converge, with the signatures kept in one small hash per range of
// kSignatureRangeIds consecutive ids (range_scripts.hpp has the key layout).
//
// Why ranges: one key per id costs ~90 bytes of key overhead and two Lua
// scripts per id per flush; a hash of 128 ids in Redis' listpack encoding
// costs ~(field + value + 3) bytes per id, and a flush of 10k consecutive ids
// runs ~79 begin and ~79 end scripts (one per range, pipelined per node)
// around its bucket writes. Each range is one key, so each script touches
// one key and one Cluster slot, whatever the prefix (no hash tag needed).
//
// The protocol is redis_store_write.cpp's, lifted from one id to one range.
// For each id, D(id) = {its committed signature} ∪ {the old and the target
// signature of every record t<token> of the range that names it}.
// Invariant I: every bucket that may hold the id belongs to a signature in
// D(id). An actor's begin stores its record (id, committed, target) before
// its first SADD, so its target and the signature it may replace are in D
// before any bucket holds them; records are only deleted when the range
// turns clean, by an end that proves (its token still there, no other live
// token, the counter n moved by exactly its own end since its begin, or for
// the fast path: the range was clean at its begin and n moved by its end
// alone) that no one began, ended or expired in between, so its bucket
// writes ran after all others' and over a D no one changed. Those writes
// cover every id of every record present at its begin, not only its batch:
// it SADDs each other id's committed buckets and SREMs its other dirty
// signatures, because the clean that follows forgets their records. An end
// that fails the proof while another actor holds a live token leaves the
// work to that actor (it ends later and sees n moved); otherwise the actor
// runs repair rounds (a begin without a batch, the same bucket writes for
// every id the records name, an end without commit) until one passes.
// Leases (RedisOptions::lease): an expired token is dropped and bumps n; an
// actor whose token is gone at its end (its lease expired, or the end is a
// resend) records its pairs again with what is committed then, makes the
// range busy and repairs, so a slow client costs time, never correctness. A
// failed call is repeated with the same tokens (tokens_for), so every step
// is safe to resend. RedisStore::repair() runs repair rounds on every
// unclean range: after a client died mid-flush, once its lease ran out.
// Consequences: at quiescence every id is in exactly the buckets of its
// committed signature (one of the vectors written for it) or in none, and
// its range is clean. Writers of different ids of one range now contend
// like writers of one id did (a repair rewrites both batches' ids): correct,
// only slower; batches of consecutive ids from one writer do not contend.
// Known limit (as per id): a client stalled past its lease that then dies
// after a late bucket write leaves no record of it.
#include <algorithm>
#include <unordered_map>

#include "lshrs/error.hpp"
#include "lshrs/redis_store.hpp"
#include "redis/protocol/bucket_groups.hpp"
#include "redis/protocol/range_reply.hpp"
#include "redis/protocol/range_scripts.hpp"
#include "redis/protocol/redis_store_impl.hpp"
#include "store/key_parse.hpp"
#include "store/range_record.hpp"

namespace lshrs {
namespace {

using redis::BucketGroups;
using redis::parse_range_begin;
using redis::RangeState;
using redis::Command;
using redis::Reply;

// The ids of one call that fall into one range.
struct RangeCall {
  std::int64_t range = 0;
  std::string key;
  std::vector<std::size_t> at;  // indices into the call's ids
};

std::vector<RangeCall> group_by_range(std::string_view prefix, std::span<const std::int64_t> ids) {
  std::unordered_map<std::int64_t, std::size_t> index;
  std::vector<RangeCall> out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::int64_t r = signature_range(ids[i]);
    const auto [it, inserted] = index.try_emplace(r, out.size());
    if (inserted) out.push_back({r, signature_range_key(prefix, r), {}});
    out[it->second].at.push_back(i);
  }
  return out;
}

const std::vector<std::string_view>& dirty_of(const RangeState& s, std::string_view id) {
  static const std::vector<std::string_view> kNone;
  const auto it = s.dirty.find(id);
  return it == s.dirty.end() ? kNone : it->second;
}

// Bucket writes that leave member `m` in exactly `kept`'s buckets (none when
// empty), whatever buckets of the signatures in `dirty` it held.
void settle_member(const std::optional<std::string_view>& kept, const std::vector<std::string_view>& dirty,
                   std::size_t width, std::size_t m, BucketGroups& adds, BucketGroups& rems) {
  if (kept) {
    adds.add_all(*kept, width, m);
    for (const std::string_view d : dirty) {
      // A signature of another shape predates a config change the meta check
      // would have refused; it cannot name buckets of this config.
      if (d.size() == kept->size() && d != *kept) rems.add_differing(d, *kept, width, m);
    }
    return;
  }
  for (const std::string_view d : dirty) {
    if (d.size() % width == 0) rems.add_all(d, width, m);
  }
}

}  // namespace

std::size_t RedisStore::Impl::write_ranges(std::string_view prefix, std::span<const std::int64_t> ids,
                                           std::span<const std::string_view> targets,
                                           const StoreLayout& layout, std::vector<std::int64_t>* untracked) {
  const std::size_t width = layout.band_bytes;
  std::vector<RangeCall> calls = group_by_range(prefix, ids);
  std::vector<std::string> texts(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) texts[i] = id_text(ids[i]);
  // A resend of this very call (same ids and targets) reuses its tokens.
  std::vector<std::string> whats;
  whats.reserve(calls.size());
  for (const RangeCall& c : calls) {
    std::string w = c.key + (targets.empty() ? "\nrm" : "\nadd");
    for (const std::size_t i : c.at) {
      w.append("\n").append(texts[i]);
      if (!targets.empty()) w.append("=").append(targets[i]);
    }
    whats.push_back(std::move(w));
  }
  const std::vector<std::string> tokens = tokens_for(whats);
  std::size_t present = 0;
  std::vector<std::int64_t> due;
  try {
    // Round trip 1: register on each range; learn its committed and dirty signatures.
    std::vector<std::vector<std::string>> begins;
    for (std::size_t c = 0; c < calls.size(); ++c) {
      std::vector<std::string> a{calls[c].key, tokens[c], lease_text(), std::to_string(layout.row_bytes())};
      for (const std::size_t i : calls[c].at) {
        a.push_back(texts[i]);
        a.emplace_back(targets.empty() ? std::string_view() : targets[i]);
      }
      begins.push_back(std::move(a));
    }
    auto replies = run_script(redis::kRangeBeginScript, std::move(begins),
                              targets.empty() ? "remove (begin)" : "add (begin)");
    std::vector<RangeState> states;
    states.reserve(calls.size());
    for (std::size_t c = 0; c < calls.size(); ++c) {
      states.push_back(parse_range_begin(replies[c], calls[c].key, calls[c].at.size(), layout.row_bytes()));
    }
    // Round trip 2: each batch id into its target's buckets (or none), each
    // other id the records name back into its committed buckets.
    BucketGroups adds, rems;
    std::vector<std::vector<std::string>> ends;
    for (std::size_t c = 0; c < calls.size(); ++c) {
      const RangeState& s = states[c];
      std::vector<std::string> a{calls[c].key, tokens[c], std::to_string(s.n), s.sole ? "1" : "0",
                                 std::to_string(calls[c].at.size())};
      for (std::size_t j = 0; j < calls[c].at.size(); ++j) {
        const std::size_t i = calls[c].at[j];
        std::vector<std::string_view> dirty = dirty_of(s, texts[i]);
        if (s.committed[j]) {
          dirty.push_back(record_signature(*s.committed[j], layout.row_bytes()));
          ++present;
        } else if (dirty.empty() && targets.empty() && untracked) {
          untracked->push_back(ids[i]);
        }
        std::optional<std::string_view> kept;
        if (!targets.empty()) kept = record_signature(targets[i], layout.row_bytes());
        settle_member(kept, dirty, width, i, adds, rems);
        a.push_back(texts[i]);
        a.emplace_back(targets.empty() ? std::string_view() : targets[i]);
      }
      for (std::size_t k = 0; k < s.others.size(); ++k) {
        const std::size_t m = texts.size();
        texts.push_back(s.others[k]);
        const auto& committed = s.other_committed[k];
        std::optional<std::string_view> kept;
        if (committed) kept = record_signature(*committed, layout.row_bytes());
        settle_member(kept, dirty_of(s, s.others[k]), width, m, adds, rems);
        if (committed) {
          a.push_back(s.others[k]);
          a.push_back(*committed);
        }
      }
      ends.push_back(std::move(a));
    }
    std::vector<Command> writes;
    rems.emit("SREM", prefix, texts, writes);
    adds.emit("SADD", prefix, texts, writes);
    run(writes, targets.empty() ? "remove" : "add");

    // Round trip 3, only once every bucket write was acknowledged: commit.
    replies = run_script(redis::kRangeEndScript, std::move(ends), targets.empty() ? "remove (commit)" : "add (commit)");
    for (std::size_t c = 0; c < calls.size(); ++c) {
      if (replies[c].integer == kRepairDue) due.push_back(calls[c].range);
    }
  } catch (...) {
    settle_tokens(whats, tokens, /*failed=*/true);
    throw;
  }
  settle_tokens(whats, tokens, /*failed=*/false);
  if (!due.empty()) repair_ranges(prefix, std::move(due), layout);
  return present;
}

std::size_t RedisStore::Impl::repair_ranges(std::string_view prefix, std::vector<std::int64_t> ranges,
                                            const StoreLayout& layout) {
  const std::size_t width = layout.band_bytes;
  std::size_t repaired = 0;
  for (int round = 0; !ranges.empty(); ++round) {
    if (round == kMaxRepairRounds) {
      throw StorageError("Redis add/remove: the ids " + id_text(ranges.front() * static_cast<std::int64_t>(kSignatureRangeIds)) +
                         ".." + id_text((ranges.front() + 1) * static_cast<std::int64_t>(kSignatureRangeIds) - 1) +
                         " under prefix \"" + std::string(prefix) + "\" are still being rewritten by other clients after " +
                         std::to_string(kMaxRepairRounds) + " repair rounds; the call may be repeated as is");
    }
    std::vector<std::string> keys, whats;
    for (const std::int64_t r : ranges) {
      keys.push_back(signature_range_key(prefix, r));
      whats.push_back(keys.back() + "\nfix");
    }
    const std::vector<std::string> tokens = tokens_for(whats);
    std::vector<std::int64_t> next;
    try {
      std::vector<std::vector<std::string>> begins;
      for (std::size_t c = 0; c < keys.size(); ++c) begins.push_back({keys[c], tokens[c], lease_text(), std::to_string(layout.row_bytes())});
      auto replies = run_script(redis::kRangeBeginScript, std::move(begins), "repair (begin)");
      std::vector<RangeState> states;
      states.reserve(keys.size());
      for (std::size_t c = 0; c < keys.size(); ++c) states.push_back(parse_range_begin(replies[c], keys[c], 0, layout.row_bytes()));
      BucketGroups adds, rems;
      std::vector<std::string> texts;
      std::vector<std::vector<std::string>> ends;
      std::vector<std::size_t> ended;  // indices into keys
      for (std::size_t c = 0; c < keys.size(); ++c) {
        const RangeState& s = states[c];
        if (s.n == 0) continue;  // clean already
        std::vector<std::string> a{keys[c], tokens[c], std::to_string(s.n), "0", "0"};
        for (std::size_t k = 0; k < s.others.size(); ++k) {
          const auto& committed = s.other_committed[k];
          texts.push_back(s.others[k]);
          std::optional<std::string_view> kept;
          if (committed) kept = record_signature(*committed, layout.row_bytes());
          settle_member(kept, dirty_of(s, s.others[k]), width, texts.size() - 1, adds, rems);
          if (committed) {
            a.push_back(s.others[k]);
            a.push_back(*committed);
          }
        }
        ends.push_back(std::move(a));
        ended.push_back(c);
      }
      std::vector<Command> writes;
      rems.emit("SREM", prefix, texts, writes);
      adds.emit("SADD", prefix, texts, writes);
      run(writes, "repair");
      if (!ends.empty()) replies = run_script(redis::kRangeEndScript, std::move(ends), "repair (end)");
      for (std::size_t e = 0; e < ended.size(); ++e) {
        if (replies[e].integer == kRepairDue) next.push_back(ranges[ended[e]]);
        if (replies[e].integer == kClean) ++repaired;
      }
    } catch (...) {
      settle_tokens(whats, tokens, /*failed=*/true);
      throw;
    }
    settle_tokens(whats, tokens, /*failed=*/false);
    ranges = std::move(next);
  }
  return repaired;
}

}  // namespace lshrs

namespace lshrs {

std::size_t RedisStore::remove_ranged(std::string_view prefix, const StoreLayout& layout,
                                     std::span<const std::int64_t> ids) {
  std::vector<std::int64_t> untracked;
  const std::size_t present = impl_->write_ranges(prefix, ids, {}, layout, &untracked);
  if (untracked.empty()) return present;
  // No signature: ids written by the Python package or by a client without
  // track_signatures, found only by scanning the buckets.
  const std::size_t scanned = impl_->remove_by_scan(prefix, untracked);
  // The scan works outside the protocol: a writer that committed one of
  // these ids meanwhile may have lost memberships to it. Such ids now have a
  // signature; writing it again (after the scan was acknowledged) puts them
  // back into exactly its buckets.
  std::vector<Command> gets;
  for (const auto id : untracked) {
    gets.emplace_back(std::vector<std::string>{"HGET", signature_range_key(prefix, signature_range(id)), id_text(id)});
  }
  auto found = impl_->run(gets, "remove (re-checking scanned ids)");
  std::vector<std::int64_t> rewritten;
  std::vector<std::string_view> sigs;
  for (std::size_t k = 0; k < found.size(); ++k) {
    if (found[k].kind != Reply::Kind::kString || found[k].text.empty()) continue;
    rewritten.push_back(untracked[k]);
    sigs.push_back(found[k].text);
  }
  if (!rewritten.empty()) {
    impl_->write_ranges(prefix, rewritten, sigs, layout, nullptr);
  }
  return present + scanned;
}

std::size_t RedisStore::repair(std::string_view prefix, const StoreLayout& layout) {
  validate_prefix(prefix);
  if (layout.bands == 0 || layout.band_bytes == 0) {
    throw InvalidArgument("repair: the layout must have bands and bytes per band (got " +
                          std::to_string(layout.bands) + " × " + std::to_string(layout.band_bytes) + ")");
  }
  if (!impl_->options.track_signatures || layout.signatures != SignatureRecords::kRanged) return 0;
  std::size_t repaired = 0;
  impl_->scan_prefix(prefix, "sigs:*", [&](std::vector<std::string>& keys) {
    std::vector<Command> busy;
    std::vector<std::int64_t> ranges;
    for (const auto& key : keys) {
      const redis::KeyKind kind = redis::classify_key(prefix, key);
      if (kind.kind != redis::KeyKind::Kind::kSignatureRange) continue;
      busy.emplace_back(std::vector<std::string>{"HEXISTS", key, "n"});
      ranges.push_back(kind.range);
    }
    const auto replies = impl_->run(busy, "repair (finding busy ranges)");
    std::vector<std::int64_t> unclean;
    for (std::size_t k = 0; k < replies.size(); ++k) {
      if (replies[k].integer == 1) unclean.push_back(ranges[k]);
    }
    if (!unclean.empty()) repaired += impl_->repair_ranges(prefix, std::move(unclean), layout);
  });
  return repaired;
}

void RedisStore::Impl::refuse_ranges_beside_per_id(std::string_view prefix,
                                                   std::span<const std::int64_t> ids) {
  const std::vector<RangeCall> calls = group_by_range(prefix, ids);
  std::vector<Command> exists;
  for (const RangeCall& c : calls) exists.emplace_back(std::vector<std::string>{"EXISTS", c.key});
  const auto replies = run(exists, "checking the signature layout");
  for (std::size_t c = 0; c < calls.size(); ++c) {
    if (replies[c].integer != 1) continue;
    throw StorageError("signature range '" + calls[c].key + "' exists, but the meta of prefix \"" +
                       std::string(prefix) +
                       "\" declares one signature key per id (no \"signatures\" field): the meta "
                       "was altered or written by another application; restore it or clear the index");
  }
}

}  // namespace lshrs

namespace lshrs {

std::vector<std::optional<IdRecord>> RedisStore::Impl::read_ranges(std::string_view prefix,
                                                                   std::span<const std::int64_t> ids,
                                                                   const StoreLayout& layout) {
  std::vector<std::optional<IdRecord>> out(ids.size());
  std::vector<Command> gets;
  std::vector<RangeCall> calls;
  if (layout.signatures == SignatureRecords::kRanged) {
    calls = group_by_range(prefix, ids);
    for (const RangeCall& c : calls) {
      std::vector<std::string> argv{"HMGET", c.key};
      for (const std::size_t i : c.at) argv.push_back(id_text(ids[i]));
      gets.emplace_back(std::move(argv));
    }
  } else {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      calls.push_back({0, signature_key(prefix, ids[i]), {i}});
      gets.emplace_back(std::vector<std::string>{"GET", calls.back().key});
    }
  }
  auto replies = run(gets, "records");
  for (std::size_t c = 0; c < calls.size(); ++c) {
    Reply& r = replies[c];
    const std::size_t n = calls[c].at.size();
    const bool array = r.is_array();
    if ((array && r.elements.size() != n) || (!array && (n != 1 || layout.signatures == SignatureRecords::kRanged))) {
      throw StorageError("Redis returned an unexpected reply reading the records of '" + calls[c].key + "'");
    }
    for (std::size_t j = 0; j < n; ++j) {
      Reply& e = array ? r.elements[j] : r;
      if (e.kind != Reply::Kind::kString) continue;
      const std::size_t i = calls[c].at[j];
      // Per-id keys hold the bare signature; extras exist only in ranges.
      std::optional<RecordView> v;
      if (layout.signatures == SignatureRecords::kRanged) {
        v = decode_record(e.text, layout.row_bytes());
      } else if (e.text.size() == layout.row_bytes()) {
        v = RecordView{e.text, {}};
      }
      if (!v) {
        throw StorageError("'" + calls[c].key + "' holds a record of " + std::to_string(e.text.size()) +
                           " bytes for id " + id_text(ids[i]) + " that is not a " +
                           std::to_string(layout.row_bytes()) +
                           "-byte signature of this index (with lshrs' extras); is another application "
                           "writing under this prefix? Delete it or clear the index");
      }
      out[i] = IdRecord{std::string(v->signature), std::move(v->extras)};
    }
  }
  return out;
}

std::vector<std::optional<IdRecord>> RedisStore::do_records(std::string_view prefix, const StoreLayout& layout,
                                                            std::span<const std::int64_t> ids) {
  if (!impl_->options.track_signatures) {
    throw InvalidArgument(
        "this RedisStore keeps no per-id records (track_signatures is off; the CLI's --no-signatures)");
  }
  return impl_->read_ranges(prefix, ids, layout);
}

}  // namespace lshrs
