// lshrs internal — Redis Sentinel: find the master by name, follow failovers.
//
// The transport asks the sentinels, in order, SENTINEL get-master-addr-by-name
// and trusts an answer only once ROLE on that server says "master" (a
// sentinel may lag behind a failover). It then behaves as SingleTransport on
// that master. It forgets the master, and asks again on the next call, when
// a connection to it fails or a write is answered READONLY (the old master
// was demoted). READONLY is retried here, after a backoff, on the master
// found again; a lost connection reaches RedisStore, which resends the
// chunk (each layer retries at most retry.attempts times), so a flush either
// completes on the new master or throws with its buffer kept. Give the
// retries room for a failover (a few seconds) when using Sentinel.
//
// With read_from_replicas, reads go to the replicas the sentinel that named
// the master lists as up (SENTINEL REPLICAS), learnt again with the master
// after a failover; see replicas.hpp for the fallback to the master.
//
// A master that has been replaced may still take writes until the sentinels
// demote it, and then drops them when it resyncs from the new master. So a
// pipeline that writes is followed by WAIT <wait_replicas>: a write is only
// acknowledged once a replica (the one that may be promoted) has it, and a
// shortfall forgets the master and throws ConnectionError, to be retried.
//
// Thread safety: as Transport (fully thread-safe).
#pragma once

#include <memory>

#include "redis/transport/transport.hpp"
#include "redis/transport/transport_options.hpp"

namespace lshrs::redis {

// A Transport over the master that `options.endpoint.sentinels` know as
// `options.endpoint.sentinel_master`. Discovers it at once: ConnectionError
// when no sentinel names a reachable master.
std::unique_ptr<Transport> make_sentinel_transport(const TransportOptions& options);

}  // namespace lshrs::redis
