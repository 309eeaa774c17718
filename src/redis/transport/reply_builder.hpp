// lshrs internal — builds Reply objects straight from hiredis' RESP parser.
//
// hiredis parses replies into its own redisReply tree by default: two
// allocations per element (the node and its string), freed again once the
// tree has been copied into a Reply. For SMEMBERS of a bucket of ~800 ids
// that copying was most of a query's client time. ReplyBuilder replaces the
// parser's object hooks (redisReplyObjectFunctions) so that the parser
// creates the Reply tree itself, and, for a command whose shape is
// ReplyShape::kIntegerArray, parses each element straight into
// Reply::integers with no per-element allocation at all.
//
// Thread safety: a ReplyBuilder belongs to one Connection, used by one thread
// at a time.
#pragma once

#include <cstddef>
#include <memory>

#include "redis/transport/transport.hpp"

struct redisContext;  // hiredis, kept out of this header
struct redisReadTask;

namespace lshrs::redis {

class ReplyBuilder {
 public:
  // Makes `ctx`'s parser build its replies through `builder`, which must
  // outlive ctx's use (the Connection owns both).
  static void install(redisContext* ctx, ReplyBuilder* builder) noexcept;

  // The shape of the next reply the parser completes; set before each
  // redisGetReply().
  void expect(ReplyShape shape) noexcept {
    shape_ = shape;
    int_array_ = nullptr;
  }

  // Takes ownership of a reply that redisGetReply() returned (non-null).
  static std::unique_ptr<Reply> adopt(void* reply) noexcept {
    return std::unique_ptr<Reply>(static_cast<Reply*>(reply));
  }

 private:
  struct Hooks;  // the redisReplyObjectFunctions, in reply_builder.cpp

  // The Reply object for a new value of the reply being parsed: a new root,
  // or the next element of its parent array.
  Reply* attach(const redisReadTask* task);
  // Whether a value belongs to the root array being read as integers.
  bool in_integer_array(const redisReadTask* task) const noexcept;
  // Turns the integer array back into generic elements (an element was not
  // a decimal int64).
  void to_generic();

  ReplyShape shape_ = ReplyShape::kGeneric;
  Reply* int_array_ = nullptr;    // the root array being filled as integers
  std::size_t int_expected_ = 0;  // its element count
};

}  // namespace lshrs::redis
