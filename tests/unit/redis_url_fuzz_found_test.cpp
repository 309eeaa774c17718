// What fuzz_redis_url found (docs/fuzzing.md): control characters in a URL
// reached error messages and endpoint descriptions raw.
#include <gtest/gtest.h>

#include "lshrs/error.hpp"
#include "redis/transport/url.hpp"
#include "redis/protocol/store_options.hpp"
#include "support/test_support.hpp"

namespace lshrs {
namespace {

using testing::expect_contains;
using testing::message_of;

TEST(RedisUrlFuzzFound, RedisUrlWithAControlCharacterIsRefusedOnOneLine) {
  const std::string message =
      message_of<InvalidArgument>([] { redis::parse_redis_url("r\x01\nrediss://8888"); });
  expect_contains(message, "control character at byte 1");
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(RedisUrlFuzzFound, PercentEncodedNewlineInTheUserStaysEscaped) {
  RedisOptions options;
  options.url = "redis://%0a%0duser@host";
  const std::string message = message_of<InvalidArgument>([&] { redis::resolve_endpoint(options); });
  expect_contains(message, "user '\\n\\ruser'");
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  options.url = "redis://%0auser:pw@host";
  EXPECT_EQ(redis::describe_endpoint(redis::resolve_endpoint(options)),
            "redis://\\nuser@host:6379/0");
}

}  // namespace
}  // namespace lshrs
