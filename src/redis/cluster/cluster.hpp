// lshrs internal — Redis Cluster: hash slots, the slot map, and the Transport
// that routes commands by slot.
//
// A cluster splits the keyspace into 16384 hash slots; slot(key) is the
// CRC16-XMODEM of the key (or of its first non-empty {hash tag}) mod 16384,
// and each slot is served by one master. The cluster transport learns which
// master owns which slot with CLUSTER SLOTS, groups a batch of commands per
// master, sends one pipeline per master in parallel, and follows MOVED
// (refreshing the map), ASK (ASKING + retry, map unchanged), and retries
// TRYAGAIN, CLUSTERDOWN and the other transient replies (retry.hpp) itself:
// retry.attempts rounds at most, with backoff, after which the reply is
// returned as it is. With read_from_replicas, replica_ok commands go to a
// replica of their slot's master (on connections that sent READONLY; a
// MOVED from it is followed like any other), the master when no replica is
// usable (replicas.hpp). See transport.hpp for the contract every Transport
// keeps.
//
// Thread safety: crc16, key_slot, parse_* are pure. SlotMap is a value type
// (not synchronised). The transport made by make_cluster_transport is fully
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "redis/transport/connection.hpp"
#include "redis/transport/transport.hpp"
#include "redis/transport/transport_options.hpp"

namespace lshrs::redis {

inline constexpr std::size_t kClusterSlotCount = 16384;

// CRC16-CCITT, XMODEM variant (poly 0x1021, init 0): "123456789" -> 0x31C3.
std::uint16_t crc16(std::string_view data) noexcept;

// The hash slot of `key` (0..16383), honouring {hash tags} as the Redis
// Cluster specification defines them.
std::uint16_t key_slot(std::string_view key) noexcept;

// One contiguous range of slots and the master that serves it.
struct SlotRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;  // inclusive
  ServerAddress master;
  std::string node_id;  // empty when the server did not say
  std::vector<ServerAddress> replicas;
};

// Parses a CLUSTER SLOTS reply (Redis 3 to 7 forms). A node announced with an
// empty host means "the node you asked": `asked` fills it in. Nodes whose
// endpoint is unknown ("?") are skipped. Throws StorageError when the reply
// is not shaped like CLUSTER SLOTS output.
std::vector<SlotRange> parse_cluster_slots(const Reply& reply, const ServerAddress& asked);

// Adds to each range the replicas of its master (matched by node_id) that a
// CLUSTER NODES reply lists and that are neither failing nor without an
// address; those already listed are kept once.
void add_cluster_nodes_replicas(std::string_view cluster_nodes, const ServerAddress& asked,
                                std::vector<SlotRange>& ranges);

// A MOVED or ASK redirection: "MOVED 3999 127.0.0.1:6381".
struct Redirect {
  bool ask = false;  // ASK (one-off, send ASKING first) vs MOVED (ownership changed)
  std::uint16_t slot = 0;
  ServerAddress address;
};
// The redirection an error reply carries; nullopt for any other reply.
// A redirection to an empty host (hostname unknown) goes to `asked`'s host.
std::optional<Redirect> parse_redirect(const Reply& reply, const ServerAddress& asked);

// Which master serves each slot.
class SlotMap {
 public:
  SlotMap() = default;  // no slot is served
  explicit SlotMap(const std::vector<SlotRange>& ranges);

  // The master serving `slot`, or nullptr when no master does.
  const ServerAddress* master_for(std::uint16_t slot) const noexcept;
  // The replicas of the master serving `slot` (empty when none, or no master).
  const std::vector<ServerAddress>& replicas_for(std::uint16_t slot) const noexcept;
  // Every master, in the order first seen.
  const std::vector<ServerAddress>& masters() const noexcept { return masters_; }
  // Masters and replicas: the nodes to ask when the map must be refreshed.
  const std::vector<ServerAddress>& known_nodes() const noexcept { return known_; }
  // Slots with no master (0 on a healthy cluster).
  std::size_t unserved_slots() const noexcept;
  bool empty() const noexcept { return masters_.empty(); }

 private:
  static constexpr std::uint16_t kNoMaster = 0xffff;
  std::size_t index_of(const ServerAddress& address);

  std::vector<std::uint16_t> owner_ = std::vector<std::uint16_t>(kClusterSlotCount, kNoMaster);
  std::vector<ServerAddress> masters_;
  std::vector<std::vector<ServerAddress>> replicas_;  // per master, as masters_
  std::vector<ServerAddress> known_;
};

// What a cluster transport has had to do beyond plain routing; for tests and
// diagnostics. Zeros for any other Transport.
struct ClusterCounters {
  std::uint64_t moved = 0;      // MOVED replies followed
  std::uint64_t ask = 0;        // ASK replies followed
  std::uint64_t retried = 0;    // transient replies (TRYAGAIN, CLUSTERDOWN, ...) retried
  std::uint64_t refreshes = 0;  // successful CLUSTER SLOTS refreshes
  std::uint64_t replica_reads = 0;      // commands sent to a replica
  std::uint64_t replica_fallbacks = 0;  // ... of which the master had to answer
};
ClusterCounters cluster_counters(const Transport& transport);

// ---- Internals of the cluster transport, shared by its source files ----
namespace cluster_detail {

// A connection pool per node, created on first use. Thread-safe.
class NodePools {
 public:
  NodePools(ConnectionSettings settings, std::size_t pool_size)
      : settings_(std::move(settings)), pool_size_(pool_size) {}
  // `readonly`: connections that sent READONLY, for reads from a replica.
  std::shared_ptr<ConnectionPool> pool_for(const ServerAddress& address, bool readonly = false);
  // One pipeline on one node. On ConnectionError the node's idle connections
  // are dropped too (the server may have restarted), then it is rethrown.
  std::vector<Reply> run_on(const ServerAddress& address, std::span<const Command> commands,
                            bool readonly = false);

 private:
  const ConnectionSettings settings_;
  const std::size_t pool_size_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<ConnectionPool>> pools_;
};

// One pipeline for one node, and what came back.
struct NodeExchange {
  ServerAddress address;
  bool readonly = false;  // a replica, on READONLY connections
  std::vector<Command> wire;
  std::vector<Reply> replies;  // one per wire command, unless `error`
  std::exception_ptr error;    // what the exchange threw
};

// Runs every exchange with the nodes working at the same time. Never throws:
// a failure lands in that exchange's `error`.
void exchange_all(std::vector<NodeExchange>& exchanges, NodePools& pools);

}  // namespace cluster_detail

// A Transport over the Redis Cluster that options.endpoint seeds. Connects
// and loads the slot map at once: ConnectionError when no node answers,
// ConfigurationError when the server is not a cluster node, refuses the
// credentials or the endpoint asks for db != 0.
std::unique_ptr<Transport> make_cluster_transport(const TransportOptions& options);

}  // namespace lshrs::redis
