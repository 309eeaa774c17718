// hiredis parser hooks that build lshrs Reply trees (see reply_builder.hpp).
//
// hiredis calls one hook per value, parents before children, children in
// order, and only ever frees the root (freeObject on a parse error or when
// the context is freed). A child's Reply lives inside its parent's
// `elements`, reserved to its full length when the array was created, so the
// pointers handed back to hiredis stay valid while the array fills up.
#include "redis/reply_builder.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <string>

namespace lshrs::redis {
namespace {

// Parses all of [text, text+len) as a decimal int64 (optional '-', digits, no
// '+', no spaces), as std::from_chars would, in a third of its time: members
// are short, so the overflow check is needed only at 19 digits.
bool parse_int64(const char* text, std::size_t len, std::int64_t& out) noexcept {
  const bool negative = len != 0 && text[0] == '-';
  const char* p = text + (negative ? 1 : 0);
  const std::size_t digits = len - (negative ? 1 : 0);
  if (digits == 0 || digits > 19) return false;
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const auto d = static_cast<unsigned>(p[i] - '0');
    if (d > 9) return false;
    value = value * 10 + d;
  }
  if (digits == 19) {
    // 19 digits may have wrapped or exceed the int64 range: let the
    // standard parser decide.
    std::int64_t checked = 0;
    const auto [end, ec] = std::from_chars(text, text + len, checked);
    if (ec != std::errc() || end != text + len) return false;
    out = checked;
    return true;
  }
  out = negative ? -static_cast<std::int64_t>(value) : static_cast<std::int64_t>(value);
  return true;
}

}  // namespace

inline bool ReplyBuilder::in_integer_array(const redisReadTask* task) const noexcept {
  return int_array_ != nullptr && task->parent != nullptr && task->parent->obj == int_array_;
}

struct ReplyBuilder::Hooks {
  static ReplyBuilder& of(const redisReadTask* task) {
    return *static_cast<ReplyBuilder*>(task->privdata);
  }

  // Each hook returns nullptr on failure (bad_alloc): hiredis then reports an
  // out-of-memory error, which the connection turns into StorageError.
  static void* create_string(const redisReadTask* task, char* str, size_t len) noexcept {
    try {
      ReplyBuilder& b = of(task);
      if (b.in_integer_array(task)) {
        std::int64_t id = 0;
        if (parse_int64(str, len, id)) {
          b.int_array_->integers.push_back(id);
          return b.int_array_;  // any non-null value: hiredis keeps no child pointer
        }
        b.to_generic();
      }
      Reply* r = b.attach(task);
      r->kind = task->type == REDIS_REPLY_ERROR    ? Reply::Kind::kError
                : task->type == REDIS_REPLY_STATUS ? Reply::Kind::kStatus
                                                   : Reply::Kind::kString;
      r->text.assign(str, len);
      return r;
    } catch (...) {
      return nullptr;
    }
  }

  static void* create_array(const redisReadTask* task, int elements) noexcept {
    try {
      ReplyBuilder& b = of(task);
      if (b.in_integer_array(task)) b.to_generic();
      Reply* r = b.attach(task);
      r->kind = Reply::Kind::kArray;
      const auto n = static_cast<std::size_t>(elements > 0 ? elements : 0);
      if (task->parent == nullptr && b.shape_ == ReplyShape::kIntegerArray) {
        r->integers.reserve(n);
        b.int_array_ = r;
        b.int_expected_ = n;
      } else {
        r->elements.reserve(n);
      }
      return r;
    } catch (...) {
      return nullptr;
    }
  }

  static void* create_integer(const redisReadTask* task, long long value) noexcept {
    try {
      ReplyBuilder& b = of(task);
      if (b.in_integer_array(task)) b.to_generic();
      Reply* r = b.attach(task);
      r->kind = Reply::Kind::kInteger;
      r->integer = value;
      return r;
    } catch (...) {
      return nullptr;
    }
  }

  static void* create_nil(const redisReadTask* task) noexcept {
    try {
      ReplyBuilder& b = of(task);
      if (b.in_integer_array(task)) b.to_generic();
      return b.attach(task);  // kind kNil by default
    } catch (...) {
      return nullptr;
    }
  }

  static void free_object(void* reply) noexcept { delete static_cast<Reply*>(reply); }

  static redisReplyObjectFunctions table;
};

redisReplyObjectFunctions ReplyBuilder::Hooks::table = {
    &ReplyBuilder::Hooks::create_string, &ReplyBuilder::Hooks::create_array,
    &ReplyBuilder::Hooks::create_integer, &ReplyBuilder::Hooks::create_nil,
    &ReplyBuilder::Hooks::free_object};

void ReplyBuilder::install(redisContext* ctx, ReplyBuilder* builder) noexcept {
  ctx->reader->fn = &Hooks::table;
  ctx->reader->privdata = builder;
}

Reply* ReplyBuilder::attach(const redisReadTask* task) {
  if (task->parent == nullptr) return new Reply();
  auto* parent = static_cast<Reply*>(task->parent->obj);
  return &parent->elements.emplace_back();
}

void ReplyBuilder::to_generic() {
  Reply& array = *int_array_;
  int_array_ = nullptr;
  array.elements.reserve(int_expected_);
  for (const std::int64_t value : array.integers) {
    Reply& element = array.elements.emplace_back();
    element.kind = Reply::Kind::kString;
    element.text = std::to_string(value);
  }
  array.integers = {};
}

}  // namespace lshrs::redis
