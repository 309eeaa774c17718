// RedisOptions -> TransportOptions (resolve_endpoint itself is in url.cpp,
// next to the URL parser it leans on).
#include "redis/protocol/store_options.hpp"

#include <algorithm>

#include "redis/cluster/cluster.hpp"
#include "redis/transport/single_transport.hpp"
#include "redis/transport/url.hpp"

namespace lshrs::redis {

RetryPolicy retry_policy(const RedisOptions& options) noexcept {
  RetryPolicy r;
  r.attempts = std::max<std::size_t>(options.retry_attempts, 1);
  r.initial = std::max(options.retry_backoff, std::chrono::milliseconds(0));
  r.max_delay = std::max(options.retry_backoff_max, r.initial);
  return r;
}

TransportOptions transport_options(const RedisOptions& options) {
  TransportOptions t;
  t.endpoint = resolve_endpoint(options);
  t.routing = options.cluster == ClusterMode::kOn    ? Routing::kCluster
              : options.cluster == ClusterMode::kOff ? Routing::kSingle
                                                     : Routing::kAuto;
  t.pool_size = std::max<std::size_t>(options.pool_size, 1);
  t.retry = retry_policy(options);
  t.read_from_replicas = options.read_from_replicas;
  if (!options.url.empty()) {
    if (const auto from_url = parse_redis_url(options.url).read_from_replicas) {
      t.read_from_replicas = *from_url;
    }
  }
  for (const std::string& r : options.replicas) t.replicas.push_back(parse_server_address(r, 6379, r));
  t.wait_replicas = options.wait_replicas.value_or(t.endpoint.sentinels.empty() ? 0 : 1);
  return t;
}

std::unique_ptr<Transport> make_transport(const RedisOptions& options) {
  return make_transport(transport_options(options));
}

std::unique_ptr<Transport> make_cluster_transport(const RedisOptions& options) {
  return make_cluster_transport(transport_options(options));
}

}  // namespace lshrs::redis
