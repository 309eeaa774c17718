// lshrs — the configuration an index gets when the user gives none, chosen
// from the data at hand.
//
// A new user runs `lshrs index FILE` and `lshrs query` with no flags and
// expects good answers. Fixed bands and probes cannot promise that: the same
// shape reads 0.37 of the true neighbours on one data set and 0.99 on
// another. So when rows of the data are available before the index is
// created, lshrs measures instead of guessing:
//
//   1. the family is k-means (an IVF coarse quantiser: buckets follow the
//      data, so a few probes reach a high recall with few candidates), one
//      band of `bits` = the tuner's k-means rule for n rows (clusters of
//      ~48 rows, >= 16 training rows a centroid), trained on the sample;
//   2. the probe budget is calibrated: `queries` rows of the sample are
//      asked for their k nearest other rows of the data through a memory
//      index built with that configuration, at a rising probe budget; the
//      first budget whose recall (by similarity, as `lshrs bench` counts)
//      reaches `target_recall` becomes the index's query default. Their
//      exact neighbours come from the whole data when a source of it is
//      given (one streamed pass, at most max_truth_rows rows), else from the
//      sample. Only the buckets of those neighbours matter, so the memory
//      index holds just them and the sample.
//
// From the sample alone, neighbours are farther apart than in the full data,
// which only makes the calibration pessimistic (more probes than needed,
// never fewer). The cost a query pays does not grow with n: clusters keep
// ~48 rows (up to the bits a 50,000-row sample can train) and the budget is
// what the data needs.
// `lshrs tune` remains the way to the fastest configuration for a recall.
//
// Thread safety: auto_configure() is a pure function of its arguments (its
// progress callback runs on the caller's thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "lshrs/export.hpp"
#include "lshrs/index.hpp"
#include "lshrs/source.hpp"

namespace lshrs {

struct AutoConfigOptions {
  // Recall@k the calibrated probe budget must reach on the sample's queries.
  double target_recall = 0.95;
  std::size_t k = 10;
  // Sample rows asked as queries (evenly spread over the sample).
  std::size_t queries = 200;
  // The largest probe budget tried; reached only when the data is very hard.
  std::size_t max_probes = 1024;
  // Rows of the truth source read for the exact neighbours, at most.
  std::uint64_t max_truth_rows = 10'000'000;
  std::uint64_t seed = 42;
  // One line per step ("training k-means …", "probes 8: recall 0.962"), when set.
  std::function<void(const std::string&)> progress;
};

struct AutoConfig {
  IndexOptions options;        // family, bands, bits, centroids, query_defaults.probes
  double estimated_recall = 0; // at the chosen probes, on the sample's queries
  std::size_t sample_rows = 0; // usable rows trained and calibrated on
  std::uint64_t truth_rows = 0; // rows the exact neighbours were searched among
  bool target_met = false;     // false: even max_probes stayed below the target
  std::string summary;         // one line for the user, e.g. for the CLI
};

// Rows a sample needs at most: more only slows training and calibration.
inline constexpr std::size_t kAutoSampleRows = 50'000;

// Chooses the configuration for an index of about `total_rows` vectors from
// `sample` (row-major, rows × dim, with their ids; zero and non-finite rows
// are skipped), and `truth_source`, when given, a fresh source of the whole
// data in which the sample's ids name the same vectors (read once, from the
// start). `prefix`, `seed` and `buffer_size` of the result are IndexOptions'
// defaults. InvalidArgument for dim 0, a sample that is not a multiple of
// dim or whose ids do not match its rows, fewer than 2·k + 2 usable rows (too
// few to measure anything: give the shape instead), or options out of range;
// the source's own errors as it throws them.
LSHRS_API AutoConfig auto_configure(std::span<const float> sample,
                                    std::span<const std::int64_t> sample_ids, std::size_t dim,
                                    std::uint64_t total_rows, const AutoConfigOptions& options = {},
                                    VectorSource* truth_source = nullptr);

}  // namespace lshrs
