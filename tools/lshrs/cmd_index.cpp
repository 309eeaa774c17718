// lshrs index — streams vectors from a source (npy, fvecs, Parquet,
// PostgreSQL) into an index in Redis (or memory), with progress on stderr.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "lshrs/attributes.hpp"
#include "lshrs/auto_config.hpp"
#include "lshrs/error.hpp"
#include "lshrs/files.hpp"
#include "lshrs/safe_text.hpp"
#include "options.hpp"
#include "output.hpp"
#include "progress.hpp"

namespace lshrs::cli {
namespace {

struct IndexArgs {
  StoreFlags store;
  SourceFlags source;
  ConfigFlags config;
  std::string from;
  std::string path;
  std::string save_model;
  bool quiet = false;
  bool json = false;
  bool refuse_evicting = false;
  std::string attributes;  // --attributes FILE.jsonl
};

// --attributes: one JSON object per line, the i-th for the source's i-th
// row; every line checked (and made compact) before anything is written.
std::vector<std::string> read_attribute_lines(const std::string& path, std::optional<std::uint64_t> rows) {
  const std::string text = read_input_file(path, std::size_t{4} << 30, "give a JSON Lines file to --attributes");
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + at, end - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string whose = "--attributes " + quote_user_text(path) + " line " + std::to_string(lines.size() + 1) + ":";
    lines.push_back(line.empty() || line == "{}" ? std::string() : canonical_attributes(line, whose, kMaxAttributeBytes));
    at = end + 1;
  }
  if (rows && *rows != lines.size()) {
    throw InvalidArgument("--attributes " + quote_user_text(path) + " has " + std::to_string(lines.size()) +
                          " lines but the source has " + std::to_string(*rows) +
                          " rows; give one JSON object (or an empty line) per row");
  }
  return lines;
}

// Indexes batch by batch with each row's attributes (ingest_from takes none).
std::uint64_t index_with_attributes(Index& index, VectorSource& source, const std::vector<std::string>& lines,
                                    const std::string& path, ProgressReporter& progress) {
  VectorBatch batch;
  std::uint64_t done = 0;
  const IngestOptions report = progress.ingest_options();  // no callback with -q
  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  const auto tell = [&](bool finished) {
    const auto now = std::chrono::steady_clock::now();
    if (!report.progress || (!finished && now - last < report.progress_interval)) return;
    last = now;
    const double s = std::chrono::duration<double>(now - start).count();
    report.progress({done, s > 0 ? static_cast<double>(done) / s : 0, source.total_rows(), finished});
  };
  while (source.next(batch)) {
    if (done + batch.size() > lines.size()) {
      throw InvalidArgument("--attributes " + quote_user_text(path) + " has " + std::to_string(lines.size()) +
                            " lines, fewer than the source's rows; the first " + std::to_string(done) +
                            " rows were indexed");
    }
    const auto first = lines.begin() + static_cast<std::ptrdiff_t>(done);
    const std::vector<std::string> attrs(first, first + static_cast<std::ptrdiff_t>(batch.size()));
    index.index(batch.ids, batch.data, attrs);
    done += batch.size();
    tell(false);
  }
  tell(true);
  if (done != lines.size()) {
    throw InvalidArgument("--attributes " + quote_user_text(path) + " has " + std::to_string(lines.size()) +
                          " lines but the source had " + std::to_string(done) + " rows (all indexed)");
  }
  return done;
}

SourceSpec spec_of(const IndexArgs& a) {
  if (a.from.empty()) return parse_source_spec(a.path, "", a.source);
  return parse_source_spec(a.from, a.path, a.source);
}

void print_summary(const IndexArgs& a, const Index& index, const std::string& store,
                   const std::string& what, std::uint64_t rows, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(rows) / seconds : 0;
  const auto& o = index.config();
  if (a.json) {
    Json j = {{"rows", rows},
              {"seconds", seconds},
              {"rows_per_second", rate},
              {"source", what},
              {"store", store},
              {"prefix", o.prefix},
              {"dim", o.dim},
              {"family", family_name(o.family)},
              {"num_bands", o.num_bands},
              {"rows_per_band", o.rows_per_band},
              {"seed", o.seed}};
    if (!a.save_model.empty()) j["model"] = a.save_model;
    std::cout << j.dump() << "\n";
    return;
  }
  std::cout << fmt::format("indexed {} vectors from {} in {:.2f} s ({} vectors/s)\n",
                           group_digits(rows), what, seconds,
                           group_digits(static_cast<std::uint64_t>(rate)));
  std::cout << fmt::format("index: prefix \"{}\" in {}; {}, dim {}, {}, seed {}\n", o.prefix,
                           store, family_name(o.family), o.dim,
                           shape_text(o.family, o.num_bands, o.rows_per_band), o.seed);
  if (!a.save_model.empty()) std::cout << "model saved to " << a.save_model << "\n";
  if (a.store.store == "memory") {
    std::cout << "(--store memory: the index lived in this process only; use --redis to keep it)\n";
  }
}

int run_index(const IndexArgs& a) {
  const SourceSpec spec = spec_of(a);
  PeekedSource source(make_source(spec, a.source));
  const std::string what = source.describe();
  const std::vector<std::string> attributes =
      a.attributes.empty() ? std::vector<std::string>{} : read_attribute_lines(a.attributes, source.total_rows());
  // An empty source would leave a summary of an index that was never written.
  if (!source.dim()) throw InvalidArgument("no vectors in " + what + ": nothing was indexed");
  auto store = make_store(a.store);
  // An evicting server drops buckets without an error: say so before writing.
  for (const std::string& risk : store->server_warnings()) {
    if (a.refuse_evicting) throw StorageError(risk + " (--refuse-evicting)");
    std::cerr << "warning: " << risk << "\n";
  }
  const DataAtHand data{source.total_rows(),
                        [&source] { return source.held_rows(kAutoSampleRows); },
                        [&spec, &a] { return make_source(spec, a.source); }, a.quiet};
  Index index = make_index(a.config, a.store.prefix, store, nullptr, source.dim(), true, data);
  if (source.dim()) check_dim(*source.dim(), what, index);

  ProgressReporter progress("indexing " + what, a.quiet);
  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t rows = a.attributes.empty()
                                 ? index.ingest_from(source, progress.ingest_options())
                                 : index_with_attributes(index, source, attributes, a.attributes, progress);
  index.close();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!a.save_model.empty()) index.save(a.save_model);
  print_summary(a, index, store->describe(), what, rows, seconds);
  return kExitOk;
}

}  // namespace

Command add_index_command(CLI::App& app) {
  auto a = std::make_shared<IndexArgs>();
  CLI::App* sub = app.add_subcommand(
      "index",
      "Index vectors from a .npy/.fvecs file, Parquet files or a PostgreSQL table into Redis");
  sub->add_option("--from", a->from,
                  "Source: npy, fvecs, parquet or postgres (then PATH or --dsn), KIND:LOCATION, a "
                  "postgresql:// URI, or a path whose extension tells the kind");
  sub->add_option("path", a->path, "Path (or glob, or directory) of the data, when not in --from");
  add_source_flags(*sub, a->source);
  add_store_flags(*sub, a->store, true);
  sub->add_flag("--no-signatures", a->store.no_signatures,
                "Do not keep signature ranges <prefix>:sigs:* (less memory; delete and re-index then scan "
                "the keyspace)");
  add_config_flags(*sub, a->config);
  sub->add_option("--save-model", a->save_model,
                  "Also write the model directory (projections + config, Python package format)");
  sub->add_flag("--refuse-evicting", a->refuse_evicting,
                "Refuse to write to a Redis that evicts keys (maxmemory-policy allkeys-*) or has "
                "evicted some (by default: a warning)");
  sub->add_option("--attributes", a->attributes,
                  "JSON Lines file of attributes for filters: one flat object (or an empty line) "
                  "per row of the data, e.g. {\"lang\": \"en\", \"year\": 2021}");
  sub->add_flag("-q,--quiet", a->quiet, "No progress on stderr");
  sub->add_flag("--json", a->json, "Print the summary as JSON");
  return {sub, [a] {
            a->source.timeout_seconds = a->store.timeout_seconds;  // one --timeout for both
            return run_index(*a);
          }};
}

}  // namespace lshrs::cli
