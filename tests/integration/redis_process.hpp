// A private redis-server child process for tests that must crash, restart
// or reconfigure a server (the shared test servers of scripts/test must not
// be): from PATH, or LSHRS_TEST_REDIS_SERVER, on a port the test chooses.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "lshrs/error.hpp"
#include "redis/transport/connection.hpp"

namespace lshrs::testing {

// One redis-server child process with an append-only file in `dir` (or,
// not persistent, with no persistence at all: a restart loses everything).
class RedisProcess {
 public:
  // `extra`: further server arguments, e.g. {"--maxmemory-policy", "allkeys-random"}.
  RedisProcess(std::filesystem::path dir, int port, bool persistent = true,
               std::vector<std::string> extra = {})
      : dir_(std::move(dir)), port_(port), persistent_(persistent), extra_(std::move(extra)) {}
  ~RedisProcess() { kill_hard(); }
  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;

  // Starts the server and waits until it answers PING (AOF loaded).
  void start() {
    const char* env = std::getenv("LSHRS_TEST_REDIS_SERVER");
    const std::string binary = env != nullptr && *env != '\0' ? env : "redis-server";
    const std::string port = std::to_string(port_), dir = dir_.string();
    std::vector<std::string> args = {binary, "--bind", "127.0.0.1", "--port", port, "--dir", dir,
                                     "--appendonly", persistent_ ? "yes" : "no", "--appendfsync",
                                     "always", "--save", "", "--daemonize", "no", "--logfile",
                                     "redis.log"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    ASSERT_GE(pid_, 0) << "fork failed";
    if (pid_ == 0) {
      ::execvp(binary.c_str(), argv.data());
      ::_exit(127);  // exec failed
    }
    redis::ConnectionSettings settings;
    settings.connect_timeout = std::chrono::milliseconds(200);
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      ASSERT_EQ(::waitpid(pid_, &status, WNOHANG), 0)
          << binary << " exited at start (status " << status << "); see " << dir << "/redis.log";
      try {
        redis::Connection::open({"127.0.0.1", port_, ""}, settings);
        return;
      } catch (const ConnectionError&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    FAIL() << binary << " did not answer on port " << port_;
  }

  void kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

 private:
  std::filesystem::path dir_;
  int port_;
  bool persistent_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
};

}  // namespace lshrs::testing
