#include "index/pipelined_ingest.hpp"

#include <utility>

namespace lshrs::detail {

BackgroundWriter::~BackgroundWriter() {
  if (!pending_.valid()) return;
  try {
    pending_.get();
  } catch (...) {
    // Reported by no one: we are already unwinding from another error.
  }
}

void BackgroundWriter::start(std::function<void()> write) {
  pending_ = std::async(std::launch::async, std::move(write));
}

void BackgroundWriter::wait() {
  if (!pending_.valid()) return;
  std::future<void> done = std::move(pending_);
  done.get();
}

}  // namespace lshrs::detail
