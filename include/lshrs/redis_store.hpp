// lshrs — RedisStore: bucket membership in Redis, one node or Redis Cluster,
// in clear text or over TLS (rediss://, RedisTlsOptions).
//
// Keys follow the layout in store.hpp (shared with the Python package): each
// bucket is a Redis set of decimal ids. Writes are coalesced (one variadic
// SADD per distinct bucket per flush) and pipelined; reads of any number of
// buckets are one round trip per server. With track_signatures, each id's
// band signatures are kept at <prefix>:sig:<id>, which makes remove() and
// updates O(bands) instead of a scan of the keyspace, and lets any number of
// clients write and remove the same ids at once (also on Cluster): each id
// ends in exactly the buckets of one vector written for it, or in none after
// a remove. This uses two Lua scripts on the signature key (EVALSHA).
//
// Connection loss is retried with bounded backoff (every command sent is
// idempotent); a call that still fails throws StorageError (ConnectionError
// when the server is unreachable) and the caller may simply call it again.
//
// Thread safety: a RedisStore may be used from any number of threads at once;
// it keeps a pool of connections per server.
#pragma once

#include "lshrs/export.hpp"
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lshrs/store.hpp"

namespace lshrs {

namespace redis {
class Transport;  // internal (src/redis/transport.hpp)
}

enum class ClusterMode {
  kAuto,  // ask the server (INFO cluster) and use cluster routing if enabled
  kOff,   // a single server, even if it is a cluster node
  kOn,    // Redis Cluster; `url`/`host` names any one node (a seed)
};

// TLS for every connection of a store (single node and every Cluster node).
// The server's certificate chain and host name are verified by default; the
// name checked is the host dialled (an IP address is matched against the
// certificate's IP SANs) unless server_name is set.
struct RedisTlsOptions {
  bool enabled = false;     // also switched on by a rediss:// URL
  std::string ca_file;      // PEM bundle of trusted CAs; empty (and no ca_dir): the system store
  std::string ca_dir;       // OpenSSL hashed CA directory (c_rehash)
  std::string cert_file;    // client certificate (PEM chain) for mutual TLS; needs key_file
  std::string key_file;     // its private key (PEM, unencrypted)
  std::string server_name;  // SNI and the name verified, instead of the dialled host
  // Skips certificate and host name checks: anyone on the path can read and
  // change the traffic. Prints a warning on stderr when a store is opened.
  bool insecure_skip_verify = false;
};

struct RedisOptions {
  // Where to connect, as a URL; when given, its parts replace host, port, db,
  // user, password and unix_socket (a password given here and absent from the
  // URL is kept, so it can stay out of the URL):
  //   redis://[user[:password]@]host[:port][/db]     (user/password %-encoded)
  //   unix:///path/to/redis.sock[?db=N]
  //   redis+sentinel://[user[:password]@]host1[:port],host2[:port]/<master>[/db]
  //   rediss://[user[:password]@]host[:port][/db][?tls_ca=FILE&tls_ca_dir=DIR&
  //            tls_cert=FILE&tls_key=FILE&tls_server_name=NAME&tls_insecure=true]
  // rediss:// switches tls.enabled on; its parameters (redis-py's ssl_ca_certs,
  // ssl_ca_path, ssl_certfile, ssl_keyfile, ssl_cert_reqs=none are accepted
  // too) replace the matching fields of `tls`.
  std::string url;
  std::string host = "localhost";
  int port = 6379;
  int db = 0;                 // must be 0 on a cluster
  std::string user;           // ACL user; empty: legacy AUTH <password>
  std::string password;       // empty: no AUTH. Never printed or saved.
  std::string unix_socket;    // when non-empty, host and port are ignored
  RedisTlsOptions tls;        // off unless enabled or the URL is rediss://
  // Redis Sentinel (or a redis+sentinel:// URL): the master named
  // sentinel_master is found through `sentinels` ("host:port", port 26379 by
  // default) and followed across failovers. user/password/db are the
  // master's; the sentinels are asked without AUTH.
  std::string sentinel_master;
  std::vector<std::string> sentinels;
  // A write counts as done only once this many replicas have it (WAIT after
  // each pipeline of writes; a shortfall is retried like a lost connection).
  // Without it, writes a demoted master took after a failover vanish when it
  // resyncs from the new one. Unset: 1 with Sentinel, 0 otherwise.
  std::optional<std::size_t> wait_replicas;

  // 0 means wait forever. connect_timeout bounds the TLS handshake too.
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds command_timeout{5000};

  // Connections per server; bounds concurrent calls to one server.
  std::size_t pool_size = 8;
  // Commands per pipelined round trip; bounds client and server memory. A
  // flush of n vectors needs about n·2 + distinct-buckets commands.
  std::size_t pipeline_chunk = 32768;

  // Attempts per round trip on connection loss, and the backoff between them
  // (doubling from retry_backoff up to retry_backoff_max).
  std::size_t retry_attempts = 4;
  std::chrono::milliseconds retry_backoff{50};
  std::chrono::milliseconds retry_backoff_max{2000};

  // Keep <prefix>:sig:<id> for every id: remove() and updates then cost
  // O(bands) per id. Off: add() is one round trip and writes less memory, but
  // re-adding an id does not remove it from its old buckets and remove()
  // scans every bucket key of the prefix (O(keyspace)).
  bool track_signatures = true;

  ClusterMode cluster = ClusterMode::kAuto;
};

class LSHRS_API RedisStore final : public BucketStore {
 public:
  // Connects (ConnectionError if unreachable, ConfigurationError if the
  // server refuses the credentials, InvalidArgument for a malformed URL).
  explicit RedisStore(RedisOptions options);
  // For tests and internal use: a store over a given transport.
  RedisStore(RedisOptions options, std::unique_ptr<redis::Transport> transport);
  ~RedisStore() override;
  RedisStore(const RedisStore&) = delete;
  RedisStore& operator=(const RedisStore&) = delete;

  std::string describe() const override;
  std::optional<StoreAddress> address() const override;

  const RedisOptions& options() const noexcept;

 private:
  void do_add(std::string_view prefix, const StoreLayout& layout, std::span<const std::int64_t> ids,
              const Signatures& sigs) override;
  std::vector<std::vector<std::int64_t>> do_members(std::string_view prefix,
                                                    std::span<const BucketRef> buckets) override;
  std::size_t do_remove(std::string_view prefix, const std::optional<StoreLayout>& layout,
                        std::span<const std::int64_t> ids) override;
  std::size_t do_clear(std::string_view prefix) override;
  std::optional<std::string> do_load_meta(std::string_view prefix) override;
  bool do_store_meta_if_absent(std::string_view prefix, std::string_view meta) override;
  StoreStats do_stats(std::string_view prefix) override;

  // add() and remove() with signature keys, under the given lease tokens.
  void add_tracked(std::string_view prefix, std::span<const std::int64_t> ids,
                   const Signatures& sigs, const std::vector<std::string>& texts,
                   const std::vector<std::string>& tokens);
  std::size_t remove_tracked(std::string_view prefix, const StoreLayout& layout,
                             std::span<const std::int64_t> ids,
                             const std::vector<std::string>& tokens);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lshrs
