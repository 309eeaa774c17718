// The Redis Cluster Transport: routes each command by hash slot, one pipeline
// per master in parallel, follows MOVED / ASK / TRYAGAIN / CLUSTERDOWN.
#include <algorithm>
#include <atomic>
#include <iterator>
#include <mutex>
#include <shared_mutex>

#include "lshrs/error.hpp"
#include "redis/cluster/cluster.hpp"
#include "redis/replication/replicas.hpp"
#include "redis/transport/retry.hpp"
#include "redis/transport/url.hpp"

namespace lshrs::redis {
namespace {

// Redirections followed per execute() before a MOVED/ASK reply is handed back
// as is: a healthy cluster needs at most two (MOVED, then ASK mid-migration).
constexpr std::size_t kMaxRedirectRounds = 16;

// One command still to be answered, and where to send it if not by its slot.
struct Pending {
  std::size_t index = 0;                // into the caller's commands
  std::optional<ServerAddress> target;  // set by MOVED / ASK
  bool asking = false;                  // precede by ASKING (after ASK)
  bool replica = false;                 // sent to a replica this round
  bool master_only = false;             // a replica could not answer it
};

// Commands bound for one node: on the wire (with ASKING inserted where
// needed) and what each stands for.
struct NodeBatch {
  cluster_detail::NodeExchange io;
  std::vector<Pending> pending;  // one per command of the caller's
};

// A reply worth asking again after a backoff: the transient errors, and a
// script that touched a key of a slot migrating right now (the next try is
// redirected with ASK once the key has moved).
bool is_retryable(const Reply& reply) {
  return reply.is_error() && (is_transient_error(reply.error_code()) ||
                              reply.text.find("non local key") != std::string::npos);
}

class ClusterTransport final : public Transport {
 public:
  explicit ClusterTransport(const TransportOptions& options);

  std::vector<Reply> execute(std::span<const Command> commands) override;
  void for_each_master(
      const std::function<void(const std::string&, const NodeExecutor&)>& fn) override;
  std::string describe() const override;

  ClusterCounters counters() const;

 private:
  struct MapSnapshot {
    std::shared_ptr<const SlotMap> map;
    std::uint64_t generation = 0;
  };

  MapSnapshot snapshot();  // refreshes first when the map is known to be stale
  void refresh(std::uint64_t seen_generation);
  void refresh_after_failure(std::uint64_t seen_generation) noexcept;
  std::vector<NodeBatch> group(std::span<const Command> commands, std::vector<Pending>& pending,
                               const SlotMap& map, std::vector<Pending>& unserved);
  // A usable replica among `replicas` (round robin), or nullptr.
  const ServerAddress* pick_replica(const std::vector<ServerAddress>& replicas);

  const Endpoint seed_;
  const RetryPolicy retry_;
  const bool read_from_replicas_;

  mutable std::shared_mutex map_mutex_;  // guards map_ and generation_
  std::shared_ptr<const SlotMap> map_;
  std::uint64_t generation_ = 0;
  std::atomic<bool> stale_{false};
  std::mutex refresh_mutex_;  // one CLUSTER SLOTS at a time

  cluster_detail::NodePools pools_;
  ReplicaHealth replica_health_;
  std::atomic<std::size_t> next_replica_{0};

  std::atomic<std::uint64_t> moved_{0}, ask_{0}, retried_{0}, refreshes_{0};
  std::atomic<std::uint64_t> replica_reads_{0}, replica_fallbacks_{0};
};

ClusterTransport::ClusterTransport(const TransportOptions& options)
    : seed_(options.endpoint),
      retry_(options.retry),
      read_from_replicas_(options.read_from_replicas),
      pools_(seed_.settings, std::max<std::size_t>(options.pool_size, 1)) {
  if (seed_.settings.db != 0) {
    throw ConfigurationError("Redis Cluster has only database 0, but db " +
                             std::to_string(seed_.settings.db) + " was asked for (" +
                             describe_endpoint(seed_) + "); drop the /db from the URL");
  }
  map_ = std::make_shared<const SlotMap>();
  refresh(0);
}

ClusterCounters ClusterTransport::counters() const {
  return {moved_.load(),     ask_.load(),           retried_.load(),
          refreshes_.load(), replica_reads_.load(), replica_fallbacks_.load()};
}

std::string ClusterTransport::describe() const {
  std::size_t masters = 0;
  {
    std::shared_lock lock(map_mutex_);
    masters = map_->masters().size();
  }
  const std::string user = seed_.settings.user.empty() ? "" : seed_.settings.user + "@";
  return "redis-cluster://" + user + seed_.address.to_string() + " (" + std::to_string(masters) +
         (masters == 1 ? " master" : " masters") + (read_from_replicas_ ? ", reads from replicas)" : ")");
}

ClusterTransport::MapSnapshot ClusterTransport::snapshot() {
  if (stale_.load()) {
    std::uint64_t seen = 0;
    {
      std::shared_lock lock(map_mutex_);
      seen = generation_;
    }
    refresh(seen);
  }
  std::shared_lock lock(map_mutex_);
  return {map_, generation_};
}

// Reloads the slot map from the first known node that answers, unless another
// thread already did so since `seen_generation`.
void ClusterTransport::refresh(std::uint64_t seen_generation) {
  std::lock_guard refresh_lock(refresh_mutex_);
  std::vector<ServerAddress> candidates;
  {
    std::shared_lock lock(map_mutex_);
    if (generation_ != seen_generation) return;  // another thread just did it
    candidates = map_->known_nodes();
  }
  if (std::find(candidates.begin(), candidates.end(), seed_.address) == candidates.end()) {
    candidates.push_back(seed_.address);
  }
  std::string failures;
  for (const ServerAddress& node : candidates) {
    try {
      Reply reply = pools_.pool_for(node)->acquire()->command({"CLUSTER", "SLOTS"});
      if (reply.is_error()) {
        if (reply.text.find("cluster support disabled") != std::string::npos ||
            reply.error_code() == "NOPERM") {
          throw ConfigurationError("Redis at " + node.to_string() + " cannot serve as a Redis " +
                                   "Cluster node: CLUSTER SLOTS answered '" + reply.text +
                                   "'; set the cluster mode off for a single server (--cluster off, cluster=\"off\"), or grant the "
                                   "ACL user the CLUSTER command");
        }
        failures += "; " + node.to_string() + ": " + reply.text;
        continue;
      }
      auto ranges = parse_cluster_slots(reply, node);
      if (ranges.empty()) {
        failures += "; " + node.to_string() + ": no slots assigned yet";
        continue;
      }
      if (read_from_replicas_) {
        // Redis 7.0 may answer CLUSTER SLOTS from a cache that misses
        // replicas added since; CLUSTER NODES is never cached.
        const Reply nodes = pools_.pool_for(node)->acquire()->command({"CLUSTER", "NODES"});
        if (!nodes.is_error()) add_cluster_nodes_replicas(nodes.text, node, ranges);
      }
      auto fresh = std::make_shared<const SlotMap>(ranges);
      std::unique_lock lock(map_mutex_);
      map_ = std::move(fresh);
      ++generation_;
      stale_.store(false);
      ++refreshes_;
      return;
    } catch (const ConnectionError& e) {
      failures += std::string("; ") + e.what();
    }
  }
  stale_.store(true);
  throw ConnectionError("could not load the Redis Cluster slot map (CLUSTER SLOTS) from any of " +
                        std::to_string(candidates.size()) + " known node(s), seed " +
                        seed_.address.to_string() + failures);
}

// After a connection failure the topology may have changed (a failover): try
// to learn the new one now so that the caller's retry goes to the right node;
// if no node answers, the next call tries again.
void ClusterTransport::refresh_after_failure(std::uint64_t seen_generation) noexcept {
  stale_.store(true);
  try {
    refresh(seen_generation);
  } catch (...) {
    stale_.store(true);
  }
}

const ServerAddress* ClusterTransport::pick_replica(const std::vector<ServerAddress>& replicas) {
  if (replicas.empty()) return nullptr;
  const std::size_t start = next_replica_++;
  for (std::size_t k = 0; k < replicas.size(); ++k) {
    const ServerAddress& r = replicas[(start + k) % replicas.size()];
    if (replica_health_.usable(*pools_.pool_for(r, /*readonly=*/true))) return &r;
  }
  return nullptr;
}

std::vector<NodeBatch> ClusterTransport::group(std::span<const Command> commands,
                                               std::vector<Pending>& pending, const SlotMap& map,
                                               std::vector<Pending>& unserved) {
  std::vector<NodeBatch> batches;
  for (Pending& p : pending) {
    const Command& cmd = commands[p.index];
    const ServerAddress* address = p.target ? &*p.target : nullptr;
    p.replica = false;
    if (address == nullptr && cmd.key_index == 0) {
      address = map.masters().empty() ? nullptr : &map.masters().front();
    } else if (address == nullptr) {
      const std::uint16_t slot = key_slot(cmd.key());
      if (read_from_replicas_ && cmd.replica_ok && !p.master_only) {
        address = pick_replica(map.replicas_for(slot));
        p.replica = address != nullptr;
      }
      if (address == nullptr) address = map.master_for(slot);
    }
    if (address == nullptr) {
      unserved.push_back(std::move(p));
      continue;
    }
    if (p.replica) ++replica_reads_;
    auto it = std::find_if(batches.begin(), batches.end(), [&](const NodeBatch& b) {
      return b.io.address == *address && b.io.readonly == p.replica;
    });
    if (it == batches.end()) {
      batches.emplace_back();
      it = std::prev(batches.end());
      it->io.address = *address;
      it->io.readonly = p.replica;
    }
    if (p.asking) it->io.wire.emplace_back(std::vector<std::string>{"ASKING"}, 0);
    it->io.wire.push_back(cmd);
    it->pending.push_back(std::move(p));
  }
  return batches;
}

std::vector<Reply> ClusterTransport::execute(std::span<const Command> commands) {
  std::vector<Reply> replies(commands.size());
  std::vector<Pending> pending(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) pending[i].index = i;
  std::size_t redirect_rounds = 0;
  Backoff backoff(retry_);  // rounds with transient replies; redirections are free

  while (!pending.empty()) {
    const MapSnapshot snap = snapshot();
    std::vector<Pending> next, unserved;
    std::vector<NodeBatch> batches = group(commands, pending, *snap.map, unserved);
    std::vector<cluster_detail::NodeExchange> io;
    io.reserve(batches.size());
    for (NodeBatch& b : batches) io.push_back(std::move(b.io));
    cluster_detail::exchange_all(io, pools_);
    for (const auto& exchange : io) {
      if (!exchange.error || exchange.readonly) continue;  // a replica's failure: its master answers
      try {
        std::rethrow_exception(exchange.error);
      } catch (const ConnectionError&) {
        refresh_after_failure(snap.generation);
        throw;
      }
    }

    // A replica that failed or refused is left alone; its master answers.
    auto to_master = [&](Pending& p) {
      ++replica_fallbacks_;
      next.push_back({p.index, std::nullopt, false, false, true});
    };
    bool moved = false, redirected = false, retry = false;
    for (std::size_t b = 0; b < batches.size(); ++b) {
      if (io[b].error) {
        replica_health_.failed(io[b].address);
        for (Pending& p : batches[b].pending) to_master(p);
        continue;
      }
      std::size_t at = 0;  // position in the wire replies
      for (Pending& p : batches[b].pending) {
        if (p.asking) ++at;  // the ASKING reply
        Reply& reply = io[b].replies[at++];
        const auto redirect = parse_redirect(reply, io[b].address);
        if (redirect && redirect_rounds < kMaxRedirectRounds) {
          (redirect->ask ? ask_ : moved_)++;
          moved = moved || !redirect->ask;
          redirected = true;
          next.push_back({p.index, redirect->address, redirect->ask, false, p.master_only});
        } else if (p.replica && is_retryable(reply)) {
          replica_health_.failed(io[b].address);
          to_master(p);
        } else if (is_retryable(reply) && !backoff.exhausted()) {
          ++retried_;
          retry = true;
          // TRYAGAIN: same node; CLUSTERDOWN and the rest: route by slot again.
          const bool keep_target = reply.error_code() == "TRYAGAIN";
          next.push_back({p.index, keep_target ? p.target : std::nullopt, keep_target && p.asking,
                          false, p.master_only});
        } else {
          replies[p.index] = std::move(reply);
        }
      }
    }
    for (Pending& p : unserved) {
      if (!backoff.exhausted()) {
        retry = true;
        next.push_back(std::move(p));
      } else {
        replies[p.index].kind = Reply::Kind::kError;
        replies[p.index].text = "CLUSTERDOWN no master serves hash slot " +
                                std::to_string(key_slot(commands[p.index].key())) +
                                " in the slot map of " + describe();
      }
    }
    if (moved || !unserved.empty()) {
      try {
        refresh(snap.generation);
      } catch (const ConnectionError&) {
        // MOVED targets are known without the map; the next call retries it.
      }
    }
    if (redirected) ++redirect_rounds;
    if (retry && !next.empty()) backoff.another();
    pending = std::move(next);
  }
  return replies;
}

void ClusterTransport::for_each_master(
    const std::function<void(const std::string&, const NodeExecutor&)>& fn) {
  const MapSnapshot snap = snapshot();
  for (const ServerAddress& master : snap.map->masters()) {
    const NodeExecutor run = [this, master,
                              generation = snap.generation](std::span<const Command> commands) {
      try {
        return resend_while_transient(retry_, [&] { return pools_.run_on(master, commands); });
      } catch (const ConnectionError&) {
        refresh_after_failure(generation);
        throw;
      }
    };
    fn(master.to_string(), run);
  }
}

}  // namespace

ClusterCounters cluster_counters(const Transport& transport) {
  const auto* cluster = dynamic_cast<const ClusterTransport*>(&transport);
  return cluster != nullptr ? cluster->counters() : ClusterCounters{};
}

std::unique_ptr<Transport> make_cluster_transport(const TransportOptions& options) {
  return std::make_unique<ClusterTransport>(options);
}

}  // namespace lshrs::redis
