// lshrs CLI — value checks shared by the subcommands' flags, with messages
// that state the accepted range in words ("a whole number >= 1") instead of
// CLI11's numeric bounds (which print DBL_MAX in 300 digits), and the one
// conversion of `--timeout SECONDS` into the milliseconds the stores and
// sources take.
//
// Thread safety: pure functions.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <optional>
#include <string>

namespace lshrs::cli {

// The longest --timeout accepted: a day. Longer waits are better said as 0
// (wait forever) than as a number that overflows a millisecond count.
inline constexpr double kMaxTimeoutSeconds = 86'400;

// Integers >= 1 ("--batch-size: must be a whole number >= 1, got '0'").
CLI::Validator at_least_one();
// Finite numbers >= 0.
CLI::Validator non_negative();
// A number the library's rule accepts (lshrs/option_rules.hpp, e.g.
// top_p_problem): the rule is the library's, CLI11 only names the flag
// ("--top-p: must be in (0, 1] (got 0)"). `type` is the help text's name.
CLI::Validator library_rule(std::optional<std::string> (*problem)(double), const char* type);
// Seconds from 0 (wait forever) to kMaxTimeoutSeconds; refuses nan and inf.
CLI::Validator timeout_seconds();

// A checked --timeout as milliseconds, rounded *up*: 0.0009 s becomes 1 ms,
// never 0 ms (which means "wait forever").
std::chrono::milliseconds timeout_ms(double seconds);

}  // namespace lshrs::cli
