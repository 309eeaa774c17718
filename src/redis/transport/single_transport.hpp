// lshrs internal — Transport over one redis-server (no cluster routing).
//
// Each execute() leases one pooled connection and sends all its commands as
// one pipeline; a batch answered with a transient error (LOADING, BUSY,
// MASTERDOWN, READONLY...) is resent whole after a backoff, at most
// retry.attempts tries (every command RedisStore sends is idempotent). After
// a connection failure the idle connections are dropped too (they most
// likely point at the same dead server), so the caller's retry starts from a
// fresh connection. With read_from_replicas, batches of replica_ok reads go
// to the replicas (replicas.hpp), the master when none is usable.
//
// Thread safety: as Transport (fully thread-safe).
#pragma once

#include <memory>
#include <string>

#include "redis/transport/connection.hpp"
#include "redis/replication/replicas.hpp"
#include "redis/transport/transport.hpp"
#include "redis/transport/transport_options.hpp"

namespace lshrs::redis {

class SingleTransport final : public Transport {
 public:
  explicit SingleTransport(const TransportOptions& options);

  std::vector<Reply> execute(std::span<const Command> commands) override;
  void for_each_master(
      const std::function<void(const std::string&, const NodeExecutor&)>& fn) override;
  std::string describe() const override { return description_; }

 private:
  std::vector<Reply> on_master(std::span<const Command> commands);

  ConnectionPool pool_;
  RetryPolicy retry_;
  std::unique_ptr<ReplicaSet> replicas_;  // null unless reading from replicas
  std::string description_;
};

// The transport `options` ask for: Sentinel when the endpoint has
// sentinels; a cluster transport when routing is kCluster, or kAuto and the
// server reports cluster_enabled:1; else single.
std::unique_ptr<Transport> make_transport(const TransportOptions& options);

}  // namespace lshrs::redis
