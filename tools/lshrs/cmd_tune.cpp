// lshrs tune — with --base: the measured tuner (tune_measured.cpp); without:
// the (bands, rows) candidates for num_perm hyperplanes and a target cosine,
// with their threshold and error rates, and the S-curves.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>

#include "cli.hpp"
#include "flag_checks.hpp"
#include "lshrs/option_rules.hpp"
#include "lshrs/error.hpp"
#include "lshrs/tuner.hpp"
#include "lshrs/tuning.hpp"
#include "options.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "svg_plot.hpp"
#include "tune_measured.hpp"

namespace lshrs::cli {
namespace {

struct TuneArgs {
  std::size_t num_perm = 128;
  double threshold = 0.5;
  std::optional<std::size_t> dim;
  double fp_weight = 0.5, fn_weight = 0.5;
  std::string plot;
  std::optional<std::string> json;  // "" = stdout
  MeasuredTuneArgs measured;
};

LinePlot s_curves(const TuneArgs& a, const std::vector<BandConfig>& configs,
                  const BandConfig& chosen) {
  LinePlot p;
  p.title =
      fmt::format("LSH S-curves: {} hyperplanes, target cosine {:g}", a.num_perm, a.threshold);
  p.subtitle =
      "P(candidate) = 1 - (1 - p(s)^r)^b with p(s) = 1 - arccos(s)/pi; s* = threshold cosine";
  p.x_label = "cosine similarity of the pair";
  p.y_label = "probability of becoming a candidate";
  p.markers.push_back({a.threshold, fmt::format("target {:g}", a.threshold)});
  for (const BandConfig& c : configs) {
    PlotCurve curve;
    curve.highlight = c.bands == chosen.bands;
    curve.label = fmt::format("b={} r={}  s*={:.2f}{}", c.bands, c.rows, c.threshold,
                              curve.highlight ? " (chosen)" : "");
    for (int i = 0; i <= 200; ++i) {
      const double s = i / 200.0;
      curve.points.emplace_back(s, candidate_probability(s, c.bands, c.rows));
    }
    p.curves.push_back(std::move(curve));
  }
  return p;
}

void print_table(const TuneArgs& a, const std::vector<BandConfig>& configs,
                 const BandConfig& chosen) {
  std::cout << fmt::format(
      "num_perm {}, target cosine {:g} (pairs uniform on [0, 1]; weights fp {:g}, fn {:g})\n\n",
      a.num_perm, a.threshold, a.fp_weight, a.fn_weight);
  Table t({"", "bands", "rows", "threshold cos", "P(cand) at target", "false pos", "false neg",
           "sig bytes/vector"});
  for (const BandConfig& c : configs) {
    t.add({c.bands == chosen.bands ? "*" : "", std::to_string(c.bands), std::to_string(c.rows),
           fixed(c.threshold, 3), fixed(candidate_probability(a.threshold, c.bands, c.rows), 3),
           fixed(c.rates.false_positive, 4), fixed(c.rates.false_negative, 4),
           std::to_string(c.bands * ((c.rows + 7) / 8))});
  }
  t.print(std::cout);
  std::cout << fmt::format(
      "\n* chosen: {} bands x {} rows (threshold cosine {:.3f}); each vector lands in {} "
      "buckets (Redis sets)\n",
      chosen.bands, chosen.rows, chosen.threshold, chosen.bands);
  if (a.dim) {
    std::cout << fmt::format("hashing: {} multiply-adds per vector (dim {} x {} hyperplanes)\n",
                             group_digits(*a.dim * a.num_perm), *a.dim, a.num_perm);
  }
}

Json tune_json(const TuneArgs& a, const std::vector<BandConfig>& configs,
               const BandConfig& chosen) {
  Json j = {{"num_perm", a.num_perm},
            {"threshold", a.threshold},
            {"fp_weight", a.fp_weight},
            {"fn_weight", a.fn_weight},
            {"candidates", Json::array()}};
  for (const BandConfig& c : configs) {
    j["candidates"].push_back({{"bands", c.bands},
                               {"rows", c.rows},
                               {"threshold_cosine", c.threshold},
                               {"false_positive", c.rates.false_positive},
                               {"false_negative", c.rates.false_negative},
                               {"chosen", c.bands == chosen.bands}});
  }
  j["chosen"] = {{"bands", chosen.bands}, {"rows", chosen.rows}};
  return j;
}

int run_tune(const TuneArgs& a) {
  const auto configs = band_configs(a.num_perm, a.threshold);
  const BandConfig chosen = choose_bands(a.num_perm, a.threshold, a.fp_weight, a.fn_weight);
  if (a.json && !a.json->empty()) {
    std::ofstream out(*a.json);
    if (!(out << tune_json(a, configs, chosen).dump(2) << "\n")) {
      throw SourceError(*a.json, "cannot write the JSON report");
    }
  }
  if (a.json && a.json->empty()) {
    std::cout << tune_json(a, configs, chosen).dump(2) << "\n";
  } else {
    print_table(a, configs, chosen);
  }
  if (!a.plot.empty()) {
    write_svg(a.plot, s_curves(a, configs, chosen));
    std::cerr << "lshrs: wrote the S-curves to " << a.plot << "\n";
  }
  return kExitOk;
}

// Which flags belong to which mode, so a flag of the other one is refused
// instead of silently ignored.
constexpr const char* kSCurveFlags[] = {"--num-perm", "--threshold", "--dim", "--fp-weight",
                                        "--fn-weight", "--plot"};
constexpr const char* kMeasuredFlags[] = {
    "--queries", "--target-recall", "--k", "--families", "--bands", "--probes",
    "--max-candidates", "--queries-per-half", "--sample", "--max-bytes-per-vector", "--seed",
    "--save-model", "--redis", "--store", "--prefix", "--quiet", "--verbose"};

int dispatch(CLI::App& sub, TuneArgs& a) {
  const bool measured = !a.measured.base.empty();
  for (const char* flag : measured ? std::span<const char* const>(kSCurveFlags)
                                    : std::span<const char* const>(kMeasuredFlags)) {
    if (sub.count(flag) > 0) {
      throw UsageError(std::string(flag) + (measured ? " applies to the S-curve table, not to "
                                                       "the measured tuner (--base)"
                                                     : " applies to the measured tuner: give "
                                                       "--base FILE"));
    }
  }
  if (!measured) return run_tune(a);
  a.measured.json = a.json;
  return run_measured_tune(a.measured);
}

void add_measured_flags(CLI::App& sub, MeasuredTuneArgs& m) {
  const char* g = "Measured tuning (with --base)";
  sub.add_option("--base", m.base,
                 "Tune on these vectors (.npy or .fvecs): measure configurations on a real store "
                 "and recommend one (docs/tuning.md)")
      ->group(g);
  sub.add_option("--queries", m.queries,
                 "Query vectors (.npy, .fvecs, .json), split into tuning and held-out halves "
                 "(default: rows of the base, left out of the index)")
      ->group(g);
  sub.add_option("--target-recall", m.target_recall,
                 "Reranked recall@k to reach, in (0, 1), counted by similarity (docs/tuning.md)")
      ->capture_default_str()
      ->group(g);
  whole_number(sub.add_option("-k,--k", m.k, "Neighbours per query (recall@k)"))
      ->check(at_least_one())
      ->capture_default_str()
      ->group(g);
  sub.add_option("--families", m.families,
                 "Hash families to try, comma-separated: hyperplane (the only one the Python "
                 "package can read), cross-polytope, k-means (trained per candidate)")
      ->capture_default_str()
      ->group(g);
  // The defaults come from the library, so that the help cannot drift from them.
  sub.add_option("--bands", m.bands,
                 fmt::format("Band counts to try, e.g. 8,12,16 (default per family: {} "
                             "cross-polytope; {} hyperplane; {} k-means)",
                             fmt::join(default_tune_bands(HashFamily::kCrossPolytope), ","),
                             fmt::join(default_tune_bands(HashFamily::kHyperplane), ","),
                             fmt::join(default_tune_bands(HashFamily::kKMeans), ",")))
      ->group(g);
  sub.add_option("--probes", m.probes,
                 fmt::format("Probe budgets to sweep, e.g. 0,16,64 (default {})",
                             fmt::join(default_tune_probes(), ",")))
      ->group(g);
  sub.add_option("--max-candidates", m.max_candidates,
                 "Rerank caps to try at each probe budget, e.g. all,1000")
      ->capture_default_str()
      ->group(g);
  whole_number(sub.add_option("--queries-per-half", m.queries_per_half,
                              "Queries in each of the tuning and held-out halves"))
      ->check(at_least_one())
      ->capture_default_str()
      ->group(g);
  whole_number(sub.add_option("--sample", m.sample,
                              "Index only this many base rows (bits per band still sized for "
                              "all; default: the whole base, see docs/tuning.md)"))
      ->check(at_least_one())
      ->group(g);
  sub.add_option("--max-bytes-per-vector", m.max_bytes_per_vector,
                 "Skip configurations using more store memory per vector")
      ->check(CLI::PositiveNumber)
      ->group(g);
  whole_number(sub.add_option("--seed", m.seed, "Seed of the projections and the query split"))
      ->capture_default_str()
      ->group(g);
  sub.add_option("--save-model", m.save_model,
                 "Write the recommendation as a model directory (with its query defaults) for "
                 "`lshrs index --model`; must be new or empty")
      ->group(g);
  add_store_flags(sub, m.store, true);
  sub.add_flag("-q,--quiet", m.quiet, "No progress on stderr")->group(g);
  sub.add_flag("-v,--verbose", m.verbose,
               "The whole frontier (the summary keeps its best rows) and the configurations "
               "passed over for their held-out recall")
      ->group(g);
}

}  // namespace

Command add_tune_command(CLI::App& app) {
  auto args = std::make_shared<TuneArgs>();
  CLI::App* sub = app.add_subcommand(
      "tune",
      "Measure configurations on your data and recommend one (--base); without --base, show "
      "the (bands, rows) choices for N hyperplanes and a target cosine");
  args->measured.store.prefix = "lshrs-tune";
  whole_number(sub->add_option("--num-perm", args->num_perm, "Hyperplanes in total (bands x rows)"))
      ->check(at_least_one())
      ->capture_default_str();
  sub->add_option("--threshold", args->threshold, "Target cosine similarity, in (0, 1)")
      ->check(library_rule(&similarity_threshold_problem, "(0, 1)"))
      ->capture_default_str();
  whole_number(sub->add_option("--dim", args->dim, "Vector dimension (to show the hashing cost)"))
      ->check(at_least_one());
  sub->add_option("--fp-weight", args->fp_weight, "Weight of false positives in the choice")
      ->check(non_negative())
      ->capture_default_str();
  sub->add_option("--fn-weight", args->fn_weight, "Weight of false negatives in the choice")
      ->check(non_negative())
      ->capture_default_str();
  sub->add_option("--plot", args->plot, "Write the S-curves to this SVG file");
  sub->add_option("--json", args->json,
                  "Print JSON instead of a table; --json FILE: also write it to FILE")
      ->expected(0, 1);
  add_measured_flags(*sub, args->measured);
  return {sub, [sub, args] { return dispatch(*sub, *args); }};
}

}  // namespace lshrs::cli
