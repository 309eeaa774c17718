// The VectorSource and VectorFetcher contract suites against the adapters that
// need no server: .npy (with an ids file and with row numbers), .fvecs and
// CallbackFetcher. PostgreSQL and Parquet run the same suites in
// tests/integration/server_adapters_contract_test.cpp.
#include <cstdint>
#include <fstream>
#include <map>

#include "lshrs/files.hpp"
#include "support/fetcher_contract.hpp"
#include "support/source_contract.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

// The vectors as a float32 .npy (through the library's writer, which
// files_test checks against numpy), plus, with `ids`, an int64 ids .npy
// written by numpy itself.
NpyOptions write_npy(const VectorTable& t, bool ids, Keepalive& keep) {
  auto dir = std::make_shared<ScratchDir>("contract-npy");
  keep.push_back(dir);
  NpyOptions o;
  o.vectors = *dir / "vectors.npy";
  write_npy_matrix(o.vectors, Matrix{t.rows(), t.dim, t.data});
  if (ids) {
    o.ids = *dir / "ids.npy";
    std::string list;
    for (const auto id : t.ids) list += std::to_string(id) + ",";
    const std::string cmd = std::string(LSHRS_PYTHON) +
                            " -c \"import numpy as np; np.save('" + o.ids->string() +
                            "', np.array([" + list + "], dtype='<i8'))\"";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  return o;
}

template <bool kWithIds>
struct NpySourceFactory {
  static constexpr bool kIdsAreRowNumbers = !kWithIds;
  static void require() {}
  static std::unique_ptr<VectorSource> make(const VectorTable& t, std::size_t batch,
                                            Keepalive& keep) {
    auto o = write_npy(t, kWithIds, keep);
    o.batch_size = batch;
    return open_npy_source(o);
  }
};

struct FvecsSourceFactory {
  static constexpr bool kIdsAreRowNumbers = true;
  static void require() {}
  static std::unique_ptr<VectorSource> make(const VectorTable& t, std::size_t batch,
                                            Keepalive& keep) {
    auto dir = std::make_shared<ScratchDir>("contract-fvecs");
    keep.push_back(dir);
    const auto path = *dir / "vectors.fvecs";
    std::ofstream out(path, std::ios::binary);
    const auto dim = static_cast<std::int32_t>(t.dim);
    for (std::size_t r = 0; r < t.rows(); ++r) {  // the format: int32 dim, dim float32
      out.write(reinterpret_cast<const char*>(&dim), sizeof dim);
      out.write(reinterpret_cast<const char*>(t.row(r).data()),
                static_cast<std::streamsize>(t.dim * sizeof(float)));
    }
    out.close();
    return open_fvecs_source({path, batch});
  }
};

using FileSources =
    ::testing::Types<NpySourceFactory<true>, NpySourceFactory<false>, FvecsSourceFactory>;
INSTANTIATE_TYPED_TEST_SUITE_P(Files, SourceContract, FileSources);

template <bool kWithIds>
struct NpyFetcherFactory {
  static constexpr bool kIdsAreRowNumbers = !kWithIds;
  static constexpr bool kOmitsUnknownIds = true;
  static void require() {}
  static std::shared_ptr<VectorFetcher> make(const VectorTable& t, Keepalive& keep) {
    return open_npy_fetcher(write_npy(t, kWithIds, keep));
  }
};

// The application's own lookup, as Python users write vector_fetch_fn.
struct CallbackFetcherFactory {
  static constexpr bool kIdsAreRowNumbers = false;
  static constexpr bool kOmitsUnknownIds = false;
  static void require() {}
  static std::shared_ptr<VectorFetcher> make(const VectorTable& t, Keepalive&) {
    auto rows = std::make_shared<std::map<std::int64_t, std::size_t>>();
    for (std::size_t r = 0; r < t.rows(); ++r) (*rows)[t.ids[r]] = r;
    return std::make_shared<CallbackFetcher>(t.dim, [t, rows](std::span<const std::int64_t> ids) {
      std::vector<float> out;
      for (const auto id : ids) {
        const auto v = t.row(rows->at(id));
        out.insert(out.end(), v.begin(), v.end());
      }
      return out;
    });
  }
};

using LocalFetchers =
    ::testing::Types<NpyFetcherFactory<true>, NpyFetcherFactory<false>, CallbackFetcherFactory>;
INSTANTIATE_TYPED_TEST_SUITE_P(Local, FetcherContract, LocalFetchers);

}  // namespace
}  // namespace lshrs::testing
