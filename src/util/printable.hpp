// lshrs internal — quoting untrusted text (file headers, URLs, keys) in
// error messages, which must stay one short line whatever the input holds.
//
// Thread safety: pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lshrs::util {

// `text` without its trailing spaces and newlines, quoted by quote_user_text()
// (control bytes escaped, at most about `max` characters, then "...").
std::string printable(std::string_view text, std::size_t max);

}  // namespace lshrs::util
