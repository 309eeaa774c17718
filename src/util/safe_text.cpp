// Redaction and one-line quoting of user-typed text (see lshrs/safe_text.hpp).
#include "lshrs/safe_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace lshrs {
namespace {

constexpr std::string_view kMask = "***";

// Masks the password of the URL whose authority starts at `start` and which
// ends before `end`: from the first ':' to the *last* '@', so '/', '?' or '@'
// inside an unescaped password are masked too (a parser splitting at the
// first '/' would leave part of it visible).
void mask_userinfo(std::string& s, std::size_t start, std::size_t end) {
  const std::string_view part = std::string_view(s).substr(start, end - start);
  const auto at = part.rfind('@');
  if (at == std::string_view::npos) return;
  const auto colon = part.substr(0, at).find(':');
  if (colon == std::string_view::npos) return;  // a user name alone: no secret
  s.replace(start + colon + 1, at - colon - 1, kMask);
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

void mask_urls(std::string& s) {
  std::size_t scheme = s.find("://");
  if (scheme == std::string::npos) {
    mask_userinfo(s, 0, s.size());  // user:password@host, no scheme
    return;
  }
  while (scheme != std::string::npos) {
    const std::size_t start = scheme + 3;
    // A URL runs to the next white space, not to the next "://": a password
    // may itself hold "://" (the parser takes the userinfo to the last '@').
    std::size_t end = start;
    while (end < s.size() && !is_space(s[end])) ++end;
    const std::size_t before = s.size();
    mask_userinfo(s, start, end);
    end = end + s.size() - before;  // the mask may have changed the length
    scheme = s.find("://", end);
  }
}

// password=PW, password = 'P W', "password": "PW", ?password=PW&...
void mask_keywords(std::string& s) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  constexpr std::string_view kKey = "password";
  std::size_t pos = 0;
  while ((pos = lower.find(kKey, pos)) != std::string::npos) {
    std::size_t i = pos + kKey.size();
    if (i < s.size() && (s[i] == '"' || s[i] == '\'')) ++i;
    while (i < s.size() && is_space(s[i])) ++i;
    if (i >= s.size() || (s[i] != '=' && s[i] != ':')) {
      pos += kKey.size();
      continue;
    }
    ++i;
    while (i < s.size() && is_space(s[i])) ++i;
    std::size_t value = i, end = i;
    if (i < s.size() && (s[i] == '\'' || s[i] == '"')) {
      const char quote = s[i];
      value = i + 1;
      for (end = value; end < s.size() && s[end] != quote; ++end) {
        if (s[end] == '\\') ++end;  // libpq and JSON escapes
      }
      end = std::min(end, s.size());
    } else {
      while (end < s.size() && !is_space(s[end]) && s[end] != '&' && s[end] != ',' &&
             s[end] != '}') {
        ++end;
      }
    }
    if (end > value) {
      s.replace(value, end - value, kMask);
      lower.replace(value, end - value, kMask);
    }
    pos = value + kMask.size();
  }
}

// Bytes of the well-formed UTF-8 character `s` starts with (RFC 3629: no
// overlong forms, no surrogates, at most U+10FFFF), or 0 when it is not one.
std::size_t utf8_length(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

std::string redact_secrets(std::string_view text) {
  std::string out(text);
  mask_keywords(out);
  mask_urls(out);
  return out;
}

namespace {

std::string escape_text(std::string_view text, std::size_t max_chars, bool double_backslashes) {
  std::string out;
  out.reserve(std::min(text.size(), max_chars) + 8);
  auto escape = [&out](unsigned char c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out += buf;
  };
  for (std::size_t i = 0; i < text.size();) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    const char ch = text[i];
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      // Whole UTF-8 characters pass (names in any script); any other high
      // byte (a binary file given as text) is escaped like a control byte.
      const std::size_t n = utf8_length(text.substr(i));
      if (n == 0) {
        escape(c);
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    ++i;
    switch (ch) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += double_backslashes ? "\\\\" : "\\";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          escape(c);
        } else {
          out += ch;
        }
    }
  }
  return out;
}

}  // namespace

std::string quote_user_text(std::string_view text, std::size_t max_chars) {
  return escape_text(text, max_chars, /*double_backslashes=*/true);
}

std::string printable_line(std::string_view text) {
  return escape_text(text, std::string_view::npos, /*double_backslashes=*/false);
}

}  // namespace lshrs
