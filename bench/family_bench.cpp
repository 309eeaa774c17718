// Hash families and multi-probe: hashing 10,000 vectors of dim 128 into 8
// bands of 16 bits with hyperplanes (8 × 16 rows) and cross-polytopes
// (8 × 2 hashes of 8 bits), against their ceilings in the same run (the bare
// matrix product; three bare FHTs per hash); and the cost of generating one
// query's probe buckets for a budget (hash + candidates + heap + keys).
//
//   build/release/bench/family_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <Eigen/Core>

#include "bench_support.hpp"
#include "lsh/family_probes.hpp"
#include "lshrs/index.hpp"
#include "lshrs/cross_polytope.hpp"
#include "lshrs/hasher.hpp"

namespace {

constexpr std::size_t kBatch = 10'000, kDim = 128, kBands = 8;

std::vector<float> random_batch(std::size_t n) { return lshrs::bench::random_matrix(n, kDim); }

// Hashing kBatch vectors into kBands bands of `rows` hashes of the family H.
template <typename H, std::size_t rows>
void hash_family(benchmark::State& state) {
  const H hasher(kDim, kBands, rows, 42);
  const auto batch = random_batch(kBatch);
  for (auto _ : state) benchmark::DoNotOptimize(hasher.hash(batch).bytes.data());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

void hyperplane_ceiling_product(benchmark::State& state) {
  using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const auto data = random_batch(kBatch);
  const auto proj = lshrs::generate_projections(42, kBands * 16, kDim);
  const Eigen::Map<const RowMatrix> v(data.data(), kBatch, kDim);
  const Eigen::Map<const RowMatrix> p(proj.data(), kBands * 16, kDim);
  RowMatrix out(kBatch, kBands * 16);
  for (auto _ : state) {
    out.noalias() = v * p.transpose();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// Three in-place FHTs of d' floats per hash, nothing else: the rotation's floor.
void polytope_ceiling_fht(benchmark::State& state) {
  auto batch = random_batch(kBatch);
  for (auto _ : state) {
    for (std::size_t t = 0; t < kBands * 2; ++t) {
      for (std::size_t i = 0; i < kBatch; ++i) {
        const std::span<float> x(batch.data() + i * kDim, kDim);
        for (int round = 0; round < 3; ++round) lshrs::fast_hadamard_transform(x);
      }
    }
    benchmark::DoNotOptimize(batch.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// Times one query's probe buckets under the budget state.range(0): `probe`
// hashes the query and lists its buckets as its family ranks them.
template <typename Probe>
void time_probes(benchmark::State& state, Probe probe) {
  const auto budget = static_cast<std::size_t>(state.range(0));
  const auto query = random_batch(1);
  for (auto _ : state) {
    const std::vector<lshrs::BucketRef> refs = probe(query, budget);
    benchmark::DoNotOptimize(refs.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void hyperplane_probes(benchmark::State& state) {
  const lshrs::Hasher hasher(kDim, kBands, 16, 42);
  time_probes(state, [&](const auto& query, std::size_t budget) {
    std::vector<float> margins;
    const auto sigs = hasher.hash(query, margins);
    const auto candidates = lshrs::detail::hyperplane_candidates(margins, kBands, 16, budget);
    std::vector<lshrs::BucketRef> refs;
    lshrs::detail::append_query_buckets(sigs, 0, candidates, budget, 0, refs);
    return refs;
  });
}

void polytope_probes(benchmark::State& state) {
  const lshrs::CrossPolytopeHasher hasher(kDim, kBands, 2, 42);
  time_probes(state, [&](const auto& query, std::size_t budget) {
    std::vector<float> rotated;
    const auto sigs = hasher.hash(query, rotated);
    const auto candidates = lshrs::detail::polytope_candidates(rotated, kBands, 2, kDim, budget);
    std::vector<lshrs::BucketRef> refs;
    lshrs::detail::append_query_buckets(sigs, 0, candidates, budget, hasher.bits_per_hash(), refs);
    return refs;
  });
}

// The whole query path without a server (MemoryStore): 100,000 vectors,
// bands sized for that n, 64 probes, reranked through an in-memory fetcher.
// For profiling the client side (perf record), not a store figure.
void memory_query(benchmark::State& state) {
  constexpr std::size_t kN = 100'000;
  static const auto base = random_batch(kN);
  lshrs::IndexOptions o;
  o.dim = kDim;
  o.expected_size = kN;
  o.family = state.range(0) ? lshrs::HashFamily::kCrossPolytope : lshrs::HashFamily::kHyperplane;
  auto fetcher = std::make_shared<lshrs::CallbackFetcher>(kDim, [](std::span<const std::int64_t> ids) {
    std::vector<float> out;
    out.reserve(ids.size() * kDim);
    for (const auto id : ids) {
      const auto* row = base.data() + static_cast<std::size_t>(id) * kDim;
      out.insert(out.end(), row, row + kDim);
    }
    return out;
  });
  lshrs::Index index(o, nullptr, fetcher);
  std::vector<std::int64_t> ids(kN);
  for (std::size_t i = 0; i < kN; ++i) ids[i] = static_cast<std::int64_t>(i);
  index.index(ids, base);
  lshrs::QueryOptions q;
  q.rerank = true;
  q.probes = 64;
  std::size_t i = 0, candidates = 0;
  for (auto _ : state) {
    const auto r = index.query(std::span(base).subspan((i++ % kN) * kDim, kDim), q);
    candidates += r.candidates;
    benchmark::DoNotOptimize(r.neighbors.data());
  }
  state.counters["candidates"] = static_cast<double>(candidates) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

BENCHMARK(memory_query)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(hash_family<lshrs::Hasher, 16>)->Name("hyperplane_hash")->Unit(benchmark::kMillisecond);
BENCHMARK(hyperplane_ceiling_product)->Unit(benchmark::kMillisecond);
BENCHMARK(hash_family<lshrs::CrossPolytopeHasher, 2>)->Name("polytope_hash")->Unit(benchmark::kMillisecond);
BENCHMARK(polytope_ceiling_fht)->Unit(benchmark::kMillisecond);
BENCHMARK(hyperplane_probes)->Arg(0)->Arg(16)->Arg(64)->Arg(256)->Unit(benchmark::kMicrosecond);
BENCHMARK(polytope_probes)->Arg(0)->Arg(16)->Arg(64)->Arg(256)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
