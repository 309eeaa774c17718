// lshrs CLI — from flags to stores, sources, fetchers and the index.
#include "options.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <utility>

#include "cli.hpp"
#include "flag_checks.hpp"
#include "lshrs/config.hpp"
#include "lshrs/error.hpp"
#include "lshrs/files.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/model_io.hpp"
#include "lshrs/safe_text.hpp"
#if LSHRS_WITH_PARQUET
#include "lshrs/parquet.hpp"
#endif
#if LSHRS_WITH_POSTGRES
#include "lshrs/postgres.hpp"
#endif
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

bool starts_with(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

std::optional<SourceKind> kind_from_name(const std::string& name) {
  if (name == "npy") return SourceKind::kNpy;
  if (name == "fvecs") return SourceKind::kFvecs;
  if (name == "parquet" || name == "pq") return SourceKind::kParquet;
  if (name == "postgres" || name == "pg" || name == "postgresql") return SourceKind::kPostgres;
  return std::nullopt;
}

SourceKind kind_from_path(const std::string& path) {
  const std::filesystem::path p(path);
  const std::string ext = p.extension().string();
  if (ext == ".npy") return SourceKind::kNpy;
  if (ext == ".fvecs") return SourceKind::kFvecs;
  if (ext == ".parquet" || path.find('*') != std::string::npos) return SourceKind::kParquet;
  std::error_code ec;
  if (std::filesystem::is_directory(p, ec)) return SourceKind::kParquet;
  const std::string shown = quote_user_text(redact_secrets(path));
  throw UsageError("cannot tell the format of '" + shown +
                   "' from its name: say --from npy|fvecs|parquet|postgres (or KIND:PATH)");
}

// The component a subcommand path needs was left out of this build.
[[noreturn, maybe_unused]] void built_without(const char* component, const char* option) {
  throw UsageError(std::string("this lshrs was built without ") + component +
                   " (configured with -D" + option + "=OFF); rebuild with it ON");
}

IndexOptions options_from_model(const Model& model, const ConfigFlags& flags,
                                const std::string& prefix) {
  IndexOptions o = lshrs::options_from_model(model, prefix);
  o.buffer_size = flags.buffer_size.value_or(model.config.buffer_size);
  return o;
}

// Config flags given alongside an existing index must describe that index.
void check_flags_agree(const ConfigFlags& f, const IndexOptions& o) {
  auto check = [&](const char* flag, auto given, auto actual) {
    if (given && *given != actual) {
      throw ConfigurationError(std::string("the index under prefix \"") +
                               quote_user_text(o.prefix) + "\" has " + (flag + 2) + " " +
                               std::to_string(actual) + ", but " + flag + " " +
                               std::to_string(*given) +
                               " was given: drop the flag, use another --prefix, or "
                               "`lshrs clear` the old index first");
    }
  };
  check("--dim", f.dim, o.dim);
  check("--num-perm", f.num_perm, o.num_perm);
  check("--bands", f.bands, *o.num_bands);
  check("--rows-per-band", f.rows, *o.rows_per_band);
  check("--seed", f.seed, o.seed);
  check("--threshold", f.threshold, o.similarity_threshold);
  if (f.family && parse_family(*f.family) != o.family) {
    throw ConfigurationError("the index under prefix \"" + o.prefix + "\" has family " +
                             std::string(family_name(o.family)) + ", but --family " + *f.family +
                             " was given: drop the flag, use another --prefix, or `lshrs clear` "
                             "the old index first");
  }
}

// The stored projections are the truth; a generator flag must reproduce them.
void check_generator_agrees(const ConfigFlags& f, const Index& index) {
  if (!f.projection_generator) return;
  const auto& o = index.options();
  const auto g = parse_projection_generator(*f.projection_generator);
  if (generate_projections(o.seed, o.num_perm, o.dim, g) == index.hasher().projections()) return;
  throw ConfigurationError("the index under prefix \"" + o.prefix +
                           "\" does not hold the projections of --projection-generator " +
                           *f.projection_generator + " for seed " + std::to_string(o.seed) +
                           ": drop the flag (the index's own projections are used)");
}

}  // namespace

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

void add_source_flags(CLI::App& app, SourceFlags& f) {
  const char* g = "Source options";
  app.add_option("--ids-file", f.ids_file,
                 "npy: int64 .npy of ids, one per row (default: row numbers)")
      ->group(g);
  app.add_option("--id-column", f.id_column, "parquet/postgres: id column (default index / id)")
      ->group(g);
  app.add_option("--vector-column", f.vector_column,
                 "parquet/postgres: vector column (default vector / embedding)")
      ->group(g);
  app.add_option("--dsn", f.dsn, "postgres: libpq connection string or postgresql:// URI")
      ->group(g);
  app.add_option("--table", f.table, "postgres: table (may be schema.table)")->group(g);
  app.add_option("--where", f.where, "postgres: SQL condition selecting rows")->group(g);
  app.add_option("--order-by", f.order_by, "postgres: SQL ORDER BY expression")->group(g);
  whole_number(app.add_option("--limit", f.limit, "postgres: at most this many rows"))->group(g);
  app.add_option("--sql", f.sql, "postgres: a query returning (id, vector), instead of --table")
      ->group(g);
  app.add_option("--param", f.params, "postgres: value for $1, $2, ... in --sql (repeatable)")
      ->group(g);
  whole_number(app.add_option("--batch-size", f.batch_size, "Rows read per batch"))
      ->check(at_least_one())
      ->capture_default_str()
      ->group(g);
}

const char* kind_name(SourceKind kind) {
  switch (kind) {
    case SourceKind::kNpy:
      return "npy";
    case SourceKind::kFvecs:
      return "fvecs";
    case SourceKind::kParquet:
      return "parquet";
    case SourceKind::kPostgres:
      return "postgres";
  }
  return "?";
}

SourceSpec parse_source_spec(const std::string& spec, const std::string& fallback_location,
                             const SourceFlags& flags) {
  if (starts_with(spec, "postgres://") || starts_with(spec, "postgresql://")) {
    return {SourceKind::kPostgres, spec};
  }
  if (auto kind = kind_from_name(spec)) {
    std::string location = *kind == SourceKind::kPostgres ? flags.dsn : fallback_location;
    if (*kind == SourceKind::kPostgres && location.empty()) location = fallback_location;
    if (location.empty() && *kind != SourceKind::kPostgres) {
      throw UsageError(std::string("--from ") + spec +
                       " needs a path: give it after the flags or as " + spec + ":PATH");
    }
    return {*kind, location};
  }
  if (const auto colon = spec.find(':'); colon != std::string::npos && colon > 1) {
    if (auto kind = kind_from_name(spec.substr(0, colon))) return {*kind, spec.substr(colon + 1)};
  }
  if (spec.empty()) throw UsageError("no vector source: give --from SOURCE or a path");
  return {kind_from_path(spec), spec};
}

namespace {

#if LSHRS_WITH_POSTGRES
PostgresOptions postgres_options(const SourceSpec& spec, const SourceFlags& f) {
  PostgresOptions o;
  o.dsn = spec.location.empty() ? f.dsn : spec.location;
  o.table = f.table;
  if (f.id_column) o.id_column = *f.id_column;
  if (f.vector_column) o.vector_column = *f.vector_column;
  o.where = f.where;
  o.order_by = f.order_by;
  o.limit = f.limit;
  o.query = f.sql;
  o.params = f.params;
  o.batch_size = f.batch_size;
  o.timeout = timeout_ms(f.timeout_seconds);
  if (o.table.empty() && o.query.empty()) throw UsageError("postgres needs --table or --sql");
  return o;
}
#endif

#if LSHRS_WITH_PARQUET
ParquetOptions parquet_options(const SourceSpec& spec, const SourceFlags& f) {
  ParquetOptions o;
  o.path = spec.location;
  if (f.id_column) o.id_column = *f.id_column;
  if (f.vector_column) o.vector_column = *f.vector_column;
  o.batch_size = f.batch_size;
  return o;
}
#endif

NpyOptions npy_options(const SourceSpec& spec, const SourceFlags& f) {
  NpyOptions o;
  o.vectors = spec.location;
  if (f.ids_file) o.ids = *f.ids_file;
  o.batch_size = f.batch_size;
  return o;
}

}  // namespace

std::unique_ptr<VectorSource> make_source(const SourceSpec& spec, const SourceFlags& f) {
  switch (spec.kind) {
    case SourceKind::kNpy:
      return open_npy_source(npy_options(spec, f));
    case SourceKind::kFvecs:
      return open_fvecs_source(FvecsOptions{spec.location, f.batch_size});
    case SourceKind::kParquet:
#if LSHRS_WITH_PARQUET
      return open_parquet_source(parquet_options(spec, f));
#else
      built_without("Parquet", "LSHRS_WITH_PARQUET");
#endif
    case SourceKind::kPostgres:
#if LSHRS_WITH_POSTGRES
      return open_postgres_source(postgres_options(spec, f));
#else
      built_without("PostgreSQL", "LSHRS_WITH_POSTGRES");
#endif
  }
  throw UsageError("unknown source kind");
}

std::shared_ptr<VectorFetcher> make_fetcher(const SourceSpec& spec, const SourceFlags& f) {
  switch (spec.kind) {
    case SourceKind::kNpy:
      return open_npy_fetcher(npy_options(spec, f));
    case SourceKind::kParquet:
#if LSHRS_WITH_PARQUET
      return open_parquet_fetcher(parquet_options(spec, f));
#else
      built_without("Parquet", "LSHRS_WITH_PARQUET");
#endif
    case SourceKind::kPostgres:
#if LSHRS_WITH_POSTGRES
      return open_postgres_fetcher(postgres_options(spec, f));
#else
      built_without("PostgreSQL", "LSHRS_WITH_POSTGRES");
#endif
    case SourceKind::kFvecs:
      break;
  }
  throw UsageError(
      "vectors cannot be fetched by id from .fvecs files: convert them to .npy, or "
      "rerank from the Parquet/PostgreSQL copy");
}

void add_config_flags(CLI::App& app, ConfigFlags& f, bool rows_alias) {
  const char* g = "Index configuration (new index)";
  auto* model = app.add_option("--model", f.model_dir,
                               "Model directory (metadata.json + projections.npz, as written by "
                               "--save-model or the Python package's save_to_disk)")
                    ->group(g);
  auto excl = [&](CLI::Option* o) { whole_number(o)->excludes(model)->group(g); };
  excl(app.add_option("--dim", f.dim, "Vector dimension (default: the data's)")
           ->check(at_least_one()));
  app.add_option("--family", f.family,
                 "Hash family: hyperplane (default; the only one the Python package can "
                 "read) or cross-polytope (more recall per bucket; lshrs only)")
      ->excludes(model)
      ->group(g);
  excl(app.add_option("--num-perm", f.num_perm,
                      "Hashes in total, bands x rows (default 128); with automatic bands for a "
                      "known size or cross-polytope, the budget of hash bits per vector")
           ->check(at_least_one()));
  excl(app.add_option("--expected-size", f.expected_size,
                      "Vectors the index will hold (default: the source's row count when known): "
                      "bits per band grow with log2 of it so buckets stay small (docs/tuning.md)")
           ->check(at_least_one()));
  excl(app.add_option("--bands", f.bands,
                      "Bands (with --rows-per-band; default: chosen for --threshold)")
           ->check(at_least_one()));
  excl(app.add_option(rows_alias ? "--rows-per-band,--rows" : "--rows-per-band", f.rows,
                      "Rows (bits) per band")
           ->check(at_least_one()));
  app.add_option("--threshold", f.threshold,
                 "Cosine similarity from which pairs should become candidates (default 0.5); "
                 "chooses bands and rows (see `lshrs tune`)")
      ->check(CLI::Range(0.0, 1.0))
      ->excludes(model)
      ->group(g);
  excl(app.add_option("--seed", f.seed,
                      "Seed of the projections (default 42; 0 to 2^64-1): numpy's "
                      "default_rng(seed) draws, as the Python package's"));
  app.add_option("--projection-generator", f.projection_generator,
                 "How projections are drawn from the seed: numpy (default, the Python "
                 "package's) or lshrs-v0 (for indexes built from a seed by lshrs before 0.2)")
      ->check(CLI::IsMember({"numpy", "lshrs-v0"}))
      ->excludes(model)
      ->group(g);
  whole_number(app.add_option("--buffer-size", f.buffer_size,
                              "Vectors buffered before a write to the store"))
      ->check(at_least_one())
      ->group(g);
}

Index make_index(const ConfigFlags& f, const std::string& prefix,
                 std::shared_ptr<BucketStore> store, std::shared_ptr<VectorFetcher> fetcher,
                 std::optional<std::size_t> data_dim, bool create,
                 std::optional<std::uint64_t> data_rows) {
  if (!f.model_dir.empty()) {
    Model model = load_model(f.model_dir);
    return Index(options_from_model(model, f, prefix), std::move(model.projections),
                 std::move(store), std::move(fetcher));
  }
  if ((!create && !f.any_shape_flag()) || store->load_meta(prefix)) {
    Index index = Index::open(std::move(store), prefix, std::move(fetcher));
    check_flags_agree(f, index.options());
    check_generator_agrees(f, index);
    return index;
  }
  IndexOptions o;
  o.prefix = prefix;
  if (!f.dim && !data_dim) {
    throw UsageError(create ? "--dim is needed to create an index without data"
                            : "prefix \"" + prefix + "\" has no meta (an index the Python package "
                              "built?): give --dim, --bands and --rows-per-band with --seed to "
                              "read it, or --model DIR");
  }
  o.dim = f.dim ? *f.dim : *data_dim;
  if (f.num_perm) o.num_perm = *f.num_perm;
  if (f.family) o.family = parse_family(*f.family);
  if (f.expected_size) {
    o.expected_size = *f.expected_size;
  } else if (data_rows && *data_rows > 0) {
    o.expected_size = static_cast<std::size_t>(*data_rows);
  }
  if (f.bands.has_value() != f.rows.has_value())
    throw UsageError("give --bands and --rows-per-band together");
  if (f.bands) {
    o.num_bands = f.bands;
    o.rows_per_band = f.rows;
    if (!f.num_perm) o.num_perm = *f.bands * *f.rows;
  }
  if (f.threshold) o.similarity_threshold = *f.threshold;
  if (f.seed) o.seed = *f.seed;
  if (f.projection_generator) o.projection_generator = parse_projection_generator(*f.projection_generator);
  if (f.buffer_size) o.buffer_size = *f.buffer_size;
  return Index(std::move(o), std::move(store), std::move(fetcher));
}

PeekedSource::PeekedSource(std::unique_ptr<VectorSource> inner) : inner_(std::move(inner)) {
  has_first_ = inner_->next(first_);
  if (has_first_) dim_ = first_.dim;
}

bool PeekedSource::next(VectorBatch& batch) {
  if (has_first_) {
    has_first_ = false;
    batch = std::move(first_);
    return true;
  }
  return inner_->next(batch);
}

void check_dim(std::size_t data_dim, const std::string& what, const Index& index) {
  if (data_dim == index.options().dim) return;
  throw InvalidArgument("wrong dimension: " + what + " has vectors of dimension " +
                        std::to_string(data_dim) + ", but the index under prefix \"" +
                        quote_user_text(index.options().prefix) + "\" has dimension " +
                        std::to_string(index.options().dim));
}

std::vector<std::int64_t> parse_id_list(const std::string& text, const char* flag) {
  std::vector<std::int64_t> ids;
  auto parse = [&](std::string_view s) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < 0) {
      throw UsageError(std::string(flag) + ": '" + std::string(s) +
                       "' is not an id (ids are integers >= 0, as 1,2,5-9)");
    }
    return v;
  };
  std::string_view rest(text);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    const auto dash = item.find('-', 1);
    if (dash == std::string_view::npos) {
      ids.push_back(parse(item));
      continue;
    }
    const std::int64_t lo = parse(item.substr(0, dash)), hi = parse(item.substr(dash + 1));
    if (hi < lo || hi - lo > 10'000'000) {
      throw UsageError(std::string(flag) + ": bad range '" + std::string(item) + "'");
    }
    for (std::int64_t v = lo; v <= hi; ++v) ids.push_back(v);
  }
  if (ids.empty()) throw UsageError(std::string(flag) + ": no ids given");
  return ids;
}

}  // namespace lshrs::cli
