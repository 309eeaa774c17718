// lshrs internal — what a Transport is made from: the server (or sentinels)
// to reach, how to talk to it, how often to retry, and where reads may go.
//
// The transports' own options, so that the wire layer does not depend on the
// store's public header; RedisStore translates its RedisOptions into these
// (store_options.hpp).
//
// Thread safety: value types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "redis/transport/connection.hpp"
#include "redis/transport/retry.hpp"

namespace lshrs::redis {

// The server and connection settings a URL or the options name.
struct Endpoint {
  ServerAddress address;  // with Sentinel: the first sentinel (for messages)
  ConnectionSettings settings;
  std::vector<ServerAddress> sentinels;  // non-empty: find the master through these
  std::string sentinel_master;
};

enum class Routing : std::uint8_t {
  kAuto,     // ask the server (INFO cluster)
  kSingle,   // one server (or the Sentinel master), even if it is a cluster node
  kCluster,  // Redis Cluster; the endpoint is a seed node
};

struct TransportOptions {
  Endpoint endpoint;
  Routing routing = Routing::kAuto;
  std::size_t pool_size = 8;  // connections per server
  // Retries of transient replies (retry.hpp); connection loss is the caller's.
  RetryPolicy retry;
  // Commands marked Command::replica_ok may be answered by a replica (see
  // transport.hpp). `replicas` names them for a single server; empty: ask
  // the master (ROLE). Sentinel and Cluster ask the sentinels / the slot map.
  bool read_from_replicas = false;
  std::vector<ServerAddress> replicas;
  // WAIT for this many replicas after each pipeline of writes (Sentinel).
  std::size_t wait_replicas = 0;
};

}  // namespace lshrs::redis
