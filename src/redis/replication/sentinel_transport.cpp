// The Sentinel Transport: the master found through the sentinels, forgotten
// (and found again) when it stops answering or answers READONLY.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <mutex>
#include <string_view>

#include "lshrs/error.hpp"
#include "redis/transport/connection.hpp"
#include "redis/replication/replicas.hpp"
#include "redis/replication/sentinel.hpp"
#include "redis/transport/single_transport.hpp"
#include "redis/transport/url.hpp"

namespace lshrs::redis {
namespace {

// Whether `commands` may change the dataset, so that their acknowledgement
// waits for the replicas (WAIT). Everything but the reads the store sends
// counts as a write: a signature script (EVALSHA) commits what the bucket
// writes before it made true, and a failover that drops it would undo them.
bool writes(std::span<const Command> commands) {
  static constexpr std::string_view kReads[] = {
      "SMEMBERS", "SCARD", "SISMEMBER", "SMISMEMBER", "GET", "HGET", "HMGET", "HLEN", "HEXISTS",
      "HGETALL", "EXISTS", "TYPE", "SCAN", "MEMORY", "INFO", "PING", "ROLE", "OBJECT", "DBSIZE"};
  for (const Command& c : commands) {
    if (c.argv.empty()) continue;
    std::string verb = c.argv[0];
    for (char& ch : verb) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (std::find(std::begin(kReads), std::end(kReads), verb) == std::end(kReads)) return true;
  }
  return false;
}

class SentinelTransport final : public Transport {
 public:
  explicit SentinelTransport(const TransportOptions& options)
      : endpoint_(options.endpoint),
        pool_size_(std::max<std::size_t>(options.pool_size, 1)),
        wait_replicas_(options.wait_replicas),
        retry_(options.retry) {
    if (options.read_from_replicas) {
      replicas_ = std::make_unique<ReplicaSet>(endpoint_.settings, pool_size_);
    }
    // WAIT must give up before the socket's own timeout does.
    const auto command_timeout = endpoint_.settings.command_timeout;
    const auto timeout = command_timeout.count() > 0 ? command_timeout / 2
                                                             : std::chrono::milliseconds(1000);
    wait_command_ = Command({"WAIT", std::to_string(wait_replicas_), std::to_string(timeout.count())}, 0);
    // Sentinels are asked without the master's credentials or db.
    sentinel_settings_.connect_timeout = endpoint_.settings.connect_timeout;
    sentinel_settings_.command_timeout = endpoint_.settings.command_timeout;
    sentinel_settings_.tls = endpoint_.settings.tls;
    master();
  }

  std::vector<Reply> execute(std::span<const Command> commands) override {
    if (commands.empty()) return {};
    if (replicas_ && replica_may_answer(commands)) {
      master();  // (re)discovers the replicas with the master after a failover
      if (auto replies = replicas_->read(commands)) return std::move(*replies);
    }
    // READONLY: the master was demoted; asking the sentinels again, after a
    // backoff, finds the new one.
    return resend_while_transient(retry_, [&] { return on_master(commands); }, [] {});
  }

  void for_each_master(
      const std::function<void(const std::string&, const NodeExecutor&)>& fn) override {
    fn(master()->address().to_string(),
       [this](std::span<const Command> commands) { return execute(commands); });
  }

  std::string describe() const override {
    std::lock_guard lock(mutex_);
    return describe_endpoint(endpoint_) +
           (master_ ? " (master " + master_->address().to_string() + ")" : std::string()) +
           (replicas_ ? " (reads from replicas)" : "");
  }

 private:
  std::vector<Reply> on_master(std::span<const Command> commands) {
    const auto pool = master();
    try {
      const bool wait = wait_replicas_ > 0 && writes(commands);
      std::vector<Reply> replies;
      {
        auto conn = pool->acquire();
        conn->send(commands);
        if (wait) conn->send(std::span(&wait_command_, 1));
        replies = conn->receive(commands.size() + (wait ? 1 : 0));
      }
      if (wait) {
        const Reply acked = std::move(replies.back());
        replies.pop_back();
        if (acked.kind != Reply::Kind::kInteger ||
            acked.integer < static_cast<long long>(wait_replicas_)) {
          throw ConnectionError("the master " + pool->address().to_string() + " took the writes but " +
                                (acked.is_error() ? "WAIT failed: " + acked.text
                                                  : std::to_string(acked.integer) + " of " +
                                                        std::to_string(wait_replicas_) +
                                                        " replicas acknowledged them") +
                                " (a failover under way?); they will be resent");
        }
      }
      for (const Reply& reply : replies) {
        if (reply.error_code() == "READONLY") {  // demoted: rediscover before the retry
          forget(pool);
          break;
        }
      }
      return replies;
    } catch (const ConnectionError&) {
      forget(pool);
      throw;
    }
  }

  std::shared_ptr<ConnectionPool> master() {
    {
      std::lock_guard lock(mutex_);
      if (master_) return master_;
    }
    std::lock_guard discovering(discover_mutex_);  // one discovery at a time
    {
      std::lock_guard lock(mutex_);
      if (master_) return master_;
    }
    auto found = discover();
    std::lock_guard lock(mutex_);
    master_ = found;
    return found;
  }

  void forget(const std::shared_ptr<ConnectionPool>& pool) noexcept {
    std::lock_guard lock(mutex_);
    if (master_ == pool) master_.reset();
  }

  std::shared_ptr<ConnectionPool> discover() {
    const std::string& name = endpoint_.sentinel_master;
    std::string failures;
    for (const ServerAddress& sentinel : endpoint_.sentinels) {
      const std::string who = "sentinel " + sentinel.to_string();
      try {
        Connection conn = Connection::open(sentinel, sentinel_settings_);
        const Reply reply = conn.command({"SENTINEL", "get-master-addr-by-name", name});
        if (reply.is_error()) {
          failures += "; " + who + ": " + reply.text;
          continue;
        }
        ServerAddress address;
        if (!reply.is_array() || reply.elements.size() != 2 ||
            !parse_port(reply.elements[1].text, address.port)) {
          failures += "; " + who + " knows no master named '" + name + "'";
          continue;
        }
        address.host = reply.elements[0].text;
        // A sentinel may not have seen the failover yet: believe the server.
        Connection candidate = Connection::open(address, endpoint_.settings);
        const Reply role = candidate.command({"ROLE"});
        if (!role.is_array() || role.elements.empty() || role.elements[0].text != "master") {
          failures += "; " + who + " named " + address.to_string() + ", which is not a master (yet)";
          continue;
        }
        if (replicas_) {
          const Reply listed = conn.command({"SENTINEL", "REPLICAS", name});
          replicas_->assign(replicas_from_sentinel(listed));
        }
        return std::make_shared<ConnectionPool>(address, endpoint_.settings, pool_size_);
      } catch (const ConnectionError& e) {
        failures += "; " + std::string(e.what());
      }
    }
    throw ConnectionError("no sentinel of " + describe_endpoint(endpoint_) +
                          " named a reachable master '" + name + "'" + failures);
  }

  static bool parse_port(const std::string& text, int& port) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    return ec == std::errc() && end == text.data() + text.size() && port > 0 && port < 65536;
  }

  const Endpoint endpoint_;
  ConnectionSettings sentinel_settings_;
  const std::size_t pool_size_;
  const std::size_t wait_replicas_;
  const RetryPolicy retry_;
  Command wait_command_;
  std::unique_ptr<ReplicaSet> replicas_;  // null unless reading from replicas
  mutable std::mutex mutex_;  // guards master_
  std::shared_ptr<ConnectionPool> master_;
  std::mutex discover_mutex_;
};

}  // namespace

std::unique_ptr<Transport> make_sentinel_transport(const TransportOptions& options) {
  return std::make_unique<SentinelTransport>(options);
}

}  // namespace lshrs::redis
