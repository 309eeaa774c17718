// Where the integration tests find their redis-servers (set by scripts/test,
// see scripts/lib/redis.sh), and small helpers shared by the Redis suites.
// Under CI a missing server is a test failure; locally the test is skipped.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "lshrs/redis_store.hpp"

namespace lshrs::testing {

// Skips (locally) or fails (when CI is set) the current test; for SetUp().
inline void report_missing_server(const char* variable) {
  if (std::getenv("CI") != nullptr) {
    GTEST_FAIL() << variable << " is not set: scripts/test must start redis-server (CI is set, "
                 << "so a missing server is a failure, not a skip)";
  }
  GTEST_SKIP() << variable << " is not set; run through scripts/test to start redis-server";
}

// The URL in `variable`, or "" after skipping/failing the current test.
inline std::string server_url(const char* variable) {
  const char* value = std::getenv(variable);
  if (value != nullptr && *value != '\0') return value;
  report_missing_server(variable);
  return {};
}

inline RedisOptions redis_options(const std::string& url) {
  RedisOptions o;
  o.url = url;
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.command_timeout = std::chrono::milliseconds(5000);
  return o;
}

// Options for the single test server / the test Cluster, routing forced;
// an empty url after skipping/failing.
inline RedisOptions single_server_options() {
  RedisOptions o = redis_options(server_url("LSHRS_TEST_REDIS_URL"));
  o.cluster = ClusterMode::kOff;
  return o;
}
inline RedisOptions cluster_server_options() {
  RedisOptions o = redis_options(server_url("LSHRS_TEST_REDIS_CLUSTER_URL"));
  o.cluster = ClusterMode::kOn;
  return o;
}

// A store on the single test server, or null after skipping/failing.
inline std::shared_ptr<RedisStore> single_store(bool track_signatures = true) {
  const std::string url = server_url("LSHRS_TEST_REDIS_URL");
  if (url.empty()) return nullptr;
  RedisOptions o = redis_options(url);
  o.track_signatures = track_signatures;
  o.cluster = ClusterMode::kAuto;  // exercises the detection: a single server
  return std::make_shared<RedisStore>(o);
}

// Forks a process for each writer number w in [first, last), each running
// work(store, w) on a RedisStore of its own (exit status 0 when it returns,
// 1 when it throws): writers that share nothing but the server.
template <typename Work>
std::vector<pid_t> fork_writers(const RedisOptions& options, int first, int last, Work work) {
  std::vector<pid_t> children;
  for (int w = first; w < last; ++w) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      ADD_FAILURE() << "fork failed";
      break;
    }
    if (pid == 0) {
      int rc = 0;
      try {
        RedisStore own(options);
        work(own, w);
      } catch (...) {
        rc = 1;
      }
      ::_exit(rc);
    }
    children.push_back(pid);
  }
  return children;
}

// Waits for fork_writers()' processes; one that failed fails the test.
inline void expect_writers_succeeded(const std::vector<pid_t>& children) {
  for (const pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a writer process failed";
  }
}

// A loopback TCP port nobody listens on right now (bound, then released).
inline int unused_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "cannot find a free loopback port";
  }
  if (fd >= 0) ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace lshrs::testing
