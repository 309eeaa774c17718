// lshrs gen-demo (hidden) — writes the demo's synthetic data set: clustered
// vectors like real embeddings (points scattered around topic centres), as
// base.npy + queries.npy, and base.parquet when Parquet writing is built in.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <numeric>
#include <random>

#include "cli.hpp"
#include "flag_checks.hpp"
#include "lshrs/config.hpp"
#include "lshrs/files.hpp"
#if LSHRS_WITH_PARQUET
#include "lshrs/parquet.hpp"
#endif
#include "options.hpp"

namespace lshrs::cli {
namespace {

struct GenArgs {
  std::string out = "demo-data";
  std::size_t rows = 100'000, dim = 128, queries = 1'000;
  std::optional<std::size_t> clusters;
  double spread = 0.6;
  std::uint64_t seed = 7;
  bool parquet = false;
};

// Each vector is centre + spread·noise with centre and noise standard normal,
// so two vectors of one cluster have cosine about 1/(1 + spread²).
Matrix clustered(std::size_t n, const GenArgs& a, const std::vector<float>& centres,
                 std::size_t clusters, std::mt19937_64& rng) {
  Matrix m{n, a.dim, std::vector<float>(n * a.dim)};
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<std::size_t> pick(0, clusters - 1);
  const auto spread = static_cast<float>(a.spread);
  for (std::size_t i = 0; i < n; ++i) {
    const float* c = centres.data() + pick(rng) * a.dim;
    for (std::size_t d = 0; d < a.dim; ++d) m.data[i * a.dim + d] = c[d] + spread * normal(rng);
  }
  return m;
}

void write_parquet_copy([[maybe_unused]] const std::filesystem::path& path,
                        [[maybe_unused]] const Matrix& base) {
#if LSHRS_WITH_PARQUET
  std::vector<std::int64_t> ids(base.rows);
  std::iota(ids.begin(), ids.end(), 0);
  write_parquet(path.string(), ids, base.data, base.cols);
  std::cerr << "lshrs: wrote " << path.string() << " (columns index, vector)\n";
#endif
}

int run_gen(const GenArgs& a) {
  const std::size_t clusters = a.clusters.value_or(std::max<std::size_t>(10, a.rows / 1000));
  std::mt19937_64 rng(a.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> centres(clusters * a.dim);
  for (float& v : centres) v = normal(rng);
  const Matrix base = clustered(a.rows, a, centres, clusters, rng);
  const Matrix queries = clustered(a.queries, a, centres, clusters, rng);
  std::filesystem::create_directories(a.out);
  const std::filesystem::path dir(a.out);
  write_npy_matrix(dir / "base.npy", base);
  write_npy_matrix(dir / "queries.npy", queries);
  std::cerr << fmt::format(
      "lshrs: wrote {} ({} x {}, {} clusters, spread {}) and {} ({} queries)\n",
      (dir / "base.npy").string(), a.rows, a.dim, clusters, a.spread,
      (dir / "queries.npy").string(), a.queries);
  if (a.parquet) write_parquet_copy(dir / "base.parquet", base);
  return kExitOk;
}

}  // namespace

Command add_gen_demo_command(CLI::App& app) {
  auto a = std::make_shared<GenArgs>();
  CLI::App* sub =
      app.add_subcommand("gen-demo", "Write a synthetic clustered data set (for scripts/demo)");
  sub->group("");  // hidden from --help: a helper of the demo, not a user command
  sub->add_option("--out", a->out, "Output directory")->capture_default_str();
  whole_number(sub->add_option("--rows", a->rows, "Base vectors"))
      ->check(at_least_one())
      ->capture_default_str();
  whole_number(sub->add_option("--dim", a->dim, "Dimension"))
      ->check(at_least_one())
      ->capture_default_str();
  whole_number(sub->add_option("--queries", a->queries, "Query vectors"))
      ->check(at_least_one())
      ->capture_default_str();
  whole_number(
      sub->add_option("--clusters", a->clusters, "Clusters (default rows/1000, at least 10)"))
      ->check(at_least_one());
  sub->add_option("--spread", a->spread,
                  "Noise around the centres (cosine within a cluster ~ 1/(1+spread^2))")
      ->check(non_negative())
      ->capture_default_str();
  whole_number(sub->add_option("--seed", a->seed, "Random seed"))->capture_default_str();
#if LSHRS_WITH_PARQUET
  // Only offered when it can work: scripts/demo looks for it in --help.
  if (parquet_supported())
    sub->add_flag("--parquet", a->parquet, "Also write base.parquet (columns index, vector)");
#endif
  return {sub, [a] { return run_gen(*a); }};
}

}  // namespace lshrs::cli
