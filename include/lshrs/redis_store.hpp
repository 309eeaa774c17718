// lshrs — RedisStore: bucket membership in Redis, one node or Redis Cluster,
// in clear text or over TLS (rediss://, RedisTlsOptions).
//
// Keys follow the layout in store.hpp (shared with the Python package): each
// bucket is a Redis set of decimal ids. Writes are coalesced (one variadic
// SADD per distinct bucket per flush) and pipelined; reads of any number of
// buckets are one round trip per server. With track_signatures, each id's
// band signatures are kept in a small hash per range of 128 consecutive ids,
// <prefix>:sigs:<id / 128> (indexes whose meta predates it keep one
// <prefix>:sig:<id> key per id), which makes remove() and updates O(bands)
// instead of a scan of the keyspace, and lets any number of clients write
// and remove the same ids at once (also on Cluster): each id ends in exactly
// the buckets of one vector written for it, or in none after a remove. This
// uses two Lua scripts per range touched by a flush (EVALSHA). Clients that
// write different ids of one range at once contend (correct, slower).
//
// Retries, each kind by one layer: connection loss by the store (the chunk
// is resent whole, every command sent being idempotent), transient replies
// (LOADING, BUSY, READONLY, MASTERDOWN, TRYAGAIN, CLUSTERDOWN) and Cluster
// redirections by the transport; each at most retry_attempts times. A call
// that still fails throws StorageError (ConnectionError when the server is
// unreachable) and the caller may simply call it again. Queries may read
// from replicas (read_from_replicas; see the staleness it allows there).
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

#include "lshrs/redis_tls.hpp"
#include "lshrs/store.hpp"

namespace lshrs {

namespace redis {
class Transport;  // internal (src/redis/transport/transport.hpp)
}

enum class ClusterMode {
  kAuto,  // ask the server (INFO cluster) and use cluster routing if enabled
  kOff,   // a single server, even if it is a cluster node
  kOn,    // Redis Cluster; `url`/`host` names any one node (a seed)
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

  // Reads from replicas (opt-in; also ?read_from_replicas=true in the URL):
  // the bucket reads of queries and stats (SMEMBERS, SCARD) go to a replica;
  // every write, script, meta read and SCAN still goes to the master. The
  // replicas are `replicas` ("host:port") for a single server, or else those
  // the master lists (ROLE); with Sentinel those the sentinels list
  // (SENTINEL REPLICAS); on a Cluster each slot's replicas from CLUSTER
  // SLOTS, on connections that sent READONLY (a MOVED from one is followed).
  // A replica that is unreachable, not a replica, not linked to its master
  // (still syncing, link down) or answering LOADING / MASTERDOWN is left
  // alone for a second and the read goes to the master instead.
  // STALENESS: a replica lags its master by its replication delay (usually
  // milliseconds, seconds under load), so a query may miss ids whose add()
  // returned within that time, and still see ids just removed. wait_replicas
  // narrows the window (a write is acknowledged only once that many replicas
  // have it) but does not close it when there are more replicas than that.
  bool read_from_replicas = false;
  std::vector<std::string> replicas;

  // 0 means wait forever. connect_timeout bounds the TLS handshake too.
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds command_timeout{5000};

  // Connections per server; bounds concurrent calls to one server.
  std::size_t pool_size = 8;
  // Commands per pipelined round trip; bounds client and server memory. A
  // flush of n vectors needs about n·2 + distinct-buckets commands.
  std::size_t pipeline_chunk = 32768;

  // Attempts per round trip, and the backoff between them (doubling from
  // retry_backoff up to retry_backoff_max): on connection loss, and, as
  // many again, on transient replies (a server loading or busy, a Cluster
  // slot in migration or a cluster down); with 4 attempts at 50 ms a
  // persistent condition fails after about 50 + 100 + 200 ms.
  std::size_t retry_attempts = 4;
  std::chrono::milliseconds retry_backoff{50};
  std::chrono::milliseconds retry_backoff_max{2000};

  // Keep every id's signature (<prefix>:sigs:<id / 128>): remove() and updates then cost
  // O(bands) per id. Off: add() is one round trip and writes less memory, but
  // re-adding an id does not remove it from its old buckets and remove()
  // scans every bucket key of the prefix (O(keyspace)).
  bool track_signatures = true;
  // How long a writer's claim on the ids it is writing holds off other
  // clients' repairs. A client stalled longer costs a repair, never
  // correctness; one that died mid-flush leaves its ids' ranges unclean (an
  // id may sit in the buckets of two vectors) until a later write of the
  // range or repair() after the lease ran out. At least 1 s.
  std::chrono::seconds lease{60};

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

  // Finishes the work of writers that died mid-flush: every range of
  // `prefix` left unclean whose leases expired is repaired (its ids put into
  // exactly their committed buckets); ranges with a live lease are left to
  // their writer. Returns how many ranges were repaired. O(keys of prefix).
  // `layout` is the index's (Index::layout()): like add() and remove(), a
  // repair is told how signatures split into bands.
  std::size_t repair(std::string_view prefix, const StoreLayout& layout);

 private:
  void do_add(std::string_view prefix, const StoreLayout& layout, std::span<const std::int64_t> ids,
              const Signatures& sigs, std::span<const RecordExtras> extras) override;
  std::vector<std::optional<IdRecord>> do_records(std::string_view prefix, const StoreLayout& layout,
                                                  std::span<const std::int64_t> ids) override;
  std::vector<std::vector<std::int64_t>> do_members(std::string_view prefix,
                                                    std::span<const BucketRef> buckets) override;
  std::size_t do_remove(std::string_view prefix, const std::optional<StoreLayout>& layout,
                        std::span<const std::int64_t> ids) override;
  std::size_t do_clear(std::string_view prefix) override;
  std::optional<std::string> do_load_meta(std::string_view prefix) override;
  bool do_store_meta_if_absent(std::string_view prefix, std::string_view meta) override;
  StoreStats do_stats(std::string_view prefix) override;
  std::vector<std::string> do_sample_keys(std::string_view prefix, KeyClass which,
                                          std::size_t limit) override;
  std::vector<std::string> do_server_warnings() override;

  // add() and remove() with signature keys, under the given lease tokens.
  void add_tracked(std::string_view prefix, std::span<const std::int64_t> ids,
                   const Signatures& sigs, const std::vector<std::string>& texts,
                   const std::vector<std::string>& tokens);
  std::size_t remove_tracked(std::string_view prefix, const StoreLayout& layout,
                             std::span<const std::int64_t> ids,
                             const std::vector<std::string>& tokens);
  std::size_t remove_ranged(std::string_view prefix, const StoreLayout& layout,
                            std::span<const std::int64_t> ids);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lshrs
