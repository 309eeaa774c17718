// lshrs — echoing user-typed text in messages without leaking or breaking lines.
//
// Errors and reports quote what the user typed (a Redis URL, a PostgreSQL
// DSN, a path, a prefix, a file's header) so they can see what was wrong.
// Before anything typed is echoed it passes through redact_secrets(), the one
// place that knows where passwords hide: the userinfo of a URL of any scheme,
// known or mistyped (`redis://u:PW@h`, `postgresq://u:PW@h`), a URL without
// a scheme (`u:PW@h`), even when the password holds '/', '?', '#' or '@'; and
// `password=PW` / `password = 'P W'` (libpq keywords, URI query parameters)
// or `"password": "PW"` (JSON). It masks more than it must rather than less
// (a path like `a:b@c` loses `b`). quote_user_text() makes any text safe for
// a one-line message: control characters escaped (`\n`), long text cut.
//
// Thread safety: pure functions.
#pragma once

#include "lshrs/export.hpp"
#include <cstddef>
#include <string>
#include <string_view>

namespace lshrs {

// `text` with every password it may contain replaced by "***".
LSHRS_API std::string redact_secrets(std::string_view text);

// `text` on one line: \n, \r, \t as those escapes, other control bytes and
// bytes that are not well-formed UTF-8 as \xHH, backslashes doubled; longer than `max_chars` it is cut and ends with
// "...". Does not redact: call redact_secrets() first for locations.
LSHRS_API std::string quote_user_text(std::string_view text, std::size_t max_chars = 120);

// A whole message made one printable line: control bytes and bytes that are
// not well-formed UTF-8 escaped as by quote_user_text(), but backslashes
// kept, since the parts of a message that quote user text are escaped
// already (doubling them again would show \\x93 for \x93).
LSHRS_API std::string printable_line(std::string_view text);

}  // namespace lshrs
