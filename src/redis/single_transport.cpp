// Transport over one redis-server, and the choice between single and cluster.
#include "redis/single_transport.hpp"

#include <cstdio>

#include "lshrs/error.hpp"
#include "redis/cluster.hpp"
#include "redis/sentinel.hpp"
#include "redis/tls.hpp"

namespace lshrs::redis {

SingleTransport::SingleTransport(Endpoint endpoint, std::size_t pool_size)
    : pool_(endpoint.address, endpoint.settings, pool_size),
      description_(describe_endpoint(endpoint)) {}

std::vector<Reply> SingleTransport::execute(std::span<const Command> commands) {
  if (commands.empty()) return {};
  try {
    auto conn = pool_.acquire();
    return conn->pipeline(commands);
  } catch (const ConnectionError&) {
    pool_.clear_idle();
    throw;
  }
}

void SingleTransport::for_each_master(
    const std::function<void(const std::string&, const NodeExecutor&)>& fn) {
  fn(pool_.address().to_string(), [this](std::span<const Command> commands) {
    return execute(commands);
  });
}

namespace {

// Whether the server at `endpoint` is a cluster node (INFO cluster).
bool is_cluster_node(const Endpoint& endpoint) {
  Connection conn = Connection::open(endpoint.address, endpoint.settings);
  const Reply info = conn.command({"INFO", "cluster"});
  if (info.is_error()) {
    throw StorageError("INFO cluster failed on Redis at " + endpoint.address.to_string() + ": " +
                       info.text + "; set RedisOptions::cluster to kOn or kOff explicitly");
  }
  return info.text.find("cluster_enabled:1") != std::string::npos;
}

}  // namespace

std::unique_ptr<Transport> make_transport(const RedisOptions& options) {
  const Endpoint endpoint = resolve_endpoint(options);
  if (endpoint.settings.tls && !endpoint.settings.tls->verify()) {
    // Loud on purpose: an unverified TLS link is open to anyone on the path.
    std::fprintf(stderr,
                 "lshrs: WARNING: TLS certificate verification is OFF for %s (tls_insecure); "
                 "anyone on the network path can read and change the index traffic\n",
                 describe_endpoint(endpoint).c_str());
  }
  if (!endpoint.sentinel_master.empty()) {
    if (options.cluster == ClusterMode::kOn) {
      throw ConfigurationError("RedisOptions: Sentinel (" + describe_endpoint(endpoint) +
                               ") and cluster = kOn exclude each other; Redis Cluster fails over "
                               "by itself");
    }
    return make_sentinel_transport(endpoint, options);
  }
  bool cluster = options.cluster == ClusterMode::kOn;
  if (options.cluster == ClusterMode::kAuto) cluster = is_cluster_node(endpoint);
  // make_cluster_transport() refuses a db other than 0, found or asked for.
  if (cluster) return make_cluster_transport(options);
  return std::make_unique<SingleTransport>(endpoint, options.pool_size);
}

}  // namespace lshrs::redis
