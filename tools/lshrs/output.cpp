// lshrs CLI — tables and JSON (see output.hpp).
#include "output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ostream>

namespace lshrs::cli {
namespace {

bool numeric(const std::string& cell) {
  if (cell.empty()) return false;
  const char c = cell.front();
  return std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '+' || c == '.';
}

std::size_t display_width(const std::string& s) {
  // UTF-8: count code points, not bytes (for "≥", "×" in headers).
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

Table::Table(std::vector<std::string> header) : header_(std::move(header)) {}

void Table::add(std::vector<std::string> row) {
  row.resize(header_.size());
  rows_.push_back(std::move(row));
}

void Table::print(std::ostream& out) const {
  std::vector<std::size_t> width(header_.size());
  for (std::size_t c = 0; c < header_.size(); ++c) {
    width[c] = display_width(header_[c]);
    for (const auto& row : rows_) width[c] = std::max(width[c], display_width(row[c]));
  }
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string text;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::size_t pad = width[c] - display_width(cells[c]);
      const bool right = !header && numeric(cells[c]);
      if (c > 0) text += "  ";
      if (right) text.append(pad, ' ');
      text += cells[c];
      if (!right && c + 1 < cells.size()) text.append(pad, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << '\n';
  };
  line(header_, true);
  std::vector<std::string> rule;
  for (std::size_t w : width) rule.emplace_back(w, '-');
  line(rule, true);
  for (const auto& row : rows_) line(row, false);
}

void print_pairs(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::size_t width = 0;
  for (const auto& [k, v] : pairs) width = std::max(width, display_width(k));
  for (const auto& [k, v] : pairs) {
    out << k << std::string(width - display_width(k) + 2, ' ') << v << '\n';
  }
}

std::string shape_text(HashFamily family, std::size_t bands, std::size_t rows) {
  return fmt::format("{} band{} x {} {}", bands, bands == 1 ? "" : "s", rows,
                     family == HashFamily::kKMeans ? "bits" : rows == 1 ? "row" : "rows");
}

std::string fixed(double v, int decimals) { return fmt::format("{:.{}f}", v, decimals); }

std::string human_count(double n) {
  if (n >= 1e9) return fmt::format("{:.2f}G", n / 1e9);
  if (n >= 1e6) return fmt::format("{:.2f}M", n / 1e6);
  if (n >= 1e4) return fmt::format("{:.1f}k", n / 1e3);
  return fmt::format("{:.0f}", n);
}

std::string human_bytes(double bytes) {
  if (bytes >= 1024.0 * 1024 * 1024)
    return fmt::format("{:.2f} GiB", bytes / (1024.0 * 1024 * 1024));
  if (bytes >= 1024.0 * 1024) return fmt::format("{:.2f} MiB", bytes / (1024.0 * 1024));
  if (bytes >= 1024.0) return fmt::format("{:.1f} KiB", bytes / 1024.0);
  return fmt::format("{:.0f} B", bytes);
}

Json stats_json(const IndexStats& s) {
  Json j;
  j["prefix"] = s.config.prefix;
  j["store"] = s.store;
  j["config"] = {{"family", family_name(s.config.family)},
                 {"dim", s.config.dim},
                 {"num_perm", s.config.num_perm},
                 {"num_bands", s.config.num_bands},
                 {"rows_per_band", s.config.rows_per_band},
                 {"similarity_threshold", s.config.similarity_threshold},
                 {"buffer_size", s.config.buffer_size},
                 {"seed", s.config.seed}};
  const StoreStats& st = s.storage;
  j["ids"] = st.ids ? Json(*st.ids) : Json(nullptr);
  j["buckets"] = st.buckets;
  j["buckets_per_band"] = st.buckets_per_band;
  j["bucket_size"] = {{"mean", st.mean_bucket_size},
                      {"p50", st.p50_bucket_size},
                      {"p99", st.p99_bucket_size},
                      {"max", st.max_bucket_size},
                      {"sampled", st.sizes_sampled}};
  j["bytes_per_vector"] = st.bytes_per_vector ? Json(*st.bytes_per_vector) : Json(nullptr);
  j["buffered"] = s.buffered;
  j["unfinished_ranges"] = st.unfinished_ranges;
  j["warnings"] = st.warnings;
  j["query_defaults"] = {{"probes", s.config.query_defaults.probes},
                         {"max_candidates", s.config.query_defaults.max_candidates
                                                ? Json(*s.config.query_defaults.max_candidates)
                                                : Json(nullptr)}};
  return j;
}

}  // namespace lshrs::cli
