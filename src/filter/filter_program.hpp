// lshrs internal — a parsed filter as a flat postfix program.
//
// The parser (filter_parser.cpp) emits instructions in evaluation order;
// the evaluator (filter_eval.cpp) runs them over a value stack whose depth
// the parser has measured. Operands of the push instructions live in side
// tables so that an Instruction stays 8 bytes.
//
// Thread safety: plain value types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lshrs::filter {

enum class Op : std::uint8_t {
  // Push operations; `arg` indexes the table named.
  kPushScalar,  // Program::scalars
  kPushArray,   // Program::arrays
  kPushField,   // Program::fields; a missing field ends the run: false
  // Unary.
  kNot,
  // Binary, popping b then a and pushing `a op b`.
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

struct Instruction {
  Op op;
  std::uint32_t arg = 0;
};

// A literal of the filter text. Booleans are numbers (1 and 0), as in Redis.
struct Scalar {
  enum class Kind : std::uint8_t { kNumber, kString, kNull };
  Kind kind = Kind::kNull;
  double number = 0;
  std::string text;  // kString, escapes resolved
};

struct Program {
  std::vector<Instruction> code;
  std::vector<Scalar> scalars;
  std::vector<std::vector<Scalar>> arrays;  // array literals, [1, "a"]
  std::vector<std::string> fields;          // sorted, each once
  std::size_t max_stack = 0;                // deepest value stack the code reaches
};

// Parses `text` (length already checked). Throws InvalidArgument naming the
// filter and the column of the first error.
Program compile(std::string_view text);

}  // namespace lshrs::filter
