// lshrs internal — Redis Sentinel: find the master by name, follow failovers.
//
// The transport asks the sentinels, in order, SENTINEL get-master-addr-by-name
// and trusts an answer only once ROLE on that server says "master" (a
// sentinel may lag behind a failover). It then behaves as SingleTransport on
// that master. It forgets the master, and asks again on the next call, when
// a connection to it fails or a write is answered READONLY (the old master
// was demoted): the error still reaches RedisStore, whose bounded retry
// (RedisOptions::retry_*) is the one layer that retries, so a flush either
// completes on the new master or throws with its buffer kept. Give the
// retries room for a failover (a few seconds) when using Sentinel.
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

#include "redis/transport.hpp"
#include "redis/url.hpp"

namespace lshrs::redis {

// A Transport over the master that `endpoint.sentinels` know as
// `endpoint.sentinel_master`. Discovers it at once: ConnectionError when no
// sentinel names a reachable master.
std::unique_ptr<Transport> make_sentinel_transport(const Endpoint& endpoint,
                                                   const RedisOptions& options);

}  // namespace lshrs::redis
