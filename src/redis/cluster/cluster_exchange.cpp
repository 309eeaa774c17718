// Sending one pipeline per cluster node, the nodes working in parallel.
#include <algorithm>
#include <future>
#include <optional>
#include <tuple>

#include "lshrs/error.hpp"
#include "redis/cluster/cluster.hpp"

namespace lshrs::redis::cluster_detail {
namespace {

// From this many commands on several nodes, each node gets its own thread, so
// that big replies are parsed in parallel too; below it, starting threads
// costs more than it saves.
constexpr std::size_t kThreadedCommands = 2048;

// Writes every node its pipeline, then reads the replies: the servers work at
// once while one thread waits. Connections are leased in address order, so
// two threads never wait for each other's connections.
void exchange_interleaved(std::vector<NodeExchange>& exchanges, NodePools& pools) {
  std::vector<std::size_t> order(exchanges.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const ServerAddress& a = exchanges[x].address;
    const ServerAddress& b = exchanges[y].address;
    return std::tie(a.unix_path, a.host, a.port) < std::tie(b.unix_path, b.host, b.port);
  });
  std::vector<std::shared_ptr<ConnectionPool>> owners(exchanges.size());
  std::vector<std::optional<ConnectionPool::Lease>> leases(exchanges.size());
  for (const std::size_t i : order) {
    try {
      owners[i] = pools.pool_for(exchanges[i].address, exchanges[i].readonly);
      leases[i].emplace(owners[i]->acquire());
      (*leases[i])->send(exchanges[i].wire);
    } catch (...) {
      exchanges[i].error = std::current_exception();
    }
  }
  for (std::size_t i = 0; i < exchanges.size(); ++i) {
    if (exchanges[i].error) continue;
    try {
      exchanges[i].replies = (*leases[i])->receive(exchanges[i].wire.size());
    } catch (...) {
      exchanges[i].error = std::current_exception();
    }
  }
  leases.clear();  // back to their pools, which drop the broken ones
  for (std::size_t i = 0; i < exchanges.size(); ++i) {
    // The server may have restarted: its idle connections are dead too.
    if (exchanges[i].error && owners[i]) owners[i]->clear_idle();
  }
}

// One thread per node; the first node runs on the caller's thread.
void exchange_threaded(std::vector<NodeExchange>& exchanges, NodePools& pools) {
  auto run = [&exchanges, &pools](std::size_t i) {
    try {
      exchanges[i].replies = pools.run_on(exchanges[i].address, exchanges[i].wire, exchanges[i].readonly);
    } catch (...) {
      exchanges[i].error = std::current_exception();
    }
  };
  std::vector<std::future<void>> others;
  others.reserve(exchanges.size());
  for (std::size_t i = 1; i < exchanges.size(); ++i) {
    others.push_back(std::async(std::launch::async, run, i));
  }
  if (!exchanges.empty()) run(0);
  for (auto& f : others) f.get();
}

}  // namespace

std::shared_ptr<ConnectionPool> NodePools::pool_for(const ServerAddress& address, bool readonly) {
  std::lock_guard lock(mutex_);
  auto& pool = pools_[(readonly ? "readonly " : "") + address.to_string()];
  if (!pool) {
    ConnectionSettings settings = settings_;
    settings.readonly = readonly;
    pool = std::make_shared<ConnectionPool>(address, settings, pool_size_);
  }
  return pool;
}

std::vector<Reply> NodePools::run_on(const ServerAddress& address,
                                     std::span<const Command> commands, bool readonly) {
  auto pool = pool_for(address, readonly);
  try {
    auto lease = pool->acquire();
    return lease->pipeline(commands);
  } catch (const ConnectionError&) {
    pool->clear_idle();
    throw;
  }
}

void exchange_all(std::vector<NodeExchange>& exchanges, NodePools& pools) {
  std::size_t total = 0;
  for (const NodeExchange& e : exchanges) total += e.wire.size();
  if (exchanges.size() > 1 && total >= kThreadedCommands) {
    exchange_threaded(exchanges, pools);
  } else {
    exchange_interleaved(exchanges, pools);
  }
}

}  // namespace lshrs::redis::cluster_detail
