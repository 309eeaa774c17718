// Redis URL parsing and RedisOptions resolution.
#include "redis/url.hpp"

#include <algorithm>
#include <charconv>

#include "io/printable.hpp"
#include "lshrs/error.hpp"
#include "lshrs/safe_text.hpp"

namespace lshrs::redis {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

[[noreturn]] void bad_url(std::string_view url, const std::string& why) {
  throw InvalidArgument("invalid Redis URL '" + io::printable(redact_url(url), 200) + "': " + why +
                        "; expected redis://[user[:password]@]host[:port][/db] or "
                        "unix:///path/to/socket[?db=N]");
}

std::string percent_decode(std::string_view s, std::string_view url, const char* what) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) bad_url(url, std::string("bad percent-escape in the ") + what);
    const int hi = hex_value(s[i + 1]);
    const int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) bad_url(url, std::string("bad percent-escape in the ") + what);
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

int parse_int(std::string_view s, int lo, int hi, std::string_view url, const char* what) {
  int value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || value < lo || value > hi) {
    bad_url(url, std::string(what) + " '" + io::printable(s, 40) + "' is not an integer in [" +
                     std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return value;
}

constexpr int kMaxDb = 1 << 20;

void parse_userinfo(std::string_view userinfo, std::string_view url, ParsedUrl& out) {
  const auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) {
    // As in redis-py, a lone token is a user (its password may come from
    // RedisOptions::password); a legacy password is written redis://:secret@host.
    out.user = percent_decode(userinfo, url, "user");
    return;
  }
  const std::string user = percent_decode(userinfo.substr(0, colon), url, "user");
  if (!user.empty()) out.user = user;
  out.password = percent_decode(userinfo.substr(colon + 1), url, "password");
}

void parse_host_port(std::string_view hostport, std::string_view url, ParsedUrl& out) {
  std::string_view host = hostport;
  std::string_view port;
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) bad_url(url, "unterminated '[' in the IPv6 host");
    host = hostport.substr(1, close - 1);
    const std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') bad_url(url, "unexpected text after the IPv6 host");
      port = rest.substr(1);
      if (port.empty()) bad_url(url, "empty port");
    }
  } else if (const auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
    if (port.empty()) bad_url(url, "empty port");
  }
  if (host.empty()) bad_url(url, "no host");
  out.address.host = std::string(host);
  out.address.port = port.empty() ? 6379 : parse_int(port, 1, 65535, url, "port");
}

ParsedUrl parse_unix(std::string_view url, std::string_view rest) {
  ParsedUrl out;
  const auto query = rest.find('?');
  const std::string_view path = rest.substr(0, query);
  if (path.empty() || path.front() != '/') bad_url(url, "a unix socket URL needs an absolute path");
  out.address.unix_path = std::string(path);
  if (query != std::string_view::npos) {
    std::string_view params = rest.substr(query + 1);
    while (!params.empty()) {
      const auto amp = params.find('&');
      const std::string_view param = params.substr(0, amp);
      if (param.substr(0, 3) == "db=") {
        out.db = parse_int(param.substr(3), 0, kMaxDb, url, "db");
      } else if (!param.empty()) {
        bad_url(url, "unknown parameter '" + io::printable(param, 40) + "' (only db=N is understood)");
      }
      params = amp == std::string_view::npos ? std::string_view() : params.substr(amp + 1);
    }
  }
  return out;
}

}  // namespace

std::string redact_url(std::string_view url) { return quote_user_text(redact_secrets(url)); }

ParsedUrl parse_redis_url(std::string_view url) {
  // A host, socket path or user with a newline would only reach the server's
  // resolver and our messages, never a server.
  const auto control = std::find_if(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (control != url.end()) {
    bad_url(url, "it contains a control character at byte " +
                     std::to_string(control - url.begin()) + " (a stray newline or tab?)");
  }
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) bad_url(url, "no scheme");
  const std::string_view scheme = url.substr(0, scheme_end);
  const std::string_view rest = url.substr(scheme_end + 3);
  if (scheme == "rediss") {
    throw ConfigurationError("Redis URL '" + io::printable(redact_url(url), 200) +
                             "' asks for TLS (rediss://): TLS is not supported yet (the hiredis "
                             "0.14 this library uses has none). Refusing to connect in clear text; "
                             "use redis:// over a trusted network or a TLS tunnel (stunnel, spiped)");
  }
  if (scheme == "unix") return parse_unix(url, rest);
  if (scheme != "redis") bad_url(url, "unknown scheme '" + io::printable(scheme, 40) + "'");

  ParsedUrl out;
  // The userinfo runs to the *last* '@': a password may hold '/', '?' or '@'
  // unescaped, and the rest of a redis:// URL (host, port, /db) never has '@'.
  std::string_view after_user = rest;
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    parse_userinfo(rest.substr(0, at), url, out);
    after_user = rest.substr(at + 1);
  }
  const auto path_start = after_user.find_first_of("/?");
  parse_host_port(after_user.substr(0, path_start), url, out);
  if (path_start != std::string_view::npos) {
    std::string_view path = after_user.substr(path_start);
    if (path.front() == '?') bad_url(url, "query parameters are not supported in redis:// URLs");
    path.remove_prefix(1);
    if (!path.empty()) out.db = parse_int(path, 0, kMaxDb, url, "db");
  }
  return out;
}

Endpoint resolve_endpoint(const RedisOptions& options) {
  Endpoint ep;
  ep.address.host = options.host;
  ep.address.port = options.port;
  ep.address.unix_path = options.unix_socket;
  ep.settings.user = options.user;
  ep.settings.password = options.password;
  ep.settings.db = options.db;
  ep.settings.connect_timeout = options.connect_timeout;
  ep.settings.command_timeout = options.command_timeout;
  if (!options.url.empty()) {
    ParsedUrl parsed = parse_redis_url(options.url);
    ep.address = std::move(parsed.address);
    if (parsed.user) ep.settings.user = *parsed.user;
    if (parsed.password) ep.settings.password = *parsed.password;
    ep.settings.db = parsed.db.value_or(0);
  }
  if (ep.address.unix_path.empty()) {
    if (ep.address.host.empty()) throw InvalidArgument("RedisOptions: host is empty; give a host or a URL");
    if (ep.address.port < 1 || ep.address.port > 65535) {
      throw InvalidArgument("RedisOptions: port " + std::to_string(ep.address.port) +
                            " is outside [1, 65535]");
    }
  }
  if (!ep.settings.user.empty() && ep.settings.password.empty()) {
    throw InvalidArgument("Redis user '" + io::printable(ep.settings.user, 64) +
                          "' has no password; give one in the URL (redis://user:password@host) or "
                          "on its own (RedisOptions::password, or $LSHRS_REDIS_PASSWORD for the "
                          "lshrs tool); a legacy password is redis://:password@host");
  }
  if (ep.settings.db < 0) {
    throw InvalidArgument("RedisOptions: db " + std::to_string(ep.settings.db) + " is negative");
  }
  if (ep.settings.connect_timeout.count() < 0 || ep.settings.command_timeout.count() < 0) {
    throw InvalidArgument("RedisOptions: timeouts must be >= 0 (0 waits forever)");
  }
  return ep;
}

std::string describe_endpoint(const Endpoint& endpoint) {
  const ConnectionSettings& s = endpoint.settings;
  if (!endpoint.address.unix_path.empty()) {
    return "unix://" + endpoint.address.unix_path + "?db=" + std::to_string(s.db);
  }
  const std::string user = s.user.empty() ? "" : io::printable(s.user, 64) + "@";  // %0a decodes to \n
  return "redis://" + user + endpoint.address.to_string() + "/" + std::to_string(s.db);
}

}  // namespace lshrs::redis
