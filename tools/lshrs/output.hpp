// lshrs CLI — human-readable tables and JSON output on stdout.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lshrs/index.hpp"

namespace lshrs::cli {

// A plain-text table: columns sized to their widest cell, numbers (cells that
// start with a digit, sign or '.') right-aligned, the header underlined.
class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void add(std::vector<std::string> row);
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// Two columns of "name  value" lines, for stats and summaries.
void print_pairs(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& pairs);

// Compact number formatting for tables: "12.3k", "4.56M".
std::string human_count(double n);
std::string human_bytes(double bytes);
std::string fixed(double v, int decimals);
// "16 bands x 8 rows", "1 band x 11 bits" (k-means: a band's rows are its bits).
std::string shape_text(HashFamily family, std::size_t bands, std::size_t rows);

// JSON objects keep their keys in insertion order (readable output).
using Json = nlohmann::ordered_json;

Json stats_json(const IndexStats& s);

}  // namespace lshrs::cli
