// Reads from replicas: health checks, discovery replies, the replica set.
#include "redis/replication/replicas.hpp"

#include <algorithm>
#include <charconv>

#include "lshrs/error.hpp"
#include "redis/transport/retry.hpp"

namespace lshrs::redis {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<int> port_of(const Reply& r) {
  if (r.kind == Reply::Kind::kInteger) return static_cast<int>(r.integer);
  int port = 0;
  const auto [end, ec] = std::from_chars(r.text.data(), r.text.data() + r.text.size(), port);
  if (ec != std::errc() || end != r.text.data() + r.text.size() || port < 1 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

// ROLE of a replica: ["slave", master host, master port, link state, offset];
// "connected" once the initial sync is done and the link is up.
bool is_linked_replica(const Reply& role) {
  return role.is_array() && role.elements.size() >= 4 && role.elements[0].text == "slave" &&
         role.elements[3].text == "connected";
}

}  // namespace

bool replica_may_answer(std::span<const Command> commands) noexcept {
  return !commands.empty() &&
         std::all_of(commands.begin(), commands.end(), [](const Command& c) { return c.replica_ok; });
}

std::vector<ServerAddress> replicas_from_role(const Reply& role) {
  std::vector<ServerAddress> out;
  if (!role.is_array() || role.elements.size() < 3 || role.elements[0].text != "master") return out;
  for (const Reply& r : role.elements[2].elements) {
    if (r.elements.size() < 2) continue;
    const auto port = port_of(r.elements[1]);
    if (!port || r.elements[0].text.empty()) continue;
    ServerAddress a;
    a.host = r.elements[0].text;
    a.port = *port;
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<ServerAddress> replicas_from_sentinel(const Reply& reply) {
  std::vector<ServerAddress> out;
  if (!reply.is_array()) return out;
  for (const Reply& replica : reply.elements) {
    ServerAddress a;
    a.host.clear();
    std::optional<int> port;
    bool down = false;
    for (std::size_t i = 0; i + 1 < replica.elements.size(); i += 2) {
      const std::string& field = replica.elements[i].text;
      const Reply& value = replica.elements[i + 1];
      if (field == "ip") a.host = value.text;
      if (field == "port") port = port_of(value);
      if (field == "flags") {
        down = value.text.find("s_down") != std::string::npos ||
               value.text.find("o_down") != std::string::npos ||
               value.text.find("disconnected") != std::string::npos;
      }
    }
    if (a.host.empty() || !port || down) continue;
    a.port = *port;
    out.push_back(std::move(a));
  }
  return out;
}

bool ReplicaHealth::usable(ConnectionPool& pool) {
  const std::string key = pool.address().to_string();
  {
    std::lock_guard lock(mutex_);
    const auto it = states_.find(key);
    if (it != states_.end() && Clock::now() < it->second.until) return it->second.ok;
  }
  bool ok = false;
  try {
    ok = is_linked_replica(pool.acquire()->command({"ROLE"}));
  } catch (const Error&) {
    pool.clear_idle();  // unreachable, or refusing us (AUTH): the master serves the read
  }
  std::lock_guard lock(mutex_);
  states_[key] = State{Clock::now() + kReplicaRecheck, ok};
  return ok;
}

void ReplicaHealth::failed(const ServerAddress& address) {
  std::lock_guard lock(mutex_);
  states_[address.to_string()] = State{Clock::now() + kReplicaRecheck, false};
}

void ReplicaSet::assign(const std::vector<ServerAddress>& replicas) {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<ConnectionPool>> fresh;
  for (const ServerAddress& a : replicas) {
    const auto it = std::find_if(pools_.begin(), pools_.end(),
                                 [&](const auto& p) { return p->address() == a; });
    fresh.push_back(it != pools_.end() ? *it : std::make_shared<ConnectionPool>(a, settings_, pool_size_));
  }
  pools_ = std::move(fresh);
}

void ReplicaSet::discover_with(std::function<std::vector<ServerAddress>()> discover) {
  std::lock_guard lock(mutex_);
  discover_ = std::move(discover);
}

std::vector<std::shared_ptr<ConnectionPool>> ReplicaSet::pools() {
  std::function<std::vector<ServerAddress>()> discover;
  {
    std::lock_guard lock(mutex_);
    if (!pools_.empty() || !discover_ || Clock::now() < next_discovery_) return pools_;
    next_discovery_ = Clock::now() + kReplicaRecheck;
    discover = discover_;
  }
  try {
    assign(discover());
  } catch (const StorageError&) {
    // The master is unreachable too: the caller's read will say so.
  }
  std::lock_guard lock(mutex_);
  return pools_;
}

std::optional<std::vector<Reply>> ReplicaSet::read(std::span<const Command> commands) {
  const auto candidates = pools();
  if (candidates.empty()) return std::nullopt;
  const std::size_t start = next_++;
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    ConnectionPool& pool = *candidates[(start + k) % candidates.size()];
    if (!health_.usable(pool)) continue;
    try {
      std::vector<Reply> replies = pool.acquire()->pipeline(commands);
      // LOADING, MASTERDOWN...: it cannot serve reads right now.
      if (!any_transient(replies)) return replies;
    } catch (const Error&) {
      pool.clear_idle();
    }
    health_.failed(pool.address());
  }
  return std::nullopt;
}

std::vector<ServerAddress> ReplicaSet::addresses() const {
  std::lock_guard lock(mutex_);
  std::vector<ServerAddress> out;
  for (const auto& p : pools_) out.push_back(p->address());
  return out;
}

}  // namespace lshrs::redis
