// Spherical k-means training (kmeans.hpp): per band, a seed-derived sample,
// distinct sample rows as initial centroids, then Lloyd iterations whose
// assignment step is one blocked GEMM of the sample against the centroids.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "lsh/random.hpp"
#include "lshrs/error.hpp"
#include "lshrs/kmeans.hpp"

namespace lshrs {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Sample rows per assignment product: 4,096 × 2,048 scores are 32 MiB.
constexpr std::size_t kAssignRows = 4096;

std::string str(std::size_t v) { return std::to_string(v); }

// Rows that can be normalised: finite and not (near) zero.
std::vector<std::uint32_t> usable_rows(std::span<const float> rows, std::size_t dim) {
  std::vector<std::uint32_t> out;
  const std::size_t n = rows.size() / dim;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    double sum = 0;
    bool finite = true;
    for (std::size_t k = 0; k < dim; ++k) {
      const float x = rows[i * dim + k];
      finite = finite && std::isfinite(x);
      sum += static_cast<double>(x) * x;
    }
    if (finite && sum > 1e-16) out.push_back(static_cast<std::uint32_t>(i));
  }
  return out;
}

// The first `m` of a seeded Fisher-Yates shuffle of `pool` (which it reorders).
std::vector<std::uint32_t> draw(std::vector<std::uint32_t>& pool, std::size_t m,
                                detail::Xoshiro256& rng) {
  for (std::size_t i = 0; i < m; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(rng.next() % (pool.size() - i));
    std::swap(pool[i], pool[j]);
  }
  return {pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(m)};
}

void normalise_rows(RowMatrix& m) {
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    const float norm = m.row(i).norm();
    if (norm > 0) m.row(i) /= norm;
  }
}

struct Assignment {
  std::vector<std::uint32_t> cluster;  // per sample row
  std::vector<float> score;            // its dot with that centroid
  double total = 0;
  std::size_t changed = 0;
};

void assign(const RowMatrix& sample, const RowMatrix& centroids, Assignment& a) {
  const auto m = static_cast<std::size_t>(sample.rows());
  const auto c = static_cast<std::size_t>(centroids.rows());
  a.total = 0;
  a.changed = 0;
  RowMatrix scores;
  for (std::size_t first = 0; first < m; first += kAssignRows) {
    const std::size_t count = std::min(kAssignRows, m - first);
    scores.noalias() = sample.middleRows(static_cast<Eigen::Index>(first),
                                         static_cast<Eigen::Index>(count)) *
                       centroids.transpose();
    for (std::size_t i = 0; i < count; ++i) {
      const float* s = scores.data() + i * c;
      const auto best = static_cast<std::uint32_t>(std::max_element(s, s + c) - s);
      a.changed += a.cluster[first + i] != best;
      a.cluster[first + i] = best;
      a.score[first + i] = s[best];
      a.total += s[best];
    }
  }
}

// New centroids: each cluster's normalised sum. An empty cluster takes the
// sample row worst served by its centroid (lowest score), one distinct row
// per empty cluster, so every centroid keeps a bucket's worth of data.
std::size_t update(const RowMatrix& sample, const Assignment& a, RowMatrix& centroids) {
  const auto c = static_cast<std::size_t>(centroids.rows());
  centroids.setZero();
  std::vector<std::size_t> count(c, 0);
  for (std::size_t i = 0; i < a.cluster.size(); ++i) {
    centroids.row(a.cluster[i]) += sample.row(static_cast<Eigen::Index>(i));
    ++count[a.cluster[i]];
  }
  std::vector<std::uint32_t> worst(a.score.size());
  std::iota(worst.begin(), worst.end(), 0u);
  std::size_t next_worst = 0, reseeded = 0;
  bool sorted = false;
  for (std::size_t j = 0; j < c; ++j) {
    const auto r = static_cast<Eigen::Index>(j);
    if (count[j] > 0 && centroids.row(r).norm() > 0) {
      centroids.row(r).normalize();
      continue;
    }
    if (!sorted) {
      std::stable_sort(worst.begin(), worst.end(),
                       [&](std::uint32_t x, std::uint32_t y) { return a.score[x] < a.score[y]; });
      sorted = true;
    }
    centroids.row(r) = sample.row(worst[next_worst++ % worst.size()]);
    ++reseeded;
  }
  return reseeded;
}

}  // namespace

std::vector<float> train_kmeans(std::span<const float> rows, std::size_t dim,
                                const KMeansTrainOptions& o) {
  if (dim == 0 || rows.size() % dim != 0) {
    throw InvalidArgument("train_kmeans: " + str(rows.size()) +
                          " floats is not a whole number of rows of dimension " + str(dim));
  }
  validate_kmeans_shape(dim, o.num_bands, o.bits_per_band);
  if (o.iterations == 0) throw InvalidArgument("train_kmeans: iterations must be positive (got 0)");
  const std::size_t c = std::size_t{1} << o.bits_per_band;
  if (o.sample_size < c) {
    throw InvalidArgument("train_kmeans: a sample of " + str(o.sample_size) + " rows cannot train " +
                          str(c) + " centroids (2^" + str(o.bits_per_band) +
                          "): raise the sample size or lower the bits per band");
  }
  std::vector<std::uint32_t> pool = usable_rows(rows, dim);
  if (pool.size() < c) {
    throw InvalidArgument("train_kmeans: " + str(pool.size()) + " usable (finite, non-zero) rows of " +
                          str(rows.size() / dim) + " cannot train " + str(c) + " centroids (2^" +
                          str(o.bits_per_band) + " bits per band): lower the bits per band");
  }
  const std::size_t m = std::min(o.sample_size, pool.size());
  std::vector<float> out;
  out.reserve(o.num_bands * c * dim);
  for (std::size_t band = 0; band < o.num_bands; ++band) {
    std::uint64_t state = o.seed;
    for (std::size_t i = 0; i <= band; ++i) detail::splitmix64(state);
    detail::Xoshiro256 rng(state);
    const std::vector<std::uint32_t> picked = draw(pool, m, rng);
    RowMatrix sample(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(dim));
    for (std::size_t i = 0; i < m; ++i) {
      std::copy_n(rows.data() + std::size_t{picked[i]} * dim, dim,
                  sample.data() + i * dim);
    }
    normalise_rows(sample);
    // The sample is in shuffled order: its first C rows are C distinct random rows.
    RowMatrix centroids = sample.topRows(static_cast<Eigen::Index>(c));
    Assignment a{std::vector<std::uint32_t>(m, 0), std::vector<float>(m, 0), 0, 0};
    for (std::size_t it = 0; it < o.iterations; ++it) {
      assign(sample, centroids, a);
      const std::size_t reseeded = update(sample, a, centroids);
      if (o.progress) {
        o.progress({band, o.num_bands, it + 1, o.iterations, a.total / static_cast<double>(m), reseeded});
      }
      if (it > 0 && a.changed == 0 && reseeded == 0) break;
    }
    out.insert(out.end(), centroids.data(), centroids.data() + c * dim);
  }
  return out;
}

}  // namespace lshrs
