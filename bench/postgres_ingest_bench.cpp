// Ingestion from PostgreSQL into Redis, next to the bare read rates of the
// same table in the same run:
//   copy_to_nowhere   COPY (SELECT id, v FROM t) TO STDOUT (binary) through
//                     psql into /dev/null: what the server can hand out;
//   source_drain      our cursor-based source alone (decode, no index);
//   ingest_to_redis   Index::ingest_from into a RedisStore (hash + write).
// Rates are rows/s of wall time (items_per_second; the work is mostly I/O).
//
//   LSHRS_BENCH_PG_DSN=postgresql://... LSHRS_BENCH_REDIS_URL=redis://...
//   build/release/bench/postgres_ingest_bench
// Falls back to LSHRS_TEST_PG_DSN / LSHRS_TEST_REDIS_URL. LSHRS_BENCH_PG_ROWS
// sets the table size (default 200,000 rows of dim 64). The table
// lshrs_bench_<rows>_<dim> is created once and kept for later runs.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "bench_support.hpp"
#include "lshrs/index.hpp"
#include "lshrs/postgres.hpp"
#include "lshrs/redis_store.hpp"

namespace {

constexpr std::size_t kDim = 64;

std::string env(const char* name, const char* fallback) {
  return lshrs::bench::env({name, fallback});
}

std::size_t rows() { return lshrs::bench::rows("LSHRS_BENCH_PG_ROWS", 200'000); }

// Runs a psql command line with `args`; returns its output (throws on failure).
std::string psql(const std::string& dsn, const std::string& args) {
  const std::string cmd = "psql -X -q -At -v ON_ERROR_STOP=1 -d '" + dsn + "' " + args;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("cannot run psql");
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  if (pclose(p) != 0) throw std::runtime_error("psql failed: " + cmd + "\n" + out);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// The benchmark table, created (server-side random vectors) on first use.
const std::string& table(const std::string& dsn) {
  static const std::string name = [&] {
    const std::size_t n = rows();
    const std::string t = "lshrs_bench_" + std::to_string(n) + "_" + std::to_string(kDim);
    psql(dsn, "-c \"CREATE UNLOGGED TABLE IF NOT EXISTS " + t +
                  " (id bigint PRIMARY KEY, v real[] NOT NULL)\"");
    if (psql(dsn, "-c \"SELECT count(*) FROM " + t + "\"") != std::to_string(n)) {
      psql(dsn, "-c \"TRUNCATE " + t + "\" -c \"INSERT INTO " + t +
                    " SELECT g, (SELECT array_agg(random() - 0.5) FROM generate_series(1, " +
                    std::to_string(kDim) + ") WHERE g > 0)::real[] FROM generate_series(1, " +
                    std::to_string(n) + ") g\" -c \"VACUUM ANALYZE " + t + "\"");
    }
    return t;
  }();
  return name;
}

bool need(benchmark::State& state, const std::string& value, const char* what) {
  if (!value.empty()) return true;
  state.SkipWithError((std::string(what) + " is not set").c_str());
  return false;
}

void copy_to_nowhere(benchmark::State& state) {
  const std::string dsn = env("LSHRS_BENCH_PG_DSN", "LSHRS_TEST_PG_DSN");
  if (!need(state, dsn, "LSHRS_BENCH_PG_DSN")) return;
  const std::string& t = table(dsn);
  for (auto _ : state) {
    psql(dsn, "-c \"COPY (SELECT id, v FROM " + t + ") TO STDOUT (FORMAT binary)\" > /dev/null");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows()));
}

void source_drain(benchmark::State& state) {
  const std::string dsn = env("LSHRS_BENCH_PG_DSN", "LSHRS_TEST_PG_DSN");
  if (!need(state, dsn, "LSHRS_BENCH_PG_DSN")) return;
  lshrs::PostgresOptions o;
  o.dsn = dsn;
  o.table = table(dsn);
  o.vector_column = "v";
  o.batch_size = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    auto source = lshrs::open_postgres_source(o);
    if (lshrs::bench::drain(*source) != rows()) state.SkipWithError("short read");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows()));
}

void ingest_to_redis(benchmark::State& state) {
  const std::string dsn = env("LSHRS_BENCH_PG_DSN", "LSHRS_TEST_PG_DSN");
  const std::string url = env("LSHRS_BENCH_REDIS_URL", "LSHRS_TEST_REDIS_URL");
  if (!need(state, dsn, "LSHRS_BENCH_PG_DSN") || !need(state, url, "LSHRS_BENCH_REDIS_URL")) {
    return;
  }
  lshrs::PostgresOptions o;
  o.dsn = dsn;
  o.table = table(dsn);
  o.vector_column = "v";
  lshrs::bench::ingest_to_redis(state, url, "pg", kDim, rows(),
                                [&] { return lshrs::open_postgres_source(o); });
}

}  // namespace

BENCHMARK(copy_to_nowhere)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(source_drain)->Arg(1'000)->Arg(10'000)->Arg(50'000)->Iterations(3)->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(ingest_to_redis)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
