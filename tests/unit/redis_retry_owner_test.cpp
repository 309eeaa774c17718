// One retry owner (src/redis/transport/retry.hpp): the transports retry transient
// replies, the store only connection loss. Here, with no server: the store
// must not retry a TRYAGAIN its transport handed back (the transport already
// tried retry_attempts times), and the shared Backoff counts attempts as
// retry_attempts says.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "lshrs/error.hpp"
#include "lshrs/redis_store.hpp"
#include "redis/transport/retry.hpp"
#include "redis/transport/transport.hpp"

namespace lshrs::testing {
namespace {

using redis::Command;
using redis::Reply;

// Answers every command with one error reply, or throws ConnectionError.
class RefusingTransport final : public redis::Transport {
 public:
  explicit RefusingTransport(std::string error, bool drop_link = false)
      : error_(std::move(error)), drop_link_(drop_link) {}
  std::vector<Reply> execute(std::span<const Command> commands) override {
    ++calls;
    if (drop_link_) throw ConnectionError("injected: connection reset");
    std::vector<Reply> out(commands.size());
    for (Reply& r : out) {
      r.kind = Reply::Kind::kError;
      r.text = error_;
    }
    return out;
  }
  void for_each_master(
      const std::function<void(const std::string&, const redis::NodeExecutor&)>& fn) override {
    fn("refusing", [this](std::span<const Command> c) { return execute(c); });
  }
  std::string describe() const override { return "refusing"; }

  std::atomic<int> calls{0};

 private:
  std::string error_;
  bool drop_link_;
};

RedisOptions four_quick_attempts() {
  RedisOptions o;
  o.retry_attempts = 4;
  o.retry_backoff = std::chrono::milliseconds(1);
  return o;
}

TEST(RetryOwner, TheStoreDoesNotRetryATransientReplyItsTransportGaveUpOn) {
  auto owned = std::make_unique<RefusingTransport>("TRYAGAIN Multiple keys request during rehashing of slot");
  RefusingTransport* transport = owned.get();
  RedisStore store(four_quick_attempts(), std::move(owned));
  const BucketRef ref{0, std::string(1, '\x01')};
  try {
    store.members("p", std::span(&ref, 1));
    FAIL() << "a TRYAGAIN reply must fail the call";
  } catch (const ConnectionError& e) {
    FAIL() << "not a lost connection: " << e.what();
  } catch (const StorageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("TRYAGAIN"), std::string::npos) << what;
    EXPECT_NE(what.find("after 4 attempts"), std::string::npos) << what;
  }
  EXPECT_EQ(transport->calls.load(), 1) << "the transport owns the retries of replies";
}

TEST(RetryOwner, TheStoreResendsOnConnectionLossRetryAttemptsTimes) {
  auto owned = std::make_unique<RefusingTransport>("", /*drop_link=*/true);
  RefusingTransport* transport = owned.get();
  RedisStore store(four_quick_attempts(), std::move(owned));
  const BucketRef ref{0, std::string(1, '\x01')};
  try {
    store.members("p", std::span(&ref, 1));
    FAIL() << "a lost link must fail the call";
  } catch (const ConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("gave up after 4 attempts"), std::string::npos) << e.what();
  }
  EXPECT_EQ(transport->calls.load(), 4);
}

TEST(RetryOwner, BackoffMakesExactlyTheAttemptsAsked) {
  redis::RetryPolicy policy;
  policy.attempts = 3;
  policy.initial = std::chrono::milliseconds(0);
  redis::Backoff backoff(policy);
  int tries = 1;  // the first try needs no another()
  while (backoff.another()) ++tries;
  EXPECT_EQ(tries, 3);
  EXPECT_TRUE(backoff.exhausted());
}

TEST(RetryOwner, ResendWhileTransientStopsAtTheAttemptsAndHandsTheReplyBack) {
  redis::RetryPolicy policy;
  policy.attempts = 4;
  policy.initial = std::chrono::milliseconds(0);
  int sends = 0;
  const auto replies = redis::resend_while_transient(policy, [&] {
    ++sends;
    Reply r;
    r.kind = Reply::Kind::kError;
    r.text = sends < 3 ? "LOADING Redis is loading the dataset in memory" : "BUSY script";
    return std::vector<Reply>{r};
  });
  EXPECT_EQ(sends, 4);
  EXPECT_EQ(replies.front().error_code(), "BUSY");
  int until_ok = 0;
  const auto ok = redis::resend_while_transient(policy, [&] {
    Reply r;
    r.kind = ++until_ok < 2 ? Reply::Kind::kError : Reply::Kind::kStatus;
    r.text = until_ok < 2 ? "READONLY You can't write against a read only replica." : "OK";
    return std::vector<Reply>{r};
  });
  EXPECT_EQ(until_ok, 2);
  EXPECT_EQ(ok.front().text, "OK");
}

}  // namespace
}  // namespace lshrs::testing
