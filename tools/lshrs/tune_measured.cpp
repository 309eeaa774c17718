// lshrs tune --base: flags to TuneOptions, the tuner's progress on stderr,
// the frontier table (or JSON) on stdout, the recommendation as a model.
#include "tune_measured.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "lshrs/error.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/tuner.hpp"
#include "matrix_io.hpp"
#include "output.hpp"
#include "progress.hpp"

namespace lshrs::cli {
namespace {

std::vector<std::string> split_list(const std::string& text, const char* flag) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  if (out.empty()) throw UsageError(fmt::format("{}: the list '{}' is empty", flag, text));
  return out;
}

std::size_t parse_count(const std::string& item, const char* flag, std::size_t min) {
  std::size_t v = 0;
  const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
  if (ec != std::errc() || end != item.data() + item.size() || v < min) {
    throw UsageError(fmt::format("{}: '{}' is not a whole number >= {}", flag, item, min));
  }
  return v;
}

std::vector<std::size_t> parse_counts(const std::string& text, const char* flag, std::size_t min) {
  std::vector<std::size_t> out;
  for (const auto& item : split_list(text, flag)) out.push_back(parse_count(item, flag, min));
  return out;
}

TuneOptions tune_options(const MeasuredTuneArgs& a) {
  if (!(a.target_recall > 0.0 && a.target_recall < 1.0)) {
    throw UsageError(fmt::format("--target-recall: {} is not in (0, 1)", a.target_recall));
  }
  TuneOptions o;
  o.target_recall = a.target_recall;
  o.k = a.k;
  o.families.clear();
  for (const auto& f : split_list(a.families, "--families")) {
    try {
      o.families.push_back(parse_family(f));
    } catch (const InvalidArgument& e) {
      throw UsageError(std::string("--families: ") + e.what());
    }
  }
  if (!a.bands.empty()) o.bands = parse_counts(a.bands, "--bands", 1);
  if (!a.probes.empty()) o.probes = parse_counts(a.probes, "--probes", 0);
  o.max_candidates.clear();
  for (const auto& m : split_list(a.max_candidates, "--max-candidates")) {
    o.max_candidates.push_back(m == "all" ? std::nullopt
                                          : std::optional(parse_count(m, "--max-candidates", 1)));
  }
  o.queries_per_half = a.queries_per_half;
  o.sample_size = a.sample;
  o.max_bytes_per_vector = a.max_bytes_per_vector;
  o.seed = a.seed;
  o.prefix = a.store.prefix;
  return o;
}

// Refused before hours of tuning, not after: the model would mix with
// whatever the directory holds.
void check_save_dir(const std::string& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  const std::filesystem::path p(dir);
  if (!std::filesystem::exists(p, ec)) return;
  if (!std::filesystem::is_directory(p, ec)) {
    throw UsageError("--save-model: '" + dir + "' exists and is not a directory");
  }
  if (!std::filesystem::is_empty(p, ec)) {
    throw UsageError("--save-model: '" + dir +
                     "' is not empty; give a new or empty directory for the tuned model");
  }
}

// Frontier rows the summary prints (the recommendation is always among them).
constexpr std::size_t kSummaryRows = 10;

std::string or_dash(const std::optional<double>& v, int decimals) {
  return v ? fixed(*v, decimals) : "-";
}

std::string cap_text(const std::optional<std::size_t>& cap) {
  return cap ? std::to_string(*cap) : "all";
}

Json point_json(const TunePoint& p) {
  return {{"family", family_name(p.config.family)},
          {"bands", p.config.bands},
          {"rows_per_band", p.config.rows},
          {"bits_per_band", p.config.bits_per_band},
          {"seed", p.config.seed},
          {"probes", p.query.probes},
          {"max_candidates", p.query.max_candidates ? Json(*p.query.max_candidates) : Json(nullptr)},
          {"recall", p.recall},
          {"held_out_recall", p.held_out_recall},
          {"held_out_lower_bound", p.held_out_lower ? Json(*p.held_out_lower) : Json(nullptr)},
          {"recall_by_id", p.recall_by_id},
          {"held_out_recall_by_id", p.held_out_recall_by_id},
          {"mean_candidates", p.mean_candidates},
          {"fraction_read", p.fraction_read},
          {"queries_per_second", p.queries_per_second},
          {"bytes_per_vector", p.bytes_per_vector ? Json(*p.bytes_per_vector) : Json(nullptr)},
          {"ingest_vectors_per_second", p.ingest_vectors_per_second}};
}

Json report_json(const MeasuredTuneArgs& a, const TuneReport& r, const Matrix& base) {
  Json j = {{"base", a.base},
            {"base_rows", base.rows},
            {"dim", base.cols},
            {"queries", a.queries.empty() ? Json("drawn from the base") : Json(a.queries)},
            {"indexed", r.indexed},
            {"tuning_queries", r.tuning_queries},
            {"held_out_queries", r.held_out_queries},
            {"k", a.k},
            {"target_recall", a.target_recall},
            {"points", Json::array()},
            {"frontier", r.frontier},
            {"recommended", r.recommended ? Json(*r.recommended) : Json(nullptr)},
            {"warnings", r.warnings},
            {"notes", r.notes},
            {"cancelled", r.cancelled}};
  for (const TunePoint& p : r.points) j["points"].push_back(point_json(p));
  if (!a.save_model.empty() && r.recommended) j["model"] = a.save_model;
  return j;
}

void print_report(const MeasuredTuneArgs& a, const TuneReport& r, const Matrix& base) {
  std::cout << fmt::format(
      "data: {} x {} ({} indexed), {} tuning + {} held-out queries; target recall@{} {:g}\n\n",
      group_digits(base.rows), base.cols, group_digits(r.indexed), r.tuning_queries,
      r.held_out_queries, a.k, a.target_recall);
  Table t({"", "family", "bands x rows", "bits/band", "probes", "max cand", "recall tune",
           "held-out (95% low)", "cand/query", "fraction read", "q/s", "bytes/vector", "ingest vec/s"});
  // The summary keeps the frontier's best rows by recall, and the
  // recommendation wherever it sits; --verbose (or --json) shows all.
  std::size_t shown = 0, left_out = 0;
  for (const std::size_t i : r.frontier) {
    if (!a.verbose && shown >= kSummaryRows && r.recommended != i) {
      ++left_out;
      continue;
    }
    ++shown;
    const TunePoint& p = r.points[i];
    t.add({r.recommended == i ? "*" : "", std::string(family_name(p.config.family)),
           fmt::format("{} x {}", p.config.bands, p.config.rows), std::to_string(p.config.bits_per_band),
           std::to_string(p.query.probes), cap_text(p.query.max_candidates), fixed(p.recall, 4),
           fixed(p.held_out_recall, 4) + " (" + fixed(p.held_out_lower.value_or(p.held_out_recall), 3) + ")",
           fixed(p.mean_candidates, 1), fixed(100 * p.fraction_read, 3) + "%",
           group_digits(static_cast<std::uint64_t>(p.queries_per_second)), or_dash(p.bytes_per_vector, 1),
           group_digits(static_cast<std::uint64_t>(p.ingest_vectors_per_second))});
  }
  std::cout << fmt::format("Pareto frontier ({} of {} points measured):\n", r.frontier.size(),
                           r.points.size());
  t.print(std::cout);
  if (left_out > 0) {
    std::cout << fmt::format("({} more frontier points: --verbose or --json shows them)\n", left_out);
  }
  if (r.recommended) {
    const TunePoint& p = r.points[*r.recommended];
    std::cout << fmt::format(
        "\n* recommended: {} {} bands x {} rows, probes {}, max candidates {}: recall {:.4f} "
        "(held-out {:.4f}, 95% lower bound {:.4f}), {} queries/s\n"
        "  why: the most queries/s of the configurations meeting recall {:g} on the tuning "
        "queries and with the held-out lower bound{}\n",
        family_name(p.config.family), p.config.bands, p.config.rows, p.query.probes,
        cap_text(p.query.max_candidates), p.recall, p.held_out_recall,
        p.held_out_lower.value_or(p.held_out_recall),
        group_digits(static_cast<std::uint64_t>(p.queries_per_second)), a.target_recall,
        r.notes.empty() ? "" : fmt::format(" ({} faster ones missed it on the held-out half)",
                                           r.notes.size()));
  } else {
    std::cout << "\nno recommendation: no configuration met the target on both query halves\n";
  }
  if (a.verbose) {
    for (const auto& n : r.notes) std::cout << "note: " << n << "\n";
  }
}

void progress_line(const TuneProgress& p) {
  if (!p.point) {
    std::cerr << fmt::format("lshrs: tune [{}/{}] {}\n", p.configs_done + 1, p.configs_total, p.message);
    return;
  }
  const TunePoint& q = *p.point;
  std::cerr << fmt::format("lshrs: tune   {}: recall {:.4f} / held-out {:.4f}, {:.0f} cand/query, {:.0f} q/s\n",
                           p.message, q.recall, q.held_out_recall, q.mean_candidates,
                           q.queries_per_second);
}

void save_recommended(const MeasuredTuneArgs& a, const TuneReport& r, std::size_t dim) {
  IndexOptions o = tuned_index_options(r.points[*r.recommended], dim);
  Index index(std::move(o), std::make_shared<MemoryStore>(), nullptr);
  index.save(a.save_model);
}

}  // namespace

int run_measured_tune(const MeasuredTuneArgs& a) {
  const TuneOptions options = tune_options(a);
  check_save_dir(a.save_model);
  const Matrix base = load_matrix(a.base);
  Matrix queries;
  if (!a.queries.empty()) {
    queries = load_matrix(a.queries);
    if (queries.cols != base.cols) {
      throw InvalidArgument(fmt::format("wrong dimension: {} has {} dims, {} has {}", a.queries,
                                        queries.cols, a.base, base.cols));
    }
  }
  auto store = make_store(a.store);
  TuneEnvironment env;
  env.store_factory = [store] { return store; };
  env.fetcher = rows_fetcher(a.base, base);
  if (!a.quiet) {
    std::cerr << "lshrs: tune: computing exact neighbours, then one index per configuration in "
              << store->describe() << "\n";
    env.progress = [](const TuneProgress& p) {
      progress_line(p);
      return true;
    };
  }
  const TuneReport report = tune(base.data, base.cols, queries.data, env, options);
  if (!a.save_model.empty() && report.recommended) {
    save_recommended(a, report, base.cols);
    std::cerr << "lshrs: wrote the recommended configuration to " << a.save_model
              << " (use it with `lshrs index --model`)\n";
  }
  const Json j = report_json(a, report, base);
  // Only a missed target warns (the summary on stdout says so too).
  for (const auto& w : report.warnings) std::cerr << "lshrs: WARNING: " << w << "\n";
  if (a.json && a.json->empty()) {
    std::cout << j.dump(2) << "\n";
  } else {
    print_report(a, report, base);
    if (a.json) {
      std::ofstream out(*a.json);
      if (!(out << j.dump(2) << "\n")) throw SourceError(*a.json, "cannot write the JSON report");
    }
  }
  return report.recommended ? kExitOk : kExitNoConfiguration;
}

}  // namespace lshrs::cli
