// lshrs internal — RedisOptions (the store's public options) translated into
// what the wire layer takes: an Endpoint and TransportOptions.
//
// The one place that knows both sides, so that transport headers do not
// include lshrs/redis_store.hpp.
//
// Thread safety: pure functions (make_* connect, like the transports they make).
#pragma once

#include <memory>

#include "lshrs/redis_store.hpp"
#include "redis/transport/transport.hpp"
#include "redis/transport/transport_options.hpp"

namespace lshrs::redis {

// The server and connection settings that `options` ask for: the URL (if
// any) over the individual fields. Validates port, db and timeouts; builds
// the TLS context when TLS is on (ConfigurationError for unreadable CA,
// certificate or key files).
Endpoint resolve_endpoint(const RedisOptions& options);

// retry_attempts and the backoff, as the retry loops take them.
RetryPolicy retry_policy(const RedisOptions& options) noexcept;

// resolve_endpoint() plus routing, pool, retry and replica-read settings.
TransportOptions transport_options(const RedisOptions& options);

// make_transport / make_cluster_transport (single_transport.hpp,
// cluster.hpp) for RedisOptions.
std::unique_ptr<Transport> make_transport(const RedisOptions& options);
std::unique_ptr<Transport> make_cluster_transport(const RedisOptions& options);

}  // namespace lshrs::redis
