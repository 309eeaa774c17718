// TLS channel for Redis connections: OpenSSL over our own socket (see tls.hpp
// for why), and the one place where OpenSSL's errors are interpreted.
#include "redis/transport/tls.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/regular_file.hpp"
#include "lshrs/error.hpp"
#include "redis/transport/connection.hpp"

namespace lshrs::redis {
namespace {

using Clock = std::chrono::steady_clock;

std::string openssl_text() {
  const unsigned long code = ERR_peek_last_error();
  if (code == 0) return "no OpenSSL detail";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

bool is_ip_literal(const std::string& host) {
  in6_addr v6{};
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

// Waits until fd is ready for `events`; false when `timeout` (0: forever)
// passed first.
bool wait_fd(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  const int ms = timeout.count() <= 0 ? -1 : static_cast<int>(timeout.count());
  for (;;) {
    const int r = ::poll(&p, 1, ms);
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return true;  // let the next read/write report the error
  }
}

// Why a certificate failed verification, in the user's terms.
std::string verify_failure(long result, const std::string& host) {
  const std::string detail = std::string(" (") + X509_verify_cert_error_string(result) + ")";
  switch (result) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return "the server's certificate is signed by an unknown CA" + detail +
             "; give the CA that signed it (--tls-ca)";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "host name mismatch: the server's certificate is not valid for '" + host + "'" +
             detail + "; connect by a name the certificate lists or set --tls-server-name";
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "the server's certificate has expired" + detail + "; renew it on the server";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "the server's certificate is not yet valid" + detail + "; check the clocks";
    default:
      return "the server's certificate failed verification" + detail;
  }
}

// Called by OpenSSL when the server asks for a client certificate and none
// was configured: remembers that, and goes on without one.
int note_certificate_request(SSL* ssl, X509**, EVP_PKEY**) {
  if (auto* requested = static_cast<bool*>(SSL_get_app_data(ssl))) *requested = true;
  return 0;
}

}  // namespace

std::shared_ptr<const TlsContext> TlsContext::create(const RedisTlsOptions& options) {
  if (options.cert_file.empty() != options.key_file.empty()) {
    throw InvalidArgument("TLS client certificate needs both a certificate and a key file; got " +
                          std::string(options.cert_file.empty() ? "a key '" + options.key_file + "'"
                                                                : "a certificate '" + options.cert_file + "'") +
                          " alone (--tls-cert and --tls-key go together)");
  }
  // OpenSSL opens these by name: a FIFO would block it, /dev/zero never end.
  const auto require_file = [](const std::string& path, const char* flag) {
    if (path.empty()) return;
    try {
      util::open_regular_file(path, std::string("give a PEM file (") + flag + ")");
    } catch (const SourceError& e) {
      throw ConfigurationError(std::string("TLS: ") + e.what());
    }
  };
  require_file(options.ca_file, "--tls-ca");
  require_file(options.cert_file, "--tls-cert");
  require_file(options.key_file, "--tls-key");
  std::shared_ptr<TlsContext> out(new TlsContext());
  out->ctx_ = SSL_CTX_new(TLS_client_method());
  if (out->ctx_ == nullptr) throw StorageError("TLS: SSL_CTX_new failed: " + openssl_text());
  SSL_CTX_set_min_proto_version(out->ctx_, TLS1_2_VERSION);
  SSL_CTX_set_mode(out->ctx_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  out->verify_ = !options.insecure_skip_verify;
  out->server_name_ = options.server_name;
  ERR_clear_error();
  if (out->verify_) {
    SSL_CTX_set_verify(out->ctx_, SSL_VERIFY_PEER, nullptr);
    if (!options.ca_file.empty() || !options.ca_dir.empty()) {
      const char* file = options.ca_file.empty() ? nullptr : options.ca_file.c_str();
      const char* dir = options.ca_dir.empty() ? nullptr : options.ca_dir.c_str();
      if (SSL_CTX_load_verify_locations(out->ctx_, file, dir) != 1) {
        throw ConfigurationError("TLS: cannot load the CA " +
                                 (file ? "file '" + options.ca_file + "'" : "directory '" + options.ca_dir + "'") +
                                 ": " + openssl_text());
      }
    } else if (SSL_CTX_set_default_verify_paths(out->ctx_) != 1) {
      throw ConfigurationError("TLS: cannot load the system CA store: " + openssl_text() +
                               "; give a CA with --tls-ca");
    }
  } else {
    SSL_CTX_set_verify(out->ctx_, SSL_VERIFY_NONE, nullptr);
  }
  if (options.cert_file.empty()) SSL_CTX_set_client_cert_cb(out->ctx_, &note_certificate_request);
  if (!options.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(out->ctx_, options.cert_file.c_str()) != 1) {
      throw ConfigurationError("TLS: cannot load the client certificate '" + options.cert_file +
                               "': " + openssl_text());
    }
    if (SSL_CTX_use_PrivateKey_file(out->ctx_, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      throw ConfigurationError("TLS: cannot load the client key '" + options.key_file + "': " +
                               openssl_text());
    }
    if (SSL_CTX_check_private_key(out->ctx_) != 1) {
      throw ConfigurationError("TLS: the client key '" + options.key_file +
                               "' does not match the certificate '" + options.cert_file + "'");
    }
  }
  return out;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

TlsSession::TlsSession(const TlsContext& context, int fd, const ServerAddress& address,
                       std::chrono::milliseconds timeout)
    : fd_(fd), where_("TLS to Redis at " + address.to_string()) {
  ssl_ = SSL_new(context.native());
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd) != 1) {
    SSL_free(ssl_);
    throw StorageError(where_ + ": SSL_new failed: " + openssl_text());
  }
  SSL_set_app_data(ssl_, &certificate_requested_);
  const std::string host = context.server_name().empty() ? address.host : context.server_name();
  const bool ip = is_ip_literal(host);
  if (context.verify()) {
    const int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), host.c_str())
                       : SSL_set1_host(ssl_, host.c_str());
    if (set != 1) {
      SSL_free(ssl_);
      throw InvalidArgument(where_ + ": cannot verify against the name '" + host + "'");
    }
  }
  if (!ip) SSL_set_tlsext_host_name(ssl_, host.c_str());  // SNI carries names only

  const auto deadline = Clock::now() + timeout;
  try {
    for (;;) {
      ERR_clear_error();
      const int r = SSL_connect(ssl_);
      if (r == 1) break;
      const int e = SSL_get_error(ssl_, r);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
        if (const long v = SSL_get_verify_result(ssl_); v != X509_V_OK && context.verify()) {
          throw ConfigurationError(where_ + ": " + verify_failure(v, host));
        }
        fail(r, "the TLS handshake");
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (timeout.count() > 0 && left.count() <= 0) left = std::chrono::milliseconds(0);
      if ((timeout.count() > 0 && left.count() <= 0) ||
          !wait_fd(fd_, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
                   timeout.count() > 0 ? left : timeout)) {
        throw TimeoutError(where_ + ": TLS handshake timed out after " +
                              std::to_string(timeout.count()) +
                              " ms; is it a plain-text port (use redis://), or raise connect_timeout");
      }
    }
  } catch (...) {
    SSL_free(ssl_);
    throw;
  }
}

TlsSession::~TlsSession() {
  // No SSL_shutdown: it would write to a peer that may be gone, and Redis
  // does not need a close_notify.
  SSL_free(ssl_);
}

void TlsSession::fail(int ret, std::string_view doing) {
  const int saved_errno = errno;
  const int e = SSL_get_error(ssl_, ret);
  const std::string context = std::string(doing) + " (" + where_ + ")";
  const int reason = ERR_GET_REASON(ERR_peek_last_error());
  const bool dropped = e == SSL_ERROR_ZERO_RETURN || reason == SSL_R_UNEXPECTED_EOF_WHILE_READING ||
                       (e == SSL_ERROR_SYSCALL && (saved_errno == 0 || saved_errno == ECONNRESET ||
                                                   saved_errno == EPIPE));
  if (dropped && certificate_requested_) {
    throw ConfigurationError(context + ": the server requires a client certificate and dropped "
                             "the connection without one; give --tls-cert and --tls-key");
  }
  if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && saved_errno == 0)) {
    raise_hiredis_error(REDIS_ERR_EOF, 0, "end of the TLS stream", context);
  }
  if (e == SSL_ERROR_SYSCALL) {
    raise_hiredis_error(REDIS_ERR_IO, saved_errno, std::strerror(saved_errno), context);
  }
  const std::string text = openssl_text();
  switch (reason) {
    case SSL_R_UNEXPECTED_EOF_WHILE_READING:
      raise_hiredis_error(REDIS_ERR_EOF, 0, "end of the TLS stream", context);
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
      throw ConfigurationError(context + ": the server does not speak TLS (" + text +
                               "); is it a plain-text port? use redis:// for it");
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
      throw ConfigurationError(context + ": the server requires a client certificate (" + text +
                               "); give --tls-cert and --tls-key");
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:
      throw ConfigurationError(context + ": the server refused the client certificate (" + text +
                               "); use one signed by a CA the server trusts");
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
      throw ConfigurationError(context + ": the server refused the TLS handshake (" + text +
                               "); it may require a client certificate (--tls-cert, --tls-key)");
    default:
      throw ConnectionError(context + ": TLS error: " + text);
  }
}

void TlsSession::wait(int ssl_error, std::chrono::milliseconds timeout, std::string_view doing) {
  if (!wait_fd(fd_, ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, timeout)) {
    raise_hiredis_error(REDIS_ERR_IO, EAGAIN, "Resource temporarily unavailable",
                        std::string(doing) + " (" + where_ + ")");
  }
}

void TlsSession::write_all(const char* data, std::size_t size, std::chrono::milliseconds timeout) {
  while (size > 0) {
    ERR_clear_error();
    errno = 0;
    std::size_t written = 0;
    const int r = SSL_write_ex(ssl_, data, size, &written);
    if (r == 1) {
      data += written;
      size -= written;
      continue;
    }
    const int e = SSL_get_error(ssl_, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) fail(r, "sending commands");
    wait(e, timeout, "sending commands");
  }
}

std::size_t TlsSession::read_some(char* buffer, std::size_t capacity,
                                  std::chrono::milliseconds timeout) {
  for (;;) {
    ERR_clear_error();
    errno = 0;
    std::size_t got = 0;
    const int r = SSL_read_ex(ssl_, buffer, capacity, &got);
    if (r == 1 && got > 0) return got;
    const int e = SSL_get_error(ssl_, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) fail(r, "reading replies");
    wait(e, timeout, "reading replies");
  }
}

int tcp_connect(const ServerAddress& address, std::chrono::milliseconds timeout) {
  const std::string context = "connecting to Redis at " + address.to_string();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(address.port);
  if (const int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    raise_hiredis_error(REDIS_ERR_OTHER, 0, gai_strerror(rc), context);
  }
  int last_errno = ECONNREFUSED;
  int fd = -1;
  for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      if (!wait_fd(fd, POLLOUT, timeout)) {
        rc = -1;
        errno = ETIMEDOUT;
      } else {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err == 0 ? 0 : -1;
        errno = err;
      }
    }
    if (rc != 0) {
      last_errno = errno;
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) raise_hiredis_error(REDIS_ERR_IO, last_errno, std::strerror(last_errno), context);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  return fd;
}

}  // namespace lshrs::redis
