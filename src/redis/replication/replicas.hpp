// lshrs internal — reads from replicas: which replica may answer a read now.
//
// A replica is used for a read only while it looks like one that serves
// current data: ROLE (asked at most once per kReplicaRecheck) says it is a
// replica whose link to its master is up, and no read on it has failed
// since. A replica that fails (connection lost, LOADING, MASTERDOWN, not a
// replica, link down, still syncing) is left alone for kReplicaRecheck and
// the caller reads from the master meanwhile: a read never fails because of
// a replica. The data a healthy replica serves may still lag the master by
// its replication delay (see RedisOptions::read_from_replicas).
//
// Thread safety: ReplicaHealth and ReplicaSet are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "redis/transport/connection.hpp"
#include "redis/transport/transport.hpp"

namespace lshrs::redis {

inline constexpr std::chrono::milliseconds kReplicaRecheck{1000};

// Whether every command of a batch may be answered by a replica.
bool replica_may_answer(std::span<const Command> commands) noexcept;

// The replicas a master's ROLE reply lists, and the ones a SENTINEL
// REPLICAS reply lists as up (no s_down / o_down / disconnected flag).
std::vector<ServerAddress> replicas_from_role(const Reply& role);
std::vector<ServerAddress> replicas_from_sentinel(const Reply& reply);

class ReplicaHealth {
 public:
  // Whether the server of `pool` may answer reads now (may ask it ROLE).
  bool usable(ConnectionPool& pool);
  // A read on `address` failed: do not use it for kReplicaRecheck.
  void failed(const ServerAddress& address);

 private:
  struct State {
    std::chrono::steady_clock::time_point until{};  // verdict valid until
    bool ok = false;
  };
  std::mutex mutex_;
  std::map<std::string, State> states_;
};

// The replicas of one master (a single server or Sentinel's master).
class ReplicaSet {
 public:
  ReplicaSet(ConnectionSettings settings, std::size_t pool_size)
      : settings_(std::move(settings)), pool_size_(pool_size) {}

  // Replaces the list (the pools of replicas still listed are kept).
  void assign(const std::vector<ServerAddress>& replicas);
  // Called (at most once per kReplicaRecheck) while the list is empty, to
  // learn it, e.g. from the master's ROLE; ConnectionError is ignored.
  void discover_with(std::function<std::vector<ServerAddress>()> discover);

  // The replies of a usable replica (round robin), or nullopt when none is:
  // then the caller asks the master. Never throws ConnectionError.
  std::optional<std::vector<Reply>> read(std::span<const Command> commands);

  std::vector<ServerAddress> addresses() const;

 private:
  std::vector<std::shared_ptr<ConnectionPool>> pools();

  const ConnectionSettings settings_;
  const std::size_t pool_size_;
  mutable std::mutex mutex_;  // guards pools_, discover_, next_discovery_
  std::vector<std::shared_ptr<ConnectionPool>> pools_;
  std::function<std::vector<ServerAddress>()> discover_;
  std::chrono::steady_clock::time_point next_discovery_{};
  std::atomic<std::size_t> next_{0};
  ReplicaHealth health_;
};

}  // namespace lshrs::redis
