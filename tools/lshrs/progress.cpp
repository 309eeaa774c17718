// lshrs CLI — ingestion progress on stderr (see progress.hpp).
#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace lshrs::cli {
namespace {

constexpr std::chrono::milliseconds kTtyInterval{200};
constexpr std::chrono::milliseconds kLogInterval{5000};
constexpr int kBarWidth = 28;

std::string bar(double fraction) {
  const int full = static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * kBarWidth));
  return "[" + std::string(static_cast<std::size_t>(full), '#') +
         std::string(static_cast<std::size_t>(kBarWidth - full), '.') + "]";
}

}  // namespace

std::string group_digits(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(std::llround(seconds));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}:{:02}", s / 60, s % 60);
  return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
}

ProgressReporter::ProgressReporter(std::string what, bool quiet)
    : what_(std::move(what)), quiet_(quiet), tty_(isatty(STDERR_FILENO) == 1) {}

IngestOptions ProgressReporter::ingest_options() {
  IngestOptions o;
  if (quiet_) return o;
  o.progress = [this](const IngestProgress& p) { report(p); };
  o.progress_interval = tty_ ? kTtyInterval : kLogInterval;
  return o;
}

void ProgressReporter::report(const IngestProgress& p) {
  std::string line;
  const std::string rate = group_digits(static_cast<std::uint64_t>(p.rows_per_second)) + " rows/s";
  if (p.total_rows && *p.total_rows > 0) {
    const double fraction = static_cast<double>(p.rows_done) / static_cast<double>(*p.total_rows);
    const double eta =
        p.rows_per_second > 0
            ? static_cast<double>(*p.total_rows - std::min(*p.total_rows, p.rows_done)) /
                  p.rows_per_second
            : NAN;
    line = fmt::format("{} {:5.1f}%  {}/{} rows  {}  {}",
                       tty_ ? what_ + " " + bar(fraction) : what_ + ":", fraction * 100,
                       group_digits(p.rows_done), group_digits(*p.total_rows), rate,
                       p.finished ? "done" : "ETA " + format_duration(eta));
  } else {
    line = fmt::format("{}: {} rows  {}{}", what_, group_digits(p.rows_done), rate,
                       p.finished ? "  done" : "");
  }
  if (tty_) {
    // Pad over the previous, possibly longer, line; newline only at the end.
    const std::size_t width = line.size();
    line.append(last_width_ > width ? last_width_ - width : 0, ' ');
    last_width_ = width;
    std::fprintf(stderr, "\r%s%s", line.c_str(), p.finished ? "\n" : "");
  } else {
    std::fprintf(stderr, "lshrs: %s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace lshrs::cli
