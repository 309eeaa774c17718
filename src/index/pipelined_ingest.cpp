#include "index/pipelined_ingest.hpp"

#include <system_error>
#include <utility>

namespace lshrs::detail {

BackgroundWriter::~BackgroundWriter() {
  // Reported by no one: we are already unwinding from another error.
  if (thread_.joinable()) thread_.join();
}

void BackgroundWriter::run() noexcept {
  try {
    job_();
  } catch (...) {
    error_ = std::current_exception();
  }
  job_ = nullptr;
}

void BackgroundWriter::start(std::function<void()> write) {
  job_ = std::move(write);
  error_ = nullptr;
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error&) {
    run();  // out of threads: serial, as before the pipeline
  }
}

void BackgroundWriter::wait() {
  if (thread_.joinable()) thread_.join();
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

}  // namespace lshrs::detail
