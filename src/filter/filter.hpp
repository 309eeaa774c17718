// lshrs internal — filter expressions over per-id attributes.
//
// A filter is a boolean expression in the syntax of Redis vector sets'
// FILTER (`.year > 2020 and .lang == "en"`), evaluated against one id's
// attributes, a flat JSON object. It is parsed once into a postfix program
// (filter_program.hpp) that matches() runs without allocating for ordinary
// filters; docs/filters.md is the language's reference. The rule that
// surprises: a filter that reads a field the attributes lack (or hold as a
// nested object) is false as a whole, `not`, `or` and `!=` included, as in
// Redis. Attributes that are not a JSON object have no fields.
//
// An id with no attributes at all is the caller's to refuse before calling:
// Redis never matches such an element, whatever the filter.
//
// Thread safety: a FilterExpression is immutable once parsed; any number of
// threads may call its const members on one object at the same time.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "filter/filter_program.hpp"

namespace lshrs {

class FilterExpression {
 public:
  // Longest filter text accepted, in bytes: a filter is typed by a person or
  // built by a program from a handful of conditions, never megabytes.
  static constexpr std::size_t kMaxTextBytes = 4096;
  // Deepest nesting of parentheses, chained `!`/`not` and right-nested `**`:
  // the parser recurses once per level, so the bound keeps a hostile
  // `((((...` from exhausting the stack.
  static constexpr int kMaxNesting = 64;

  // Throws InvalidArgument, one line naming the filter and the column (1-based,
  // in bytes) of the first error: `filter ".year >> 3": unexpected '>' at column 8`.
  static FilterExpression parse(std::string_view text);

  // Whether `attributes` pass the filter. Never throws: data of the wrong type
  // makes a comparison false, it is not an error.
  bool matches(const nlohmann::json& attributes) const;

  // The same on attributes stored as JSON text. Text that is not JSON has no
  // fields (a filter reading any field is false), as Redis treats it.
  bool matches_json_text(std::string_view json_text) const;

  // The fields the filter reads, sorted, each once: all of them must be present
  // for the filter to be true, which a planner can use to pick an index.
  const std::vector<std::string>& fields() const noexcept { return program_.fields; }

  // The text it was parsed from.
  const std::string& text() const noexcept { return text_; }

 private:
  FilterExpression(std::string text, filter::Program program)
      : text_(std::move(text)), program_(std::move(program)) {}

  std::string text_;
  filter::Program program_;
};

}  // namespace lshrs
