// The `lshrs` tool against hostile input and faults (issue 8 items 9, 11, 13
// and issue 12 item 5): no password in any output or file, every wait
// bounded, one-line errors that name the flag, exit codes by component.
// The PostgreSQL cases use the test server (LSHRS_TEST_PG_DSN); the rest
// need none: a silent server is a listening socket that never answers.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "integration/cli_test_env.hpp"
#include "integration/postgres_test_env.hpp"
#include "lshrs/config.hpp"

namespace lshrs::testing {
namespace {

constexpr const char* kRedisSecret = "Sup3rS3cretPW";
constexpr const char* kPgSecret = "PgS3cretPass";

void expect_no(const std::string& text, const std::string& secret) {
  EXPECT_EQ(text.find(secret), std::string::npos) << "the secret leaked: " << text;
}

// A TCP port that accepts connections (the kernel's backlog) but never
// answers: every read from it waits until the client's timeout.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

class CliHardeningTest : public CliTest {
 protected:
  // Like lshrs(), but killed after `limit` seconds (exit 124) if it hangs.
  CliRun lshrs_within(double limit, const std::vector<std::string>& args) {
    return lshrs(args, "", limit);
  }
};

// ---- 9: secrets --------------------------------------------------------------

TEST_F(CliHardeningTest, BenchReportCommandHasNoPassword) {
  const auto base = write_data("base.npy", 200, 8, 1);
  const auto queries = head_rows(base, 5, "queries.npy");
  const auto report = dir_ / "bench.json";
  const std::string url = std::string("redis://app:") + kRedisSecret + "@127.0.0.1:1/0";
  const CliRun r = lshrs({"bench", "--store", "memory", "--redis", url, "--base", base, "--queries",
                          queries, "--k", "3", "--json", report.string(), "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string text = slurp(report);
  const json j = json::parse(text);
  EXPECT_NE(j["command"].get<std::string>().find("redis://app:***@127.0.0.1:1/0"),
            std::string::npos)
      << j["command"];
  expect_no(text, kRedisSecret);
  expect_no(r.out + r.err, kRedisSecret);
}

TEST_F(CliHardeningTest, MalformedRedisUrlsNeverShowThePassword) {
  const std::vector<std::string> urls = {
      // '/' and '?' in the password, then a bad port: the port is what is blamed.
      std::string("redis://app:") + "Sup3r/S3cret?PW" + "@127.0.0.1:notaport/0",
      std::string("redis://app:") + kRedisSecret + "/x@127.0.0.1:99999",
      // no scheme
      std::string("app:") + kRedisSecret + "@127.0.0.1:6379",
      // a mistyped scheme
      std::string("rdis://app:") + kRedisSecret + "@127.0.0.1",
  };
  for (const auto& url : urls) {
    const CliRun r = lshrs({"stats", "--redis", url, "--prefix", "p"});
    EXPECT_EQ(r.code, 2) << url << ": " << r.err;
    expect_one_error_line(r, "--redis");
    expect_no(r.err, kRedisSecret);
    expect_no(r.err, "S3cret");
  }
}

TEST_F(CliHardeningTest, PasswordWithSlashIsParsedNotMistakenForThePort) {
  // Well-formed but for the unescaped '/': it must reach the connect (and
  // fail there, nothing listens on port 1) instead of "port 'Sup3r'".
  const std::string url = std::string("redis://app:Sup3r/") + kRedisSecret + "@127.0.0.1:1/0";
  const CliRun r = lshrs({"stats", "--redis", url, "--prefix", "p", "--timeout", "2"});
  EXPECT_EQ(r.code, 4) << r.err;
  expect_one_error_line(r, "127.0.0.1:1");
  expect_no(r.err, kRedisSecret);
}

TEST_F(CliHardeningTest, MistypedPostgresUriNeverShowsThePassword) {
  const std::string uri = std::string("postgresq://app:") + kPgSecret + "@127.0.0.1:1/db";
  const CliRun r = lshrs({"index", "--store", "memory", "--from", uri, "--table", "t"});
  EXPECT_EQ(r.code, 2) << r.err;
  expect_one_error_line(r, "cannot tell the format");
  expect_no(r.err, kPgSecret);
}

TEST_F(CliHardeningTest, BrokenMetadataJsonNeverQuotesThePassword) {
  const auto model = dir_ / "model";
  std::filesystem::create_directories(model);
  // A syntax error right after the password: nlohmann's "last read" excerpt
  // would quote it.
  std::ofstream(model / "metadata.json")
      << R"({"version": "0.1", "redis_config": {"password": "Hunter2SecretPW" oops}})";
  const auto base = write_data("base.npy", 20, 4, 2);
  const CliRun r = lshrs({"index", "--store", "memory", "--model", model.string(), base});
  EXPECT_EQ(r.code, 3) << r.err;
  expect_one_error_line(r, "not valid JSON");
  expect_no(r.err, "Hunter2SecretPW");
}

// ---- 11: bounded waits --------------------------------------------------------

TEST_F(CliHardeningTest, SubMillisecondTimeoutDoesNotMeanWaitForever) {
  SilentServer silent;
  const std::string url = "redis://127.0.0.1:" + std::to_string(silent.port());
  const auto start = Clock::now();
  const CliRun r =
      lshrs_within(20, {"stats", "--redis", url, "--prefix", "p", "--timeout", "0.0009"});
  EXPECT_NE(r.code, 124) << "--timeout 0.0009 waited forever";
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_LT(seconds_since(start), 10.0);
  // 13: the message names the CLI's flag, not the library's options struct.
  expect_one_error_line(r, "--timeout");
  EXPECT_EQ(r.err.find("RedisOptions"), std::string::npos) << r.err;
}

TEST_F(CliHardeningTest, FifosAreRefusedBeforeOpenBlocks) {
  auto fifo = [&](const std::filesystem::path& p) {
    std::filesystem::create_directories(p.parent_path());
    ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0) << p;
  };
  fifo(dir_ / "x.npy");
  fifo(dir_ / "x.fvecs");
  for (const char* name : {"x.npy", "x.fvecs"}) {
    const CliRun r = lshrs_within(20, {"index", "--store", "memory", (dir_ / name).string()});
    EXPECT_EQ(r.code, 3) << name << ": " << r.err;
    expect_one_error_line(r, "not a regular file");
  }
  // A model directory whose metadata.json, then projections.npz, is a FIFO.
  const auto base = write_data("base.npy", 50, 4, 3);
  const auto good = dir_ / "good";
  ASSERT_EQ(lshrs({"index", "--store", "memory", base, "--save-model", good.string(), "-q"}).code,
            0);
  for (const char* name : {"metadata.json", "projections.npz"}) {
    const auto model = dir_ / (std::string("m-") + name);
    std::filesystem::copy(good, model);
    std::filesystem::remove(model / name);
    fifo(model / name);
    const CliRun r =
        lshrs_within(20, {"index", "--store", "memory", "--model", model.string(), base});
    EXPECT_EQ(r.code, 3) << name << ": " << r.err;
    expect_one_error_line(r, "not a regular file");
  }
}

// ---- 13: one-line errors that say the accepted range and the flag ------------

TEST_F(CliHardeningTest, OutOfRangeValuesStateTheRangeInWords) {
  const auto base = write_data("base.npy", 20, 4, 4);
  struct Case {
    std::string flag;
    std::vector<std::string> args;
  };
  const std::vector<Case> cases = {
      {"--timeout", {"index", "--store", "memory", base, "--timeout", "-1"}},
      {"--batch-size", {"index", "--store", "memory", base, "--batch-size", "0"}},
      {"--dim", {"index", "--store", "memory", base, "--dim", "0"}},
      {"--bands", {"index", "--store", "memory", base, "--bands", "0", "--rows-per-band", "4"}},
      {"--max-candidates",
       {"query", base, "--store", "memory", "--from", base, "--max-candidates", "0"}},
  };
  for (const auto& c : cases) {
    const CliRun r = lshrs(c.args);
    EXPECT_EQ(r.code, 2) << r.err;
    expect_one_error_line(r, c.flag);
    EXPECT_LT(r.err.size(), 240u) << "a huge bound was printed: " << r.err;
    EXPECT_EQ(r.err.find("1797693"), std::string::npos) << r.err;
    const char* range = c.flag == "--timeout" ? "from 0" : "whole number >= 1";
    EXPECT_NE(r.err.find(range), std::string::npos) << r.err;
  }
}

TEST_F(CliHardeningTest, AbsurdTimeoutsBlameTimeoutNotRedis) {
  for (const char* value : {"1e300", "nan", "inf"}) {
    const CliRun r = lshrs({"stats", "--prefix", "p", "--timeout", value});
    EXPECT_EQ(r.code, 2) << value << ": " << r.err;
    expect_one_error_line(r, "--timeout");
    EXPECT_EQ(r.err.find("--redis"), std::string::npos) << r.err;
  }
}

TEST_F(CliHardeningTest, NewlinesInHeadersAndPrefixesAreEscaped) {
  // An .npy whose header dict spans lines and is malformed.
  std::string header = "{'descr': '<f4',\n 'fortran_order': False,\n 'shape': (2, oops), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(32, '\0');
  const auto bad = dir_ / "bad.npy";
  std::ofstream(bad, std::ios::binary) << bytes;
  const CliRun npy = lshrs({"index", "--store", "memory", bad.string()});
  EXPECT_EQ(npy.code, 3) << npy.err;
  expect_one_error_line(npy, "header");

  // A prefix with a newline, echoed in the dimension error.
  const auto base = write_data("base.npy", 20, 4, 5);
  const CliRun p =
      lshrs({"query", "-", "--store", "memory", "--from", base, "--prefix", "a\nb"}, "[[1, 2, 3]]");
  EXPECT_EQ(p.code, 3) << p.err;
  expect_one_error_line(p, "\"a\\nb\"");
}

#if LSHRS_WITH_POSTGRES
// ---- 12.5: errors by component ---------------------------------------------------

TEST_F(CliHardeningTest, UnreachablePostgresIsNotReportedAsRedis) {
  SilentServer silent;  // accepts, never answers the startup packet
  const std::string dsn = "postgresql://app:" + std::string(kPgSecret) +
                          "@127.0.0.1:" + std::to_string(silent.port()) + "/db";
  // Refused: nothing listens on port 1.
  const std::string refused = "postgresql://app:" + std::string(kPgSecret) + "@127.0.0.1:1/db";
  const CliRun r = lshrs_within(
      30, {"index", "--store", "memory", "--from", refused, "--table", "items", "--timeout", "3"});
  EXPECT_EQ(r.code, 6) << r.err;
  expect_one_error_line(r, "PostgreSQL");
  EXPECT_EQ(r.err.find("Redis"), std::string::npos) << r.err;
  expect_no(r.err, kPgSecret);
  // Silent: connects, never answers the startup: bounded by --timeout.
  const auto start = Clock::now();
  const CliRun s = lshrs_within(
      30, {"index", "--store", "memory", "--from", dsn, "--table", "items", "--timeout", "2"});
  EXPECT_EQ(s.code, 6) << s.err;
  EXPECT_LT(seconds_since(start), 15.0);
  expect_no(s.err, kPgSecret);
}

class CliPostgresTest : public CliHardeningTest {
 protected:
  void SetUp() override {
    CliHardeningTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    dsn_ = pg_dsn();
    LSHRS_REQUIRE_PG(dsn_);
    table_ = unique_table("cli_slow");
    tables_.add(table_);
    psql(dsn_, "CREATE TABLE " + table_ +
                   " (id bigint PRIMARY KEY, embedding real[]);"
                   "INSERT INTO " +
                   table_ + " SELECT g, ARRAY[g, 1, 2]::real[] FROM generate_series(1, 20) g");
  }
  std::string dsn_, table_;
  TableGuard tables_{pg_dsn()};
};

TEST_F(CliPostgresTest, SlowQueryIsCutByTheTimeout) {
  const auto start = Clock::now();
  const CliRun r =
      lshrs_within(60, {"index", "--store", "memory", "--from", "postgres", "--dsn", dsn_, "--sql",
                        "SELECT id, embedding FROM " + table_ + " WHERE pg_sleep(30) IS NOT NULL",
                        "--timeout", "1"});
  EXPECT_EQ(r.code, 6) << r.err;
  EXPECT_LT(seconds_since(start), 10.0);
  expect_one_error_line(r, "--timeout");
  // And the normal read still works within the same limit.
  const CliRun ok = lshrs({"index", "--store", "memory", "--from", "postgres", "--dsn", dsn_,
                           "--table", table_, "--timeout", "1", "-q"});
  EXPECT_EQ(ok.code, 0) << ok.err;
}

// A 10,000-character --table: the line is bounded and keeps PostgreSQL's
// reason at its end (before, 4,018 bytes of the name, cut before the reason).
TEST_F(CliPostgresTest, AHugeTableNameKeepsTheReasonOnABoundedLine) {
  const std::string name(10'000, 't');
  const CliRun r = lshrs({"index", "--store", "memory", "--from", "postgres", "--dsn", dsn_,
                          "--table", name, "-q"});
  EXPECT_NE(r.code, 0);
  expect_one_error_line(r, "[...]");
  EXPECT_LT(r.err.size(), 1000u) << r.err.size();
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
}

#endif  // LSHRS_WITH_POSTGRES

}  // namespace
}  // namespace lshrs::testing
