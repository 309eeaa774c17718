// A small known table of (id, vector) rows for the VectorSource and
// VectorFetcher contract suites (source_contract.hpp, fetcher_contract.hpp),
// with values exact in float32 and in decimal text (multiples of 1/64), so
// every adapter (files, SQL, Parquet) must give them back bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace lshrs::testing {

struct VectorTable {
  std::size_t dim = 0;
  std::vector<std::int64_t> ids;
  std::vector<float> data;  // ids.size() × dim

  std::size_t rows() const { return ids.size(); }
  std::span<const float> row(std::size_t i) const { return {data.data() + i * dim, dim}; }

  // Ids are not row numbers (1000 + 7·row), so an adapter that confuses the
  // two fails; a few values are negative, zero and fractional.
  static VectorTable sample(std::size_t rows = 23, std::size_t dim = 5) {
    VectorTable t;
    t.dim = dim;
    for (std::size_t r = 0; r < rows; ++r) {
      const auto id = static_cast<std::int64_t>(1000 + 7 * r);
      t.ids.push_back(id);
      for (std::size_t j = 0; j < dim; ++j) {
        t.data.push_back(static_cast<float>((id * 131 + static_cast<std::int64_t>(j) * 17) % 2001 -
                                            1000) /
                         64.0f);
      }
    }
    return t;
  }
};

// What a factory must keep alive for the duration of one test (a temporary
// file, a table to drop).
using Keepalive = std::vector<std::shared_ptr<void>>;

}  // namespace lshrs::testing
