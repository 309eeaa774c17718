// Hashing throughput against its physical limit, the bare matrix product of
// the same shapes in the same run (issue: hashing >= 70% of the product);
// and the once-per-index cost of drawing the projections from a seed, by each
// generator (peer: numpy's own default_rng(seed).standard_normal, timed in
// the same session, see docs/benchmarks.md).
//
//   build/release/bench/hash_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <random>

#include "bench_support.hpp"
#include "lshrs/hasher.hpp"

namespace {

constexpr std::size_t kBatch = 10'000;

std::vector<float> random_batch(std::size_t dim) { return lshrs::bench::random_matrix(kBatch, dim); }

void hash_batch(benchmark::State& state) {
  const auto dim = static_cast<std::size_t>(state.range(0));
  const auto bands = static_cast<std::size_t>(state.range(1));
  const auto rows = static_cast<std::size_t>(state.range(2));
  const lshrs::Hasher hasher(dim, bands, rows, 42);
  const auto batch = random_batch(dim);
  for (auto _ : state) {
    auto sigs = hasher.hash(batch);
    benchmark::DoNotOptimize(sigs.bytes.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// The ceiling: V (n × dim) · Pᵀ (dim × bits) with Eigen, nothing else.
void bare_product(benchmark::State& state) {
  using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const auto dim = static_cast<Eigen::Index>(state.range(0));
  const auto bits = static_cast<Eigen::Index>(state.range(1) * state.range(2));
  const auto data = random_batch(static_cast<std::size_t>(dim));
  const auto proj = lshrs::generate_projections(42, static_cast<std::size_t>(bits),
                                                static_cast<std::size_t>(dim));
  const Eigen::Map<const RowMatrix> v(data.data(), static_cast<Eigen::Index>(kBatch), dim);
  const Eigen::Map<const RowMatrix> p(proj.data(), bits, dim);
  RowMatrix out(static_cast<Eigen::Index>(kBatch), bits);
  for (auto _ : state) {
    out.noalias() = v * p.transpose();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// Args: rows (num_perm), dim, generator (0 numpy, 1 lshrs-v0).
void projections(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  const auto dim = static_cast<std::size_t>(state.range(1));
  const auto generator =
      state.range(2) == 0 ? lshrs::ProjectionGenerator::kNumpy : lshrs::ProjectionGenerator::kLshrsV0;
  for (auto _ : state) {
    auto p = lshrs::generate_projections(42, rows, dim, generator);
    benchmark::DoNotOptimize(p.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows * dim));
  state.SetLabel(std::string(lshrs::projection_generator_name(generator)));
}

}  // namespace

BENCHMARK(projections)
    ->Args({128, 768, 0})->Args({1024, 768, 0})->Args({128, 768, 1})->Args({1024, 768, 1})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(hash_batch)->Args({256, 16, 8})->Args({768, 32, 8})->Unit(benchmark::kMillisecond);
BENCHMARK(bare_product)->Args({256, 16, 8})->Args({768, 32, 8})->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
