// Transport over one redis-server, and the choice between single and cluster.
#include "redis/transport/single_transport.hpp"

#include <cstdio>

#include "lshrs/error.hpp"
#include "redis/cluster/cluster.hpp"
#include "redis/replication/sentinel.hpp"
#include "redis/transport/tls.hpp"
#include "redis/transport/url.hpp"

namespace lshrs::redis {

SingleTransport::SingleTransport(const TransportOptions& options)
    : pool_(options.endpoint.address, options.endpoint.settings, options.pool_size),
      retry_(options.retry),
      description_(describe_endpoint(options.endpoint)) {
  if (!options.read_from_replicas) return;
  replicas_ = std::make_unique<ReplicaSet>(options.endpoint.settings, options.pool_size);
  if (!options.replicas.empty()) {
    replicas_->assign(options.replicas);
  } else {
    replicas_->discover_with([this] { return replicas_from_role(pool_.acquire()->command({"ROLE"})); });
  }
  description_ += " (reads from replicas)";
}

std::vector<Reply> SingleTransport::on_master(std::span<const Command> commands) {
  try {
    auto conn = pool_.acquire();
    return conn->pipeline(commands);
  } catch (const ConnectionError&) {
    pool_.clear_idle();
    throw;
  }
}

std::vector<Reply> SingleTransport::execute(std::span<const Command> commands) {
  if (commands.empty()) return {};
  if (replicas_ && replica_may_answer(commands)) {
    if (auto replies = replicas_->read(commands)) return std::move(*replies);
  }
  return resend_while_transient(retry_, [&] { return on_master(commands); });
}

void SingleTransport::for_each_master(
    const std::function<void(const std::string&, const NodeExecutor&)>& fn) {
  fn(pool_.address().to_string(), [this](std::span<const Command> commands) {
    return resend_while_transient(retry_, [&] { return on_master(commands); });
  });
}

namespace {

// Whether the server at `endpoint` is a cluster node (INFO cluster).
bool is_cluster_node(const Endpoint& endpoint) {
  Connection conn = Connection::open(endpoint.address, endpoint.settings);
  const Reply info = conn.command({"INFO", "cluster"});
  if (info.is_error()) {
    throw StorageError("INFO cluster failed on Redis at " + endpoint.address.to_string() + ": " +
                       info.text + "; set the cluster mode to on or off explicitly (--cluster, cluster=)");
  }
  return info.text.find("cluster_enabled:1") != std::string::npos;
}

}  // namespace

std::unique_ptr<Transport> make_transport(const TransportOptions& options) {
  const Endpoint& endpoint = options.endpoint;
  if (endpoint.settings.tls && !endpoint.settings.tls->verify()) {
    // Loud on purpose: an unverified TLS link is open to anyone on the path.
    std::fprintf(stderr,
                 "lshrs: WARNING: TLS certificate verification is OFF for %s (tls_insecure); "
                 "anyone on the network path can read and change the index traffic\n",
                 describe_endpoint(endpoint).c_str());
  }
  if (!endpoint.sentinel_master.empty()) {
    if (options.routing == Routing::kCluster) {
      throw ConfigurationError("Sentinel (" + describe_endpoint(endpoint) +
                               ") and cluster mode on exclude each other; Redis Cluster fails over "
                               "by itself");
    }
    return make_sentinel_transport(options);
  }
  bool cluster = options.routing == Routing::kCluster;
  if (options.routing == Routing::kAuto) cluster = is_cluster_node(endpoint);
  // make_cluster_transport refuses db != 0 itself.
  if (cluster) return make_cluster_transport(options);
  return std::make_unique<SingleTransport>(options);
}

}  // namespace lshrs::redis
