// lshrs query — nearest neighbours of vectors from a file, JSON or stdin,
// by band collisions or reranked by cosine through a vector fetcher.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "id_list.hpp"
#include "lshrs/auto_config.hpp"
#include "flag_checks.hpp"
#include "lshrs/error.hpp"
#include "lshrs/option_rules.hpp"
#include "lshrs/safe_text.hpp"
#include "matrix_io.hpp"
#include "options.hpp"
#include "output.hpp"
#include "progress.hpp"

namespace lshrs::cli {
namespace {

struct QueryArgs {
  StoreFlags store;
  SourceFlags source;
  ConfigFlags config;
  std::string input, rows, vector_json, vectors_spec, from;
  bool rows_given = false, vector_given = false;  // even when given empty
  std::size_t top_k = 10;
  std::optional<double> top_p;
  std::optional<float> min_similarity;
  std::optional<std::size_t> max_candidates;
  std::optional<std::size_t> probes;  // empty: the index's query default
  std::string filter;
  std::optional<std::size_t> filter_effort;
  bool rerank = false, batch = false, json = false, quiet = false;

  QueryOptions options() const;
  bool wants_rerank() const { return options().reranks(); }
};

QueryOptions QueryArgs::options() const {
  QueryOptions o;
  o.top_k = top_k == 0 ? std::nullopt : std::optional<std::size_t>(top_k);
  o.top_p = top_p;
  o.min_similarity = min_similarity;
  o.rerank = rerank || !vectors_spec.empty();  // giving the vectors means wanting them used
  o.max_candidates = max_candidates;
  o.probes = probes;
  o.filter = filter;
  o.filter_effort = filter_effort;
  return o;
}

// The query vectors and, for each, the row it came from (for the output).
struct Queries {
  Matrix vectors;
  std::vector<std::int64_t> rows;
};

Matrix read_query_matrix(const QueryArgs& a) {
  if (a.vector_given && !a.input.empty()) {
    throw UsageError("two query inputs: the input '" + quote_user_text(a.input) +
                     "' and --vector; give one");
  }
  if (a.vector_given) return parse_json_vectors(a.vector_json, "--vector");
  if (!a.input.empty() && a.input != "-") return load_matrix(a.input);
  if (isatty(STDIN_FILENO) == 1) {
    throw UsageError(
        "no query vectors: give a .npy/.fvecs/.json file, --vector '[...]', or JSON on stdin");
  }
  return parse_json_vectors(read_stdin("query vectors, -", "give a .npy file instead"), "stdin");
}

Queries read_queries(const QueryArgs& a) {
  Queries q;
  if (a.rows_given && a.rows.find_first_not_of(", ") == std::string::npos) {
    throw UsageError("--rows: no rows given (e.g. --rows 0,5,10-19; without --rows, every row)");
  }
  Matrix all = read_query_matrix(a);
  if (!a.rows_given) {
    for (std::size_t i = 0; i < all.rows; ++i) q.rows.push_back(static_cast<std::int64_t>(i));
    q.vectors = std::move(all);
    return q;
  }
  q.vectors.cols = all.cols;
  for (std::int64_t r : parse_id_list(a.rows, "--rows")) {
    if (static_cast<std::size_t>(r) >= all.rows) {
      throw InvalidArgument(
          fmt::format("--rows: row {} does not exist (the input has {} rows)", r, all.rows));
    }
    const auto* begin = all.data.data() + static_cast<std::size_t>(r) * all.cols;
    q.vectors.data.insert(q.vectors.data.end(), begin, begin + all.cols);
    ++q.vectors.rows;
    q.rows.push_back(r);
  }
  return q;
}

// Queries answered by one query_batch() call before their results are
// written: large enough to keep the pipeline full, small enough that results
// reach the reader steadily.
constexpr std::size_t kBatchChunk = 256;

// A few queries read a few thousand rows: reading a large .npy whole to hold
// it in memory would cost more than it saves, so they read the mapping.
constexpr std::size_t kQueriesWorthLoading = 32;

std::shared_ptr<VectorFetcher> fetcher_for(const QueryArgs& a, std::size_t queries) {
  if (!a.vectors_spec.empty()) {
    SourceFlags flags = a.source;
    if (queries < kQueriesWorthLoading) flags.npy_residency = NpyResidency::kMapped;
    return make_fetcher(parse_source_spec(a.vectors_spec, "", flags), flags);
  }
  if (!a.wants_rerank()) return nullptr;
  if (!a.from.empty()) return make_fetcher(parse_source_spec(a.from, "", a.source), a.source);
  throw UsageError(
      "reranking (--rerank, --top-p, --min-similarity) needs the vectors: give --vectors "
      "(a .npy path, parquet:PATH, or postgres with --dsn/--table)");
}

Index open_index(const QueryArgs& a, std::shared_ptr<VectorFetcher> fetcher) {
  if (a.store.store != "memory") {
    if (!a.from.empty()) {
      throw UsageError(
          "--from indexes into this process only (with --store memory); to fill Redis use "
          "`lshrs index`");
    }
    return make_index(a.config, a.store.prefix, make_store(a.store), std::move(fetcher),
                      std::nullopt, false);
  }
  if (a.from.empty())
    throw UsageError("--store memory starts empty: give --from DATA to index first");
  const SourceSpec spec = parse_source_spec(a.from, "", a.source);
  PeekedSource source(make_source(spec, a.source));
  const DataAtHand data{source.total_rows(),
                        [&source] { return source.held_rows(kAutoSampleRows); },
                        [&spec, &a] { return make_source(spec, a.source); }, a.quiet};
  Index index = make_index(a.config, a.store.prefix, make_store(a.store), std::move(fetcher),
                           source.dim(), true, data);
  ProgressReporter progress("indexing " + source.describe(), a.quiet);
  index.ingest_from(source, progress.ingest_options());
  return index;
}

void print_json(std::int64_t row, const QueryResult& r) {
  Json ids = Json::array(), collisions = Json::array(), scores = Json::array();
  bool reranked = false;
  for (const Neighbor& n : r.neighbors) {
    ids.push_back(n.id);
    collisions.push_back(n.collisions);
    scores.push_back(n.similarity ? Json(*n.similarity) : Json(nullptr));
    reranked = reranked || n.similarity.has_value();
  }
  Json j = {{"query", row},
            {"ids", ids},
            {"collisions", collisions},
            {"scores", reranked ? scores : Json(nullptr)},
            {"candidates", r.candidates},
            {"missing", r.missing_vectors},
            {"time_us", r.elapsed.count()}};
  if (r.filtered_out || r.filter_effort_spent) {
    j["filtered_out"] = r.filtered_out;
    j["filter_effort_spent"] = r.filter_effort_spent;
  }
  std::cout << j.dump() << "\n";
}

void print_table(std::int64_t row, const QueryResult& r) {
  std::cout << fmt::format(
      "query {}: {} neighbours of {} candidates, {:.3f} ms{}{}\n", row, r.neighbors.size(),
      r.candidates, static_cast<double>(r.elapsed.count()) / 1000.0,
      r.missing_vectors ? fmt::format(" ({} candidates had no vector)", r.missing_vectors) : "",
      r.filtered_out || r.filter_effort_spent
          ? fmt::format(" ({} failed the filter{})", r.filtered_out,
                        r.filter_effort_spent ? "; effort spent before top-k passed" : "")
          : "");
  if (r.neighbors.empty()) return;
  Table t({"rank", "id", "collisions", "cosine"});
  std::size_t rank = 0;
  for (const Neighbor& n : r.neighbors) {
    t.add({std::to_string(++rank), std::to_string(n.id), std::to_string(n.collisions),
           n.similarity ? fixed(*n.similarity, 4) : "-"});
  }
  t.print(std::cout);
  std::cout << "\n";
}

int run_query(const QueryArgs& a) {
  const Queries q = read_queries(a);
  Index index = open_index(a, fetcher_for(a, q.vectors.rows));
  check_dim(q.vectors.cols, "the query input", index);
  const QueryOptions options = a.options();
  if (!options.reranks() && index.config().num_bands == 1 && !a.quiet) {
    // One band: every candidate shares exactly one bucket with the query, so
    // collision counts cannot order them (k-means chosen with no flags).
    std::cerr << "lshrs: note: this index has one band, so without --vectors the candidates are "
                 "unranked (all tie on collisions); give --vectors DATA to rank them by cosine\n";
  }
  // Each answer is written (and flushed) as soon as it is known, so that a
  // failure halfway (a Redis restart, a full disk) keeps what was answered,
  // a reader of the pipe sees results at once, and memory stays bounded.
  // A write that fails stops the queries; main() reports it (exit 3).
  auto emit = [&](std::size_t i, const QueryResult& r) {
    a.json ? print_json(q.rows[i], r) : print_table(q.rows[i], r);
    std::cout.flush();
    return static_cast<bool>(std::cout);
  };
  const std::size_t cols = q.vectors.cols;
  if (a.batch) {
    for (std::size_t first = 0; first < q.vectors.rows; first += kBatchChunk) {
      const std::size_t n = std::min(kBatchChunk, q.vectors.rows - first);
      const auto results = index.query_batch(std::span(q.vectors.data).subspan(first * cols, n * cols), options);
      for (std::size_t i = 0; i < results.size(); ++i) {
        if (!emit(first + i, results[i])) return kExitOk;
      }
    }
  } else {
    for (std::size_t i = 0; i < q.vectors.rows; ++i) {
      if (!emit(i, index.query(std::span(q.vectors.data).subspan(i * cols, cols), options))) return kExitOk;
    }
  }
  return kExitOk;
}

}  // namespace

Command add_query_command(CLI::App& app) {
  auto a = std::make_shared<QueryArgs>();
  CLI::App* sub = app.add_subcommand("query", "Find the nearest neighbours of query vectors");
  sub->add_option("input", a->input,
                  "Query vectors: .npy, .fvecs or .json file, or - for JSON on stdin");
  sub->add_option_function<std::string>(
      "--rows",
      [a](const std::string& v) {
        a->rows = v;
        a->rows_given = true;
      },
      "Only these rows of the input, e.g. 0,5,10-19");
  sub->add_option_function<std::string>(
      "--vector",
      [a](const std::string& v) {
        a->vector_json = v;
        a->vector_given = true;
      },
      "Query vector(s) as JSON: '[0.1, 0.2, ...]' or '[[...], [...]]'");
  whole_number(sub->add_option("-k,--top-k", a->top_k, "Neighbours per query (0: every candidate)"))
      ->capture_default_str();
  sub->add_option("--top-p", a->top_p,
                  "Keep the best ceil(candidates x P) by cosine, in (0, 1] (needs --vectors)")
      ->check(library_rule(&top_p_problem, "(0, 1]"));
  sub->add_option("--min-similarity", a->min_similarity,
                  "Drop results below this cosine (needs --vectors)")
      ->check(library_rule(&min_similarity_problem, "[-1, 1]"));
  sub->add_flag("--rerank", a->rerank,
                "Rank candidates by cosine instead of collisions (needs --vectors)");
  whole_number(sub->add_option("--max-candidates", a->max_candidates,
                               "Rerank only this many candidates (the most collisions first; "
                               "default: the model's query default, else all)"))
      ->check(at_least_one());
  whole_number(sub->add_option("--probes", a->probes,
                  "Multi-probe budget: extra buckets read per query over all bands together, "
                  "the most likely first (Lv et al. 2007); 0 reads one bucket per band "
                  "(default: the model's query default, else 0)"));
  sub->add_option("--filter", a->filter,
                  "Only ids whose attributes pass this expression, in Redis vector sets' FILTER "
                  "syntax: '.year > 2020 and .lang == \"en\"' (docs/filters.md)");
  whole_number(sub->add_option("--filter-effort", a->filter_effort,
                               "Most candidates a filtered query examines (default: 100 x top-k)"))
      ->check(at_least_one());
  sub->add_option(
      "--vectors", a->vectors_spec,
      "Rerank by cosine, fetching vectors from: a .npy path, npy:PATH, parquet:PATH, or postgres "
      "(with --dsn, --table)");
  sub->add_option("--from", a->from,
                  "With --store memory: index this data first (as `lshrs index --from`)");
  add_source_flags(*sub, a->source);
  add_store_flags(*sub, a->store, true);
  add_config_flags(*sub, a->config, /*rows_alias=*/false);
  sub->add_flag("--batch", a->batch, "Send the queries 256 at a time, one round trip each (query_batch)");
  sub->add_flag("--json", a->json,
                "One JSON object per query and line: ids, collisions, scores, candidates, time_us");
  sub->add_flag("-q,--quiet", a->quiet, "No progress on stderr (with --from)");
  return {sub, [a] {
            a->source.timeout_seconds = a->store.timeout_seconds;  // one --timeout for both
            return run_query(*a);
          }};
}

}  // namespace lshrs::cli
