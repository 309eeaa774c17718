// Redis ingest and query throughput against the server's own ceiling.
//
// Ingest: dim 256, 16 bands × 8 rows, 200,000 vectors through Index (hash +
// coalesced pipelined SADD, buffer 10,000) into a local redis-server; the
// figure is vectors/s (ingest_small_buckets: also 10 × 16, with Redis memory
// per vector). Ceiling, same run: `redis-benchmark -P 64 -t sadd`
// requests/s (each request adds one member). Issue target:
//   vectors/s × bands >= 0.8 × SADD ceiling   (reported as `vs_ceiling`).
// Query: single-thread top-10 queries/s with p50/p99 latency, and batched
// queries/s (query_batch of 100: one round trip per batch). Ceiling, same
// run: `redis-benchmark -P 16 smembers <one bucket of the index>` requests/s
// divided by bands (a query reads one bucket per band), reported as
// `query_ceiling`, with `bucket_size` the members of that bucket (~780).
// That ceiling hits one cached key; a real query reads 16 random buckets and
// costs the server about twice as much per SMEMBERS (INFO commandstats). The
// server's set encoding matters most: buckets above set-max-intset-entries
// (512 by default) are hash tables; docs/benchmarks.md has the same run with
// `set-max-intset-entries 4096` for comparison. The server's setting is
// reported as `intset_entries`.
//
//   LSHRS_BENCH_REDIS_URL=redis://127.0.0.1:6379 build/bench/redis_ingest_bench
//   redis-benchmark -h 127.0.0.1 -p 6379 -P 64 -t sadd -n 2000000 -q   # the ceiling, by hand
//
// The benchmark runs redis-benchmark itself when it is on PATH (TCP URLs
// only). It writes under the prefix "lshrs-bench" and clears it.
//
// TLS: the `tls:1` runs repeat ingest and batched queries against a TLS-only
// redis-server of the same build and settings (LSHRS_BENCH_REDIS_TLS_URL with
// the CA in LSHRS_BENCH_TLS_CA; scripts/bench starts one), in the same run
// as the plain-TCP figures, so the ratio is the cost of encryption.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <random>
#include <string>
#include <thread>

#include "bench_support.hpp"
#include "lshrs/index.hpp"
#include "lshrs/redis_store.hpp"
#include "redis/transport/connection.hpp"
#include "redis/transport/url.hpp"
#include "redis/protocol/store_options.hpp"

namespace {

constexpr std::size_t kDim = 256, kBands = 16, kRows = 8, kVectors = 200'000;
constexpr std::size_t kBuffer = 10'000, kQueries = 2'000, kQueryBatch = 100;
const std::string kPrefix = "lshrs-bench";

std::string redis_url() {
  const std::string url = lshrs::bench::env({"LSHRS_BENCH_REDIS_URL", "LSHRS_TEST_REDIS_URL"});
  return url.empty() ? "redis://127.0.0.1:6379" : url;
}

std::string tls_url() { return lshrs::bench::env({"LSHRS_BENCH_REDIS_TLS_URL", "LSHRS_TEST_REDIS_TLS_URL"}); }

std::shared_ptr<lshrs::RedisStore> make_store(bool track_signatures, bool tls = false) {
  lshrs::RedisOptions o;
  o.url = tls ? tls_url() : redis_url();
  if (tls) o.tls.ca_file = lshrs::bench::env({"LSHRS_BENCH_TLS_CA", "LSHRS_TEST_TLS_CA"});
  o.track_signatures = track_signatures;
  return std::make_shared<lshrs::RedisStore>(o);
}

// Skips a TLS run when no TLS server was given; true when skipped.
bool skip_without_tls(benchmark::State& state, bool tls) {
  if (!tls || !tls_url().empty()) return false;
  state.SkipWithError("no TLS server: set LSHRS_BENCH_REDIS_TLS_URL (scripts/bench does)");
  return true;
}

const std::vector<float>& dataset() {
  static const std::vector<float> data = [] {
    std::mt19937_64 rng(7);
    std::normal_distribution<float> normal;
    std::vector<float> v(kVectors * kDim);
    for (auto& x : v) x = normal(rng);
    return v;
  }();
  return data;
}

lshrs::IndexOptions index_options() {
  lshrs::IndexOptions io;
  io.dim = kDim;
  io.num_perm = kBands * kRows;
  io.num_bands = kBands;
  io.rows_per_band = kRows;
  io.buffer_size = kBuffer;
  io.prefix = kPrefix;
  return io;
}

// The requests/s that `redis-benchmark -q <args>` reports against the bench
// server, or 0 when it cannot run (not on PATH, unix socket, password).
double redis_benchmark_rps(const std::string& args) {
  const lshrs::redis::Endpoint ep = lshrs::redis::resolve_endpoint([] {
    lshrs::RedisOptions o;
    o.url = redis_url();
    return o;
  }());
  if (!ep.address.unix_path.empty() || !ep.settings.password.empty()) return 0.0;
  const std::string cmd = "redis-benchmark -h " + ep.address.host + " -p " +
                          std::to_string(ep.address.port) + " -q " + args + " 2>/dev/null";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return 0.0;
  char line[4096];
  double rps = 0;
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    // "SADD: 1234567.75 requests per second, p50=..." after \r progress lines
    const std::string s(line);
    const auto end = s.rfind(" requests per second");
    if (end == std::string::npos) continue;
    const auto start = s.rfind(": ", end);
    if (start != std::string::npos) rps = std::atof(s.c_str() + start + 2);
  }
  ::pclose(pipe);
  return rps;
}

// The server's set-max-intset-entries (CONFIG GET), or -1 if it will not say.
double intset_entries() {
  lshrs::RedisOptions o;
  o.url = redis_url();
  const lshrs::redis::Endpoint ep = lshrs::redis::resolve_endpoint(o);
  auto conn = lshrs::redis::Connection::open(ep.address, ep.settings);
  const auto reply = conn.command({"CONFIG", "GET", "set-max-intset-entries"});
  if (!reply.is_array() || reply.elements.size() != 2) return -1;
  return std::atof(reply.elements[1].text.c_str());
}

// redis-benchmark -P 64 -t sadd requests/s against the same server, or 0.
double sadd_ceiling() {
  static const double ceiling = redis_benchmark_rps("-P 64 -t sadd -n 2000000");
  return ceiling;
}

// Queries/s the server could answer at most, from SMEMBERS of one of the
// index's buckets (that of the first vector in band 0), and its size.
void query_ceiling(lshrs::Index& index, benchmark::State& state) {
  const auto sigs = index.hasher().hash(std::span(dataset()).first(kDim));
  const auto band0 = sigs.band(0, 0);
  const lshrs::BucketRef ref{0, std::string(band0.begin(), band0.end())};
  auto store = make_store(true);
  state.counters["bucket_size"] =
      static_cast<double>(store->members(kPrefix, std::span(&ref, 1)).front().size());
  const double rps = redis_benchmark_rps("-P 16 -n 20000 smembers " +
                                         lshrs::bucket_key(kPrefix, 0, band0));
  if (rps > 0) state.counters["query_ceiling"] = rps / static_cast<double>(kBands);
  state.counters["intset_entries"] = intset_entries();
}

void ingest(benchmark::State& state) {
  const bool track = state.range(0) != 0;
  const bool tls = state.range(1) != 0;
  if (skip_without_tls(state, tls)) return;
  auto store = make_store(track, tls);
  const auto& data = dataset();
  std::vector<std::int64_t> ids(kVectors);
  for (std::size_t i = 0; i < kVectors; ++i) ids[i] = static_cast<std::int64_t>(i);
  for (auto _ : state) {
    state.PauseTiming();
    store->clear(kPrefix);
    lshrs::Index index(index_options(), store);
    state.ResumeTiming();
    for (std::size_t start = 0; start < kVectors; start += kBuffer) {
      index.index(std::span(ids).subspan(start, kBuffer),
                  std::span(data).subspan(start * kDim, kBuffer * kDim));
    }
  }
  const double vectors = static_cast<double>(state.iterations() * kVectors);
  state.counters["vectors/s"] = benchmark::Counter(vectors, benchmark::Counter::kIsRate);
  if (tls) return;  // redis-benchmark has no TLS here: the ceiling is the plain run's
  // vectors/s × bands / ceiling: a Counter cannot divide by time itself, so
  // the rate is per second of the whole benchmark (same as vectors/s).
  const double ceiling = sadd_ceiling();
  state.counters["sadd_ceiling"] = ceiling;
  if (ceiling > 0) {
    state.counters["vs_ceiling"] = benchmark::Counter(vectors * kBands / ceiling,
                                                      benchmark::Counter::kIsRate);
  }
}

// Ingest at a small-bucket configuration (issue 9: bits per band growing with
// log2 n): `bands` x `rows` hyperplanes, the same 200,000 vectors, tracked.
// Besides vectors/s and vs_ceiling it reports Redis memory per vector from
// INFO memory (used_memory after minus before, / vectors) and MEMORY USAGE
// of one bucket and one signature range hash (128 ids) of the index.
std::uint64_t used_memory(lshrs::redis::Connection& conn) {
  // clear() UNLINKs: wait until the server freed what it deletes lazily.
  for (int i = 0; i < 600; ++i) {
    const auto info = conn.command({"INFO", "memory"}).text;
    if (info.find("lazyfree_pending_objects:0\r") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto reply = conn.command({"INFO", "memory"});
  const auto at = reply.text.find("used_memory:");
  return at == std::string::npos ? 0 : std::stoull(reply.text.substr(at + 12));
}

void ingest_small_buckets(benchmark::State& state) {
  const auto bands = static_cast<std::size_t>(state.range(0));
  const auto rows = static_cast<std::size_t>(state.range(1));
  auto store = make_store(state.range(2) != 0);
  lshrs::RedisOptions o;
  o.url = redis_url();
  const lshrs::redis::Endpoint ep = lshrs::redis::resolve_endpoint(o);
  auto conn = lshrs::redis::Connection::open(ep.address, ep.settings);
  const auto& data = dataset();
  std::vector<std::int64_t> ids(kVectors);
  for (std::size_t i = 0; i < kVectors; ++i) ids[i] = static_cast<std::int64_t>(i);
  lshrs::IndexOptions io = index_options();
  io.num_perm = bands * rows;
  io.num_bands = bands;
  io.rows_per_band = rows;
  double before = 0, after = 0;
  std::unique_ptr<lshrs::Index> index;
  for (auto _ : state) {
    state.PauseTiming();
    index.reset();
    store->clear(kPrefix);
    before = static_cast<double>(used_memory(conn));
    index = std::make_unique<lshrs::Index>(io, store);
    state.ResumeTiming();
    for (std::size_t start = 0; start < kVectors; start += kBuffer) {
      index->index(std::span(ids).subspan(start, kBuffer), std::span(data).subspan(start * kDim, kBuffer * kDim));
    }
    state.PauseTiming();
    after = static_cast<double>(used_memory(conn));
    state.ResumeTiming();
  }
  const double vectors = static_cast<double>(state.iterations() * kVectors);
  state.counters["vectors/s"] = benchmark::Counter(vectors, benchmark::Counter::kIsRate);
  const double ceiling = sadd_ceiling();
  state.counters["sadd_ceiling"] = ceiling;
  if (ceiling > 0) {
    state.counters["vs_ceiling"] =
        benchmark::Counter(vectors * static_cast<double>(bands) / ceiling, benchmark::Counter::kIsRate);
  }
  // With ~1-10 ids per bucket most SADDs create their key, which costs the
  // server ~4x a SADD to an existing set: the same-run rate of that (random
  // keys, in db 9) is the fairer ceiling here (`vs_new_key_ceiling`).
  const double new_keys = redis_benchmark_rps("--dbnum 9 -P 64 -r 100000000 -n 1000000 sadd s:__rand_int__ 7");
  state.counters["new_key_ceiling"] = new_keys;
  if (new_keys > 0) {
    state.counters["vs_new_key_ceiling"] =
        benchmark::Counter(vectors * static_cast<double>(bands) / new_keys, benchmark::Counter::kIsRate);
  }
  state.counters["bytes/vector"] = (after - before) / static_cast<double>(kVectors);
  const lshrs::Signatures first = index->hasher().hash(std::span(data).first(kDim));
  const std::string bucket = lshrs::bucket_key(kPrefix, 0, std::span(first.bytes).first(first.band_bytes));
  state.counters["bucket_bytes"] = static_cast<double>(conn.command({"MEMORY", "USAGE", bucket}).integer);
  state.counters["bucket_ids"] = static_cast<double>(conn.command({"SCARD", bucket}).integer);
  const std::string range = lshrs::signature_range_key(kPrefix, 0);
  state.counters["range_bytes"] = static_cast<double>(conn.command({"MEMORY", "USAGE", range}).integer);
  state.counters["range_listpack"] = conn.command({"OBJECT", "ENCODING", range}).text == "listpack" ? 1 : 0;
  index.reset();
  store->clear(kPrefix);
}

// Fills the index once for the query benchmarks.
std::unique_ptr<lshrs::Index> filled_index(bool tls = false) {
  auto store = make_store(true, tls);
  store->clear(kPrefix);
  auto index = std::make_unique<lshrs::Index>(index_options(), store);
  std::vector<std::int64_t> ids(kVectors);
  for (std::size_t i = 0; i < kVectors; ++i) ids[i] = static_cast<std::int64_t>(i);
  index->index(ids, dataset());
  return index;
}

void query_single(benchmark::State& state) {
  auto index = filled_index();
  const auto& data = dataset();
  std::vector<double> latencies_us;
  std::size_t q = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto result = index->query(std::span(data).subspan((q++ % kQueries) * 97 * kDim, kDim));
    latencies_us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    benchmark::DoNotOptimize(result.neighbors.data());
  }
  std::sort(latencies_us.begin(), latencies_us.end());
  const auto pct = [&](double p) {
    return latencies_us[std::min(latencies_us.size() - 1,
                                 static_cast<std::size_t>(p * static_cast<double>(latencies_us.size())))];
  };
  state.counters["queries/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["p50_us"] = pct(0.50);
  state.counters["p99_us"] = pct(0.99);
  query_ceiling(*index, state);
  index->clear();
}

void query_batched(benchmark::State& state) {
  const bool tls = state.range(0) != 0;
  if (skip_without_tls(state, tls)) return;
  auto index = filled_index(tls);
  const auto& data = dataset();
  std::size_t batch = 0;
  for (auto _ : state) {
    const std::size_t start = (batch++ * kQueryBatch) % (kVectors - kQueryBatch);
    auto results = index->query_batch(std::span(data).subspan(start * kDim, kQueryBatch * kDim));
    benchmark::DoNotOptimize(results.data());
  }
  state.counters["queries/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kQueryBatch), benchmark::Counter::kIsRate);
  if (!tls) query_ceiling(*index, state);
  index->clear();
}

}  // namespace

BENCHMARK(ingest)->Args({1, 0})->Args({0, 0})->Args({1, 1})->ArgNames({"track_signatures", "tls"})
    ->Iterations(2)
    ->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK(ingest_small_buckets)->Args({10, 16, 1})->Args({10, 16, 0})->Args({16, 8, 1})
    ->ArgNames({"bands", "rows", "track_signatures"})
    ->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
BENCHMARK(query_single)->Iterations(kQueries)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(query_batched)->Arg(0)->Arg(1)->ArgNames({"tls"})->Iterations(kQueries / kQueryBatch)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_MAIN();
