// Ingestion from Parquet into Redis, next to the bare read rates of the same
// files in the same run:
//   duckdb_count_star  SELECT count(*) FROM read_parquet(...): DuckDB answers
//                      from the file footers (no data pages are read);
//   duckdb_scan        SELECT index, vector FROM read_parquet(...) drained
//                      chunk by chunk through the C API: what DuckDB can hand
//                      out, decoded, with no conversion;
//   source_drain       our ParquetSource alone (checks, row-major float32);
//   ingest_to_redis    Index::ingest_from into a RedisStore (hash + write).
// Rates are rows/s of wall time (items_per_second).
//
//   LSHRS_BENCH_REDIS_URL=redis://... build/release/bench/parquet_ingest_bench
// Falls back to LSHRS_TEST_REDIS_URL. LSHRS_BENCH_PARQUET_ROWS sets the size
// (default 200,000 rows of dim 64, in 4 files); the files are written once by
// DuckDB under $TMPDIR/lshrs_bench_parquet_<rows>_<dim>/ and kept.
#include <benchmark/benchmark.h>
#include <duckdb.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "bench_support.hpp"
#include "lshrs/index.hpp"
#include "lshrs/parquet.hpp"
#include "lshrs/redis_store.hpp"

namespace {

constexpr std::size_t kDim = 64;
constexpr std::size_t kFiles = 4;

std::string env(const char* name, const char* fallback) {
  return lshrs::bench::env({name, fallback});
}

std::size_t rows() { return lshrs::bench::rows("LSHRS_BENCH_PARQUET_ROWS", 200'000); }

// A connection to an in-memory DuckDB, for the bare-read baselines.
struct Duck {
  duckdb_database db = nullptr;
  duckdb_connection con = nullptr;
  Duck() {
    if (duckdb_open(nullptr, &db) != DuckDBSuccess || duckdb_connect(db, &con) != DuckDBSuccess) {
      throw std::runtime_error("cannot open DuckDB");
    }
  }
  ~Duck() {
    duckdb_disconnect(&con);
    duckdb_close(&db);
  }
  // Runs `sql` and drains its chunks; returns the number of rows.
  std::size_t drain(const std::string& sql) {
    duckdb_result r{};
    if (duckdb_query(con, sql.c_str(), &r) != DuckDBSuccess) {
      const std::string e = duckdb_result_error(&r);
      duckdb_destroy_result(&r);
      throw std::runtime_error("DuckDB: " + e);
    }
    std::size_t n = 0;
    while (duckdb_data_chunk c = duckdb_fetch_chunk(r)) {
      n += duckdb_data_chunk_get_size(c);
      duckdb_destroy_data_chunk(&c);
    }
    duckdb_destroy_result(&r);
    return n;
  }
};

// The benchmark files (random vectors), written on first use.
const std::string& data_dir() {
  static const std::string dir = [] {
    const std::size_t n = rows();
    const auto d = std::filesystem::temp_directory_path() /
                   ("lshrs_bench_parquet_" + std::to_string(n) + "_" + std::to_string(kDim));
    if (!std::filesystem::exists(d / "done")) {
      std::filesystem::create_directories(d);
      Duck duck;
      for (std::size_t f = 0; f < kFiles; ++f) {
        const std::size_t first = n * f / kFiles, count = n * (f + 1) / kFiles - first;
        duck.drain("COPY (SELECT range + " + std::to_string(first) +
                   " AS \"index\", list_transform(range(" + std::to_string(kDim) +
                   "), j -> (random() - 0.5)::FLOAT) AS vector FROM range(" +
                   std::to_string(count) + ")) TO '" +
                   (d / ("part-" + std::to_string(f) + ".parquet")).string() +
                   "' (FORMAT parquet, ROW_GROUP_SIZE 65536)");
      }
      std::filesystem::create_directories(d / "done");
    }
    return d.string();
  }();
  return dir;
}

std::string scan_sql(const std::string& select) {
  return "SELECT " + select + " FROM read_parquet('" + data_dir() + "/*.parquet')";
}

void duckdb_count_star(benchmark::State& state) {
  Duck duck;
  const std::string sql = scan_sql("count(*)");
  for (auto _ : state) duck.drain(sql);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows()));
}

void duckdb_scan(benchmark::State& state) {
  Duck duck;
  const std::string sql = scan_sql("\"index\", vector");
  for (auto _ : state) {
    if (duck.drain(sql) != rows()) state.SkipWithError("short read");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows()));
}

void source_drain(benchmark::State& state) {
  lshrs::ParquetOptions o;
  o.path = data_dir();
  o.batch_size = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    auto source = lshrs::open_parquet_source(o);
    if (lshrs::bench::drain(*source) != rows()) state.SkipWithError("short read");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows()));
}

void ingest_to_redis(benchmark::State& state) {
  const std::string url = env("LSHRS_BENCH_REDIS_URL", "LSHRS_TEST_REDIS_URL");
  if (url.empty()) {
    state.SkipWithError("LSHRS_BENCH_REDIS_URL is not set");
    return;
  }
  lshrs::ParquetOptions o;
  o.path = data_dir();
  lshrs::bench::ingest_to_redis(state, url, "pq", kDim, rows(),
                                [&] { return lshrs::open_parquet_source(o); });
}

}  // namespace

BENCHMARK(duckdb_count_star)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(duckdb_scan)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(source_drain)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(50'000)
    ->Iterations(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(ingest_to_redis)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
