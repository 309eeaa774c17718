// lshrs CLI — the store flags (--redis/--store/--prefix) and the flags every
// subcommand shares (see options.hpp); sources in source_flags.cpp, the index
// in index_flags.cpp.
#include "options.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdlib>

#include "cli.hpp"
#include "flag_checks.hpp"
#include "lshrs/config.hpp"
#include "lshrs/error.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/safe_text.hpp"
#if LSHRS_WITH_REDIS
#include "lshrs/redis_store.hpp"
#endif

namespace lshrs::cli {
namespace {

std::string default_redis_url() {
  for (const char* var : {"LSHRS_REDIS_URL", "REDIS_URL"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && *v != '\0') return v;
  }
  return "redis://127.0.0.1:6379";
}

}  // namespace

// The component a subcommand path needs was left out of this build.
void built_without(const char* component, const char* option) {
  throw UsageError(std::string("this lshrs was built without ") + component +
                   " (configured with -D" + option + "=OFF); rebuild with it ON");
}

CLI::Option* whole_number(CLI::Option* option) {
  return option->check(CLI::Validator(
      [](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const char* end = text.data() + text.size();
        const auto [stop, ec] = std::from_chars(text.data(), end, value);
        if (text.empty() || ec == std::errc::result_out_of_range) {
          return "'" + text + "' is not a whole number from 0 to 18446744073709551615";
        }
        if (ec != std::errc() || stop != end) return "'" + text + "' is not a whole number >= 0";
        return {};
      },
      "UINT"));
}

void add_store_flags(CLI::App& app, StoreFlags& flags, bool allow_memory) {
  flags.redis_url = default_redis_url();
  // No default shown in --help: $LSHRS_REDIS_URL may hold a password.
  app.add_option("--redis", flags.redis_url,
                 "Redis URL: redis://[user[:password]@]host[:port][/db], rediss://... (TLS), "
                 "redis+sentinel://host1:26379,host2:26379/<master>[/db] or unix:///path.sock "
                 "(default: $LSHRS_REDIS_URL, $REDIS_URL or redis://127.0.0.1:6379; a password can "
                 "also come from $LSHRS_REDIS_PASSWORD)");
  app.add_flag("--tls", flags.tls.enabled, "Connect with TLS (as a rediss:// URL does)");
  app.add_option("--tls-ca", flags.tls.ca_file,
                 "CA bundle (PEM) the server's certificate must chain to (default: system store)");
  app.add_option("--tls-ca-dir", flags.tls.ca_dir, "Directory of hashed CA certificates");
  app.add_option("--tls-cert", flags.tls.cert_file, "Client certificate (PEM) for mutual TLS");
  app.add_option("--tls-key", flags.tls.key_file, "Private key (PEM) of --tls-cert");
  app.add_option("--tls-server-name", flags.tls.server_name,
                 "Name to send (SNI) and verify instead of the host in the URL");
  app.add_flag("--tls-insecure", flags.tls.insecure_skip_verify,
               "Do NOT verify the server's certificate or name (prints a warning; testing only)");
  app.add_flag("--read-from-replicas", flags.read_from_replicas,
               "Let queries read buckets from replicas (Sentinel's, the Cluster's, or the master's "
               "own): writes still go to the master; a query may miss ids added within the "
               "replication lag; an unusable replica leaves the reads to the master");
  app.add_option("--prefix", flags.prefix, "Key prefix (namespace) of the index")
      ->capture_default_str();
  if (allow_memory) {
    app.add_option("--store", flags.store,
                   "Where buckets live: redis, or memory (this process only: a one-shot run)")
        ->check(CLI::IsMember({"redis", "memory"}))
        ->capture_default_str();
  }
  app.add_option("--cluster", flags.cluster,
                 "Redis Cluster routing: auto (ask the server), on, off")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  app.add_option("--timeout", flags.timeout_seconds,
                 "Bound on every wait, in seconds: connecting and each command to Redis, and "
                 "connecting and each batch read or fetch from PostgreSQL; rounded up to whole "
                 "milliseconds, at most 86400 (0: wait forever)")
      ->check(timeout_seconds())
      ->capture_default_str();
}

std::shared_ptr<BucketStore> make_store(const StoreFlags& flags) {
  if (flags.store == "memory") return std::make_shared<MemoryStore>();
#if !LSHRS_WITH_REDIS
  built_without("Redis", "LSHRS_WITH_REDIS");
#else
  RedisOptions o;
  o.url = flags.redis_url;
  o.tls = flags.tls;
  if (!flags.tls.ca_file.empty() || !flags.tls.ca_dir.empty() || !flags.tls.cert_file.empty() ||
      !flags.tls.server_name.empty() || flags.tls.insecure_skip_verify) {
    o.tls.enabled = true;  // a TLS option only makes sense with TLS
  }
  if (const char* pw = std::getenv("LSHRS_REDIS_PASSWORD"); pw != nullptr) o.password = pw;
  const auto timeout = timeout_ms(flags.timeout_seconds);
  o.connect_timeout = timeout;
  o.command_timeout = timeout;
  o.cluster = flags.cluster == "on"    ? ClusterMode::kOn
              : flags.cluster == "off" ? ClusterMode::kOff
                                       : ClusterMode::kAuto;
  o.track_signatures = !flags.no_signatures;
  o.read_from_replicas = flags.read_from_replicas;
  try {
    return std::make_shared<RedisStore>(o);
  } catch (const InvalidArgument& e) {
    throw UsageError(std::string("--redis: ") + e.what());  // a malformed URL is a bad flag value
  }
#endif
}

}  // namespace lshrs::cli
