// lshrs bench — recall and speed on a data set: ingest rate, queries/s
// (single and batched), latency percentiles, recall@k by collisions and with
// reranking (by similarity, and by id alongside: lshrs/exact.hpp says why),
// and the store's bytes per vector. Writes a JSON report.
#include <fmt/format.h>
#include <sys/utsname.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli.hpp"
#include "lshrs/auto_config.hpp"
#include "flag_checks.hpp"
#include "lshrs/error.hpp"
#include "lshrs/exact.hpp"
#include "lshrs/safe_text.hpp"
#include "lshrs/tuner.hpp"
#include "matrix_io.hpp"
#include "options.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "util/percentile.hpp"

namespace lshrs::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchArgs {
  StoreFlags store;
  ConfigFlags config;
  std::string base, queries, truth, save_truth, json_out;
  std::size_t k = 10, batch = 100;
  std::optional<std::size_t> probes, max_candidates;  // empty: the index's query defaults
  bool keep = false, overwrite = false, quiet = false;
};

struct Mode {
  std::string name;
  double qps = 0, p50_ms = 0, p99_ms = 0, mean_candidates = 0;
  bool latencies = false;  // single-query modes time each query
  Recall recall;
};

// What recall is measured against: query i's exact neighbours truth[i],
// ids = rows of the base.
struct Truth {
  const Matrix& base;
  const Matrix& queries;
  std::vector<std::vector<std::int64_t>> ids;
  std::size_t k = 0;

  Recall of(const std::vector<QueryResult>& results) const {
    return measure_recall(results, base.data, queries.data, base.cols, ids, k);
  }
};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return util::nearest_rank_percentile(std::span<const double>(v), q);
}

double mean_candidates(const std::vector<QueryResult>& results) {
  double sum = 0;
  for (const auto& r : results) sum += static_cast<double>(r.candidates);
  return results.empty() ? 0 : sum / static_cast<double>(results.size());
}

std::span<const float> row(const Matrix& m, std::size_t i) {
  return std::span(m.data).subspan(i * m.cols, m.cols);
}

Mode run_single(Index& index, const Matrix& q, const QueryOptions& o, const Truth& truth,
                std::string name) {
  std::vector<QueryResult> results;
  std::vector<double> ms;
  const auto start = Clock::now();
  for (std::size_t i = 0; i < q.rows; ++i) {
    const auto t = Clock::now();
    results.push_back(index.query(row(q, i), o));
    ms.push_back(seconds_since(t) * 1000);
  }
  const double total = seconds_since(start);
  return {std::move(name),
          static_cast<double>(q.rows) / total,
          percentile(ms, 0.5),
          percentile(ms, 0.99),
          mean_candidates(results),
          true,
          truth.of(results)};
}

Mode run_batched(Index& index, const Matrix& q, const QueryOptions& o, const Truth& truth,
                 std::size_t batch, std::string name) {
  std::vector<QueryResult> results;
  const auto start = Clock::now();
  for (std::size_t i = 0; i < q.rows; i += batch) {
    const std::size_t n = std::min(batch, q.rows - i);
    auto part = index.query_batch(std::span(q.data).subspan(i * q.cols, n * q.cols), o);
    std::move(part.begin(), part.end(), std::back_inserter(results));
  }
  const double total = seconds_since(start);
  return {std::move(name),
          static_cast<double>(q.rows) / total,
          0,
          0,
          mean_candidates(results),
          false,
          truth.of(results)};
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

Json machine_json() {
  utsname u{};
  uname(&u);
  return {{"cpu", cpu_model()},
          {"hardware_threads", std::thread::hardware_concurrency()},
          {"os", std::string(u.sysname) + " " + u.release}};
}

// The command as typed, each argument redacted (a --redis URL or --dsn may
// hold a password), for the results file that is meant to be shared.
std::string command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), {}), out;
  std::size_t start = 0;
  while (start < all.size()) {
    std::size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    if (!out.empty()) out += ' ';
    out += redact_secrets(std::string_view(all).substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

namespace {

struct Report {
  Json json;
  std::vector<Mode> modes;
};

// Recall by similarity scores the truth's ids against the base: refused
// before anything is indexed when one is not a base row (a truth file made
// for another base, or a subset of it).
void check_truth_ids(const BenchArgs& a, const Matrix& base,
                     const std::vector<std::vector<std::int64_t>>& truth, std::size_t queries) {
  for (std::size_t i = 0; i < queries; ++i) {
    const std::size_t want = std::min(a.k, truth[i].size());
    for (std::size_t c = 0; c < want; ++c) {
      const std::int64_t id = truth[i][c];
      if (id < 0 || static_cast<std::uint64_t>(id) >= base.rows) {
        throw InvalidArgument(fmt::format(
            "{}: row {} lists neighbour id {}, but {} has {} rows (ids are row numbers)", a.truth,
            i, id, a.base, base.rows));
      }
    }
  }
}

std::vector<std::vector<std::int64_t>> ground_truth(const BenchArgs& a, const Matrix& base,
                                                    const Matrix& q, Json& j) {
  if (!a.truth.empty()) {
    auto truth = load_neighbors(a.truth);
    if (truth.size() < q.rows) {
      throw InvalidArgument(
          fmt::format("{} has {} rows, but there are {} queries", a.truth, truth.size(), q.rows));
    }
    check_truth_ids(a, base, truth, q.rows);
    j["truth"] = a.truth;
    return truth;
  }
  if (!a.quiet)
    std::cerr << "lshrs: computing exact neighbours (brute force, " << q.rows << " x " << base.rows
              << ")\n";
  const auto start = Clock::now();
  auto truth = exact_neighbors(base, q, a.k);
  j["truth"] = "exact (brute force)";
  j["exact_seconds"] = seconds_since(start);
  if (!a.save_truth.empty()) save_neighbors(a.save_truth, truth);
  return truth;
}

void prepare_prefix(const BenchArgs& a, BucketStore& store) {
  // Keys without a meta (an index whose meta was deleted) count as an index.
  const bool meta = store.load_meta(a.store.prefix).has_value();
  using Class = BucketStore::KeyClass;
  if (!meta && store.sample_keys(a.store.prefix, Class::kSignatures, 1).empty() &&
      store.sample_keys(a.store.prefix, Class::kBuckets, 1).empty()) {
    return;
  }
  if (!a.overwrite) {
    throw ConfigurationError("prefix \"" + quote_user_text(a.store.prefix) + "\" already holds " +
                             (meta ? "an index" : "keys of an index (without its meta)") + " in " +
                             store.describe() +
                             ": pass --overwrite to clear it, or choose another --prefix");
  }
  store.clear(a.store.prefix);
}

void print_report(const BenchArgs& a, const Report& r) {
  const auto& j = r.json;
  std::cout << fmt::format(
      "data: {} base vectors x {} dims, {} queries; index: {} in {}\n\n",
      group_digits(j["base_rows"].get<std::uint64_t>()), j["dim"].get<std::size_t>(),
      group_digits(j["queries"].get<std::uint64_t>()),
      shape_text(parse_family(j["config"]["family"].get<std::string>()),
                 j["config"]["num_bands"].get<std::size_t>(),
                 j["config"]["rows_per_band"].get<std::size_t>()),
      j["store"].get<std::string>());
  Table t({"mode", fmt::format("recall@{}", a.k), "by id", "queries/s", "p50 ms", "p99 ms",
           "candidates/query"});
  for (const Mode& m : r.modes) {
    t.add({m.name, fixed(m.recall.by_similarity, 4), fixed(m.recall.by_id, 4),
           group_digits(static_cast<std::uint64_t>(m.qps)),
           m.latencies ? fixed(m.p50_ms, 3) : "-", m.latencies ? fixed(m.p99_ms, 3) : "-",
           fixed(m.mean_candidates, 1)});
  }
  t.print(std::cout);
  std::cout << fmt::format("\ningest: {} vectors/s ({:.2f} s)\n",
                           group_digits(j["ingest"]["vectors_per_second"].get<std::uint64_t>()),
                           j["ingest"]["seconds"].get<double>());
  if (!j["bytes_per_vector"].is_null()) {
    std::cout << fmt::format("store memory: {:.1f} bytes/vector\n",
                             j["bytes_per_vector"].get<double>());
  }
}

int run_bench(const BenchArgs& a) {
  Report r;
  auto& j = r.json;
  j["date"] = utc_now();
  j["command"] = command_line();
  j["machine"] = machine_json();
  const Matrix base = load_matrix(a.base);
  const Matrix q = load_matrix(a.queries);
  if (q.cols != base.cols) {
    throw InvalidArgument(fmt::format("wrong dimension: {} has {} dims, {} has {}", a.queries,
                                      q.cols, a.base, base.cols));
  }
  j["base"] = a.base;
  j["base_rows"] = base.rows;
  j["queries"] = q.rows;
  j["dim"] = base.cols;
  j["k"] = a.k;
  const Truth truth{base, q, ground_truth(a, base, q, j), a.k};

  auto store = make_store(a.store);
  prepare_prefix(a, *store);
  // An even spread of the base, when the configuration is chosen from the data.
  // An even spread of the base, when the configuration is chosen from the data;
  // the exact neighbours of its calibration queries from the whole base.
  const DataAtHand data{
      base.rows,
      [&base] {
        const std::size_t step = std::max<std::size_t>(1, base.rows / kAutoSampleRows);
        DataSample sample;
        for (std::size_t i = 0; i < base.rows; i += step) {
          const float* row = base.data.data() + i * base.cols;
          sample.rows.insert(sample.rows.end(), row, row + base.cols);
          sample.ids.push_back(static_cast<std::int64_t>(i));
        }
        return sample;
      },
      [&a] { return make_source(parse_source_spec(a.base, "", SourceFlags{}), SourceFlags{}); },
      a.quiet};
  Index index = make_index(a.config, a.store.prefix, store, rows_fetcher(a.base, base), base.cols,
                           true, data);
  const auto& o = index.config();
  // A tuned model's query settings apply unless --probes / --max-candidates say otherwise.
  const std::size_t probes = a.probes.value_or(index.query_defaults().probes);
  const auto max_candidates = a.max_candidates ? a.max_candidates : index.query_defaults().max_candidates;
  j["store"] = store->describe();
  j["config"] = {{"family", family_name(o.family)},
                 {"num_perm", o.num_perm},
                 {"num_bands", o.num_bands},
                 {"rows_per_band", o.rows_per_band},
                 {"similarity_threshold", o.similarity_threshold},
                 {"seed", o.seed},
                 {"probes", probes},
                 {"max_candidates", max_candidates ? Json(*max_candidates) : Json(nullptr)}};

  auto source = make_source(parse_source_spec(a.base, "", SourceFlags{}), SourceFlags{});
  ProgressReporter progress("indexing " + a.base, a.quiet);
  auto start = Clock::now();
  const std::uint64_t rows = index.ingest_from(*source, progress.ingest_options());
  index.close();
  const double ingest_s = seconds_since(start);
  j["ingest"] = {{"vectors", rows},
                 {"seconds", ingest_s},
                 {"vectors_per_second", static_cast<double>(rows) / ingest_s}};
  const IndexStats stats = index.stats();
  j["bytes_per_vector"] =
      stats.storage.bytes_per_vector ? Json(*stats.storage.bytes_per_vector) : Json(nullptr);
  j["stats"] = stats_json(stats);

  QueryOptions by_collisions;
  by_collisions.top_k = a.k;
  by_collisions.probes = probes;
  QueryOptions reranked = by_collisions;
  reranked.rerank = true;
  reranked.max_candidates = max_candidates;
  if (!a.quiet) std::cerr << "lshrs: running " << q.rows << " queries in 4 modes\n";
  r.modes.push_back(run_single(index, q, by_collisions, truth, "collisions, one by one"));
  r.modes.push_back(run_batched(index, q, by_collisions, truth, a.batch,
                                fmt::format("collisions, batches of {}", a.batch)));
  r.modes.push_back(run_single(index, q, reranked, truth, "reranked, one by one"));
  r.modes.push_back(run_batched(index, q, reranked, truth, a.batch,
                                fmt::format("reranked, batches of {}", a.batch)));
  for (const Mode& m : r.modes) {
    j["modes"].push_back({{"mode", m.name},
                          {"recall", m.recall.by_similarity},
                          {"recall_by_id", m.recall.by_id},
                          {"queries_per_second", m.qps},
                          {"p50_ms", m.latencies ? Json(m.p50_ms) : Json(nullptr)},
                          {"p99_ms", m.latencies ? Json(m.p99_ms) : Json(nullptr)},
                          {"mean_candidates", m.mean_candidates}});
  }
  if (!a.keep) store->clear(a.store.prefix);
  print_report(a, r);
  if (!a.json_out.empty()) {
    std::ofstream out(a.json_out);
    if (!(out << j.dump(2) << "\n")) throw SourceError(a.json_out, "cannot write the JSON report");
    std::cerr << "lshrs: wrote " << a.json_out << "\n";
  }
  return kExitOk;
}

}  // namespace

Command add_bench_command(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  a->store.prefix = "lshrs-bench";
  CLI::App* sub = app.add_subcommand(
      "bench",
      "Measure ingest rate, query speed, latency and recall@k on a data set (.npy or .fvecs)");
  sub->add_option("--base", a->base, "Base vectors (.npy or .fvecs); ids are row numbers")
      ->required();
  sub->add_option("--queries", a->queries, "Query vectors (.npy, .fvecs or .json)")->required();
  sub->add_option(
      "--truth", a->truth,
      "Ground-truth neighbour ids per query (.npy int or .ivecs), row numbers of --base; a "
      "returned vector as close as the k-th listed counts as a hit (default: computed exactly)");
  sub->add_option("--save-truth", a->save_truth,
                  "Write the computed exact neighbours (int64 .npy) for --truth")
      ->excludes("--truth");
  whole_number(sub->add_option("-k,--k", a->k, "Neighbours per query (recall@k)"))
      ->check(at_least_one())
      ->capture_default_str();
  whole_number(
      sub->add_option("--batch", a->batch, "Queries per query_batch call in the batched modes"))
      ->check(at_least_one())
      ->capture_default_str();
  whole_number(sub->add_option("--probes", a->probes,
                  "Multi-probe budget: extra buckets read per query over all bands together, "
                  "the most likely first (Lv et al. 2007); 0 reads one bucket per band "
                  "(default: the --model's query default, else 0)"));
  whole_number(sub->add_option("--max-candidates", a->max_candidates,
                               "Rerank at most this many candidates per query (default: the "
                               "--model's query default, else all)"))
      ->check(at_least_one());
  add_store_flags(*sub, a->store, true);
  add_config_flags(*sub, a->config);
  sub->add_option("--json", a->json_out,
                  "Also write the results (with machine, command, date) to this file");
  sub->add_flag("--keep", a->keep, "Keep the index in the store afterwards (default: cleared)");
  sub->add_flag("--overwrite", a->overwrite, "Clear an existing index under --prefix first");
  sub->add_flag("-q,--quiet", a->quiet, "No progress on stderr");
  return {sub, [a] { return run_bench(*a); }};
}

}  // namespace lshrs::cli
