// lshrs train — trains a data-dependent hash family (k-means, kmeans.hpp) on a
// data file and writes its model directory, which `lshrs index|query|bench
// --model DIR` then use like any other model.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "flag_checks.hpp"
#include "lshrs/error.hpp"
#include "lshrs/kmeans.hpp"
#include "lshrs/model_io.hpp"
#include "matrix_io.hpp"
#include "options.hpp"
#include "progress.hpp"

namespace lshrs::cli {
namespace {

struct TrainArgs {
  std::string family = "k-means";
  std::string base, save_model, prefix = "lsh";
  std::size_t bands = 1, bits = 10, iterations = 10, sample = 50'000;
  std::uint64_t seed = 42;
  bool quiet = false;
};

int run_train(const TrainArgs& a) {
  if (parse_family(a.family) != HashFamily::kKMeans) {
    throw UsageError("--family " + a.family +
                     " is drawn from the seed, not trained: give --family k-means (use `lshrs "
                     "index --family " + a.family + "` directly)");
  }
  const auto start = std::chrono::steady_clock::now();
  const Matrix base = load_matrix(a.base);
  KMeansTrainOptions o;
  o.num_bands = a.bands;
  o.bits_per_band = a.bits;
  o.iterations = a.iterations;
  o.sample_size = a.sample;
  o.seed = a.seed;
  if (!a.quiet) {
    o.progress = [](const KMeansProgress& p) {
      std::cerr << fmt::format("lshrs: band {}/{}, iteration {}/{}: mean cosine {:.4f}{}\n",
                               p.band + 1, p.num_bands, p.iteration, p.iterations,
                               p.mean_similarity,
                               p.reseeded ? fmt::format(", {} empty re-seeded", p.reseeded) : "");
    };
  }
  Model model;
  model.config.family = HashFamily::kKMeans;
  model.config.dim = base.cols;
  model.config.num_bands = a.bands;
  model.config.rows_per_band = a.bits;
  model.config.num_perm = a.bands * a.bits;
  model.config.seed = a.seed;
  model.redis.prefix = a.prefix;
  model.projections = train_kmeans(base.data, base.cols, o);
  save_model(a.save_model, model);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << fmt::format(
      "trained k-means: {} band{} x {} bits ({} centroids each) on {} of {} rows x {} dims in {}; "
      "model saved to {}\n",
      a.bands, a.bands == 1 ? "" : "s", a.bits, std::size_t{1} << a.bits, group_digits(std::min(a.sample, base.rows)),
      group_digits(base.rows), base.cols, format_duration(seconds), a.save_model);
  return kExitOk;
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* sub = app.add_subcommand(
      "train",
      "Train a data-dependent hash family (k-means) on a data file and save its model directory "
      "for `lshrs index|query|bench --model DIR`");
  sub->add_option("--family", a->family, "Hash family to train: k-means (spherical k-means per band)")
      ->capture_default_str();
  sub->add_option("--base", a->base, "Training vectors (.npy, .fvecs or .json)")->required();
  sub->add_option("--save-model", a->save_model, "Model directory to write")->required();
  whole_number(sub->add_option("--bands", a->bands, "Bands, each trained on its own sample"))
      ->check(at_least_one())
      ->capture_default_str();
  whole_number(sub->add_option("--rows-per-band,--bits", a->bits,
                               fmt::format("Bits per band: 2^bits centroids a band (1..{})",
                                           kMaxKMeansBits)))
      ->check(CLI::Range(std::size_t{1}, kMaxKMeansBits))
      ->capture_default_str();
  whole_number(sub->add_option("--iterations", a->iterations, "Lloyd iterations at most per band"))
      ->check(at_least_one())
      ->capture_default_str();
  whole_number(sub->add_option("--sample", a->sample,
                               "Rows each band trains on (all when fewer; at least 2^bits)"))
      ->check(at_least_one())
      ->capture_default_str();
  whole_number(sub->add_option("--seed", a->seed, "Seed of every band's sample and initialisation"))
      ->capture_default_str();
  sub->add_option("--prefix", a->prefix, "Key prefix the model records (redis_config.prefix)")
      ->capture_default_str();
  sub->add_flag("-q,--quiet", a->quiet, "No progress on stderr");
  return {sub, [a] { return run_train(*a); }};
}

}  // namespace lshrs::cli
