// lshrs internal — the one retry policy of the Redis layer, and which error
// replies mean "ask again shortly".
//
// Who retries what (one owner per kind, so that retry_attempts means what it
// says):
//  - The transports own replies: a server that answers LOADING, BUSY,
//    MASTERDOWN or READONLY, a Cluster that answers TRYAGAIN or CLUSTERDOWN,
//    and the redirections MOVED / ASK (not counted as attempts: they carry
//    the answer's address). After `attempts` tries the last reply is handed
//    back as it is, and the caller reports it.
//  - RedisStore owns connection loss only: a ConnectionError from the
//    transport makes it resend the whole chunk (every command it sends is
//    idempotent), `attempts` times at most.
// Both count with Backoff, so the delays are the same everywhere.
//
// Thread safety: RetryPolicy is a value; a Backoff belongs to one call.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string_view>
#include <utility>
#include <thread>
#include <vector>

#include "lshrs/error.hpp"
#include "redis/transport/transport.hpp"

namespace lshrs::redis {

// `attempts` tries in all (>= 1), sleeping `initial`, then doubling up to
// `max_delay`, between them.
struct RetryPolicy {
  std::size_t attempts = 4;
  std::chrono::milliseconds initial{50};
  std::chrono::milliseconds max_delay{2000};
};

// Counts the attempts of one call: another() sleeps the next delay and
// returns true while attempts are left, false (without sleeping) once the
// last one has been made.
class Backoff {
 public:
  explicit Backoff(const RetryPolicy& policy) noexcept
      : attempts_(std::max<std::size_t>(policy.attempts, 1)), delay_(policy.initial), max_(policy.max_delay) {}

  bool another() {
    if (made_ >= attempts_) return false;
    ++made_;
    std::this_thread::sleep_for(delay_);
    delay_ = std::min(delay_ * 2, std::max(max_, delay_));
    return true;
  }
  // Tries made so far, the first included.
  std::size_t made() const noexcept { return made_; }
  // Whether the try under way is the last one.
  bool exhausted() const noexcept { return made_ >= attempts_; }

 private:
  std::size_t attempts_;
  std::size_t made_ = 1;  // the first try is made before any another()
  std::chrono::milliseconds delay_;
  std::chrono::milliseconds max_;
};

// A transient error reply: the same command will most likely succeed on the
// same (or, after READONLY / CLUSTERDOWN, the re-discovered) server shortly.
inline bool is_transient_error(std::string_view code) noexcept {
  return code == "LOADING" || code == "BUSY" || code == "MASTERDOWN" || code == "READONLY" ||
         code == "TRYAGAIN" || code == "CLUSTERDOWN";
}

inline bool any_transient(const std::vector<Reply>& replies) noexcept {
  for (const Reply& r : replies) {
    if (is_transient_error(r.error_code())) return true;
  }
  return false;
}

// Runs send() (one pipeline to one server) again while any reply is a
// transient error, at most policy.attempts tries; the last replies are
// returned as they are. on_transient() runs before each retry (e.g. to
// forget a demoted master). The transports' loop for one server.
template <typename Send, typename OnTransient>
std::vector<Reply> resend_while_transient(const RetryPolicy& policy, Send&& send,
                                          OnTransient&& on_transient) {
  Backoff backoff(policy);
  while (true) {
    std::vector<Reply> replies = send();
    if (!any_transient(replies)) return replies;
    on_transient();
    if (!backoff.another()) return replies;
  }
}
template <typename Send>
std::vector<Reply> resend_while_transient(const RetryPolicy& policy, Send&& send) {
  return resend_while_transient(policy, std::forward<Send>(send), [] {});
}

// Runs fn() until it returns without ConnectionError, at most
// policy.attempts times; rethrows the last ConnectionError. Other exceptions
// pass through at once. The store's loop for connection loss.
template <typename Fn>
auto with_retry(const RetryPolicy& policy, Fn&& fn) -> decltype(fn()) {
  Backoff backoff(policy);
  while (true) {
    try {
      return fn();
    } catch (const ConnectionError&) {
      if (!backoff.another()) throw;
    }
  }
}

}  // namespace lshrs::redis
