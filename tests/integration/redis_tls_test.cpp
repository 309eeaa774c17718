// RedisStore over TLS against real TLS-only redis-servers and a TLS Cluster
// (scripts/lib/redis_tls.sh, with certificates it makes: LSHRS_TEST_REDIS_TLS_URL,
// LSHRS_TEST_TLS_CA, ...): verified index and query, the store contract on
// the TLS Cluster, mutual TLS, and refusals by cause without hanging.
#include <chrono>
#include <string>

#include "integration/redis_test_env.hpp"
#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "support/store_contract.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

// Options for `url` trusting the test CA; empty url after a skip/failure.
RedisOptions tls_options(const std::string& url) {
  RedisOptions o = redis_options(url);
  o.tls.ca_file = env_or_empty("LSHRS_TEST_TLS_CA");
  o.connect_timeout = std::chrono::milliseconds(1500);
  return o;
}

struct TlsClusterFactory {
  static std::shared_ptr<BucketStore> make() {
    const std::string url = server_url("LSHRS_TEST_REDIS_TLS_CLUSTER_URL");
    if (url.empty()) return nullptr;
    return std::make_shared<RedisStore>(tls_options(url));  // kAuto: detects the cluster
  }
};
struct TlsSingleFactory {
  static std::shared_ptr<BucketStore> make() {
    const std::string url = server_url("LSHRS_TEST_REDIS_TLS_URL");
    if (url.empty()) return nullptr;
    return std::make_shared<RedisStore>(tls_options(url));
  }
};
INSTANTIATE_TYPED_TEST_SUITE_P(TlsCluster, StoreContract, ::testing::Types<TlsClusterFactory>);
INSTANTIATE_TYPED_TEST_SUITE_P(TlsSingle, StoreContract, ::testing::Types<TlsSingleFactory>);

// The error a store refused with, and how long the refusal took.
template <typename Expected>
std::string refusal(const RedisOptions& options, double* seconds = nullptr) {
  const auto start = Clock::now();
  try {
    RedisStore store(options);
    ADD_FAILURE() << "connected to " << store.describe() << " but should have been refused";
  } catch (const Expected& e) {
    if (seconds) *seconds = seconds_since(start);
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "refused with the wrong kind of error: " << e.what();
  }
  return {};
}

class RedisTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = server_url("LSHRS_TEST_REDIS_TLS_URL");
    if (url_.empty()) return;
    prefix_ = unique_prefix("tls");
  }
  std::string url_;
  std::string prefix_;
};

TEST_F(RedisTlsTest, IndexAndQueryOverVerifiedTls) {
  if (url_.empty()) return;
  auto store = std::make_shared<RedisStore>(tls_options(url_));
  EXPECT_EQ(store->describe().rfind("rediss://", 0), 0u) << store->describe();
  expect_index_reopens(store, std::make_shared<RedisStore>(tls_options(url_)),
                       small_index_options(prefix_), 200, 11);
  store->clear(prefix_);
}

TEST_F(RedisTlsTest, ServerNameOverridesTheDialledHost) {
  if (url_.empty()) return;
  RedisOptions by_name = tls_options(url_);
  by_name.tls.server_name = "localhost";  // in the certificate's SAN, sent as SNI
  EXPECT_NO_THROW(RedisStore{by_name});
  RedisOptions wrong = tls_options(url_);
  wrong.tls.server_name = "db.elsewhere.example";
  const std::string msg = refusal<ConfigurationError>(wrong);
  expect_contains(msg, "host name mismatch");
  expect_contains(msg, "db.elsewhere.example");
}

TEST_F(RedisTlsTest, UnknownCaIsRefusedByName) {
  if (url_.empty()) return;
  RedisOptions o = tls_options(url_);
  o.tls.ca_file = env_or_empty("LSHRS_TEST_TLS_OTHER_CA");
  double took = 0;
  const std::string msg = refusal<ConfigurationError>(o, &took);
  expect_contains(msg, "unknown CA");
  EXPECT_LT(took, 2.0) << "a verification failure is final: no retries, no waiting";
}

TEST_F(RedisTlsTest, CertificateForAnotherHostIsRefused) {
  const std::string url = server_url("LSHRS_TEST_REDIS_TLS_WRONGHOST_URL");
  if (url.empty()) return;
  const std::string msg = refusal<ConfigurationError>(tls_options(url));
  expect_contains(msg, "host name mismatch");
  expect_contains(msg, "127.0.0.1");
}

TEST_F(RedisTlsTest, PlainTextUrlToTheTlsPortIsRefusedQuickly) {
  const std::string port = env_or_empty("LSHRS_TEST_REDIS_TLS_PORT");
  if (url_.empty()) return;
  ASSERT_FALSE(port.empty()) << "LSHRS_TEST_REDIS_TLS_PORT is not set";
  RedisOptions o = redis_options("redis://127.0.0.1:" + port);
  o.connect_timeout = std::chrono::milliseconds(1500);
  o.command_timeout = std::chrono::milliseconds(1500);
  double took = 0;
  const std::string msg = refusal<ConnectionError>(o, &took);
  expect_contains(msg, "rediss://");
  EXPECT_LT(took, 5.0) << msg;
}

TEST_F(RedisTlsTest, TlsUrlToAPlainPortIsRefusedQuickly) {
  const std::string plain = server_url("LSHRS_TEST_REDIS_URL");
  if (plain.empty() || url_.empty()) return;
  RedisOptions o = tls_options("rediss://" + plain.substr(plain.find("://") + 3));
  double took = 0;
  const auto start = Clock::now();
  std::string msg;
  try {
    RedisStore store(o);
    ADD_FAILURE() << "a TLS handshake with a plain-text server succeeded";
  } catch (const Error& e) {
    msg = e.what();
    took = seconds_since(start);
  }
  EXPECT_TRUE(msg.find("does not speak TLS") != std::string::npos ||
              msg.find("plain-text port") != std::string::npos)
      << msg;
  EXPECT_LT(took, 5.0) << msg;
}

TEST_F(RedisTlsTest, MutualTlsNeedsTheClientCertificate) {
  const std::string url = server_url("LSHRS_TEST_REDIS_TLS_MTLS_URL");
  if (url.empty()) return;
  const std::string msg = refusal<ConfigurationError>(tls_options(url));
  expect_contains(msg, "client certificate");

  RedisOptions with_cert = tls_options(url);
  with_cert.tls.cert_file = env_or_empty("LSHRS_TEST_TLS_CLIENT_CERT");
  with_cert.tls.key_file = env_or_empty("LSHRS_TEST_TLS_CLIENT_KEY");
  RedisStore store(with_cert);
  const std::string prefix = unique_prefix("mtls");
  const std::vector<std::int64_t> ids{5, 6};
  store.add(prefix, one_byte_layout(1), ids, one_byte_sigs({{0x01}, {0x01}}));
  const BucketRef ref{0, std::string(1, '\x01')};
  EXPECT_EQ(sorted(store.members(prefix, std::span(&ref, 1)).front()), ids);
  store.clear(prefix);
}

TEST_F(RedisTlsTest, AnExpiredServerCertificateIsRefusedByName) {
  const std::string url = server_url("LSHRS_TEST_REDIS_TLS_EXPIRED_URL");
  if (url.empty()) return;
  // Same CA, right host: only the dates are wrong (valid 2020-01-01..02).
  const std::string msg = refusal<ConfigurationError>(tls_options(url));
  expect_contains(msg, "expired");
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST_F(RedisTlsTest, AServerThatNeverAnswersTheHandshakeTimesOut) {
  // Listening, so the TCP connect succeeds (the kernel completes it), but
  // nobody accepts or writes: the TLS handshake gets no ServerHello.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  RedisOptions o = tls_options("rediss://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  o.connect_timeout = std::chrono::milliseconds(400);
  o.retry_attempts = 1;
  double took = 0;
  const std::string msg = refusal<TimeoutError>(o, &took);
  ::close(fd);
  expect_contains(msg, "TLS handshake timed out");
  EXPECT_LT(took, 3.0) << "no hang: " << msg;
}

TEST_F(RedisTlsTest, SkippingVerificationWarnsOnStderr) {
  if (url_.empty()) return;
  RedisOptions o = tls_options(url_ + "?tls_insecure=true");
  o.tls.ca_file = env_or_empty("LSHRS_TEST_TLS_OTHER_CA");  // would fail if verified
  ::testing::internal::CaptureStderr();
  std::string described;
  try {
    described = RedisStore(o).describe();
  } catch (...) {
    ::testing::internal::GetCapturedStderr();
    throw;
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  expect_contains(err, "WARNING: TLS certificate verification is OFF");
  EXPECT_EQ(described.rfind("rediss://", 0), 0u);
}

}  // namespace
}  // namespace lshrs::testing
