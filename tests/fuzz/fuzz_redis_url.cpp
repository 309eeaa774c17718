// Fuzzes the Redis URL parser (--redis, RedisOptions::url) and its redaction.
// Properties: errors are one line; an accepted URL resolves to an endpoint
// whose description (one line, part of every connection error) does not
// depend on the password; and a redacted URL that still parses names the same
// server, user and db with "***" as its password, so no part of it is left.
#include "fuzz_support.hpp"
#include "lshrs/error.hpp"
#include "lshrs/safe_text.hpp"
#include "redis/transport/url.hpp"
#include "redis/protocol/store_options.hpp"

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
  // redact_secrets() masks more than it must rather than less (a user named
  // "password" loses its next word too), so a redacted URL
  // that no longer parses is no leak; one that parses must hide the password.
  lshrs::redis::ParsedUrl again;
  try {
    // The redaction itself; redact_url() also quotes it for display (and cuts it).
    again = lshrs::redis::parse_redis_url(lshrs::redis::mask_url_password(url));
  } catch (const lshrs::Error&) {
    return 0;
  }
  // Over-masking may also swallow the '@' (a user ending in "password="):
  // then no password is left at all, which is no leak either.
  if (!again.password) return 0;
  require(*again.password == "***", "the redacted URL kept (part of) its password");
  require(again.address == parsed.address && again.user == parsed.user && again.db == parsed.db,
          "redaction changed the server, user or db");
  return 0;
}
