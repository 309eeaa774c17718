// Running a filter's postfix program over one id's attributes.
//
// Values are numbers, strings, null and arrays (of scalars), as in Redis's
// expr.c; JSON booleans are the numbers 1 and 0. The rules, where Redis
// defines them, are Redis's: == compares strings as bytes, numbers as
// numbers, null equal only to null, and anything else by its number; ordering
// and arithmetic always compare numbers; `in` is membership in an array or,
// between two strings, substring. Where Redis reads a non-number as 0 (so
// that "abc" == 0), a value without a number here is NaN instead, which no
// comparison holds: data of the wrong type does not match (docs/filters.md).
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>
#include <vector>

#include "filter/filter.hpp"
#include "filter/filter_program.hpp"

namespace lshrs {
namespace {

using filter::Op;
using filter::Program;
using filter::Scalar;
using Json = nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Value {
  enum class Kind : std::uint8_t { kNumber, kString, kNull, kLiteralArray, kJsonArray };
  Kind kind = Kind::kNull;
  double number = 0;
  std::string_view text;
  const std::vector<Scalar>* literals = nullptr;  // kLiteralArray
  const Json* json = nullptr;                     // kJsonArray: a JSON array of scalars
};

Value number_value(double n) {
  Value v;
  v.kind = Value::Kind::kNumber;
  v.number = n;
  return v;
}

Value scalar_value(const Scalar& s) {
  Value v;
  switch (s.kind) {
    case Scalar::Kind::kNumber:
      return number_value(s.number);
    case Scalar::Kind::kString:
      v.kind = Value::Kind::kString;
      v.text = s.text;
      return v;
    case Scalar::Kind::kNull:
      return v;
  }
  return v;
}

// A JSON scalar as a value; false for an object or an array.
bool json_scalar_value(const Json& j, Value& out) {
  switch (j.type()) {
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      out = number_value(j.get<double>());
      return true;
    case Json::value_t::boolean:
      out = number_value(j.get<bool>() ? 1 : 0);
      return true;
    case Json::value_t::string:
      out = Value{};
      out.kind = Value::Kind::kString;
      out.text = j.get_ref<const Json::string_t&>();
      return true;
    case Json::value_t::null:
      out = Value{};
      return true;
    default:
      return false;
  }
}

// An attribute as a value; false when the filter cannot read it (an object,
// an array holding anything but scalars): Redis then fails the whole filter.
bool attribute_value(const Json& j, Value& out) {
  if (!j.is_array()) return json_scalar_value(j, out);
  for (const Json& element : j) {
    if (element.is_structured()) return false;
  }
  out = Value{};
  out.kind = Value::Kind::kJsonArray;
  out.json = &j;
  return true;
}

// The number a value stands for; NaN when it has none.
double to_number(const Value& v) {
  if (v.kind == Value::Kind::kNumber) return v.number;
  if (v.kind != Value::Kind::kString || v.text.empty()) return kNaN;
  double n = 0;
  const auto [end, error] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), n);
  if (error != std::errc{} || end != v.text.data() + v.text.size() || !std::isfinite(n))
    return kNaN;
  return n;
}

// Redis's truth: zero, the empty string and null are false, arrays (even
// empty) true. NaN is false as well, as in JavaScript.
bool truthy(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNumber:
      return v.number != 0 && !std::isnan(v.number);
    case Value::Kind::kString:
      return !v.text.empty();
    case Value::Kind::kNull:
      return false;
    default:
      return true;
  }
}

bool equal(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.kind == K::kString && b.kind == K::kString) return a.text == b.text;
  if (a.kind == K::kNumber && b.kind == K::kNumber) return a.number == b.number;
  if (a.kind == K::kNull || b.kind == K::kNull) return a.kind == b.kind;
  return to_number(a) == to_number(b);
}

bool contains(const Value& needle, const Value& haystack) {
  if (haystack.kind == Value::Kind::kLiteralArray) {
    for (const Scalar& s : *haystack.literals) {
      if (equal(needle, scalar_value(s))) return true;
    }
    return false;
  }
  if (haystack.kind == Value::Kind::kJsonArray) {
    Value element;
    for (const Json& j : *haystack.json) {
      if (json_scalar_value(j, element) && equal(needle, element)) return true;
    }
    return false;
  }
  if (needle.kind == Value::Kind::kString && haystack.kind == Value::Kind::kString) {
    return haystack.text.find(needle.text) != std::string_view::npos;
  }
  return false;
}

Value binary(Op op, const Value& a, const Value& b) {
  switch (op) {
    case Op::kPow:
      return number_value(std::pow(to_number(a), to_number(b)));
    case Op::kMul:
      return number_value(to_number(a) * to_number(b));
    case Op::kDiv:
      return number_value(to_number(a) / to_number(b));
    case Op::kMod:
      return number_value(std::fmod(to_number(a), to_number(b)));
    case Op::kAdd:
      return number_value(to_number(a) + to_number(b));
    case Op::kSub:
      return number_value(to_number(a) - to_number(b));
    case Op::kGt:
      return number_value(to_number(a) > to_number(b));
    case Op::kGe:
      return number_value(to_number(a) >= to_number(b));
    case Op::kLt:
      return number_value(to_number(a) < to_number(b));
    case Op::kLe:
      return number_value(to_number(a) <= to_number(b));
    case Op::kEq:
      return number_value(equal(a, b));
    case Op::kNe:
      return number_value(!equal(a, b));
    case Op::kIn:
      return number_value(contains(a, b));
    case Op::kAnd:
      return number_value(truthy(a) && truthy(b));
    case Op::kOr:
      return number_value(truthy(a) || truthy(b));
    default:
      return Value{};  // not binary: the parser never emits it here
  }
}

// `stack` holds at least program.max_stack values.
bool run(const Program& program, const Json& attributes, Value* stack) {
  const bool has_fields = attributes.is_object();
  std::size_t top = 0;  // values on the stack
  for (const filter::Instruction& i : program.code) {
    switch (i.op) {
      case Op::kPushScalar:
        stack[top++] = scalar_value(program.scalars[i.arg]);
        break;
      case Op::kPushArray:
        stack[top] = Value{};
        stack[top].kind = Value::Kind::kLiteralArray;
        stack[top++].literals = &program.arrays[i.arg];
        break;
      case Op::kPushField: {
        if (!has_fields) return false;
        const auto it = attributes.find(program.fields[i.arg]);
        if (it == attributes.end() || !attribute_value(*it, stack[top])) return false;
        ++top;
        break;
      }
      case Op::kNot:
        stack[top - 1] = number_value(!truthy(stack[top - 1]));
        break;
      default:
        --top;
        stack[top - 1] = binary(i.op, stack[top - 1], stack[top]);
        break;
    }
  }
  return top == 1 && truthy(stack[0]);
}

}  // namespace

bool FilterExpression::matches(const Json& attributes) const {
  // Most filters need a handful of slots: those live on the C++ stack.
  constexpr std::size_t kInline = 32;
  if (program_.max_stack <= kInline) {
    std::array<Value, kInline> stack;
    return run(program_, attributes, stack.data());
  }
  std::vector<Value> stack(program_.max_stack);
  return run(program_, attributes, stack.data());
}

}  // namespace lshrs
