#include "filter/filter_lexer.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

#include "lshrs/safe_text.hpp"

namespace lshrs::filter {
namespace {

// ASCII only, whatever the locale: a filter means the same on every machine.
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool is_field_char(char c) { return is_alpha(c) || is_digit(c) || c == '_' || c == '-'; }

bool is_operand_end(TokenKind kind) {
  switch (kind) {
    case TokenKind::kNumber:
    case TokenKind::kString:
    case TokenKind::kField:
    case TokenKind::kTrue:
    case TokenKind::kFalse:
    case TokenKind::kNull:
    case TokenKind::kRightParen:
    case TokenKind::kRightBracket:
      return true;
    default:
      return false;
  }
}

Token make(TokenKind kind, std::size_t offset, std::size_t length) {
  Token t;
  t.kind = kind;
  t.offset = offset;
  t.length = length;
  return t;
}

// Redis's escapes in string literals (those its attribute reader resolves):
// \n \r \t, and a backslash before any other byte stands for that byte, so
// that \" \' \\ work and a stray backslash is no error.
char unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    default:
      return c;
  }
}

}  // namespace

std::string quoted_char_at(std::string_view text, std::size_t offset) {
  if (offset >= text.size()) return "end of filter";
  const auto lead = static_cast<unsigned char>(text[offset]);
  const std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return "'" + quote_user_text(text.substr(offset, length), 4) + "'";
}

bool Lexer::operand_expected() const { return !is_operand_end(previous_); }

Token Lexer::next() {
  while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  Token t;
  const std::size_t start = pos_;
  if (pos_ == text_.size()) {
    t = make(TokenKind::kEnd, start, 0);
  } else {
    const char c = text_[pos_];
    const bool signed_number =
        c == '-' && operand_expected() && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1]);
    if (is_digit(c) || signed_number) {
      t = lex_number(start);
    } else if (c == '"' || c == '\'') {
      t = lex_string(start);
    } else if (c == '.') {
      t = lex_field(start);
    } else if (is_alpha(c)) {
      t = lex_word(start);
    } else {
      t = lex_symbol(start);
    }
  }
  previous_ = t.kind;
  return t;
}

// Digits, '.', and an exponent; Redis's own rule (strtod over those
// characters) without its gap: a signed exponent (1e-3) is accepted too.
Token Lexer::lex_number(std::size_t start) {
  std::size_t end = start + 1;
  while (end < text_.size()) {
    const char c = text_[end];
    const char before = text_[end - 1];
    if (is_digit(c) || c == '.' || c == 'e' || c == 'E' ||
        ((c == '-' || c == '+') && (before == 'e' || before == 'E'))) {
      ++end;
    } else {
      break;
    }
  }
  const std::string_view spelled = text_.substr(start, end - start);
  Token t = make(TokenKind::kNumber, start, end - start);
  const auto [stop, error] =
      std::from_chars(spelled.data(), spelled.data() + spelled.size(), t.number);
  if (error != std::errc{} || stop != spelled.data() + spelled.size() || !std::isfinite(t.number)) {
    throw SyntaxError{"malformed number '" + quote_user_text(spelled, 40) + "'", start};
  }
  pos_ = end;
  return t;
}

Token Lexer::lex_string(std::size_t start) {
  const char quote = text_[start];
  Token t = make(TokenKind::kString, start, 0);
  std::size_t i = start + 1;
  while (i < text_.size() && text_[i] != quote) {
    if (text_[i] == '\\' && i + 1 < text_.size()) {
      t.text += unescape(text_[i + 1]);
      i += 2;
    } else {
      t.text += text_[i++];
    }
  }
  if (i == text_.size()) throw SyntaxError{"unterminated string", start};
  pos_ = i + 1;
  t.length = pos_ - start;
  return t;
}

Token Lexer::lex_field(std::size_t start) {
  std::size_t end = start + 1;
  while (end < text_.size() && is_field_char(text_[end])) ++end;
  if (end == start + 1) {
    throw SyntaxError{"'.' not followed by a field name (letters, digits, '_', '-')", start};
  }
  Token t = make(TokenKind::kField, start, end - start);
  t.text = std::string(text_.substr(start + 1, end - start - 1));
  pos_ = end;
  return t;
}

Token Lexer::lex_word(std::size_t start) {
  std::size_t end = start;
  while (end < text_.size() && is_alpha(text_[end])) ++end;
  const std::string_view word = text_.substr(start, end - start);
  static constexpr struct {
    std::string_view word;
    TokenKind kind;
  } kWords[] = {{"and", TokenKind::kAnd},  {"or", TokenKind::kOr},     {"not", TokenKind::kNot},
                {"in", TokenKind::kIn},    {"true", TokenKind::kTrue}, {"false", TokenKind::kFalse},
                {"null", TokenKind::kNull}};
  for (const auto& w : kWords) {
    if (w.word == word) {
      pos_ = end;
      return make(w.kind, start, end - start);
    }
  }
  throw SyntaxError{"unknown word '" + quote_user_text(word, 40) +
                        "' (fields start with '.', strings are quoted)",
                    start};
}

Token Lexer::lex_symbol(std::size_t start) {
  // Longest match first: "**" before "*", ">=" before ">", "!=" before "!".
  static constexpr struct {
    std::string_view symbol;
    TokenKind kind;
  } kSymbols[] = {{"**", TokenKind::kPow},         {">=", TokenKind::kGe},
                  {"<=", TokenKind::kLe},          {"==", TokenKind::kEq},
                  {"!=", TokenKind::kNe},          {"&&", TokenKind::kAnd},
                  {"||", TokenKind::kOr},          {"*", TokenKind::kMul},
                  {"/", TokenKind::kDiv},          {"%", TokenKind::kMod},
                  {"+", TokenKind::kAdd},          {"-", TokenKind::kSub},
                  {">", TokenKind::kGt},           {"<", TokenKind::kLt},
                  {"!", TokenKind::kNot},          {"(", TokenKind::kLeftParen},
                  {")", TokenKind::kRightParen},   {"[", TokenKind::kLeftBracket},
                  {"]", TokenKind::kRightBracket}, {",", TokenKind::kComma}};
  const std::string_view rest = text_.substr(start);
  for (const auto& s : kSymbols) {
    if (rest.substr(0, s.symbol.size()) == s.symbol) {
      pos_ = start + s.symbol.size();
      return make(s.kind, start, s.symbol.size());
    }
  }
  std::string problem = "unexpected " + quoted_char_at(text_, start);
  if (rest[0] == '=') problem += " (equality is '==')";
  throw SyntaxError{problem, start};
}

}  // namespace lshrs::filter
