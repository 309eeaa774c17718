// Blocking hiredis connections (clear text or TLS), their error mapping, and
// the pool.
#include "redis/transport/connection.hpp"

// sds.h has no C++ guard and hiredis.h includes it outside its own: first.
extern "C" {
#include <hiredis/sds.h>
}
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>
#include <utility>

#include "redis/transport/tls.hpp"

namespace lshrs::redis {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

// hiredis writes with write(2): a peer that closed the socket would raise
// SIGPIPE and kill the host process. Block it on this thread for the duration
// of one exchange and swallow any SIGPIPE that the exchange itself caused.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask_);
  }
  ~SigpipeGuard() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      sigset_t pipe_set;
      sigemptyset(&pipe_set);
      sigaddset(&pipe_set, SIGPIPE);
      const timespec zero{0, 0};
      while (sigtimedwait(&pipe_set, nullptr, &zero) == -1 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t old_mask_{};
  bool was_pending_ = false;
};

}  // namespace

std::string ServerAddress::to_string() const {
  if (!unix_path.empty()) return unix_path;
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

void raise_hiredis_error(int err, int saved_errno, std::string_view errstr,
                         std::string_view context) {
  std::string msg = std::string(context) + ": ";
  switch (err) {
    case REDIS_ERR_IO:
      if (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK || saved_errno == ETIMEDOUT ||
          saved_errno == EINPROGRESS) {
        throw TimeoutError(msg + "timed out (" + std::string(errstr) +
                           "); raise the timeout or check the server");
      }
      if (saved_errno == ECONNREFUSED || saved_errno == ENOENT) {
        throw ConnectionError(msg + "connection refused (" + std::string(errstr) +
                              "); is redis-server running there?");
      }
      throw ConnectionError(msg + "I/O error: " + std::string(errstr));
    case REDIS_ERR_EOF:
      throw ConnectionError(msg + "the server closed the connection (" + std::string(errstr) + ")");
    case REDIS_ERR_PROTOCOL:
      throw StorageError(msg + "Redis protocol error: " + std::string(errstr));
    case REDIS_ERR_OOM:
      throw StorageError(msg + "out of memory in the Redis client");
    default:  // REDIS_ERR_OTHER: e.g. the host name does not resolve
      throw ConnectionError(msg + std::string(errstr));
  }
}

void Connection::ContextDeleter::operator()(redisContext* c) const noexcept { redisFree(c); }

Connection::Connection(std::unique_ptr<redisContext, ContextDeleter> ctx, ServerAddress address)
    : builder_(std::make_unique<ReplyBuilder>()),
      ctx_(std::move(ctx)),
      address_(std::move(address)) {
  if (ctx_) ReplyBuilder::install(ctx_.get(), builder_.get());
}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

std::unique_ptr<redisContext, Connection::ContextDeleter> Connection::connect_plain(
    const ServerAddress& address, const ConnectionSettings& settings) {
  const bool unix_socket = !address.unix_path.empty();
  const bool wait_forever = settings.connect_timeout.count() <= 0;
  const timeval connect_tv = to_timeval(settings.connect_timeout);
  errno = 0;
  redisContext* raw =
      unix_socket ? (wait_forever ? redisConnectUnix(address.unix_path.c_str())
                                  : redisConnectUnixWithTimeout(address.unix_path.c_str(), connect_tv))
                  : (wait_forever ? redisConnect(address.host.c_str(), address.port)
                                  : redisConnectWithTimeout(address.host.c_str(), address.port,
                                                            connect_tv));
  const int saved_errno = errno;
  std::unique_ptr<redisContext, ContextDeleter> ctx(raw);
  const std::string context = "connecting to Redis at " + address.to_string();
  if (!ctx) raise_hiredis_error(REDIS_ERR_OOM, 0, "", context);
  if (ctx->err) raise_hiredis_error(ctx->err, saved_errno, ctx->errstr, context);
  if (settings.command_timeout.count() > 0 &&
      redisSetTimeout(ctx.get(), to_timeval(settings.command_timeout)) != REDIS_OK) {
    raise_hiredis_error(ctx->err, errno, ctx->errstr, context);
  }
  if (!unix_socket) redisEnableKeepAlive(ctx.get());
  return ctx;
}

void Connection::connect_tls(const ConnectionSettings& settings) {
  if (!address_.unix_path.empty()) {
    throw InvalidArgument("TLS was asked for on the unix socket '" + address_.unix_path +
                          "'; a unix socket is local: connect to it without TLS");
  }
  SigpipeGuard no_sigpipe;
  const int fd = tcp_connect(address_, settings.connect_timeout);
  try {
    tls_ = std::make_unique<TlsSession>(*settings.tls, fd, address_, settings.connect_timeout);
  } catch (...) {
    ::close(fd);
    throw;
  }
  // hiredis formats and parses; the bytes go through tls_ (see tls.hpp).
  ctx_.reset(redisConnectFd(fd));
  if (!ctx_) {
    tls_.reset();
    ::close(fd);
    raise_hiredis_error(REDIS_ERR_OOM, 0, "", "connecting to Redis at " + address_.to_string());
  }
  ReplyBuilder::install(ctx_.get(), builder_.get());
}

Connection Connection::open(const ServerAddress& address, const ConnectionSettings& settings) {
  Connection conn(settings.tls ? nullptr : connect_plain(address, settings), address);
  if (settings.tls) conn.connect_tls(settings);
  conn.io_timeout_ = settings.command_timeout;
  try {
    conn.authenticate_and_select(settings);
  } catch (const ConnectionError& e) {
    // A TLS-only port drops (or resets) a clear-text client without a word.
    if (settings.tls || conn.ctx_->err == 0 || !address.unix_path.empty()) throw;
    const std::string hint = "; if that port serves TLS only, connect with rediss://";
    // The hint must not change the kind of error: a timeout stays a timeout.
    if (dynamic_cast<const TimeoutError*>(&e)) throw TimeoutError(e.what() + hint);
    throw ConnectionError(e.what() + hint);
  }
  return conn;
}

void Connection::authenticate_and_select(const ConnectionSettings& settings) {
  const std::string where = "Redis at " + address_.to_string();
  auto check = [&](const Reply& reply, const std::string& what) {
    if (!reply.is_error()) return;
    if (is_transient_error(reply.error_code())) {
      throw ConnectionError(where + " is not ready (" + reply.text + "); retry shortly");
    }
    // A full server answers whatever comes first (AUTH, SELECT, PING) with
    // this, then closes: not a refusal of the credentials, and worth a retry.
    if (reply.text.find("max number of clients") != std::string::npos) {
      throw ConnectionError(where + " has no room for another client (" + reply.text +
                            "): retry later, or raise its maxclients");
    }
    throw ConfigurationError(where + " refused " + what + ": " + reply.text);
  };
  if (!settings.password.empty()) {
    // The password goes on the wire only; `what` names the user, never it.
    std::vector<std::string> argv{"AUTH"};
    if (!settings.user.empty()) argv.push_back(settings.user);
    argv.push_back(settings.password);
    const std::string who = settings.user.empty() ? "the password (legacy AUTH)"
                                                  : "the credentials of user '" + settings.user + "'";
    check(command(std::move(argv)), who + "; check the user and password");
  }
  if (settings.db != 0) {
    check(command({"SELECT", std::to_string(settings.db)}),
          "SELECT " + std::to_string(settings.db) + " (db must exist and be 0 on a cluster)");
  } else if (settings.password.empty() && !settings.readonly) {
    // Neither AUTH nor SELECT proved the server talks to us: ask it. Only a
    // NOAUTH reply means a password is missing.
    const Reply pong = command({"PING"});
    if (pong.error_code() == "NOAUTH") {
      throw ConfigurationError(where + " requires a password (" + pong.text +
                               "): give one in the URL as redis://user:password@host");
    }
    check(pong, "PING");
  }
  if (settings.readonly) check(command({"READONLY"}), "READONLY (is it a Redis Cluster node?)");
}

void Connection::fail(std::string_view what) {
  broken_ = true;
  const int saved_errno = errno;
  raise_hiredis_error(ctx_->err, saved_errno, ctx_->errstr,
                      std::string(what) + " (Redis at " + address_.to_string() + ")");
}

std::vector<Reply> Connection::pipeline(std::span<const Command> commands) {
  send(commands);
  return receive(commands.size());
}

void Connection::send(std::span<const Command> commands) {
  // Replies still unread are fine here: this pipelines more commands after them.
  if (broken_) throw ConnectionError("connection to Redis at " + address_.to_string() + " is broken");
  SigpipeGuard no_sigpipe;
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const Command& cmd : commands) {
    argv.clear();
    lens.clear();
    for (const std::string& arg : cmd.argv) {
      argv.push_back(arg.data());
      lens.push_back(arg.size());
    }
    if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(),
                               lens.data()) != REDIS_OK) {
      fail("queueing " + (cmd.argv.empty() ? std::string("?") : cmd.argv[0]));
    }
  }
  for (const Command& cmd : commands) unread_.push_back(cmd.shape);
  if (tls_) {
    flush_output();
    return;
  }
  int done = 0;
  while (done == 0) {
    errno = 0;
    if (redisBufferWrite(ctx_.get(), &done) != REDIS_OK) {
      fail("sending " + std::to_string(commands.size()) + " commands");
    }
  }
}

std::vector<Reply> Connection::receive(std::size_t count) {
  if (broken_) throw ConnectionError("connection to Redis at " + address_.to_string() + " is broken");
  std::optional<SigpipeGuard> no_sigpipe;  // TLS reads may write (key updates, alerts)
  if (tls_) no_sigpipe.emplace();
  std::vector<Reply> replies;
  replies.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    void* raw = nullptr;
    errno = 0;
    builder_->expect(unread_.empty() ? ReplyShape::kGeneric : unread_.front());
    if (tls_) {
      raw = read_reply();
    } else if (redisGetReply(ctx_.get(), &raw) != REDIS_OK) {
      fail("reading reply " + std::to_string(i + 1) + " of " + std::to_string(count));
    }
    const auto reply = ReplyBuilder::adopt(raw);
    if (!reply) fail("reading reply " + std::to_string(i + 1) + ": the parser returned none");
    if (!unread_.empty()) unread_.pop_front();
    replies.push_back(std::move(*reply));
  }
  return replies;
}

void Connection::flush_output() {
  try {
    tls_->write_all(ctx_->obuf, sdslen(ctx_->obuf), io_timeout_);
  } catch (...) {
    broken_ = true;
    throw;
  }
  sdsfree(ctx_->obuf);
  ctx_->obuf = sdsempty();
}

void* Connection::read_reply() {
  char buf[16 * 1024];  // one TLS record at most
  for (;;) {
    void* raw = nullptr;
    if (redisGetReplyFromReader(ctx_.get(), &raw) != REDIS_OK) fail("parsing a reply");
    if (raw != nullptr) return raw;
    std::size_t got = 0;
    try {
      got = tls_->read_some(buf, sizeof buf, io_timeout_);
    } catch (...) {
      broken_ = true;
      throw;
    }
    // A failed feed leaves the reader in error: the next call reports it.
    redisReaderFeed(ctx_->reader, buf, got);
  }
}

Reply Connection::command(std::vector<std::string> argv) {
  const Command cmd(std::move(argv), 0);
  return std::move(pipeline(std::span<const Command>(&cmd, 1)).front());
}

ConnectionPool::ConnectionPool(ServerAddress address, ConnectionSettings settings,
                               std::size_t max_size)
    : address_(std::move(address)), settings_(std::move(settings)),
      max_size_(max_size == 0 ? 1 : max_size) {}

ConnectionPool::Lease::~Lease() {
  if (conn_) pool_->give_back(std::move(conn_));
}

ConnectionPool::Lease ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return !idle_.empty() || leased_ < max_size_; });
  ++leased_;
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  lock.unlock();
  try {
    return Lease(this, std::make_unique<Connection>(Connection::open(address_, settings_)));
  } catch (...) {
    lock.lock();
    --leased_;
    available_.notify_one();
    throw;
  }
}

void ConnectionPool::give_back(std::unique_ptr<Connection> conn) noexcept {
  std::unique_ptr<Connection> dropped;  // closed outside the lock
  {
    std::lock_guard lock(mutex_);
    --leased_;
    if (conn->broken()) {
      dropped = std::move(conn);
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  available_.notify_one();
}

void ConnectionPool::clear_idle() {
  std::vector<std::unique_ptr<Connection>> dropped;
  std::lock_guard lock(mutex_);
  dropped.swap(idle_);
}

}  // namespace lshrs::redis
