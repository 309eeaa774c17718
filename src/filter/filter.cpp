#include "filter/filter.hpp"

#include <nlohmann/json.hpp>

#include "lshrs/error.hpp"
#include "lshrs/safe_text.hpp"

namespace lshrs {
namespace {

// A filter reads top-level fields and the scalars of top-level arrays, so
// nothing deeper than {"f": [x]} can change its outcome. Deeper values are
// dropped while the text is parsed (their containers stay, with their type),
// so that a hostile attribute never builds a deep tree.
constexpr int kMaxUsefulDepth = 2;

}  // namespace

FilterExpression FilterExpression::parse(std::string_view text) {
  if (text.size() > kMaxTextBytes) {
    throw InvalidArgument("filter \"" + quote_user_text(text, 40) + "\" is " +
                          std::to_string(text.size()) + " bytes long; the limit is " +
                          std::to_string(kMaxTextBytes));
  }
  filter::Program program = filter::compile(text);
  return FilterExpression(std::string(text), std::move(program));
}

bool FilterExpression::matches_json_text(std::string_view json_text) const {
  const nlohmann::json attributes = nlohmann::json::parse(
      json_text.begin(), json_text.end(),
      [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        return depth <= kMaxUsefulDepth;
      },
      /*allow_exceptions=*/false);
  // Invalid JSON parses to a discarded value, which has no fields.
  return matches(attributes);
}

}  // namespace lshrs
