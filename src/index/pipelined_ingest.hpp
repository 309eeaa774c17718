// lshrs internal — one store write in flight while the caller prepares the
// next batch. Index::ingest_from reads and hashes batch k+1 on the calling
// thread while batch k is written on a background thread, so on a 2-core
// machine the client's hashing overlaps Redis' work instead of alternating
// with it. At most one write runs at a time and each starts only after the
// previous one was acknowledged, so writes reach the store in source order.
//
// Thread safety: a BackgroundWriter is driven by one thread; the work it runs
// must be safe to run beside that thread (Index's append/flush are).
#pragma once

#include <exception>
#include <functional>
#include <thread>

namespace lshrs::detail {

class BackgroundWriter {
 public:
  BackgroundWriter() = default;
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;
  // Waits for any write still running (its error is lost: the destructor
  // only runs on a path that already throws, or after wait()).
  ~BackgroundWriter();

  // Starts `write` on a background thread, or runs it here when no thread
  // can be created (the work is kept, never dropped). Precondition: nothing
  // in flight (call wait() first).
  void start(std::function<void()> write);
  // Blocks until the write in flight (if any) finished; rethrows its error.
  void wait();

 private:
  void run() noexcept;

  std::function<void()> job_;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace lshrs::detail
