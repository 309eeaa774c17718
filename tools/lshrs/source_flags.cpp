// lshrs CLI — from the source flags (--from, --vectors, each source's
// options) to vector sources and fetchers (see options.hpp).
#include "options.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <utility>

#include "cli.hpp"
#include "flag_checks.hpp"
#include "lshrs/config.hpp"
#include "lshrs/error.hpp"
#include "lshrs/files.hpp"
#include "lshrs/safe_text.hpp"
#if LSHRS_WITH_PARQUET
#include "lshrs/parquet.hpp"
#endif
#if LSHRS_WITH_POSTGRES
#include "lshrs/postgres.hpp"
#endif

namespace lshrs::cli {
namespace {

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

}  // namespace

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
  // A spec that names its own data leaves no room for a path as well.
  const auto one_source = [&] {
    if (fallback_location.empty()) return;
    throw UsageError("two vector sources: --from " + quote_user_text(redact_secrets(spec)) +
                     " and the path '" + quote_user_text(redact_secrets(fallback_location)) +
                     "'; give one (--from KIND:PATH, or --from KIND and the path)");
  };
  if (starts_with(spec, "postgres://") || starts_with(spec, "postgresql://")) {
    one_source();
    return {SourceKind::kPostgres, spec};
  }
  if (auto kind = kind_from_name(spec)) {
    if (*kind == SourceKind::kPostgres && !flags.dsn.empty()) one_source();
    std::string location = *kind == SourceKind::kPostgres ? flags.dsn : fallback_location;
    if (*kind == SourceKind::kPostgres && location.empty()) location = fallback_location;
    if (location.empty() && *kind != SourceKind::kPostgres) {
      throw UsageError(std::string("--from ") + spec +
                       " needs a path: give it after the flags or as " + spec + ":PATH");
    }
    return {*kind, location};
  }
  if (const auto colon = spec.find(':'); colon != std::string::npos && colon > 1) {
    if (auto kind = kind_from_name(spec.substr(0, colon))) {
      one_source();
      return {*kind, spec.substr(colon + 1)};
    }
  }
  if (spec.empty()) throw UsageError("no vector source: give --from SOURCE or a path");
  one_source();
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
  o.residency = f.npy_residency;
  return o;
}

// --ids-file gives ids to the rows of a .npy file; other sources carry
// their ids (an id column) or number their rows (.fvecs).
void ids_file_fits(const SourceSpec& spec, const SourceFlags& f) {
  if (!f.ids_file || spec.kind == SourceKind::kNpy) return;
  throw UsageError(std::string("--ids-file goes with a .npy source, not ") + kind_name(spec.kind) +
                   (spec.kind == SourceKind::kFvecs ? " (its ids are row numbers)"
                                                    : " (its ids come from --id-column)"));
}

}  // namespace

std::unique_ptr<VectorSource> make_source(const SourceSpec& spec, const SourceFlags& f) {
  ids_file_fits(spec, f);
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
  ids_file_fits(spec, f);
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

PeekedSource::PeekedSource(std::unique_ptr<VectorSource> inner, std::size_t hold_rows)
    : inner_(std::move(inner)) {
  held_rows(std::max<std::size_t>(hold_rows, 1));
  if (!held_.empty()) dim_ = held_.front().dim;
}

std::size_t PeekedSource::held_count() const {
  std::size_t n = 0;
  for (const auto& b : held_) n += b.size();
  return n;
}

DataSample PeekedSource::held_rows(std::size_t rows) {
  while (!ended_ && held_count() < rows) {
    VectorBatch batch;
    if (!inner_->next(batch)) {
      ended_ = true;
      break;
    }
    if (batch.size() > 0) held_.push_back(std::move(batch));
  }
  DataSample out;
  for (const auto& b : held_) {
    out.rows.insert(out.rows.end(), b.data.begin(), b.data.end());
    out.ids.insert(out.ids.end(), b.ids.begin(), b.ids.end());
  }
  return out;
}

bool PeekedSource::next(VectorBatch& batch) {
  if (!held_.empty()) {
    batch = std::move(held_.front());
    held_.pop_front();
    return true;
  }
  if (ended_) return false;
  return inner_->next(batch);
}

}  // namespace lshrs::cli
