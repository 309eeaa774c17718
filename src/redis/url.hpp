// lshrs internal — Redis connection URLs and RedisOptions resolution.
//
//   redis://[user[:password]@]host[:port][/db]   host may be [IPv6]
//   unix:///path/to/socket[?db=N]
//   rediss://...                                  refused: no TLS in hiredis 0.14
//
// User and password are percent-decoded; the userinfo runs to the last '@',
// so a password may also hold '/', '?' and '@' unescaped. Error messages
// quote the URL through redact_secrets() (lshrs/safe_text.hpp): the password
// is "***" whatever its form.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lshrs/redis_store.hpp"
#include "redis/connection.hpp"

namespace lshrs::redis {

struct ParsedUrl {
  ServerAddress address;
  std::optional<std::string> user;
  std::optional<std::string> password;
  std::optional<int> db;
};

// InvalidArgument for a malformed URL, ConfigurationError for rediss://.
ParsedUrl parse_redis_url(std::string_view url);

// `url` with any password replaced by "***" and on one line, safe for
// messages (redact_secrets + quote_user_text).
std::string redact_url(std::string_view url);

// The server and connection settings that `options` ask for: the URL (if
// any) over the individual fields. Validates port, db and timeouts.
struct Endpoint {
  ServerAddress address;
  ConnectionSettings settings;
};
Endpoint resolve_endpoint(const RedisOptions& options);

// "redis://user@host:port/db" or "unix:///path?db=N"; never the password.
std::string describe_endpoint(const Endpoint& endpoint);

}  // namespace lshrs::redis
