// lshrs internal — Transport over one redis-server (no cluster routing).
//
// Each execute() leases one pooled connection and sends all its commands as
// one pipeline. After a connection failure the idle connections are dropped
// too (they most likely point at the same dead server), so the caller's
// retry starts from a fresh connection.
//
// Thread safety: as Transport (fully thread-safe).
#pragma once

#include <memory>
#include <string>

#include "redis/connection.hpp"
#include "redis/transport.hpp"
#include "redis/url.hpp"

namespace lshrs::redis {

class SingleTransport final : public Transport {
 public:
  SingleTransport(Endpoint endpoint, std::size_t pool_size);

  std::vector<Reply> execute(std::span<const Command> commands) override;
  void for_each_master(
      const std::function<void(const std::string&, const NodeExecutor&)>& fn) override;
  std::string describe() const override { return description_; }

 private:
  ConnectionPool pool_;
  std::string description_;
};

// The transport `options` ask for: a cluster transport when options.cluster
// is kOn, or kAuto and the server reports cluster_enabled:1; else single.
std::unique_ptr<Transport> make_transport(const RedisOptions& options);

}  // namespace lshrs::redis
