// `lshrs bench --truth` counts recall by similarity (lshrs/exact.hpp) and
// reports the id count beside it: on a base whose every row appears twice, a
// truth file naming the other copy of each tied row is an exact answer, so
// the reranked modes reach recall 1 by similarity and only 0.8 by id. The
// count agrees with bench/scale/peers.py's on the same answers, and a truth
// id that is not a base row is refused on one line before anything runs.
#include <cmath>
#include <fstream>
#include <numeric>

#include "integration/cli_test_env.hpp"

namespace lshrs::testing {
namespace {

constexpr std::size_t kRows = 300, kDim = 16, kQueries = 20, kK = 5;

class CliBenchRecallTest : public CliTest {
 protected:
  // The rows of write_data, then the same rows again: row i + kRows = row i.
  std::string twice_base() {
    Matrix m = read_npy_matrix(write_data("half.npy", kRows, kDim, 11));
    m.data.insert(m.data.end(), m.data.begin(), m.data.end());
    m.rows *= 2;
    const auto path = dir_ / "base.npy";
    write_npy_matrix(path, m);
    return path.string();
  }

  // A truth file (integral floats, which load_neighbors reads), one row per
  // query: `rows` of ids.
  std::string truth_file(const std::vector<std::vector<std::int64_t>>& rows) {
    Matrix m{rows.size(), rows.front().size(), {}};
    for (const auto& r : rows)
      for (const auto id : r) m.data.push_back(static_cast<float>(id));
    const auto path = dir_ / "truth.npy";
    write_npy_matrix(path, m);
    return path.string();
  }
};

// The k best rows by cosine (in doubles; ties: smaller row first), each
// replaced by its other copy: as exact an answer as the smaller ids.
std::vector<std::vector<std::int64_t>> twin_truth(const Matrix& base, const Matrix& queries) {
  std::vector<std::vector<std::int64_t>> out;
  for (std::size_t q = 0; q < queries.rows; ++q) {
    std::vector<double> score(base.rows);
    for (std::size_t i = 0; i < base.rows; ++i) {
      double dot = 0, norm = 0;
      for (std::size_t d = 0; d < kDim; ++d) {
        dot += double(base.data[i * kDim + d]) * queries.data[q * kDim + d];
        norm += double(base.data[i * kDim + d]) * base.data[i * kDim + d];
      }
      score[i] = dot / std::sqrt(norm);
    }
    std::vector<std::int64_t> order(base.rows);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](auto a, auto b) { return score[a] > score[b]; });
    order.resize(kK);
    for (auto& id : order) id = id < std::int64_t{kRows} ? id + kRows : id - kRows;
    out.push_back(order);
  }
  return out;
}

TEST_F(CliBenchRecallTest, TruthNamingTheOtherTiesIsFullRecallBySimilarity) {
  const auto base = twice_base();
  const auto queries = write_data("queries.npy", kQueries, kDim, 12);
  const auto truth = truth_file(twin_truth(read_npy_matrix(base), read_npy_matrix(queries)));
  const auto report = dir_ / "bench.json";
  // 32 one-bit bands: nearly every row is a candidate, so the rerank is exact.
  const CliRun r = lshrs({"bench", "--store", "memory", "--base", base, "--queries", queries,
                          "--truth", truth, "--k", std::to_string(kK), "--num-perm", "32", "--bands",
                          "32", "--rows-per-band", "1", "--json", report.string(), "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(slurp(report));
  ASSERT_EQ(j["modes"].size(), 4u);
  for (const auto& m : j["modes"]) {
    ASSERT_TRUE(m["recall_by_id"].is_number()) << m;
    EXPECT_GE(m["recall"].get<double>(), m["recall_by_id"].get<double>()) << m["mode"];
  }
  for (const std::size_t reranked : {2, 3}) {
    const json& m = j["modes"][reranked];
    EXPECT_DOUBLE_EQ(m["recall"].get<double>(), 1.0) << m["mode"];
    // Of each query's 5 the rerank returns both copies of the best two and
    // the smaller copy of the third, which the truth does not list.
    EXPECT_NEAR(m["recall_by_id"].get<double>(), 0.8, 1e-9) << m["mode"];
  }
  EXPECT_NE(r.out.find("by id"), std::string::npos) << r.out;
}

TEST_F(CliBenchRecallTest, CountsAsBenchScalePeersDoes) {
  const auto base = twice_base();
  const auto queries = write_data("queries.npy", kQueries, kDim, 13);
  const auto truth = truth_file(twin_truth(read_npy_matrix(base), read_npy_matrix(queries)));
  // 8 bands of 4 bits without probes: answers that miss some neighbours.
  const std::vector<std::string> config = {"--bands", "8", "--rows-per-band", "4", "--num-perm",
                                           "32", "--probes", "0"};
  const auto report = dir_ / "bench.json";
  std::vector<std::string> bench = {"bench", "--store", "memory", "--base", base, "--queries",
                                    queries, "--truth", truth, "--k", std::to_string(kK),
                                    "--json", report.string(), "-q"};
  bench.insert(bench.end(), config.begin(), config.end());
  const CliRun b = lshrs(bench);
  ASSERT_EQ(b.code, 0) << b.err;
  // The same index (same seed, same rows) answering through `lshrs query`.
  std::vector<std::string> query = {"query", "--store", "memory", "--from", base, queries,
                                    "--vectors", base, "--rerank", "-k", std::to_string(kK),
                                    "--json", "-q"};
  query.insert(query.end(), config.begin(), config.end());
  const CliRun q = lshrs(query);
  ASSERT_EQ(q.code, 0) << q.err;
  const auto found = dir_ / "found.jsonl", counted = dir_ / "peers.json";
  std::ofstream(found) << q.out;
  run_oracle("peers_recall.py", base + " " + queries + " " + truth + " " + found.string() + " " +
                                    counted.string());
  const json peers = json::parse(slurp(counted));
  const json bench_report = json::parse(slurp(report));
  const json& reranked = bench_report["modes"][2];
  EXPECT_NEAR(reranked["recall"].get<double>(), peers["recall"].get<double>(), 1e-9);
  EXPECT_NEAR(reranked["recall_by_id"].get<double>(), peers["recall_by_id"].get<double>(), 1e-9);
  EXPECT_LT(peers["recall"].get<double>(), 1.0);  // some neighbours missed
  EXPECT_LT(peers["recall_by_id"].get<double>(), peers["recall"].get<double>());
}

TEST_F(CliBenchRecallTest, TruthIdOutsideTheBaseIsRefusedOnOneLine) {
  const auto base = twice_base();
  const auto queries = write_data("queries.npy", 2, kDim, 12);
  const auto truth = truth_file({{0, 1, 2, 3, 4}, {5, 6, 600, 7, 8}});
  const CliRun r = lshrs({"bench", "--store", "memory", "--base", base, "--queries", queries,
                          "--truth", truth, "--k", std::to_string(kK), "-q"});
  EXPECT_EQ(r.code, 3) << r.err;
  expect_one_error_line(r, truth + ": row 1 lists neighbour id 600, but " + base + " has 600 rows");
}

}  // namespace
}  // namespace lshrs
