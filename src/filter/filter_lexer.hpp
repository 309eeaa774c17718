// lshrs internal — the tokens of a filter expression.
//
// The lexer hands out one token at a time, so that the parser reports the
// first error of the text, lexical or not, at its column. It follows Redis's
// tokenizer where the two could disagree: a field is `.` followed by letters,
// digits, `_` or `-` (so `.a-1` is the field "a-1"), and `-` starts a number
// only where an operand is expected (`3 -1` is a subtraction, `3 > -1` a
// comparison with minus one).
//
// Thread safety: a Lexer is used by one parse at a time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lshrs::filter {

enum class TokenKind {
  kEnd,
  kNumber,
  kString,
  kField,
  kTrue,
  kFalse,
  kNull,
  kLeftParen,
  kRightParen,
  kLeftBracket,
  kRightBracket,
  kComma,
  kNot,
  kPow,
  kMul,
  kDiv,
  kMod,
  kAdd,
  kSub,
  kGt,
  kGe,
  kLt,
  kLe,
  kEq,
  kNe,
  kIn,
  kAnd,
  kOr,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::size_t offset = 0;  // first byte in the filter text
  std::size_t length = 0;  // bytes of the filter text it spans
  double number = 0;       // kNumber
  std::string text;        // kString (escapes resolved), kField (the name)
};

// Thrown by the lexer and the parser, turned into the one-line
// InvalidArgument by compile(): what is wrong, and where.
struct SyntaxError {
  std::string problem;  // "unexpected '>'"
  std::size_t offset;   // byte of the filter text it points at
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // The next token; kEnd at the end, again and again. Throws SyntaxError.
  Token next();

  std::string_view text() const { return text_; }

 private:
  bool operand_expected() const;
  Token lex_number(std::size_t start);
  Token lex_string(std::size_t start);
  Token lex_field(std::size_t start);
  Token lex_word(std::size_t start);
  Token lex_symbol(std::size_t start);

  std::string_view text_;
  std::size_t pos_ = 0;
  TokenKind previous_ = TokenKind::kEnd;  // kEnd before the first token: an operand is expected
};

// `text[offset...]`'s first character (a whole UTF-8 sequence when it is one)
// quoted for a message: control bytes and invalid UTF-8 escaped.
std::string quoted_char_at(std::string_view text, std::size_t offset);

}  // namespace lshrs::filter
