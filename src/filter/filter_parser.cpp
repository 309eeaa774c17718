// Recursive descent over the lexer's tokens, emitting postfix code. One
// function per precedence level of Redis's FILTER, loosest first:
//   or (||)  <  and (&&)  <  == != > >= < <= in  <  + -  <  * / %  <  **  <  not (!)
// All binary operators are left-associative except `**` (2 ** 3 ** 2 is
// 2 ** 9). `!` binds tightest, as in Redis: `!.n == 1` is `(!.n) == 1`.
#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>

#include "filter/filter.hpp"
#include "filter/filter_lexer.hpp"
#include "filter/filter_program.hpp"
#include "lshrs/error.hpp"
#include "lshrs/safe_text.hpp"

namespace lshrs::filter {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) { advance(); }

  Program parse() {
    parse_or();
    if (current_.kind != TokenKind::kEnd) fail_unexpected();
    finish_fields();
    return std::move(program_);
  }

 private:
  void advance() { current_ = lexer_.next(); }

  [[noreturn]] void fail_unexpected() const {
    if (current_.kind == TokenKind::kEnd)
      throw SyntaxError{"unexpected end of filter", current_.offset};
    const std::string_view spelled = lexer_.text().substr(current_.offset, current_.length);
    throw SyntaxError{"unexpected '" + quote_user_text(spelled, 40) + "'", current_.offset};
  }

  // The stack grows by one per operand pushed and shrinks by one per binary
  // operator: tracking it here sizes the evaluator's stack.
  void emit(Op op, std::uint32_t arg = 0) {
    program_.code.push_back({op, arg});
    if (op == Op::kPushScalar || op == Op::kPushArray || op == Op::kPushField) {
      program_.max_stack = std::max(program_.max_stack, ++depth_);
    } else if (op != Op::kNot) {
      --depth_;
    }
  }

  // Entered once per level of nesting; bounded so that recursion is.
  void enter(std::size_t offset) {
    if (++nesting_ > FilterExpression::kMaxNesting) {
      throw SyntaxError{
          "nested deeper than " + std::to_string(FilterExpression::kMaxNesting) + " levels",
          offset};
    }
  }
  void leave() { --nesting_; }

  // One left-associative level: operand (op operand)*.
  template <typename Next>
  void binary_level(std::initializer_list<std::pair<TokenKind, Op>> ops, Next next) {
    (this->*next)();
    for (;;) {
      const auto it = std::find_if(ops.begin(), ops.end(),
                                   [&](const auto& p) { return p.first == current_.kind; });
      if (it == ops.end()) return;
      advance();
      (this->*next)();
      emit(it->second);
    }
  }

  void parse_or() { binary_level({{TokenKind::kOr, Op::kOr}}, &Parser::parse_and); }
  void parse_and() { binary_level({{TokenKind::kAnd, Op::kAnd}}, &Parser::parse_comparison); }
  void parse_comparison() {
    binary_level({{TokenKind::kEq, Op::kEq},
                  {TokenKind::kNe, Op::kNe},
                  {TokenKind::kGt, Op::kGt},
                  {TokenKind::kGe, Op::kGe},
                  {TokenKind::kLt, Op::kLt},
                  {TokenKind::kLe, Op::kLe},
                  {TokenKind::kIn, Op::kIn}},
                 &Parser::parse_sum);
  }
  void parse_sum() {
    binary_level({{TokenKind::kAdd, Op::kAdd}, {TokenKind::kSub, Op::kSub}},
                 &Parser::parse_product);
  }
  void parse_product() {
    binary_level(
        {{TokenKind::kMul, Op::kMul}, {TokenKind::kDiv, Op::kDiv}, {TokenKind::kMod, Op::kMod}},
        &Parser::parse_power);
  }

  void parse_power() {
    parse_unary();
    if (current_.kind != TokenKind::kPow) return;
    enter(current_.offset);
    advance();
    parse_power();  // right-associative
    emit(Op::kPow);
    leave();
  }

  void parse_unary() {
    if (current_.kind != TokenKind::kNot) return parse_primary();
    enter(current_.offset);
    advance();
    parse_unary();
    emit(Op::kNot);
    leave();
  }

  void parse_primary() {
    switch (current_.kind) {
      case TokenKind::kLeftParen: {
        const std::size_t open = current_.offset;
        enter(open);
        advance();
        parse_or();
        if (current_.kind != TokenKind::kRightParen) {
          if (current_.kind == TokenKind::kEnd) throw SyntaxError{"unclosed '('", open};
          fail_unexpected();
        }
        advance();
        leave();
        return;
      }
      case TokenKind::kLeftBracket:
        return parse_array();
      case TokenKind::kField:
        emit(Op::kPushField, field_index(current_.text));
        advance();
        return;
      default:
        if (!is_scalar(current_.kind)) fail_unexpected();
        program_.scalars.push_back(scalar_of(current_));
        emit(Op::kPushScalar, static_cast<std::uint32_t>(program_.scalars.size() - 1));
        advance();
        return;
    }
  }

  // [scalar, ...], a trailing comma allowed as Redis allows it.
  void parse_array() {
    std::vector<Scalar> elements;
    advance();
    while (current_.kind != TokenKind::kRightBracket) {
      if (!is_scalar(current_.kind)) {
        if (current_.kind == TokenKind::kEnd) fail_unexpected();
        const std::string_view spelled = lexer_.text().substr(current_.offset, current_.length);
        throw SyntaxError{"unexpected '" + quote_user_text(spelled, 40) +
                              "' in an array (it holds numbers, strings, true, false, null)",
                          current_.offset};
      }
      elements.push_back(scalar_of(current_));
      advance();
      if (current_.kind == TokenKind::kComma) {
        advance();
      } else if (current_.kind != TokenKind::kRightBracket) {
        fail_unexpected();
      }
    }
    advance();
    program_.arrays.push_back(std::move(elements));
    emit(Op::kPushArray, static_cast<std::uint32_t>(program_.arrays.size() - 1));
  }

  static bool is_scalar(TokenKind kind) {
    return kind == TokenKind::kNumber || kind == TokenKind::kString || kind == TokenKind::kTrue ||
           kind == TokenKind::kFalse || kind == TokenKind::kNull;
  }

  static Scalar scalar_of(const Token& t) {
    Scalar s;
    switch (t.kind) {
      case TokenKind::kNumber:
        s.kind = Scalar::Kind::kNumber;
        s.number = t.number;
        break;
      case TokenKind::kTrue:
        s.kind = Scalar::Kind::kNumber;
        s.number = 1;
        break;
      case TokenKind::kFalse:
        s.kind = Scalar::Kind::kNumber;
        s.number = 0;
        break;
      case TokenKind::kString:
        s.kind = Scalar::Kind::kString;
        s.text = t.text;
        break;
      default:
        s.kind = Scalar::Kind::kNull;
        break;
    }
    return s;
  }

  std::uint32_t field_index(const std::string& name) {
    const auto it = std::find(program_.fields.begin(), program_.fields.end(), name);
    if (it != program_.fields.end())
      return static_cast<std::uint32_t>(it - program_.fields.begin());
    program_.fields.push_back(name);
    return static_cast<std::uint32_t>(program_.fields.size() - 1);
  }

  // Fields sorted (Program::fields' promise), the code's indices renumbered.
  void finish_fields() {
    std::vector<std::string> sorted = program_.fields;
    std::sort(sorted.begin(), sorted.end());
    for (Instruction& i : program_.code) {
      if (i.op != Op::kPushField) continue;
      const std::string& name = program_.fields[i.arg];
      i.arg = static_cast<std::uint32_t>(std::lower_bound(sorted.begin(), sorted.end(), name) -
                                         sorted.begin());
    }
    program_.fields = std::move(sorted);
  }

  Lexer lexer_;
  Token current_;
  Program program_;
  std::size_t depth_ = 0;
  int nesting_ = 0;
};

}  // namespace

Program compile(std::string_view text) {
  try {
    return Parser(text).parse();
  } catch (const SyntaxError& e) {
    throw InvalidArgument("filter \"" + quote_user_text(text) + "\": " + e.problem + " at column " +
                          std::to_string(e.offset + 1));
  }
}

}  // namespace lshrs::filter
