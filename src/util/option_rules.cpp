// The range rules of the real-valued options (see lshrs/option_rules.hpp).
#include "lshrs/option_rules.hpp"

#include <sstream>

namespace lshrs {
namespace {

// "(got 0.25)": the value as the user would write it, not to_string's 0.250000.
std::optional<std::string> outside(const char* range, double value) {
  std::ostringstream text;
  text << "must be in " << range << " (got " << value << ")";
  return text.str();
}

}  // namespace

std::optional<std::string> similarity_threshold_problem(double value) {
  if (value > 0.0 && value < 1.0) return std::nullopt;
  return outside("(0, 1)", value);
}

std::optional<std::string> top_p_problem(double value) {
  if (value > 0.0 && value <= 1.0) return std::nullopt;
  return outside("(0, 1]", value);
}

std::optional<std::string> min_similarity_problem(double value) {
  if (value >= -1.0 && value <= 1.0) return std::nullopt;
  return outside("[-1, 1]", value);
}

}  // namespace lshrs
