// An index written through the Python package (the built lshrs._core, run by
// tests/integration/python_package_peer.py) is read by the C++ API with
// identical results — ids by collisions, and ids with cosines when reranked —
// and an index the C++ API wrote is read by the Python package the same way.
// Both sides talk to the real test redis-server; only model directory and
// Redis keys pass between them.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "integration/redis_test_env.hpp"
#include "lshrs/files.hpp"
#include "lshrs/index.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

constexpr std::size_t kDim = 16, kBase = 600, kQueries = 20;

std::int64_t id_of_row(std::size_t row) { return 1000 + 3 * static_cast<std::int64_t>(row); }

// Vectors around a few centres, so queries find many colliding neighbours.
Matrix clustered(std::size_t n, unsigned seed) {
  const auto noise = random_vectors(n, kDim, seed);
  const auto centres = random_vectors(6, kDim, seed + 1);
  Matrix m{n, kDim, std::vector<float>(n * kDim)};
  for (std::size_t i = 0; i < n * kDim; ++i) {
    m.data[i] = centres[(i / kDim % 6) * kDim + i % kDim] + 0.4f * noise[i];
  }
  return m;
}

// The Python package's vector_fetch_fn, in C++: ids are 1000 + 3·row of `base`.
std::shared_ptr<VectorFetcher> base_fetcher(const Matrix& base) {
  return std::make_shared<CallbackFetcher>(kDim, [&base](std::span<const std::int64_t> ids) {
    std::vector<float> out;
    for (const auto id : ids) {
      const auto row = static_cast<std::size_t>((id - 1000) / 3);
      out.insert(out.end(), base.data.begin() + static_cast<std::ptrdiff_t>(row * kDim),
                 base.data.begin() + static_cast<std::ptrdiff_t>((row + 1) * kDim));
    }
    return out;
  });
}

// One line per query and mode, as python_package_peer.py writes them; the
// cosine of a reranked result is kept as the float the package returned.
struct Answer {
  std::vector<std::int64_t> ids;
  std::vector<float> cosines;  // empty when ranked by collisions
  bool operator==(const Answer&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Answer& a) {
  for (std::size_t i = 0; i < a.ids.size(); ++i) {
    os << a.ids[i];
    if (!a.cosines.empty()) os << ':' << a.cosines[i];
    os << ' ';
  }
  return os;
}

std::vector<Answer> read_python_answers(const std::filesystem::path& path) {
  std::vector<Answer> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string mode;
    fields >> mode;
    Answer& a = out.emplace_back();
    for (std::string item; fields >> item;) {
      const auto colon = item.find(':');
      a.ids.push_back(std::stoll(item.substr(0, colon)));
      // repr() of a float32 widened to a double reads back as that float exactly.
      if (mode == "p") a.cosines.push_back(static_cast<float>(std::stod(item.substr(colon + 1))));
    }
  }
  return out;
}

// The same two queries per row as the peer: top-10 by collisions, then the
// best half of all candidates by cosine (top_p = 0.5, no top-k cap).
std::vector<Answer> cpp_answers(Index& index, const Matrix& queries) {
  std::vector<Answer> out;
  for (std::size_t i = 0; i < queries.rows; ++i) {
    const std::span<const float> q(queries.data.data() + i * kDim, kDim);
    QueryOptions by_collisions;
    by_collisions.top_k = 10;
    QueryOptions reranked;
    reranked.top_k = std::nullopt;
    reranked.top_p = 0.5;
    for (const auto& o : {by_collisions, reranked}) {
      Answer& a = out.emplace_back();
      for (const Neighbor& n : index.query(q, o).neighbors) {
        a.ids.push_back(n.id);
        if (n.similarity) a.cosines.push_back(*n.similarity);
      }
    }
  }
  return out;
}

void run_peer(const std::string& args) {
  std::string env = "PYTHONPATH='" + std::string(LSHRS_SOURCE_DIR) + "/python:" + LSHRS_BINARY_DIR +
                    "/python' ";
#ifdef LSHRS_PYTHON_PRELOAD
  // The sanitized extension under python3, which leaks by design (no leak check).
  env += "LD_PRELOAD='" LSHRS_PYTHON_PRELOAD "' ASAN_OPTIONS=detect_leaks=0 ";
#endif
  const std::string cmd = env + LSHRS_PYTHON + " " + LSHRS_SOURCE_DIR +
                          "/tests/integration/python_package_peer.py " + args;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "the Python package's side failed: " << cmd;
}

std::string test_prefix() {
  return "lshrs-python-interop:" +
         std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ":" +
         std::to_string(::getpid());
}

// Fails unless the answers found neighbours and reranked some of them: equal
// empty answers would prove nothing.
void expect_meaningful(const std::vector<Answer>& answers) {
  std::size_t found = 0, scored = 0;
  for (const auto& a : answers) (a.cosines.empty() ? found : scored) += a.ids.size();
  EXPECT_GT(found, 3 * kQueries);
  EXPECT_GT(scored, 3 * kQueries);
}

// Base vectors and queries, also written as DIR/base.npy and DIR/queries.npy for the peer.
struct Data {
  Matrix base, queries;
  Data(const ScratchDir& dir, unsigned seed)
      : base(clustered(kBase, seed)), queries(clustered(kQueries, seed + 1)) {
    write_npy_matrix(dir / "base.npy", base);
    write_npy_matrix(dir / "queries.npy", queries);
  }
};

// The test server's store (the test is skipped or failed without one) and a scratch directory.
class PythonPackageInterop : public ::testing::Test {
 protected:
  std::shared_ptr<RedisStore> store = single_store();
  ScratchDir dir{"python-interop"};
};

TEST_F(PythonPackageInterop, IndexWrittenByPythonIsReadByTheCppApi) {
  const Data data(dir, 31);
  const Matrix &base = data.base, &queries = data.queries;
  const std::string prefix = test_prefix();
  run_peer("write '" + dir.path().string() + "' '" + server_url("LSHRS_TEST_REDIS_URL") + "' '" +
           prefix + "'");
  const auto theirs = read_python_answers(dir / "python-results.txt");
  ASSERT_EQ(theirs.size(), 2 * kQueries);
  expect_meaningful(theirs);

  // Through the model directory it saved, and through the store's own meta.
  Index loaded = Index::load(dir / "model-py", store, base_fetcher(base));
  EXPECT_EQ(loaded.config().prefix, prefix);
  EXPECT_EQ(cpp_answers(loaded, queries), theirs);
  Index opened = Index::open(store, prefix, base_fetcher(base));
  EXPECT_EQ(cpp_answers(opened, queries), theirs);
  EXPECT_EQ(opened.stats().storage.ids, kBase);
  opened.clear();
}

TEST_F(PythonPackageInterop, IndexWrittenByTheCppApiIsReadByPython) {
  const Data data(dir, 41);
  const Matrix &base = data.base, &queries = data.queries;
  IndexOptions o = shaped_index_options(test_prefix(), kDim, 8, 8);
  o.seed = 5;
  Index index(o, store, base_fetcher(base));
  std::vector<std::int64_t> ids(kBase);
  for (std::size_t i = 0; i < kBase; ++i) ids[i] = id_of_row(i);
  index.index(ids, base.data);
  index.save(dir / "model-cpp");
  const auto ours = cpp_answers(index, queries);
  expect_meaningful(ours);

  run_peer("read '" + dir.path().string() + "'");
  EXPECT_EQ(read_python_answers(dir / "python-results.txt"), ours);
  index.clear();
}

}  // namespace
}  // namespace lshrs::testing
