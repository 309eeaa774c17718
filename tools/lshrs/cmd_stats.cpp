// lshrs stats — an index's configuration and what it occupies in the store.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "options.hpp"
#include "output.hpp"
#include "progress.hpp"

namespace lshrs::cli {
namespace {

struct StatsArgs {
  StoreFlags store;
  bool json = false;
};

void print_stats(const IndexStats& s) {
  const StoreStats& st = s.storage;
  std::vector<std::pair<std::string, std::string>> rows = {
      {"prefix", s.config.prefix},
      {"store", s.store},
      {"family", std::string(family_name(s.config.family))},
      {"dim", std::to_string(s.config.dim)},
      {"num_perm", std::to_string(s.config.num_perm)},
      {"bands x rows", fmt::format("{} x {}", s.config.num_bands, s.config.rows_per_band)},
      {"seed", std::to_string(s.config.seed)},
      {"query defaults",
       fmt::format("probes {}, max candidates {}{}", s.config.query_defaults.probes,
                   s.config.query_defaults.max_candidates ? std::to_string(*s.config.query_defaults.max_candidates)
                                                   : "all",
                   s.config.query_defaults.empty() ? "" : " (tuned)")},
      {"ids", st.ids ? group_digits(*st.ids) : "unknown (no signatures kept)"},
      {"buckets", group_digits(st.buckets)},
      {"bucket size",
       fmt::format("mean {:.2f}, p50 {}, p99 {}, max {}{}", st.mean_bucket_size, st.p50_bucket_size,
                   st.p99_bucket_size, st.max_bucket_size, st.sizes_sampled ? " (sampled)" : "")},
      {"bytes/vector",
       st.bytes_per_vector ? fmt::format("{:.1f}", *st.bytes_per_vector) : "unknown"},
  };
  if (st.ids && st.bytes_per_vector) {
    rows.emplace_back("memory (est.)",
                      human_bytes(*st.bytes_per_vector * static_cast<double>(*st.ids)));
  }
  if (!st.buckets_per_band.empty()) {
    std::string per_band;
    for (std::size_t b = 0; b < st.buckets_per_band.size(); ++b) {
      per_band += (b ? " " : "") + std::to_string(st.buckets_per_band[b]);
    }
    rows.emplace_back("buckets/band", per_band);
  }
  if (st.unfinished_ranges > 0) {
    rows.emplace_back("unfinished writes",
                      fmt::format("{} signature ranges (a writer at work, or one that stopped: the "
                                  "next write to them, or a repair, finishes them)",
                                  group_digits(st.unfinished_ranges)));
  }
  for (const std::string& w : st.warnings) rows.emplace_back("warning", w);
  print_pairs(std::cout, rows);
}

int run_stats(const StatsArgs& a) {
  Index index =
      make_index(ConfigFlags{}, a.store.prefix, make_store(a.store), nullptr, std::nullopt, false);
  const IndexStats s = index.stats();
  if (a.json) {
    std::cout << stats_json(s).dump(2) << "\n";
  } else {
    print_stats(s);
  }
  return kExitOk;
}

}  // namespace

Command add_stats_command(CLI::App& app) {
  auto a = std::make_shared<StatsArgs>();
  CLI::App* sub =
      app.add_subcommand("stats", "Show an index's configuration, size and bucket statistics");
  add_store_flags(*sub, a->store, false);
  sub->add_flag("--json", a->json, "Print JSON instead of a table");
  return {sub, [a] { return run_stats(*a); }};
}

}  // namespace lshrs::cli
