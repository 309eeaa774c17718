// Runs tests/oracle/original_package.py: the ORIGINAL Python package's recipe
// (numpy default_rng(seed) projections, little-endian packbits, SADD of
// decimal ids via redis-py) against the test redis-server, for the tests that
// check an index it built from a seed alone is read by ours, and the reverse.
#pragma once

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "lshrs/files.hpp"
#include "lshrs/hasher.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {

struct OriginalIndexShape {
  std::uint64_t seed = 42;
  std::size_t bands = 0, rows = 0, dim = 0;
};

// Base vectors around a few centres, with ids, and queries near some of them,
// written as .npy (and raw int64 ids) into `dir`. Vectors with a dot product
// near 0 against any hyperplane are dropped: float32 summation order may
// legitimately flip those bits between numpy and our matrix product.
struct OriginalIndexData {
  Matrix base, queries;
  std::vector<std::int64_t> ids;
  std::string base_path, ids_path, queries_path;
};

inline bool clear_of_hyperplanes(const std::vector<float>& p, const float* v, std::size_t dim) {
  for (std::size_t j = 0; j < p.size() / dim; ++j) {
    double dot = 0;
    for (std::size_t k = 0; k < dim; ++k) dot += double(p[j * dim + k]) * v[k];
    if (std::fabs(dot) < 1e-3) return false;
  }
  return true;
}

inline OriginalIndexData write_original_index_data(const ScratchDir& dir, const OriginalIndexShape& s,
                                                   std::size_t n, std::size_t n_queries) {
  const auto p = generate_projections(s.seed, s.bands * s.rows, s.dim);
  const auto noise = random_vectors(n + n_queries, s.dim, 17);
  const auto centres = random_vectors(6, s.dim, 18);
  OriginalIndexData d;
  d.base.cols = d.queries.cols = s.dim;
  std::vector<float> v(s.dim);
  for (std::size_t i = 0; i < n + n_queries; ++i) {
    for (std::size_t k = 0; k < s.dim; ++k) v[k] = centres[(i % 6) * s.dim + k] + 0.4f * noise[i * s.dim + k];
    if (!clear_of_hyperplanes(p, v.data(), s.dim)) continue;
    Matrix& m = i < n ? d.base : d.queries;
    m.data.insert(m.data.end(), v.begin(), v.end());
    ++m.rows;
    if (i < n) d.ids.push_back(static_cast<std::int64_t>(1000 + 3 * i));  // not row numbers
  }
  d.base_path = (dir / "base.npy").string();
  d.queries_path = (dir / "queries.npy").string();
  d.ids_path = (dir / "ids.i64").string();
  write_npy_matrix(d.base_path, d.base);
  write_npy_matrix(d.queries_path, d.queries);
  std::ofstream out(d.ids_path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(d.ids.data()),
            static_cast<std::streamsize>(d.ids.size() * sizeof(std::int64_t)));
  return d;
}

inline std::string original_args(const std::string& mode, const std::string& url,
                                 const std::string& prefix, const OriginalIndexShape& s,
                                 const OriginalIndexData& d) {
  std::ostringstream a;
  a << mode << " '" << url << "' '" << prefix << "' " << s.seed << ' ' << s.bands << ' ' << s.rows
    << " '" << d.base_path << "' '" << d.ids_path << "'";
  return a.str();
}

// (id, collisions) per query, as the original package ranks them.
using OriginalResults = std::vector<std::vector<std::pair<std::int64_t, std::uint32_t>>>;

// The original package indexes `d` under `prefix` and answers its queries.
inline OriginalResults original_build(const ScratchDir& dir, const std::string& url,
                                      const std::string& prefix, const OriginalIndexShape& s,
                                      const OriginalIndexData& d, std::size_t top_k) {
  const auto out = dir / "original-results.txt";
  run_oracle("original_package.py", original_args("build", url, prefix, s, d) + " '" +
                                        d.queries_path + "' " + std::to_string(top_k) + " '" +
                                        out.string() + "'");
  OriginalResults results;
  std::ifstream in(out);
  for (std::string line; std::getline(in, line);) {
    auto& r = results.emplace_back();
    std::istringstream fields(line);
    for (std::string pair; fields >> pair;) {
      const auto colon = pair.find(':');
      r.emplace_back(std::stoll(pair.substr(0, colon)),
                     static_cast<std::uint32_t>(std::stoul(pair.substr(colon + 1))));
    }
  }
  return results;
}

// The original package's keys for `d` are exactly the bucket keys under
// `prefix`, with exactly the expected members (fails the test otherwise).
inline void original_check(const std::string& url, const std::string& prefix,
                           const OriginalIndexShape& s, const OriginalIndexData& d) {
  run_oracle("original_package.py", original_args("check", url, prefix, s, d));
}

}  // namespace lshrs::testing
