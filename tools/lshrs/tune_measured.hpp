// lshrs CLI — `lshrs tune --base FILE`: the measured tuner (lshrs/tuner.hpp)
// over a data file, its frontier table or JSON, and --save-model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "options.hpp"

namespace lshrs::cli {

// The flags of the measured mode, as typed (lists still comma-separated
// text): run_measured_tune() parses and checks them before any work.
struct MeasuredTuneArgs {
  StoreFlags store;
  std::string base, queries, save_model;
  std::optional<std::string> json;  // "" = stdout
  double target_recall = 0.95;
  std::size_t k = 10, queries_per_half = 200;
  std::string families = "k-means,cross-polytope,hyperplane";
  std::string bands, probes, max_candidates = "all";
  std::optional<std::size_t> sample;
  std::optional<double> max_bytes_per_vector;
  std::uint64_t seed = 42;
  bool quiet = false;
  bool verbose = false;  // the whole frontier and the points passed over
};

// Exit code kExitOk, or kExitNoConfiguration when nothing met the target.
int run_measured_tune(const MeasuredTuneArgs& args);

}  // namespace lshrs::cli
