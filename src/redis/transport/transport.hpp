// lshrs internal — the seam between RedisStore and the wire.
//
// RedisStore builds Commands and hands them to a Transport, which decides
// which server each one goes to: SingleTransport (one redis-server, see
// single_transport.hpp) or the Redis Cluster transport (cluster.hpp), which
// routes each command by the CRC16 hash slot of its key. Tests may plug in
// their own Transport to inject failures without luck.
//
// Contract every Transport keeps:
//  - execute() returns exactly one Reply per Command, in the order given.
//    Commands bound for one server are pipelined (written together, then all
//    replies read); a cluster transport sends one pipeline per node, in
//    parallel, and follows MOVED / ASK / TRYAGAIN itself.
//  - A Redis error reply (WRONGTYPE, OOM, LOADING, ...) is returned as a Reply
//    of kind kError, never thrown: the caller decides what is fatal.
//  - Transient error replies (retry.hpp: LOADING, BUSY, MASTERDOWN,
//    READONLY, TRYAGAIN, CLUSTERDOWN) are retried by the transport itself,
//    at most TransportOptions::retry.attempts tries with backoff, then
//    returned as they are. Redirections (MOVED, ASK) are followed too.
//  - A lost, refused or timed-out connection throws ConnectionError. Some of
//    the commands may then have been applied: the caller resends the whole
//    batch (RedisStore only sends idempotent commands and owns this retry).
//    After throwing, the transport must be usable again: it reconnects
//    lazily on the next call. Authentication or setup failures (wrong
//    password, db != 0 on a cluster) throw ConfigurationError.
//  - With TransportOptions::read_from_replicas, a batch whose commands are
//    all `replica_ok` may be answered by a replica of the master that owns
//    them; if no replica is usable (down, not synced, refusing) it goes to
//    the master, without an error. Anything else always goes to a master.
//  - Every Command touches keys of one hash slot only (its routing key);
//    commands without a key (key_index == 0) may go to any master.
//  - A Command's `shape` is honoured (the connection builds its reply in that
//    shape); commands are otherwise passed on unchanged.
//  - Messages and describe() never contain a password.
//
// Thread safety: execute(), for_each_master() and describe() may be called
// concurrently from any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lshrs::redis {

// How the reply to a Command is to be built.
enum class ReplyShape : std::uint8_t {
  kGeneric,   // the general tree: a std::string per bulk string
  // An array of ids, e.g. SMEMBERS of a bucket: each element is parsed
  // straight from the wire into Reply::integers, with no string or Reply per
  // element (the query hot path). If any element is not an id as lshrs
  // writes them (store/key_parse.hpp, parse_member_id: canonical decimal,
  // >= 0) the whole reply is built as kGeneric instead, so the caller can
  // name the offending member. Other kinds of reply (an error, nil, a
  // non-array) are built as kGeneric too.
  kIntegerArray,
};

// One Redis command. Arguments are binary safe (may hold NUL bytes).
struct Command {
  std::vector<std::string> argv;  // argv[0] is the command name, e.g. "SADD"
  // Index in argv of the key that routes the command (its hash slot decides
  // the cluster node); 0 means "no key: any master will do". Most commands
  // have their key at 1; MEMORY USAGE <key> has it at 2.
  std::size_t key_index = 1;
  ReplyShape shape = ReplyShape::kGeneric;
  // A read that a replica may answer (possibly stale) when the transport
  // reads from replicas; false for writes, scripts and reads that must be
  // fresh.
  bool replica_ok = false;

  Command() = default;
  explicit Command(std::vector<std::string> args, std::size_t key_at = 1)
      : argv(std::move(args)), key_index(key_at) {}

  // The routing key, or empty when the command has none.
  std::string_view key() const {
    return key_index != 0 && key_index < argv.size() ? std::string_view(argv[key_index])
                                                     : std::string_view();
  }
};

// A parsed RESP2 reply, owning its data (independent of hiredis).
struct Reply {
  enum class Kind { kNil, kInteger, kString, kStatus, kError, kArray };

  Kind kind = Kind::kNil;
  long long integer = 0;       // kInteger
  std::string text;            // kString (bulk, binary safe), kStatus, kError
  // kArray: `elements`; or, when the command asked for
  // ReplyShape::kIntegerArray and every element was an id (parse_member_id),
  // `integers` (and `elements` is empty).
  std::vector<Reply> elements;
  std::vector<std::int64_t> integers;

  bool is_nil() const noexcept { return kind == Kind::kNil; }
  bool is_error() const noexcept { return kind == Kind::kError; }
  bool is_array() const noexcept { return kind == Kind::kArray; }
  // The error's first word, e.g. "MOVED", "WRONGTYPE"; empty if not an error.
  std::string_view error_code() const {
    if (!is_error()) return {};
    std::string_view t(text);
    return t.substr(0, t.find(' '));
  }
};

// Sends a batch of commands to one particular server, unrouted.
using NodeExecutor = std::function<std::vector<Reply>(std::span<const Command>)>;

class Transport {
 public:
  virtual ~Transport() = default;

  // Runs `commands` (routed, pipelined) and returns their replies in order.
  // Throws ConnectionError when a connection fails (see the contract above).
  virtual std::vector<Reply> execute(std::span<const Command> commands) = 0;

  // Calls fn(node_name, run_on_node) once per master, sequentially, for
  // commands that must visit every master: SCAN, INFO, DBSIZE. `run_on_node`
  // sends its commands to that master only (no redirection is followed; a
  // SCAN cursor stays valid across calls). node_name is "host:port" or the
  // socket path, for messages. A single server counts as one master. No lock
  // is held while fn runs: fn may call execute() on this transport.
  virtual void for_each_master(
      const std::function<void(const std::string& node_name, const NodeExecutor& run_on_node)>&
          fn) = 0;

  // Where the data lives, e.g. "redis://alice@10.0.0.5:6379/2" or
  // "redis-cluster://127.0.0.1:7000 (3 masters)"; never a password.
  virtual std::string describe() const = 0;
};

}  // namespace lshrs::redis
