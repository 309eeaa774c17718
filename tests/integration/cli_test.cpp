// The `lshrs` command-line tool, run as a user runs it: the built binary in a
// child process, its exit code, stdout (JSON parsed and checked) and stderr.
// The Redis tests use the test redis-server (LSHRS_TEST_REDIS_URL, started by
// scripts/test); the --store memory and tune tests need no server.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "integration/cli_test_env.hpp"
#include "integration/original_package_oracle.hpp"
#include "integration/cli_test_env.hpp"
#include "integration/redis_test_env.hpp"
#include "lshrs/files.hpp"
#include "lshrs/index.hpp"
#include "lshrs/redis_store.hpp"
#include "redis/transport/connection.hpp"
#include "redis/transport/url.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

TEST_F(CliTest, MemoryStoreIndexesAndQueriesInOneRun) {
  const auto base = write_data("base.npy", 800, 16, 1);
  const auto queries = head_rows(base, 5, "queries.npy");
  const CliRun r = lshrs({"query", "--store", "memory", "--from", base, queries, "--vectors", base,
                          "--rerank", "-k", "4", "--json", "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 5u) << r.out;
  for (std::size_t q = 0; q < lines.size(); ++q) {
    const json& j = lines[q];
    EXPECT_EQ(j["query"], q);
    ASSERT_EQ(j["ids"].size(), 4u);
    EXPECT_EQ(j["ids"][0], q) << "a base row must be its own nearest neighbour";
    EXPECT_NEAR(j["scores"][0].get<double>(), 1.0, 1e-5);
    for (std::size_t i = 1; i < 4; ++i)
      EXPECT_GE(j["scores"][i - 1].get<double>(), j["scores"][i].get<double>());
    EXPECT_GE(j["candidates"].get<std::size_t>(), 4u);
    EXPECT_TRUE(j["time_us"].is_number_integer());
  }
}

TEST_F(CliTest, QueryReadsJsonFromStdinAndSelectsRows) {
  const auto base = write_data("base.npy", 300, 8, 2);
  const Matrix m = read_npy_matrix(base);
  json rows = json::array();
  for (std::size_t i = 0; i < 3; ++i)
    rows.push_back(std::vector<float>(m.data.begin() + static_cast<long>(i * 8),
                                      m.data.begin() + static_cast<long>(i * 8 + 8)));
  const CliRun r = lshrs({"query", "--store", "memory", "--from", base, "--rows", "2", "-k", "1",
                          "--rerank", "--json", "-q"},
                         rows.dump());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["query"], 2);
  EXPECT_EQ(lines[0]["ids"][0], 2);
}

TEST_F(CliTest, TuneMarksTheChosenConfigAndPlotsSCurves) {
  const auto svg = dir_ / "curves.svg";
  const CliRun r =
      lshrs({"tune", "--num-perm", "128", "--threshold", "0.7", "--json", "--plot", svg.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_EQ(j["candidates"].size(), 8u);  // the divisors of 128
  std::size_t chosen = 0;
  for (const auto& c : j["candidates"]) {
    EXPECT_EQ(c["bands"].get<std::size_t>() * c["rows"].get<std::size_t>(), 128u);
    if (c["chosen"].get<bool>()) {
      ++chosen;
      EXPECT_EQ(c["bands"], j["chosen"]["bands"]);
    }
  }
  EXPECT_EQ(chosen, 1u);
  const std::string text = slurp(svg);
  EXPECT_EQ(text.rfind("<svg", 0), 0u);
  EXPECT_NE(text.find("</svg>"), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n') > 20, true);
  EXPECT_NE(text.find("(chosen)"), std::string::npos);
}

TEST_F(CliTest, UsageErrorsExitWithTwo) {
  expect_one_error_line(lshrs({"query", "--top-k", "many"}), "--top-k");
  EXPECT_EQ(lshrs({"query", "--top-k", "many"}).code, 2);
  EXPECT_EQ(lshrs({}).code, 2);
  EXPECT_EQ(lshrs({"frobnicate"}).code, 2);
  const CliRun help = lshrs({"index", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--save-model"), std::string::npos);
}

TEST_F(CliTest, MissingFileExitsWithThree) {
  const auto missing = (dir_ / "nope.npy").string();
  const CliRun r = lshrs({"index", "--store", "memory", missing});
  EXPECT_EQ(r.code, 3);
  expect_one_error_line(r, missing);
}

TEST_F(CliTest, BenchOnMemoryStoreWritesItsReport) {
  const auto base = write_data("base.npy", 600, 16, 3);
  const auto queries = head_rows(write_data("more.npy", 40, 16, 4), 20, "queries.npy");
  const auto report = dir_ / "bench.json";
  const CliRun r = lshrs({"bench", "--store", "memory", "--base", base, "--queries", queries, "--k",
                          "5", "--json", report.string(), "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(slurp(report));
  EXPECT_EQ(j["base_rows"], 600);
  EXPECT_EQ(j["queries"], 20);
  ASSERT_EQ(j["modes"].size(), 4u);
  for (const auto& m : j["modes"]) {
    EXPECT_GE(m["recall"].get<double>(), 0.0);
    EXPECT_LE(m["recall"].get<double>(), 1.0);
    EXPECT_GT(m["queries_per_second"].get<double>(), 0.0);
  }
  // Reranking the same candidates by true cosine cannot lose to collision order.
  EXPECT_GE(j["modes"][2]["recall"].get<double>(), j["modes"][0]["recall"].get<double>());
  EXPECT_GT(j["ingest"]["vectors_per_second"].get<double>(), 0.0);
  EXPECT_NE(r.out.find("recall@5"), std::string::npos);
}

TEST_F(CliRedisTest, SeedAloneReadsAndWritesTheOriginalPackagesIndex) {
  const OriginalIndexShape shape{7, 10, 9, 20};
  const std::vector<std::string> config = {"--seed", "7", "--dim", "20", "--bands", "10",
                                           "--rows-per-band", "9"};
  auto data = write_original_index_data(dir_, shape, 400, 12);
  const auto expected = original_build(dir_, url_, prefix_, shape, data, 5);
  const CliRun r = lshrs(cat(cat({"query", data.queries_path, "-k", "5", "--json"}, config),
                             at(prefix_)));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), expected.size()) << r.out;
  for (std::size_t q = 0; q < lines.size(); ++q) {
    std::vector<std::pair<std::int64_t, std::uint32_t>> got;
    for (std::size_t i = 0; i < lines[q]["ids"].size(); ++i) {
      got.emplace_back(lines[q]["ids"][i].get<std::int64_t>(),
                       lines[q]["collisions"][i].get<std::uint32_t>());
    }
    EXPECT_EQ(got, expected[q]) << "query " << q;
  }

  // The reverse: ids are row numbers when `lshrs index` reads a bare .npy.
  const std::string other = prefix_ + "-b";
  ASSERT_EQ(lshrs(cat(cat({"index", data.base_path, "-q"}, config), at(other))).code, 0);
  for (std::size_t i = 0; i < data.ids.size(); ++i) data.ids[i] = static_cast<std::int64_t>(i);
  std::ofstream(data.ids_path, std::ios::binary)
      .write(reinterpret_cast<const char*>(data.ids.data()),
             static_cast<std::streamsize>(data.ids.size() * sizeof(std::int64_t)));
  original_check(url_, other, shape, data);
}

// --projection-generator lshrs-v0 rebuilds an earlier version's seed-only
// index; against a stored index, a generator that does not reproduce its
// projections is refused (exit 3, one line) rather than ignored.
TEST_F(CliRedisTest, ProjectionGeneratorIsChosenAndCheckedAgainstTheStoredIndex) {
  const auto base = write_data("base.npy", 200, 12, 3);
  const auto v0 = at(prefix_);
  ASSERT_EQ(lshrs(cat({"index", base, "-q", "--projection-generator", "lshrs-v0"}, v0)).code, 0);
  const auto queries = head_rows(base, 1, "q.npy");
  EXPECT_EQ(lshrs(cat({"query", queries, "--projection-generator", "lshrs-v0"}, v0)).code, 0);
  const CliRun wrong = lshrs(cat({"query", queries, "--projection-generator", "numpy"}, v0));
  EXPECT_EQ(wrong.code, 3);
  expect_one_error_line(wrong, "--projection-generator numpy");
  const CliRun bad = lshrs(cat({"query", queries, "--projection-generator", "numpy2"}, v0));
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("numpy2"), std::string::npos) << bad.err;
}

TEST_F(CliRedisTest, IndexQueryStatsDeleteClear) {
  const auto base = write_data("base.npy", 1000, 24, 5);
  const auto queries = head_rows(base, 4, "queries.npy");

  CliRun r = lshrs(cat({"index", base, "--json", "-q"}, at(prefix_)));
  ASSERT_EQ(r.code, 0) << r.err;
  const json summary = json::parse(r.out);
  EXPECT_EQ(summary["rows"], 1000);
  EXPECT_EQ(summary["dim"], 24);
  EXPECT_EQ(summary["store"].get<std::string>().find("redis://"), 0u);

  r = lshrs(
      cat({"query", queries, "--vectors", base, "--rerank", "-k", "3", "--json"}, at(prefix_)));
  ASSERT_EQ(r.code, 0) << r.err;
  auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 4u);
  for (std::size_t q = 0; q < 4; ++q) EXPECT_EQ(lines[q]["ids"][0], q);

  r = lshrs(cat({"stats", "--json"}, at(prefix_)));
  ASSERT_EQ(r.code, 0) << r.err;
  json stats = json::parse(r.out);
  EXPECT_EQ(stats["ids"], 1000);
  // No shape flag: the configuration measured on the data (k-means, one band).
  EXPECT_EQ(stats["config"]["family"], "k-means");
  const auto buckets = stats["buckets"].get<std::size_t>();
  EXPECT_EQ(stats["config"]["dim"], 24);
  EXPECT_EQ(stats["config"]["num_bands"].get<std::size_t>() *
                stats["config"]["rows_per_band"].get<std::size_t>(),
            stats["config"]["num_perm"].get<std::size_t>());
  EXPECT_GT(stats["buckets"].get<std::size_t>(), 0u);
  EXPECT_GE(stats["bucket_size"]["p99"].get<double>(), stats["bucket_size"]["p50"].get<double>());
  EXPECT_GT(stats["bytes_per_vector"].get<double>(), 0.0);

  r = lshrs(cat({"delete", "--ids", "0,1,5000", "--json"}, at(prefix_)));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["removed"], 2);
  r = lshrs(
      cat({"query", queries, "--rows", "0", "--vectors", base, "--rerank", "-k", "10", "--json"},
          at(prefix_)));
  ASSERT_EQ(r.code, 0) << r.err;
  lines = json_lines(r.out);  // kept: a range-for over a temporary's member dangles
  ASSERT_EQ(lines.size(), 1u);
  for (const auto& id : lines[0]["ids"])
    EXPECT_NE(id, 0) << "deleted id 0 still found";
  stats = json::parse(lshrs(cat({"stats", "--json"}, at(prefix_))).out);
  EXPECT_EQ(stats["ids"], 998);

  // clear asks first: without a terminal and without --yes nothing happens.
  r = lshrs(cat({"clear"}, at(prefix_)));
  EXPECT_EQ(r.code, 2);
  expect_one_error_line(r, "--yes");
  EXPECT_FALSE(keys_of(prefix_).empty());
  r = lshrs(cat({"clear", "--yes", "--json"}, at(prefix_)));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GE(json::parse(r.out)["keys_removed"].get<std::size_t>(),
            buckets + 1000 / 128 + 1);  // buckets + signature ranges + meta
  EXPECT_TRUE(keys_of(prefix_).empty());
  r = lshrs(cat({"stats"}, at(prefix_)));
  EXPECT_EQ(r.code, 3);
  expect_one_error_line(r, "no index under prefix");
}

TEST_F(CliRedisTest, SavedModelGivesIdenticalQueryResults) {
  const auto base = write_data("base.npy", 700, 12, 6);
  const auto queries = head_rows(write_data("q.npy", 10, 12, 7), 10, "queries.npy");
  const auto model = (dir_ / "model").string();
  ASSERT_EQ(
      lshrs(cat({"index", base, "--threshold", "0.7", "--seed", "9", "--save-model", model, "-q"},
                at(prefix_)))
          .code,
      0);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "model" / "metadata.json"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "model" / "projections.npz"));
  const std::string b = prefix_ + "-b";
  CliRun r = lshrs(cat({"index", base, "--model", model, "-q"}, at(b)));
  ASSERT_EQ(r.code, 0) << r.err;

  const std::vector<std::string> q = {"query", queries, "-k", "0", "--json"};
  const CliRun first = lshrs(cat(q, at(prefix_))), second = lshrs(cat(q, at(b)));
  ASSERT_EQ(first.code, 0) << first.err;
  ASSERT_EQ(second.code, 0) << second.err;
  const auto x = json_lines(first.out), y = json_lines(second.out);
  ASSERT_EQ(x.size(), 10u);
  ASSERT_EQ(y.size(), 10u);
  std::size_t found = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i]["ids"], y[i]["ids"]) << "query " << i;
    EXPECT_EQ(x[i]["collisions"], y[i]["collisions"]) << "query " << i;
    found += x[i]["ids"].size();
  }
  EXPECT_GT(found, 0u) << "the queries found nothing: the comparison would be empty";
  // The model also opens the index without its meta: same answers.
  const CliRun third =
      lshrs(cat({"query", queries, "-k", "0", "--json", "--model", model}, at(prefix_)));
  ASSERT_EQ(third.code, 0) << third.err;
  const auto z = json_lines(third.out);
  ASSERT_EQ(z.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(z[i]["ids"], x[i]["ids"]) << "query " << i;
    EXPECT_EQ(z[i]["collisions"], x[i]["collisions"]) << "query " << i;
  }
}

TEST_F(CliRedisTest, IndexWithModelWritesExactlyTheSameKeysTwice) {
  const auto base = write_data("base.npy", 500, 10, 8);
  const auto model = (dir_ / "model").string();
  ASSERT_EQ(lshrs({"index", "--store", "memory", base, "--save-model", model, "-q"}).code, 0);
  const std::string b = prefix_ + "-b";
  ASSERT_EQ(lshrs(cat({"index", base, "--model", model, "-q"}, at(prefix_))).code, 0);
  ASSERT_EQ(lshrs(cat({"index", base, "--model", model, "-q"}, at(b))).code, 0);
  const auto first = keys_of(prefix_);
  EXPECT_GT(first.size(), 500u);  // signatures of every id, plus buckets and meta
  EXPECT_EQ(first, keys_of(b));
  // Indexing the same data again is idempotent: not one key more or less.
  ASSERT_EQ(lshrs(cat({"index", base, "--model", model, "-q"}, at(prefix_))).code, 0);
  EXPECT_EQ(keys_of(prefix_), first);
}

TEST_F(CliRedisTest, BadRedisUrlIsAUsageError) {
  const CliRun r = lshrs({"stats", "--redis", "redis://127.0.0.1:notaport", "--prefix", prefix_});
  EXPECT_EQ(r.code, 2);
  expect_one_error_line(r, "invalid Redis URL");
}

TEST_F(CliRedisTest, UnreachableServerExitsWithFour) {
  // A port that was free a moment ago: nothing listens there.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  const auto base = write_data("base.npy", 50, 4, 9);
  const std::string url = "redis://127.0.0.1:" + std::to_string(port);
  const CliRun r = lshrs({"index", base, "--redis", url, "--prefix", prefix_, "--timeout", "2"});
  EXPECT_EQ(r.code, 4);
  expect_one_error_line(r, "127.0.0.1:" + std::to_string(port));
  // Errors by component: Redis down is said to be Redis, never PostgreSQL.
  EXPECT_NE(r.err.find("Redis"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("PostgreSQL"), std::string::npos) << r.err;
}

TEST_F(CliRedisTest, WrongDimensionExitsWithThreeAndWritesNothing) {
  const auto base = write_data("base.npy", 100, 8, 10);
  ASSERT_EQ(lshrs(cat({"index", base, "-q"}, at(prefix_))).code, 0);
  const auto before = keys_of(prefix_);

  CliRun r = lshrs(cat({"query", "--vector", "[1, 2, 3]"}, at(prefix_)));
  EXPECT_EQ(r.code, 3);
  expect_one_error_line(r, "wrong dimension");

  const auto other = write_data("other.npy", 100, 6, 11);
  r = lshrs(cat({"index", other, "-q"}, at(prefix_)));
  EXPECT_EQ(r.code, 3);
  expect_one_error_line(r, "dimension 6");
  EXPECT_EQ(keys_of(prefix_), before);
}

// `lshrs delete` finds ids that have no signature key (written by the Python
// package, or by a client without track_signatures) even though a client of
// ours wrote <prefix>:meta when it opened the prefix.
TEST_F(CliRedisTest, DeleteFindsIdsWithoutSignatureKeysOnAnOpenedIndex) {
  RedisOptions o;
  o.url = url_;
  o.track_signatures = false;
  auto python_like = std::make_shared<RedisStore>(o);
  Index index(small_index_options(prefix_, 8), python_like);
  const std::vector<std::int64_t> ids{1, 2, 3};
  index.index(ids, random_vectors(ids.size(), 8, 5));
  ASSERT_TRUE(keys_of(prefix_).count(":meta"));
  ASSERT_FALSE(keys_of(prefix_).count(":sig:3"));

  CliRun r = lshrs(cat({"delete", "--ids", "3", "--json"}, at(prefix_)));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["removed"], 1);
  RedisStore reader(o);
  for (std::uint32_t b = 0; b < 4; ++b) {
    std::vector<BucketRef> all;
    for (int v = 0; v < 16; ++v) all.push_back({b, std::string(1, static_cast<char>(v))});
    for (const auto& bucket : reader.members(prefix_, all)) {
      EXPECT_EQ(std::count(bucket.begin(), bucket.end(), 3), 0) << "id 3 still in band " << b;
    }
  }
}

TEST_F(CliRedisTest, CrossPolytopeFamilyWithProbesAndRefusals) {
  const auto base = write_data("base.npy", 1000, 24, 12);
  const auto queries = head_rows(base, 4, "queries.npy");
  CliRun r = lshrs(cat({"index", base, "--family", "cube", "-q"}, at(prefix_)));
  EXPECT_EQ(r.code, 3);
  expect_one_error_line(r, "unknown hash family \"cube\"");
  EXPECT_TRUE(keys_of(prefix_).empty()) << "a refused family writes nothing";

  r = lshrs(cat({"index", base, "--family", "cross-polytope", "--json", "-q"}, at(prefix_)));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["family"], "cross-polytope");
  expect_rows_find_themselves(queries, base, 4, "20", "cross-polytope");

  const auto before = keys_of(prefix_);
  r = lshrs(cat({"index", base, "--family", "hyperplane", "-q"}, at(prefix_)));
  EXPECT_EQ(r.code, 3);
  expect_one_error_line(r, "has family cross-polytope, but --family hyperplane");
  EXPECT_EQ(keys_of(prefix_), before);
}

TEST_F(CliRedisTest, KMeansTrainedModelIndexesQueriesAndIsRefusedWithoutIt) {
  const auto base = write_data("base.npy", 1000, 24, 13);
  const auto queries = head_rows(base, 4, "queries.npy");
  const std::string model = (dir_ / "km-model").string();
  CliRun r = lshrs({"train", "--family", "k-means", "--base", base, "--bands", "2", "--rows-per-band",
                    "6", "--save-model", model, "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("2 bands x 6 bits (64 centroids each)"), std::string::npos) << r.out;

  r = lshrs(cat({"index", base, "--family", "k-means", "-q"}, at(prefix_)));
  EXPECT_EQ(r.code, 3);
  expect_one_error_line(r, "a k-means index needs its trained centroids");
  EXPECT_TRUE(keys_of(prefix_).empty()) << "a refused index writes nothing";
  r = lshrs({"train", "--family", "k-means", "--base", base, "--bits", "11", "--save-model", model, "-q"});
  EXPECT_EQ(r.code, 3);
  expect_one_error_line(r, "1000 usable (finite, non-zero) rows of 1000 cannot train 2048 centroids");
  r = lshrs({"train", "--family", "cross-polytope", "--base", base, "--save-model", model, "-q"});
  EXPECT_EQ(r.code, 2);
  expect_one_error_line(r, "--family cross-polytope is drawn from the seed, not trained");

  r = lshrs(cat({"index", base, "--model", model, "--json", "-q"}, at(prefix_)));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["family"], "k-means");
  // Queried from the meta alone (no --model): the meta holds the centroids.
  expect_rows_find_themselves(queries, base, 4, "4", "k-means");
}

}  // namespace
}  // namespace lshrs::testing
