// lshrs internal — one blocking connection to one Redis server, and a pool.
//
// Connection owns a hiredis redisContext (RAII, move-only) and, for TLS, the
// TlsSession (tls.hpp) its bytes go through instead of the bare socket: the
// context still formats commands and parses replies. Opening one
// connects with a timeout, authenticates (ACL `AUTH user pass` or legacy
// `AUTH pass`), selects the database and checks the server answers. Every
// hiredis failure is translated into the lshrs exceptions by one function,
// raise_hiredis_error(). Replies are built straight from hiredis' parser by a
// ReplyBuilder (reply_builder.hpp), in the shape each Command asks for.
// A connection that saw an I/O error is `broken()` and must be dropped;
// ConnectionPool does that when its Lease is returned.
//
// Thread safety: a Connection is used by one thread at a time. ConnectionPool
// is thread-safe; a Lease belongs to the thread that acquired it.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lshrs/error.hpp"
#include "redis/transport/reply_builder.hpp"
#include "redis/transport/retry.hpp"
#include "redis/transport/transport.hpp"

struct redisContext;  // hiredis, kept out of every header that includes this one

namespace lshrs::redis {

class TlsContext;  // tls.hpp
class TlsSession;

// Where a server listens: TCP host and port, or a unix socket path.
struct ServerAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string unix_path;  // when non-empty, host/port are ignored

  // "host:port", "[v6]:port" or the socket path; for messages and describe().
  std::string to_string() const;
  bool operator==(const ServerAddress&) const = default;
};

// How to talk to a server once connected. Timeouts: 0 means wait forever.
struct ConnectionSettings {
  std::string user;      // ACL user; empty means legacy AUTH (or none)
  std::string password;  // empty means no AUTH; NEVER put it in a message
  int db = 0;            // SELECT db when != 0
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds command_timeout{5000};
  // Non-null: connect with TLS through this context (shared by every
  // connection of a store). Null: clear text.
  std::shared_ptr<const TlsContext> tls;
  // Send READONLY after connecting: a Cluster replica then serves reads of
  // its master's slots instead of answering MOVED.
  bool readonly = false;
};

// Throws the lshrs exception for a hiredis error code (REDIS_ERR_IO, _EOF,
// _PROTOCOL, _OOM, _OTHER), the errno saved with it and hiredis' own text.
// `context` says what was being done, e.g. "connecting to 127.0.0.1:6379".
// I/O, EOF, timeouts and refused connections are ConnectionError; the rest
// StorageError. The single place where hiredis errors are interpreted.
[[noreturn]] void raise_hiredis_error(int err, int saved_errno, std::string_view errstr,
                                      std::string_view context);

class Connection {
 public:
  // Connects, authenticates, selects the db. ConnectionError if the server is
  // unreachable; ConfigurationError if it refuses the credentials.
  static Connection open(const ServerAddress& address, const ConnectionSettings& settings);

  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Writes all commands, then reads all replies (one round trip). Throws
  // ConnectionError (and becomes broken) when the link fails midway.
  std::vector<Reply> pipeline(std::span<const Command> commands);
  // pipeline() in two halves, so that one thread can keep several servers
  // busy at once (the cluster transport): send() writes every command and
  // returns without reading (it may be called again before receive(), to
  // pipeline more); receive(n) reads the next n replies. A
  // connection with replies still unread counts as broken(), so a pool
  // drops it rather than hand it out mid-exchange.
  void send(std::span<const Command> commands);
  std::vector<Reply> receive(std::size_t count);
  // One command, one reply.
  Reply command(std::vector<std::string> argv);

  bool broken() const noexcept { return broken_ || !unread_.empty(); }
  const ServerAddress& address() const noexcept { return address_; }

 private:
  struct ContextDeleter {
    void operator()(redisContext* c) const noexcept;
  };
  Connection(std::unique_ptr<redisContext, ContextDeleter> ctx, ServerAddress address);
  static std::unique_ptr<redisContext, ContextDeleter> connect_plain(const ServerAddress& address,
                                                                     const ConnectionSettings& settings);
  void connect_tls(const ConnectionSettings& settings);
  void authenticate_and_select(const ConnectionSettings& settings);
  [[noreturn]] void fail(std::string_view what);
  void flush_output();
  void* read_reply();

  // Declared before ctx_, so that the context (whose parser points at the
  // builder) is freed first; heap-held, so that moves keep its address.
  std::unique_ptr<ReplyBuilder> builder_;
  std::unique_ptr<redisContext, ContextDeleter> ctx_;
  // After ctx_, so that it is freed before the context closes the socket.
  std::unique_ptr<TlsSession> tls_;
  std::chrono::milliseconds io_timeout_{0};  // per TLS read/write step; 0 forever
  ServerAddress address_;
  bool broken_ = false;
  std::deque<ReplyShape> unread_;  // shapes of replies sent for but not yet received
};

// Up to max_size connections to one server, created on demand. acquire()
// blocks while all are leased. Broken connections are dropped on return, so
// the next acquire() reconnects.
class ConnectionPool {
 public:
  ConnectionPool(ServerAddress address, ConnectionSettings settings, std::size_t max_size);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A leased connection; returns it to the pool when destroyed.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn) noexcept
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    Connection& operator*() const noexcept { return *conn_; }
    Connection* operator->() const noexcept { return conn_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // An idle connection, or a new one (may throw like Connection::open).
  Lease acquire();
  // Drops every idle connection (after a server restart, say).
  void clear_idle();

  const ServerAddress& address() const noexcept { return address_; }
  const ConnectionSettings& settings() const noexcept { return settings_; }

 private:
  void give_back(std::unique_ptr<Connection> conn) noexcept;

  const ServerAddress address_;
  const ConnectionSettings settings_;
  const std::size_t max_size_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t leased_ = 0;
};

}  // namespace lshrs::redis
