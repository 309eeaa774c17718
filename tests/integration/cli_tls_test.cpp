// The lshrs tool over TLS (scripts/lib/redis_tls.sh servers): the --tls-*
// flags end to end through the binary — index and query with verification
// and a client certificate, a wrong CA refused in one line — and the
// password given in the URL never printed.
#include "integration/cli_test_env.hpp"

namespace lshrs::testing {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

class CliTlsTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    mtls_url_ = server_url("LSHRS_TEST_REDIS_TLS_MTLS_URL");
    prefix_ = "lshrs-cli-tls:" + std::to_string(::getpid());
  }
  void TearDown() override {
    if (!mtls_url_.empty()) lshrs(cat({"clear", "--yes"}, tls_flags()));
  }
  std::vector<std::string> tls_flags() const {
    return {"--redis", mtls_url_, "--prefix", prefix_,
            "--tls-ca", env_or_empty("LSHRS_TEST_TLS_CA"),
            "--tls-cert", env_or_empty("LSHRS_TEST_TLS_CLIENT_CERT"),
            "--tls-key", env_or_empty("LSHRS_TEST_TLS_CLIENT_KEY"),
            "--timeout", "3"};
  }
  static std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
  std::string mtls_url_, prefix_;
};

TEST_F(CliTlsTest, IndexAndQueryThroughTheTlsFlags) {
  if (mtls_url_.empty()) return;
  const auto base = write_data("base.npy", 400, 16, 9);
  const auto queries = head_rows(base, 3, "queries.npy");
  CliRun r = lshrs(cat({"index", base, "--json", "-q"}, tls_flags()), "", 60);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["store"].get<std::string>().rfind("rediss://", 0), 0u) << r.out;
  // --read-from-replicas on a server without replicas: the master answers.
  r = lshrs(cat({"query", queries, "--vectors", base, "--rerank", "-k", "2", "--json",
                 "--read-from-replicas"},
                tls_flags()),
            "", 60);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  for (std::size_t q = 0; q < 3; ++q) EXPECT_EQ(lines[q]["ids"][0], q);

  // Without the client certificate the mutual-TLS server refuses, in one line.
  r = lshrs({"stats", "--redis", mtls_url_, "--prefix", prefix_, "--tls-ca",
             env_or_empty("LSHRS_TEST_TLS_CA"), "--timeout", "3"},
            "", 30);
  EXPECT_NE(r.code, 0);
  expect_one_error_line(r, "client certificate");
}

TEST_F(CliTlsTest, AWrongCaIsRefusedInOneLineWithoutThePassword) {
  const std::string url = server_url("LSHRS_TEST_REDIS_TLS_URL");
  if (url.empty()) return;
  const std::string secret = "Tls-Sekrit-" + std::to_string(::getpid());
  const std::string with_password = "rediss://:" + secret + "@" + url.substr(url.find("://") + 3);
  const auto base = write_data("base.npy", 20, 8, 3);
  const CliRun r = lshrs({"index", base, "--redis", with_password, "--tls-ca",
                          env_or_empty("LSHRS_TEST_TLS_OTHER_CA"), "--prefix", prefix_, "--timeout", "3"},
                         "", 30);
  EXPECT_EQ(r.code, 3) << r.err;  // a configuration the user must fix, not a flaky server
  expect_one_error_line(r, "unknown CA");
  EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find(secret), std::string::npos) << r.out;
}

}  // namespace
}  // namespace lshrs::testing
