// lshrs internal — Redis connection URLs.
//
//   redis://[user[:password]@]host[:port][/db]   host may be [IPv6]
//   unix:///path/to/socket[?db=N]
//   redis+sentinel://[user[:password]@]host1[:port],host2[:port]/<master>[/db]
//   rediss://[user[:password]@]host[:port][/db][?tls_ca=...&tls_cert=...]  TLS
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
#include <vector>

#include "lshrs/redis_tls.hpp"
#include "redis/transport/connection.hpp"
#include "redis/transport/transport_options.hpp"

namespace lshrs::redis {

struct ParsedUrl {
  ServerAddress address;
  std::optional<std::string> user;
  std::optional<std::string> password;
  std::optional<int> db;
  std::optional<RedisTlsOptions> tls;  // rediss://: enabled, with the URL's parameters
  std::vector<ServerAddress> sentinels;  // redis+sentinel://: the sentinels, in order
  std::string sentinel_master;           // ... and the master's name
  std::optional<bool> read_from_replicas;  // ?read_from_replicas=true (any scheme but unix)
};

// "host[:port]" or "[v6][:port]" as a URL's authority writes it;
// InvalidArgument quoting `where` when malformed.
ServerAddress parse_server_address(std::string_view text, int default_port, std::string_view where);

// InvalidArgument for a malformed URL or an unknown parameter.
ParsedUrl parse_redis_url(std::string_view url);

// `url` with its password replaced by "***", split exactly as
// parse_redis_url() splits it (redact_secrets() for text it cannot split).
std::string mask_url_password(std::string_view url);

// mask_url_password(url) on one line, safe for messages (quote_user_text).
std::string redact_url(std::string_view url);

// `base` switched on, with the fields a rediss:// URL set replacing its own.
RedisTlsOptions merge_tls(const RedisTlsOptions& base, const RedisTlsOptions& from_url);

// "redis://user@host:port/db" or "unix:///path?db=N"; never the password.
std::string describe_endpoint(const Endpoint& endpoint);

}  // namespace lshrs::redis
