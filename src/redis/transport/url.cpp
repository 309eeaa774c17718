// Redis URL parsing and RedisOptions resolution.
#include "redis/transport/url.hpp"

#include <algorithm>
#include <charconv>

#include "util/printable.hpp"
#include "lshrs/error.hpp"
#include "redis/protocol/store_options.hpp"
#include "redis/transport/tls.hpp"
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
  throw InvalidArgument("invalid Redis URL '" + util::printable(redact_url(url), 200) + "': " + why +
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
    bad_url(url, std::string(what) + " '" + util::printable(s, 40) + "' is not an integer in [" +
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

void parse_host_port(std::string_view hostport, std::string_view url, ParsedUrl& out,
                     int default_port = 6379) {
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
  out.address.port = port.empty() ? default_port : parse_int(port, 1, 65535, url, "port");
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
        bad_url(url, "unknown parameter '" + util::printable(param, 40) + "' (only db=N is understood)");
      }
      params = amp == std::string_view::npos ? std::string_view() : params.substr(amp + 1);
    }
  }
  return out;
}

bool parse_bool(std::string_view value, std::string_view url, std::string_view name) {
  if (value == "1" || value == "true" || value == "yes") return true;
  if (value == "0" || value == "false" || value == "no") return false;
  bad_url(url, "parameter " + std::string(name) + "='" + std::string(value) +
                   "' is not a boolean (true/false)");
}

// One rediss:// parameter, ours (tls_*) or redis-py's (ssl_*) name; false
// when `name` is not a TLS parameter.
bool parse_tls_param(std::string_view name, const std::string& value, std::string_view url,
                     RedisTlsOptions& tls) {
  if (name == "tls_ca" || name == "ssl_ca_certs") {
    tls.ca_file = value;
  } else if (name == "tls_ca_dir" || name == "ssl_ca_path") {
    tls.ca_dir = value;
  } else if (name == "tls_cert" || name == "ssl_certfile") {
    tls.cert_file = value;
  } else if (name == "tls_key" || name == "ssl_keyfile") {
    tls.key_file = value;
  } else if (name == "tls_server_name") {
    tls.server_name = value;
  } else if (name == "tls_insecure") {
    tls.insecure_skip_verify = parse_bool(value, url, name);
  } else if (name == "ssl_cert_reqs") {
    if (value != "none" && value != "required") {
      bad_url(url, "ssl_cert_reqs='" + value + "' must be 'required' or 'none'");
    }
    tls.insecure_skip_verify = value == "none";
  } else {
    return false;
  }
  return true;
}

// The query of a redis://, rediss:// or redis+sentinel:// URL:
// read_from_replicas, and the TLS parameters when the URL is rediss://.
void parse_params(std::string_view params, std::string_view url, ParsedUrl& out) {
  while (!params.empty()) {
    const auto amp = params.find('&');
    const std::string_view param = params.substr(0, amp);
    params = amp == std::string_view::npos ? std::string_view() : params.substr(amp + 1);
    if (param.empty()) continue;
    const auto eq = param.find('=');
    const std::string_view name = param.substr(0, eq);
    const std::string value =
        eq == std::string_view::npos ? std::string() : percent_decode(param.substr(eq + 1), url, "parameter");
    if (name == "read_from_replicas") {
      out.read_from_replicas = parse_bool(value, url, name);
    } else if (!out.tls || !parse_tls_param(name, value, url, *out.tls)) {
      bad_url(url, "unknown parameter '" + util::printable(name, 40) + "' (" +
                       (out.tls ? "rediss:// understands read_from_replicas, tls_ca, tls_ca_dir, "
                                  "tls_cert, tls_key, tls_server_name, tls_insecure"
                                : "only read_from_replicas is understood here; TLS parameters "
                                  "need rediss://") +
                       ")");
    }
  }
}

// redis+sentinel://[user[:password]@]host1[:port1],host2[:port2]/<master>[/db]
// (sentinel ports default to 26379; the credentials are the master's).
ParsedUrl parse_sentinel(std::string_view url, std::string_view rest) {
  ParsedUrl out;
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) bad_url(url, "a redis+sentinel:// URL needs /<master-name>");
  std::string_view authority = rest.substr(0, slash);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    parse_userinfo(authority.substr(0, at), url, out);
    authority = authority.substr(at + 1);
  }
  while (true) {
    const auto comma = authority.find(',');
    ParsedUrl one;
    parse_host_port(authority.substr(0, comma), url, one, 26379);
    out.sentinels.push_back(one.address);
    if (comma == std::string_view::npos) break;
    authority = authority.substr(comma + 1);
  }
  std::string_view path = rest.substr(slash + 1);
  if (const auto query = path.find('?'); query != std::string_view::npos) {
    parse_params(path.substr(query + 1), url, out);
    path = path.substr(0, query);
  }
  const auto db_slash = path.find('/');
  out.sentinel_master = percent_decode(path.substr(0, db_slash), url, "master name");
  if (out.sentinel_master.empty()) bad_url(url, "empty master name after the sentinels");
  if (db_slash != std::string_view::npos && db_slash + 1 < path.size()) {
    out.db = parse_int(path.substr(db_slash + 1), 0, kMaxDb, url, "db");
  }
  out.address = out.sentinels.front();
  return out;
}

}  // namespace

ServerAddress parse_server_address(std::string_view text, int default_port, std::string_view where) {
  ParsedUrl one;
  parse_host_port(text, where, one, default_port);
  return one.address;
}

// Where parse_redis_url() reads the password: from the first ':' of the
// userinfo to its last '@' (for Sentinel, within the part before the first
// '/'), as [begin, end) in `url`.
std::optional<std::pair<std::size_t, std::size_t>> password_span(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const std::size_t base = scheme_end + 3;
  std::string_view rest = url.substr(base);
  if (url.substr(0, scheme_end) == "redis+sentinel") rest = rest.substr(0, rest.find('/'));
  const auto at = rest.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  const auto colon = rest.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::pair{base + colon + 1, base + at};
}

std::string mask_url_password(std::string_view url) {
  // The parser's own split, so that what it would take for the password is
  // exactly what is hidden; text it cannot split gets the generic rule.
  const auto span = password_span(url);
  if (!span) return redact_secrets(url);
  std::string out(url);
  out.replace(span->first, span->second - span->first, "***");
  return out;
}

std::string redact_url(std::string_view url) { return quote_user_text(mask_url_password(url)); }

ParsedUrl parse_redis_url(std::string_view url) {
  // A host, socket path or user with a newline would only reach the server's
  // resolver and our messages, never a server. Spaces too are refused: a URL
  // ends at white space for redact_secrets(), so one that held a space could
  // not be redacted whole (a password may hold any byte percent-encoded).
  const auto control = std::find_if(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
  });
  if (control != url.end()) {
    bad_url(url, std::string("it contains ") + (*control == ' ' ? "a space" : "a control character") +
                     " at byte " + std::to_string(control - url.begin()) +
                     " (percent-encode it, e.g. %20; a stray newline or tab?)");
  }
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) bad_url(url, "no scheme");
  const std::string_view scheme = url.substr(0, scheme_end);
  const std::string_view rest = url.substr(scheme_end + 3);
  if (scheme == "unix") return parse_unix(url, rest);
  if (scheme == "redis+sentinel") return parse_sentinel(url, rest);
  if (scheme != "redis" && scheme != "rediss") {
    bad_url(url, "unknown scheme '" + util::printable(scheme, 40) + "'");
  }

  ParsedUrl out;
  if (scheme == "rediss") out.tls.emplace();
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
    if (const auto query = path.find('?'); query != std::string_view::npos) {
      parse_params(path.substr(query + 1), url, out);
      path = path.substr(0, query);
    }
    if (!path.empty()) path.remove_prefix(1);
    if (!path.empty()) out.db = parse_int(path, 0, kMaxDb, url, "db");
  }
  return out;
}

Endpoint resolve_endpoint(const RedisOptions& options) {
  Endpoint ep;
  RedisTlsOptions tls = options.tls;
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
    if (parsed.tls) tls = merge_tls(tls, *parsed.tls);
    ep.sentinels = std::move(parsed.sentinels);
    ep.sentinel_master = std::move(parsed.sentinel_master);
  } else if (!options.sentinel_master.empty()) {
    for (const std::string& s : options.sentinels) ep.sentinels.push_back(parse_server_address(s, 26379, s));
    if (ep.sentinels.empty()) {
      throw InvalidArgument("Redis settings: sentinel_master '" + options.sentinel_master +
                            "' is set but sentinels is empty; list them as \"host:port\"");
    }
    ep.sentinel_master = options.sentinel_master;
    ep.address = ep.sentinels.front();
  }
  if (tls.enabled) ep.settings.tls = TlsContext::create(tls);
  if (ep.address.unix_path.empty()) {
    if (ep.address.host.empty()) throw InvalidArgument("Redis settings: host is empty; give a host or a URL");
    if (ep.address.port < 1 || ep.address.port > 65535) {
      throw InvalidArgument("Redis settings: port " + std::to_string(ep.address.port) +
                            " is outside [1, 65535]");
    }
  }
  if (!ep.settings.user.empty() && ep.settings.password.empty()) {
    throw InvalidArgument("Redis user '" + util::printable(ep.settings.user, 64) +
                          "' has no password; give one in the URL (redis://user:password@host) or "
                          "on its own (the password setting, or $LSHRS_REDIS_PASSWORD for the "
                          "lshrs tool); a legacy password is redis://:password@host");
  }
  if (ep.settings.db < 0) {
    throw InvalidArgument("Redis settings: db " + std::to_string(ep.settings.db) + " is negative");
  }
  if (ep.settings.connect_timeout.count() < 0 || ep.settings.command_timeout.count() < 0) {
    throw InvalidArgument("Redis settings: timeouts must be >= 0 (0 waits forever)");
  }
  return ep;
}

RedisTlsOptions merge_tls(const RedisTlsOptions& base, const RedisTlsOptions& from_url) {
  RedisTlsOptions out = base;
  out.enabled = true;
  auto take = [](std::string& field, const std::string& value) {
    if (!value.empty()) field = value;
  };
  take(out.ca_file, from_url.ca_file);
  take(out.ca_dir, from_url.ca_dir);
  take(out.cert_file, from_url.cert_file);
  take(out.key_file, from_url.key_file);
  take(out.server_name, from_url.server_name);
  out.insecure_skip_verify = base.insecure_skip_verify || from_url.insecure_skip_verify;
  return out;
}

std::string describe_endpoint(const Endpoint& endpoint) {
  const ConnectionSettings& s = endpoint.settings;
  if (!endpoint.sentinel_master.empty()) {
    std::string hosts;
    for (const ServerAddress& a : endpoint.sentinels) hosts += (hosts.empty() ? "" : ",") + a.to_string();
    return "redis+sentinel://" + (s.user.empty() ? "" : s.user + "@") + hosts + "/" +
           endpoint.sentinel_master + "/" + std::to_string(s.db);
  }
  if (!endpoint.address.unix_path.empty()) {
    return "unix://" + endpoint.address.unix_path + "?db=" + std::to_string(s.db);
  }
  const std::string user = s.user.empty() ? "" : util::printable(s.user, 64) + "@";  // %0a decodes to \n
  return (s.tls ? "rediss://" : "redis://") + user + endpoint.address.to_string() + "/" +
         std::to_string(s.db);
}

}  // namespace lshrs::redis
