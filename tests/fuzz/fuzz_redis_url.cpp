// Fuzzes the Redis URL parser (--redis, RedisOptions::url) and its redaction.
// Properties: errors are one line; an accepted URL resolves to an endpoint
// whose description (one line, part of every connection error) does not
// depend on the password; and the redacted URL parses to the same server,
// user and db with "***" as its password, so no part of the password is left.
#include "fuzz_support.hpp"
#include "lshrs/error.hpp"
#include "redis/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using lshrs::fuzz::require;
  const std::string url(lshrs::fuzz::as_view(data, size));
  lshrs::redis::ParsedUrl parsed;
  try {
    parsed = lshrs::redis::parse_redis_url(url);
  } catch (const lshrs::Error& e) {
    lshrs::fuzz::require_one_line(e.what());
    return 0;
  }
  lshrs::RedisOptions options;
  options.url = url;
  try {
    auto endpoint = lshrs::redis::resolve_endpoint(options);
    const std::string description = lshrs::redis::describe_endpoint(endpoint);
    lshrs::fuzz::require_one_line(description);
    endpoint.settings.password += 'x';  // any other password
    require(lshrs::redis::describe_endpoint(endpoint) == description,
            "describe_endpoint depends on the password");
  } catch (const lshrs::Error& e) {
    lshrs::fuzz::require_one_line(e.what());
  }
  if (!parsed.password) return 0;
  const auto again = lshrs::redis::parse_redis_url(lshrs::redis::redact_url(url));
  require(again.password == std::string("***"), "the redacted URL lost its password marker");
  require(again.address == parsed.address && again.user == parsed.user && again.db == parsed.db,
          "redaction changed the server, user or db");
  return 0;
}
