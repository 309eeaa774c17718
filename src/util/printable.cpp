// Untrusted text made safe to quote in a one-line message (see printable.hpp):
// the escaping itself is quote_user_text's (lshrs/safe_text.hpp), the one
// quoting rule of the project; this adds only the trimming of padding.
#include "util/printable.hpp"

#include "lshrs/safe_text.hpp"

namespace lshrs::util {

std::string printable(std::string_view text, std::size_t max) {
  text = text.substr(0, text.find_last_not_of(" \n") + 1);  // .npy headers end in padding
  return quote_user_text(text, max);
}

}  // namespace lshrs::util
