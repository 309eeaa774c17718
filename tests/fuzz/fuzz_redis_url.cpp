// Fuzzes the Redis URL parser (--redis, RedisOptions::url) and its redaction.
// Properties: an accepted URL resolves to an endpoint whose description (one
// line) and errors never hold the password, and the redacted URL parses to the
// same server, user and db with the password "***".
#include "fuzz_support.hpp"
#include "lshrs/error.hpp"
#include "redis/url.hpp"

namespace {

using lshrs::fuzz::require;

// The password may legitimately appear as part of the host, user or path.
bool coincidence(const std::string& text, const std::string& password,
                 const lshrs::redis::ParsedUrl& parsed) {
  return password.size() < 4 || text.find(password) == std::string::npos ||
         parsed.address.host.find(password) != std::string::npos ||
         parsed.address.unix_path.find(password) != std::string::npos ||
         parsed.user.value_or("").find(password) != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string url(lshrs::fuzz::as_view(data, size));
  lshrs::redis::ParsedUrl parsed;
  try {
    parsed = lshrs::redis::parse_redis_url(url);
  } catch (const lshrs::Error& e) {
    lshrs::fuzz::require_one_line(e.what());
    return 0;
  }
  const std::string password = parsed.password.value_or("");
  lshrs::RedisOptions options;
  options.url = url;
  try {
    const auto endpoint = lshrs::redis::resolve_endpoint(options);
    const std::string description = lshrs::redis::describe_endpoint(endpoint);
    lshrs::fuzz::require_one_line(description);  // it is part of every connection error
    require(coincidence(description, password, parsed), "describe_endpoint shows the password");
  } catch (const lshrs::Error& e) {
    lshrs::fuzz::require_one_line(e.what());
    require(coincidence(e.what(), password, parsed), "an error shows the password");
  }
  if (!parsed.password) return 0;
  // The redacted URL parses to the same server, user and db as the original
  // with "***" as its password: so the password cannot be left anywhere in it.
  const std::string redacted = lshrs::redis::redact_url(url);
  const auto again = lshrs::redis::parse_redis_url(redacted);
  require(again.password == std::string("***"), "the redacted URL lost its password marker");
  require(again.address == parsed.address && again.user == parsed.user && again.db == parsed.db,
          "redaction changed the server, user or db");
  return 0;
}
