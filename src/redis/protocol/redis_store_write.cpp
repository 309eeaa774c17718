// RedisStore: the write and remove paths, and why concurrent writers of one
// id converge. add() and remove() dispatch here: indexes whose meta declares
// signature ranges (every index created since) take the range protocol of
// redis_store_ranges.cpp, the same argument lifted to ranges of 128 ids; the
// per-id protocol below serves indexes written before (one <prefix>:sig:<id>
// key per id). Known limit of the per-id form: its begin converts a clean
// string key to a hash by DEL + HSET, which Redis refuses mid-script in a slot
// being migrated once the key is missing ("non local key").
//
// The problem: on Redis Cluster an id's signature key and its bucket keys
// live in different slots, so no atomic operation spans them, and two
// writers of one id with different vectors (or a writer and a remover) can
// interleave their bucket writes in any order. Reading the old signature,
// moving the id and storing the new signature leaves the id in the buckets of
// both vectors when two writers read the same old signature.
//
// The protocol. Every actor that touches an id's buckets first registers on
// the id's signature key (one key, so one atomic Lua script even on Cluster,
// see signature_scripts.hpp) and deregisters after all its bucket writes were
// acknowledged:
//   begin(target)  adds a lease token and the target signature to the key's
//                  "dirty" set D; returns D and the counter n.
//   bucket writes  SADD the target's buckets; SREM the buckets of every other
//                  signature in D (band by band, where they differ).
//   end(target)    drops the token; a writer or remover makes its target the
//                  committed signature C (last end wins); bumps n.
// Invariant I: every bucket that may hold the id belongs to a signature in D.
// It holds because an actor adds its target to D before its first SADD, and D
// is only emptied (the key made clean, a plain string C again) by an end that
// proves its own writes were the last and complete: its token was still
// there, no other actor holds a token, and n moved by exactly its own end
// since its begin. Then no other actor began or ended in between; every
// earlier actor ended (so its writes were acknowledged) before our begin; so
// our writes ran after all others, over a D that no one changed, and left the
// id in exactly target's buckets (or none). When the proof fails, the last
// actor to end (the one that sees no other token) runs repair rounds: begin
// with no target, SADD C's buckets and SREM every other signature of D, end
// without committing; it repeats until one round passes the same proof. An
// actor that still holds a token at another's end is responsible instead: it
// ends later and sees the counter moved.
// Leases: a token older than RedisOptions::lease (a crashed client) is dropped and
// bumps n, so no one is blocked by it forever; an actor that finds its own
// token gone re-adds its target to D and repairs, so a lease that expired
// under a live but slow client costs time, never correctness. A call that
// failed (server down) is repeated with the tokens it left behind, so the
// repeat takes its own lease over. n starts at the server's clock in µs
// whenever the key turns busy, so it never takes a value twice.
// Consequences: at quiescence every id is in exactly the buckets of C (one of
// the vectors written for it) or in none if the last end was a remove, and
// its key is the clean string C. Uncontended, an add is still three round
// trips (begin, bucket writes, end), and the buffer is kept by the caller
// until all three were acknowledged; every step is safe to resend.
// Known limit: an id whose writer died mid-flush stays in up to two buckets
// per band until it is written or removed again after the lease.
#include <algorithm>
#include <random>
#include <unistd.h>

#include <atomic>
#include <unordered_map>

#include "lshrs/error.hpp"
#include "lshrs/redis_store.hpp"
#include "redis/protocol/redis_store_impl.hpp"
#include "redis/protocol/bucket_groups.hpp"
#include "redis/protocol/signature_scripts.hpp"
#include "store/range_record.hpp"

namespace lshrs {
namespace {

using redis::Command;
using redis::Reply;
using redis::as_bytes;
using redis::as_view;
using redis::BucketGroups;


// A token no other actor uses: the pid (forked children differ), a random
// number per process and a count.
std::string unique_token() {
  static const std::string process = std::to_string(std::random_device{}()) +
                                     std::to_string(std::random_device{}());
  static std::atomic<std::uint64_t> counter{0};
  return std::to_string(::getpid()) + "." + process + "." + std::to_string(counter.fetch_add(1));
}

// What begin() told about one id.
struct Begun {
  long long n = 0;
  std::optional<std::string> committed;
  std::vector<std::string> dirty;
};

Begun parse_begin(Reply& reply, std::string_view key) {
  if (!reply.is_array() || reply.elements.size() < 2 ||
      reply.elements[0].kind != Reply::Kind::kInteger) {
    throw StorageError("Redis returned an unexpected reply to the signature script on '" +
                       std::string(key) + "'");
  }
  Begun b;
  b.n = reply.elements[0].integer;
  if (reply.elements[1].kind == Reply::Kind::kString) b.committed = std::move(reply.elements[1].text);
  for (std::size_t i = 2; i < reply.elements.size(); ++i) b.dirty.push_back(std::move(reply.elements[i].text));
  return b;
}

// Without signatures nothing per id is kept, so nothing could hold extras.
void refuse_extras_untracked(std::span<const RecordExtras> extras) {
  for (const RecordExtras& e : extras) {
    if (!e.attributes && !e.expires_at_ms) continue;
    throw InvalidArgument(
        "attributes and expiry are kept in each id's signature record, and this RedisStore keeps no "
        "signatures (track_signatures is off; the CLI's --no-signatures)");
  }
}

}  // namespace

// A call that failed leaves its lease tokens on the ids' keys; the same
// call made again (Index::flush() retrying its buffer) reuses them, so it
// takes its own lease over instead of waiting for it to expire.
std::vector<std::string> RedisStore::Impl::tokens_for(const std::vector<std::string>& whats) {
  std::lock_guard lock(tokens_mutex_);
  std::vector<std::string> tokens;
  tokens.reserve(whats.size());
  for (const auto& w : whats) {
    const auto it = resumable_.find(w);
    tokens.push_back(it != resumable_.end() ? it->second : unique_token());
  }
  return tokens;
}

void RedisStore::Impl::settle_tokens(const std::vector<std::string>& whats,
                                     const std::vector<std::string>& tokens, bool failed) {
  std::lock_guard lock(tokens_mutex_);
  for (std::size_t i = 0; i < whats.size(); ++i) {
    if (failed) {
      resumable_.insert_or_assign(whats[i], tokens[i]);
    } else {
      resumable_.erase(whats[i]);
    }
  }
}

std::vector<Reply> RedisStore::Impl::run_script(const char* script, std::vector<std::vector<std::string>> args,
                                                std::string_view what) {
  std::vector<Command> cmds;
  cmds.reserve(args.size());
  const std::string sha = script_sha(script, /*reload=*/false);
  for (auto& a : args) {
    std::vector<std::string> argv{"EVALSHA", sha, "1"};
    argv.insert(argv.end(), std::make_move_iterator(a.begin()), std::make_move_iterator(a.end()));
    cmds.emplace_back(std::move(argv), 3);
  }
  auto replies = run(cmds, what, /*allow_errors=*/true);
  // A restarted server or a new cluster node has no script cache: load the
  // script everywhere once and resend; the text itself only as a last resort.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::vector<std::size_t> missing;
    for (std::size_t i = 0; i < replies.size(); ++i) {
      if (replies[i].is_error() && replies[i].error_code() == "NOSCRIPT") missing.push_back(i);
    }
    if (missing.empty()) break;
    const std::string fresh = script_sha(script, /*reload=*/true);
    std::vector<Command> again;
    for (const std::size_t i : missing) {
      Command c = cmds[i];
      if (attempt == 0) {
        c.argv[1] = fresh;
      } else {
        c.argv[0] = "EVAL";
        c.argv[1] = script;
      }
      again.push_back(std::move(c));
    }
    auto got = run(again, what, /*allow_errors=*/true);
    for (std::size_t j = 0; j < missing.size(); ++j) replies[missing[j]] = std::move(got[j]);
  }
  for (std::size_t i = 0; i < replies.size(); ++i) {
    if (!replies[i].is_error()) continue;
    // The range scripts' refusal of foreign data: its text is the message.
    if (replies[i].error_code() == "LSHRSDATA") {
      throw StorageError("Redis " + std::string(what) + " refused, nothing changed: " +
                         replies[i].text.substr(10));
    }
    fail(what, "'" + replies[i].text + "' on " + std::string(cmds[i].key()));
  }
  return replies;
}

std::string RedisStore::Impl::script_sha(const char* script, bool reload) {
  std::lock_guard lock(scripts_mutex_);
  std::string& sha = shas_[script];
  if (!sha.empty() && !reload) return sha;
  const Command load(std::vector<std::string>{"SCRIPT", "LOAD", script}, 0);
  transport->for_each_master([&](const std::string& name, const redis::NodeExecutor& node) {
    const Reply reply = redis::with_retry(retry, [&] { return node(std::span(&load, 1)).front(); });
    if (reply.kind != Reply::Kind::kString) fail("SCRIPT LOAD", "on " + name + ": " + reply.text);
    sha = reply.text;
  });
  return sha;
}

// Runs repair rounds on ids[i] for i in `due` until each is clean or left to
// another actor at work. `width`: the band width of this prefix (its layout).
void RedisStore::Impl::repair(std::string_view prefix, std::span<const std::int64_t> ids,
                              std::vector<std::size_t> due, std::size_t width) {
  std::vector<std::string> texts(ids.size());
  for (int round = 0; !due.empty(); ++round) {
    if (round == kMaxRepairRounds) {
      throw StorageError("Redis add/remove: id " + id_text(ids[due.front()]) + " under prefix \"" +
                         std::string(prefix) + "\" is still being rewritten by other clients after " +
                         std::to_string(kMaxRepairRounds) +
                         " repair rounds; the call may be repeated as is");
    }
    std::vector<std::string> whats;
    for (const std::size_t i : due) whats.push_back(signature_key(prefix, ids[i]) + "\nfix");
    const std::vector<std::string> tokens = tokens_for(whats);
    try {
      repair_round(prefix, ids, due, width, texts, tokens);
    } catch (...) {
      settle_tokens(whats, tokens, /*failed=*/true);
      throw;
    }
    settle_tokens(whats, tokens, /*failed=*/false);
  }
}

// One repair round over ids[due[j]] with tokens[j]; leaves in `due` the ids
// that need another.
void RedisStore::Impl::repair_round(std::string_view prefix, std::span<const std::int64_t> ids,
                                    std::vector<std::size_t>& due, std::size_t width,
                                    std::vector<std::string>& texts, const std::vector<std::string>& tokens) {
  {
    std::vector<std::vector<std::string>> begins;
    for (std::size_t j = 0; j < due.size(); ++j) {
      begins.push_back({signature_key(prefix, ids[due[j]]), tokens[j], "", lease_text()});
    }
    auto replies = run_script(redis::kBeginScript, std::move(begins), "repair (begin)");
    std::vector<Begun> state;
    BucketGroups adds, rems;
    for (std::size_t j = 0; j < due.size(); ++j) {
      state.push_back(parse_begin(replies[j], signature_key(prefix, ids[due[j]])));
      texts[due[j]] = id_text(ids[due[j]]);
    }
    for (std::size_t j = 0; j < due.size(); ++j) {
      const Begun& s = state[j];
      const std::size_t i = due[j];
      for (const std::string& d : s.dirty) {
        if (d.size() % width != 0) continue;
        if (s.committed && d.size() == s.committed->size()) {
          if (d != *s.committed) rems.add_differing(d, *s.committed, width, i);
        } else {
          rems.add_all(d, width, i);
        }
      }
      if (s.committed) adds.add_all(*s.committed, width, i);
    }
    std::vector<Command> writes;
    rems.emit("SREM", prefix, texts, writes);
    adds.emit("SADD", prefix, texts, writes);
    run(writes, "repair");
    std::vector<std::vector<std::string>> ends;
    for (std::size_t j = 0; j < due.size(); ++j) {
      ends.push_back({signature_key(prefix, ids[due[j]]), tokens[j], state[j].committed.value_or(""),
                      std::to_string(state[j].n), "0"});
    }
    replies = run_script(redis::kEndScript, std::move(ends), "repair (end)");
    std::vector<std::size_t> next;
    for (std::size_t j = 0; j < due.size(); ++j) {
      if (replies[j].integer == kRepairDue) next.push_back(due[j]);
    }
    due = std::move(next);
  }
}

// BucketStore::add() checked the batch against the layout, which `sigs` has.
void RedisStore::do_add(std::string_view prefix, const StoreLayout& layout, std::span<const std::int64_t> ids,
                        const Signatures& sigs, std::span<const RecordExtras> extras) {
  if (!impl_->options.track_signatures) refuse_extras_untracked(extras);
  std::vector<std::string> texts(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) texts[i] = id_text(ids[i]);

  if (impl_->options.track_signatures && layout.signatures == SignatureRecords::kRanged) {
    std::vector<std::string> records;
    if (!extras.empty()) {
      records.reserve(ids.size());
      for (std::size_t i = 0; i < ids.size(); ++i) records.push_back(encode_record(as_view(sigs.row(i)), extras[i]));
    }
    std::vector<std::string_view> targets(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) targets[i] = records.empty() ? as_view(sigs.row(i)) : records[i];
    impl_->write_ranges(prefix, ids, targets, layout, nullptr);
    return;
  }
  if (!impl_->options.track_signatures) {
    BucketGroups fresh;
    for (std::size_t i = 0; i < ids.size(); ++i) fresh.add_all(as_view(sigs.row(i)), sigs.band_bytes, i);
    std::vector<Command> writes;
    fresh.emit("SADD", prefix, texts, writes);
    impl_->run(writes, "add");
    return;
  }

  impl_->refuse_ranges_beside_per_id(prefix, ids);
  // Round trip 1: register as a writer of each id; learn its dirty signatures.
  std::vector<std::string> whats(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    whats[i] = signature_key(prefix, ids[i]) + "\n" + std::string(as_view(sigs.row(i)));
  }
  const std::vector<std::string> tokens = impl_->tokens_for(whats);
  try {
    add_tracked(prefix, ids, sigs, texts, tokens);
  } catch (...) {
    impl_->settle_tokens(whats, tokens, /*failed=*/true);
    throw;
  }
  impl_->settle_tokens(whats, tokens, /*failed=*/false);
}

void RedisStore::add_tracked(std::string_view prefix, std::span<const std::int64_t> ids,
                             const Signatures& sigs, const std::vector<std::string>& texts,
                             const std::vector<std::string>& tokens) {
  const std::size_t row_bytes = sigs.num_bands * sigs.band_bytes;
  std::vector<std::vector<std::string>> begins;
  begins.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    begins.push_back({signature_key(prefix, ids[i]), tokens[i], std::string(as_view(sigs.row(i))),
                      impl_->lease_text()});
  }
  auto replies = impl_->run_script(redis::kBeginScript, std::move(begins), "add (begin)");
  std::vector<Begun> state;
  state.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) state.push_back(parse_begin(replies[i], texts[i]));

  // Round trip 2: SADD the new buckets, SREM every other dirty signature's.
  BucketGroups stale, fresh;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::string_view mine = as_view(sigs.row(i));
    fresh.add_all(mine, sigs.band_bytes, i);
    for (const std::string& d : state[i].dirty) {
      // A signature of another shape predates a config change the meta check
      // would have refused; it cannot name buckets of this config.
      if (d.size() == row_bytes && d != mine) stale.add_differing(d, mine, sigs.band_bytes, i);
    }
  }
  std::vector<Command> writes;
  stale.emit("SREM", prefix, texts, writes);
  fresh.emit("SADD", prefix, texts, writes);
  impl_->run(writes, "add");

  // Round trip 3, only once every bucket write was acknowledged: commit.
  std::vector<std::vector<std::string>> ends;
  ends.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ends.push_back({signature_key(prefix, ids[i]), tokens[i], std::string(as_view(sigs.row(i))),
                    std::to_string(state[i].n), "1"});
  }
  replies = impl_->run_script(redis::kEndScript, std::move(ends), "add (commit)");
  std::vector<std::size_t> due;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (replies[i].integer == kRepairDue) due.push_back(i);
  }
  if (!due.empty()) impl_->repair(prefix, ids, std::move(due), sigs.band_bytes);
}

std::size_t RedisStore::do_remove(std::string_view prefix, const std::optional<StoreLayout>& layout,
                                  std::span<const std::int64_t> ids) {
  if (!impl_->options.track_signatures) return impl_->remove_by_scan(prefix, ids);
  if (!layout) return impl_->remove_without_layout(prefix, ids);
  if (layout->signatures == SignatureRecords::kRanged) return remove_ranged(prefix, *layout, ids);
  impl_->refuse_ranges_beside_per_id(prefix, ids);

  std::vector<std::string> whats;
  for (const auto id : ids) whats.push_back(signature_key(prefix, id) + "\nrm");
  const std::vector<std::string> tokens = impl_->tokens_for(whats);
  std::size_t removed = 0;
  try {
    removed = remove_tracked(prefix, *layout, ids, tokens);
  } catch (...) {
    impl_->settle_tokens(whats, tokens, /*failed=*/true);
    throw;
  }
  impl_->settle_tokens(whats, tokens, /*failed=*/false);
  return removed;
}

std::size_t RedisStore::remove_tracked(std::string_view prefix, const StoreLayout& layout,
                                       std::span<const std::int64_t> ids,
                                       const std::vector<std::string>& tokens) {
  std::vector<std::vector<std::string>> begins;
  begins.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    begins.push_back({signature_key(prefix, ids[i]), tokens[i], "", impl_->lease_text()});
  }
  auto replies = impl_->run_script(redis::kBeginScript, std::move(begins), "remove (begin)");

  std::vector<std::string> texts(ids.size());
  std::vector<Begun> state;
  std::vector<std::int64_t> unsigned_ids;
  std::vector<std::size_t> unsigned_at;  // their indices in ids
  std::size_t present = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    texts[i] = id_text(ids[i]);
    state.push_back(parse_begin(replies[i], texts[i]));
    if (state[i].committed) {
      ++present;
    } else if (state[i].dirty.empty()) {
      // No signature key: an id written by the Python package or by a client
      // without track_signatures, found only by scanning the buckets.
      unsigned_ids.push_back(ids[i]);
      unsigned_at.push_back(i);
    }
  }
  const std::size_t width = layout.band_bytes;
  BucketGroups doomed;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (const std::string& d : state[i].dirty) {
      if (d.size() % width == 0) doomed.add_all(d, width, i);
    }
  }
  std::vector<Command> srems;
  doomed.emit("SREM", prefix, texts, srems);
  impl_->run(srems, "remove");
  // Only once the buckets are clean: a remove() that fails before this point
  // still finds the signatures when it is called again.
  std::vector<std::vector<std::string>> ends;
  ends.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ends.push_back({signature_key(prefix, ids[i]), tokens[i], "", std::to_string(state[i].n), "1"});
  }
  replies = impl_->run_script(redis::kEndScript, std::move(ends), "remove (commit)");
  std::vector<std::size_t> due;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (replies[i].integer == kRepairDue) due.push_back(i);
  }
  if (!due.empty()) impl_->repair(prefix, ids, std::move(due), width);
  if (unsigned_ids.empty()) return present;
  const std::size_t scanned = impl_->remove_by_scan(prefix, unsigned_ids);
  // The scan works outside the protocol: a writer that committed one of
  // these ids meanwhile may have lost memberships to it. Such ids now have a
  // signature key; a repair round (after the scan was acknowledged) puts
  // them back into exactly their committed buckets.
  std::vector<Command> exists;
  for (const auto id : unsigned_ids) exists.emplace_back(std::vector<std::string>{"EXISTS", signature_key(prefix, id)});
  const auto found = impl_->run(exists, "remove (re-checking scanned ids)");
  std::vector<std::size_t> rewritten;
  for (std::size_t k = 0; k < found.size(); ++k) {
    if (found[k].integer == 1) rewritten.push_back(unsigned_at[k]);
  }
  if (!rewritten.empty()) impl_->repair(prefix, ids, std::move(rewritten), width);
  return present + scanned;
}

}  // namespace lshrs
