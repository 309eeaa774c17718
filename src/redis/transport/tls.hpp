// lshrs internal — TLS for Redis connections, with OpenSSL.
//
// Why this way: the hiredis in Debian (0.14) has no TLS, and redis-server's
// TLS is plain TLS on the socket, so the channel is OpenSSL's SSL* over a
// socket we connect ourselves, while hiredis keeps doing what it does well:
// formatting commands into the context's output buffer and parsing replies
// with its redisReader (fed with the decrypted bytes, through the same
// ReplyBuilder hooks). Connection (connection.hpp) owns both, so pipelining,
// Cluster routing, retries, timeouts and the error mapping are one code path
// for plain and TLS connections; only the bytes' way to the socket differs.
// A TLS tunnel (stunnel) or a newer hiredis would have been a second moving
// part or a non-Debian dependency.
//
// Verification is on by default: the chain against the CA file/dir (or the
// system store), and the host name (X509_VERIFY_PARAM_set1_host) or IP
// address (set1_ip) the client dialled, or RedisTlsOptions::server_name.
// Handshake failures are reported by cause: unknown CA, host name mismatch,
// expired certificate, client certificate required, plain-text server,
// handshake timeout.
//
// Thread safety: a TlsContext is immutable once made and shared by every
// connection of a store (OpenSSL's SSL_CTX is safe for that). A TlsSession
// belongs to its Connection, used by one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "lshrs/redis_tls.hpp"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX, kept out of this header
struct ssl_st;      // SSL

namespace lshrs::redis {

struct ServerAddress;

class TlsContext {
 public:
  // Loads the CA, client certificate and key that `options` name.
  // ConfigurationError naming the file when one cannot be read or the key
  // does not match the certificate.
  static std::shared_ptr<const TlsContext> create(const RedisTlsOptions& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* native() const noexcept { return ctx_; }
  bool verify() const noexcept { return verify_; }
  // The name certificates are checked against instead of the dialled host.
  const std::string& server_name() const noexcept { return server_name_; }

 private:
  TlsContext() = default;
  ssl_ctx_st* ctx_ = nullptr;
  bool verify_ = true;
  std::string server_name_;
};

// One TLS session over a connected, non-blocking socket (not owned: the
// hiredis context that wraps the same fd closes it).
class TlsSession {
 public:
  // Runs the handshake within `timeout` (0 waits forever). ConnectionError
  // for a timeout or a lost connection; ConfigurationError for a certificate
  // that fails verification, a missing client certificate or a server that
  // does not speak TLS (retrying cannot help those).
  TlsSession(const TlsContext& context, int fd, const ServerAddress& address,
             std::chrono::milliseconds timeout);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Writes every byte, waiting at most `timeout` for each step.
  void write_all(const char* data, std::size_t size, std::chrono::milliseconds timeout);
  // Reads at least one byte (never returns 0): EOF and timeouts throw.
  std::size_t read_some(char* buffer, std::size_t capacity, std::chrono::milliseconds timeout);

 private:
  [[noreturn]] void fail(int ret, std::string_view doing);
  void wait(int ssl_error, std::chrono::milliseconds timeout, std::string_view doing);

  ssl_st* ssl_ = nullptr;
  int fd_ = -1;
  // The server asked for a client certificate and we had none: with TLS 1.3
  // its refusal comes after the handshake, often as a bare reset.
  bool certificate_requested_ = false;
  std::string where_;  // "TLS to Redis at host:port", for messages
};

// A TCP connection to `address` within `timeout` (0 waits forever), returned
// non-blocking. ConnectionError (through raise_hiredis_error's mapping) when
// it cannot be made.
int tcp_connect(const ServerAddress& address, std::chrono::milliseconds timeout);

}  // namespace lshrs::redis
