// lshrs CLI — flag value checks (see flag_checks.hpp).
#include "flag_checks.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

#include "lshrs/safe_text.hpp"

namespace lshrs::cli {
namespace {

std::string got(const std::string& text) { return ", got '" + quote_user_text(text, 40) + "'"; }

// The whole of `text` as a double, or NaN when it is not one number.
double parse_double(const std::string& text) {
  if (text.empty()) return std::nan("");
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() ? v : std::nan("");
}

}  // namespace

CLI::Validator at_least_one() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const bool digits =
            !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        if (digits && text.find_first_not_of('0') != std::string::npos) return {};
        return "must be a whole number >= 1" + got(text);
      },
      "INT>=1");
}

CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const double v = parse_double(text);
        if (std::isfinite(v) && v >= 0) return {};
        return "must be a number >= 0" + got(text);
      },
      "NUMBER>=0");
}

CLI::Validator library_rule(std::optional<std::string> (*problem)(double), const char* type) {
  return CLI::Validator(
      [problem](std::string& text) -> std::string {
        const double v = parse_double(text);
        if (std::isnan(v)) return "must be a number" + got(text);
        return problem(v).value_or("");
      },
      type);
}

CLI::Validator timeout_seconds() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const double v = parse_double(text);
        if (std::isfinite(v) && v >= 0 && v <= kMaxTimeoutSeconds) return {};
        return "must be a number of seconds from 0 (wait forever) to 86400 (a day)" + got(text);
      },
      "SECONDS");
}

std::chrono::milliseconds timeout_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000.0)));
}

}  // namespace lshrs::cli
