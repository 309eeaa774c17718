// lshrs CLI — ingestion progress on stderr.
//
// On a terminal: one self-overwriting line with a bar, rows, rows/s and ETA
// (the bar and ETA only when the source knows its size). Otherwise (a log, a
// pipe, CI): a plain line every few seconds. Silent when quiet.
#pragma once

#include <chrono>
#include <string>

#include "lshrs/source.hpp"

namespace lshrs::cli {

class ProgressReporter {
 public:
  ProgressReporter(std::string what, bool quiet);
  // Options whose callback reports to this object (which must outlive them).
  IngestOptions ingest_options();
  void report(const IngestProgress& p);

 private:
  std::string what_;
  bool quiet_;
  bool tty_;
  std::size_t last_width_ = 0;
};

// "1,234,567"
std::string group_digits(std::uint64_t n);
// "1:02:03" / "2:03" / "5s"
std::string format_duration(double seconds);

}  // namespace lshrs::cli
