// Redis URL parsing, option resolution and key recognition (no server).
#include <gtest/gtest.h>

#include "lshrs/error.hpp"
#include "store/key_parse.hpp"
#include "redis/transport/url.hpp"
#include "redis/protocol/store_options.hpp"

namespace lshrs::redis {
namespace {

TEST(RedisUrl, HostPortDbAndDefaults) {
  const ParsedUrl a = parse_redis_url("redis://cache.local:6380/3");
  EXPECT_EQ(a.address.host, "cache.local");
  EXPECT_EQ(a.address.port, 6380);
  EXPECT_EQ(a.db, 3);
  EXPECT_FALSE(a.user.has_value());
  EXPECT_FALSE(a.password.has_value());

  const ParsedUrl b = parse_redis_url("redis://localhost");
  EXPECT_EQ(b.address.port, 6379);
  EXPECT_FALSE(b.db.has_value());
  EXPECT_EQ(parse_redis_url("redis://localhost/").db, std::nullopt);
}

TEST(RedisUrl, UserAndPasswordArePercentDecoded) {
  const ParsedUrl u = parse_redis_url("redis://al%69ce:s3cr%3At%40p%2Fw%25d@10.0.0.5:7000/0");
  EXPECT_EQ(u.user, "alice");
  EXPECT_EQ(u.password, "s3cr:t@p/w%d");
  EXPECT_EQ(u.address.host, "10.0.0.5");
  EXPECT_EQ(u.address.port, 7000);

  const ParsedUrl legacy = parse_redis_url("redis://:only%20pass@h");
  EXPECT_FALSE(legacy.user.has_value()) << "empty user means legacy AUTH <password>";
  EXPECT_EQ(legacy.password, "only pass");

  const ParsedUrl lone = parse_redis_url("redis://bob@h");
  EXPECT_EQ(lone.user, "bob") << "a lone token is a user, as in redis-py";
  EXPECT_FALSE(lone.password.has_value());
}

TEST(RedisUrl, Ipv6Host) {
  const ParsedUrl v6 = parse_redis_url("redis://[::1]:6390/2");
  EXPECT_EQ(v6.address.host, "::1");
  EXPECT_EQ(v6.address.port, 6390);
  EXPECT_EQ(v6.address.to_string(), "[::1]:6390");
  EXPECT_EQ(parse_redis_url("redis://[fe80::1]").address.port, 6379);
}

TEST(RedisUrl, UnixSocket) {
  const ParsedUrl s = parse_redis_url("unix:///run/redis/redis.sock?db=4");
  EXPECT_EQ(s.address.unix_path, "/run/redis/redis.sock");
  EXPECT_EQ(s.db, 4);
  EXPECT_EQ(parse_redis_url("unix:///tmp/r.sock").db, std::nullopt);
  EXPECT_THROW(parse_redis_url("unix://relative.sock"), InvalidArgument);
  EXPECT_THROW(parse_redis_url("unix:///tmp/r.sock?timeout=3"), InvalidArgument);
}

TEST(RedisUrl, RedissTurnsTlsOnWithItsParameters) {
  const ParsedUrl t = parse_redis_url(
      "rediss://u:topsecret@secure.example:6380/2?tls_ca=%2Fetc%2Fca.pem&tls_cert=/c.pem&"
      "tls_key=/k.pem&tls_server_name=redis.internal");
  ASSERT_TRUE(t.tls.has_value());
  EXPECT_EQ(t.address.host, "secure.example");
  EXPECT_EQ(t.address.port, 6380);
  EXPECT_EQ(t.db, 2);
  EXPECT_EQ(t.tls->ca_file, "/etc/ca.pem");
  EXPECT_EQ(t.tls->cert_file, "/c.pem");
  EXPECT_EQ(t.tls->key_file, "/k.pem");
  EXPECT_EQ(t.tls->server_name, "redis.internal");
  EXPECT_FALSE(t.tls->insecure_skip_verify) << "verification stays on unless asked";
  EXPECT_FALSE(parse_redis_url("redis://h").tls.has_value());

  // redis-py's spelling of the same parameters, for URLs users already have.
  const ParsedUrl py = parse_redis_url("rediss://h?ssl_ca_certs=/a.pem&ssl_cert_reqs=none");
  EXPECT_EQ(py.tls->ca_file, "/a.pem");
  EXPECT_TRUE(py.tls->insecure_skip_verify);
  EXPECT_TRUE(parse_redis_url("rediss://h/?tls_insecure=true").tls->insecure_skip_verify);
}

TEST(RedisUrl, SentinelListsTheSentinelsAndTheMaster) {
  const ParsedUrl s = parse_redis_url("redis+sentinel://app:pw%40x@10.0.0.1,10.0.0.2:26380,[::1]/my-master/3");
  ASSERT_EQ(s.sentinels.size(), 3u);
  EXPECT_EQ(s.sentinels[0].to_string(), "10.0.0.1:26379") << "sentinels default to 26379";
  EXPECT_EQ(s.sentinels[1].to_string(), "10.0.0.2:26380");
  EXPECT_EQ(s.sentinels[2].to_string(), "[::1]:26379");
  EXPECT_EQ(s.sentinel_master, "my-master");
  EXPECT_EQ(s.db, 3);
  EXPECT_EQ(s.user, "app");
  EXPECT_EQ(s.password, "pw@x");

  RedisOptions o;
  o.url = "redis+sentinel://app:pw%40x@10.0.0.1/my-master";
  const std::string described = describe_endpoint(resolve_endpoint(o));
  EXPECT_EQ(described, "redis+sentinel://app@10.0.0.1:26379/my-master/0");

  for (const char* bad : {"redis+sentinel://u:topsecret@h1,h2", "redis+sentinel://u:topsecret@h1/",
                          "redis+sentinel://u:topsecret@h1,/m", "redis+sentinel://u:topsecret@h1/m/x"}) {
    try {
      parse_redis_url(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(std::string(e.what()).find("topsecret"), std::string::npos) << e.what();
    }
  }
}

TEST(RedisUrl, BadTlsParametersAreRefusedWithoutThePassword) {
  for (const char* bad : {"rediss://u:topsecret@h?tls_bogus=1", "rediss://u:topsecret@h?tls_insecure=maybe",
                          "rediss://u:topsecret@h?ssl_cert_reqs=optional", "redis://u:topsecret@h?tls_ca=/x"}) {
    try {
      parse_redis_url(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(std::string(e.what()).find("topsecret"), std::string::npos) << e.what();
    }
  }
}

TEST(RedisUrl, TlsFilesAreCheckedWhenTheEndpointIsResolved) {
  RedisOptions o;
  o.url = "rediss://h?tls_ca=/nonexistent/ca.pem";
  try {
    resolve_endpoint(o);
    FAIL() << "a missing CA file must be refused";
  } catch (const ConfigurationError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ca.pem"), std::string::npos) << e.what();
  }
  RedisOptions half;
  half.tls.enabled = true;
  half.tls.cert_file = "/some/client.pem";  // no key
  EXPECT_THROW(resolve_endpoint(half), InvalidArgument);
}

TEST(RedisUrl, MalformedUrlsAreRefusedWithoutThePassword) {
  for (const char* bad : {"localhost:6379", "http://h", "redis://", "redis://h:0",
                          "redis://h:65536", "redis://h:x", "redis://h:", "redis://h/x",
                          "redis://h/-1", "redis://[::1", "redis://u:p%zz@h", "redis://h?db=1"}) {
    EXPECT_THROW(parse_redis_url(bad), InvalidArgument) << bad;
  }
  try {
    parse_redis_url("redis://u:hunter2@h:badport");
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("badport"), std::string::npos) << e.what();
  }
}

TEST(RedisUrl, RedactUrl) {
  EXPECT_EQ(redact_url("redis://u:pw@h:1/2"), "redis://u:***@h:1/2");
  EXPECT_EQ(redact_url("redis://:pw@h"), "redis://:***@h");
  EXPECT_EQ(redact_url("redis://h:1"), "redis://h:1");
  EXPECT_EQ(redact_url("redis://u:p@w@h"), "redis://u:***@h");
}

TEST(RedisUrl, PasswordMayHoldSlashQuestionMarkAndAt) {
  const ParsedUrl p = parse_redis_url("redis://app:Sup3r/S3c?ret@PW@db.example:7001/3");
  EXPECT_EQ(p.user, "app");
  EXPECT_EQ(p.password, "Sup3r/S3c?ret@PW");
  EXPECT_EQ(p.address.host, "db.example");
  EXPECT_EQ(p.address.port, 7001);
  EXPECT_EQ(p.db, 3);
  // A real bad port is still blamed, with the password masked.
  try {
    parse_redis_url("redis://app:Sup3r/S3cretPW@h:notaport");
    ADD_FAILURE() << "accepted a bad port";
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("port 'notaport'"), std::string::npos) << what;
    EXPECT_EQ(what.find("S3cret"), std::string::npos) << what;
  }
}

TEST(RedisUrl, UrlWithoutSchemeIsRefusedWithoutThePassword) {
  try {
    parse_redis_url("app:Sup3rS3cretPW@127.0.0.1:6379");
    ADD_FAILURE() << "accepted a URL without scheme";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()).find("Sup3rS3cretPW"), std::string::npos) << e.what();
  }
}

TEST(RedisUrl, ReadFromReplicasIsAParameterOfEveryNetworkScheme) {
  EXPECT_EQ(parse_redis_url("redis://h:1/2?read_from_replicas=true").read_from_replicas, true);
  EXPECT_EQ(parse_redis_url("redis://h/2").read_from_replicas, std::nullopt);
  EXPECT_EQ(parse_redis_url("redis://h?read_from_replicas=0").read_from_replicas, false);
  const ParsedUrl tls = parse_redis_url("rediss://h:1?tls_ca=/ca.pem&read_from_replicas=yes");
  EXPECT_EQ(tls.read_from_replicas, true);
  EXPECT_EQ(tls.tls->ca_file, "/ca.pem");
  const ParsedUrl sentinel = parse_redis_url("redis+sentinel://s1,s2:26380/mymaster/1?read_from_replicas=1");
  EXPECT_EQ(sentinel.read_from_replicas, true);
  EXPECT_EQ(sentinel.sentinel_master, "mymaster");
  EXPECT_EQ(sentinel.db, 1);
  ASSERT_EQ(sentinel.sentinels.size(), 2u);

  // Refused in one line, naming what was typed, never the password.
  for (const char* bad : {"redis://u:hunter2@h?read_from_replicas=maybe", "redis://u:hunter2@h?tls_ca=/x",
                          "redis+sentinel://u:hunter2@s1/m?colour=blue"}) {
    try {
      parse_redis_url(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const InvalidArgument& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
      EXPECT_TRUE(what.find("maybe") != std::string::npos || what.find("tls_ca") != std::string::npos ||
                  what.find("colour") != std::string::npos)
          << what;
    }
  }
}

TEST(RedisOptionsResolve, ReplicaReadsComeFromTheFieldsOrTheUrl) {
  RedisOptions o;
  o.url = "redis://h:6379";
  EXPECT_FALSE(transport_options(o).read_from_replicas);
  o.read_from_replicas = true;
  o.replicas = {"r1:7001", "[::1]"};
  const TransportOptions t = transport_options(o);
  EXPECT_TRUE(t.read_from_replicas);
  ASSERT_EQ(t.replicas.size(), 2u);
  EXPECT_EQ(t.replicas[0].to_string(), "r1:7001");
  EXPECT_EQ(t.replicas[1].port, 6379);
  o.read_from_replicas = false;
  o.url = "redis://h:6379?read_from_replicas=true";
  EXPECT_TRUE(transport_options(o).read_from_replicas);
  o.replicas = {"r1:notaport"};
  EXPECT_THROW(transport_options(o), InvalidArgument);
}

TEST(RedisOptionsResolve, RetryAttemptsAreTheOneRetryPolicy) {
  RedisOptions o;
  o.retry_attempts = 0;  // at least one try
  o.retry_backoff = std::chrono::milliseconds(70);
  o.retry_backoff_max = std::chrono::milliseconds(10);
  const RetryPolicy r = transport_options(o).retry;
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_EQ(r.initial.count(), 70);
  EXPECT_EQ(r.max_delay.count(), 70);
}

TEST(RedisOptionsResolve, UrlOverridesFieldsButKeepsASeparatePassword) {
  RedisOptions o;
  o.host = "ignored";
  o.password = "from-options";
  o.url = "redis://carol@db.example:7001/5";
  const Endpoint ep = resolve_endpoint(o);
  EXPECT_EQ(ep.address.host, "db.example");
  EXPECT_EQ(ep.address.port, 7001);
  EXPECT_EQ(ep.settings.user, "carol");
  EXPECT_EQ(ep.settings.password, "from-options");
  EXPECT_EQ(ep.settings.db, 5);
  const std::string described = describe_endpoint(ep);
  EXPECT_EQ(described, "redis://carol@db.example:7001/5");
}

TEST(RedisOptionsResolve, FieldsWithoutUrlAndValidation) {
  RedisOptions o;
  o.host = "127.0.0.1";
  o.port = 6400;
  o.db = 2;
  const Endpoint ep = resolve_endpoint(o);
  EXPECT_EQ(ep.address.to_string(), "127.0.0.1:6400");
  EXPECT_EQ(ep.settings.db, 2);

  RedisOptions bad_port = o;
  bad_port.port = 0;
  EXPECT_THROW(resolve_endpoint(bad_port), InvalidArgument);
  RedisOptions user_only = o;
  user_only.user = "dave";
  EXPECT_THROW(resolve_endpoint(user_only), InvalidArgument) << "a user needs a password";
  RedisOptions negative = o;
  negative.command_timeout = std::chrono::milliseconds(-1);
  EXPECT_THROW(resolve_endpoint(negative), InvalidArgument);

  RedisOptions sock;
  sock.unix_socket = "/tmp/x.sock";
  sock.port = 0;  // ignored for sockets
  EXPECT_EQ(describe_endpoint(resolve_endpoint(sock)), "unix:///tmp/x.sock?db=0");
}

TEST(RedisKeys, ClassifyKeyAttributesKeysToExactlyOnePrefix) {
  using Kind = KeyKind::Kind;
  EXPECT_EQ(classify_key("a", "a:meta").kind, Kind::kMeta);
  EXPECT_EQ(classify_key("a", "a:sig:42").kind, Kind::kSignature);
  EXPECT_EQ(classify_key("a", "a:sig:-7").kind, Kind::kSignature);
  EXPECT_EQ(classify_key("a", "a:sigs:42").kind, Kind::kSignatureRange);
  EXPECT_EQ(classify_key("a", "a:sigs:42").range, 42);
  EXPECT_EQ(classify_key("a", "a:sigs:-1").range, -1);
  EXPECT_EQ(classify_key("a", "a:sigs:x").kind, Kind::kForeign);
  EXPECT_EQ(classify_key("a", "a:b:sigs:1").kind, Kind::kForeign) << "a range of prefix a:b";
  EXPECT_EQ(classify_key("a", "a:sigs:99999999999999999999").kind, Kind::kForeign);
  const KeyKind bucket = classify_key("a", "a:12:bucket:00ff");
  EXPECT_EQ(bucket.kind, Kind::kBucket);
  EXPECT_EQ(bucket.band, 12u);
  // Keys of longer prefixes that `SCAN MATCH a:*` also returns.
  for (const char* foreign : {"a:b:0:bucket:ff", "a:b:meta", "a:b:sig:1", "a:sig:meta",
                              "a:sig:0:bucket:ff", "a:0:0:bucket:ff", "a:0:bucket:meta",
                              "a:0:bucket:FF", "a:0:bucket:f", "a:0:bucket:", "a2:meta",
                              "a*:meta", "ab:0:bucket:ff", "a:", "a", "a:x:bucket:ff"}) {
    EXPECT_EQ(classify_key("a", foreign).kind, Kind::kForeign) << foreign;
  }
  EXPECT_EQ(classify_key("a:b", "a:b:0:bucket:ff").kind, Kind::kBucket);
  EXPECT_EQ(classify_key("a:sig", "a:sig:meta").kind, Kind::kMeta);
}

TEST(RedisKeys, GlobEscape) {
  EXPECT_EQ(glob_escape("plain:v2"), "plain:v2");
  EXPECT_EQ(glob_escape("a*b?c[d]e\\f"), "a\\*b\\?c\\[d\\]e\\\\f");
}

}  // namespace
}  // namespace lshrs::redis
