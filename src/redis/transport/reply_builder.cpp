// hiredis parser hooks that build lshrs Reply trees (see reply_builder.hpp).
//
// hiredis calls one hook per value, parents before children, children in
// order, and only ever frees the root (freeObject on a parse error or when
// the context is freed). A child's Reply lives inside its parent's
// `elements`, reserved to its full length when the array was created, so the
// pointers handed back to hiredis stay valid while the array fills up.
#include "redis/transport/reply_builder.hpp"

#include <hiredis/hiredis.h>

#include <string>
#include <string_view>

#include "store/key_parse.hpp"

namespace lshrs::redis {

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
        if (const auto id = parse_member_id(std::string_view(str, len))) {
          b.int_array_->integers.push_back(*id);
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
