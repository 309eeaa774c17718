// Model directories: save/load round trips, the exact metadata.json format,
// and compatibility with NumPy in both directions (tests/oracle/write_npz.py).
#include "lshrs/model_io.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "lshrs/error.hpp"
#include "support/model_test_util.hpp"

namespace lshrs {
namespace {

using test::expect_error;
using test::oracle_model;
using test::oracle_value;
using test::quote;
using test::run_oracle;

void expect_redis_config(const ModelRedisConfig& got, const ModelRedisConfig& want) {
  EXPECT_EQ(got.host, want.host);
  EXPECT_EQ(got.port, want.port);
  EXPECT_EQ(got.db, want.db);
  EXPECT_EQ(got.prefix, want.prefix);
  EXPECT_EQ(got.decode_responses, want.decode_responses);
  EXPECT_EQ(got.max_connections, want.max_connections);
}

void expect_same_model(const Model& a, const Model& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.config.dim, b.config.dim);
  EXPECT_EQ(a.config.num_perm, b.config.num_perm);
  EXPECT_EQ(a.config.num_bands, b.config.num_bands);
  EXPECT_EQ(a.config.rows_per_band, b.config.rows_per_band);
  EXPECT_EQ(a.config.similarity_threshold, b.config.similarity_threshold);
  EXPECT_EQ(a.config.buffer_size, b.config.buffer_size);
  EXPECT_EQ(a.config.seed, b.config.seed);
  ASSERT_EQ(a.projections.size(), b.projections.size());
  EXPECT_EQ(std::memcmp(a.projections.data(), b.projections.data(), a.projections.size() * 4), 0)
      << "projections differ bit for bit";
}

Model tricky_model() {
  Model m = oracle_model(6, 4, 3);
  m.projections[0] = -0.0f;
  m.projections[1] = std::numeric_limits<float>::denorm_min();
  m.projections[2] = std::numeric_limits<float>::max();
  m.projections[3] = -std::numeric_limits<float>::min();
  m.projections[4] = 0.1f;
  m.config.similarity_threshold = 0.1 + 0.2;  // not a short decimal
  m.config.buffer_size = 777;
  m.config.seed = std::numeric_limits<std::uint64_t>::max();
  m.redis.host = "cache.internal";
  m.redis.port = 7000;
  m.redis.db = 3;
  m.redis.prefix = "emb";
  m.redis.decode_responses = true;
  m.redis.max_connections = 8;
  return m;
}

TEST(ModelIo, SaveThenLoadIsBitExact) {
  test::TempDir dir;
  const Model model = tricky_model();
  save_model(dir / "nested/model", model);
  const Model back = load_model(dir / "nested/model");
  expect_same_model(model, back);
  expect_redis_config(back.redis, {"cache.internal", 7000, 3, "emb", true, 8});
}

TEST(ModelIo, MetadataJsonHasThePythonPackagesLayout) {
  test::TempDir dir;
  save_model(dir.path(), tricky_model());
  const std::string text = test::read_bytes(dir / "metadata.json");
  EXPECT_EQ(text.rfind("{\n  \"version\": \"" LSHRS_VERSION_STRING "\",\n  \"config\": {\n    \"dim\": 6,\n", 0), 0u)
      << text;
  EXPECT_NE(text.find("\n  \"redis_config\": {\n    \"host\": \"cache.internal\",\n"), std::string::npos);
  const auto j = nlohmann::ordered_json::parse(text);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"version", "config", "redis_config"}));
  const auto& c = j["config"];
  keys.clear();
  for (const auto& [k, v] : c.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"dim", "num_perm", "num_bands", "rows_per_band",
                                            "similarity_threshold", "buffer_size", "seed"}));
  EXPECT_EQ(c["dim"], 6);
  EXPECT_EQ(c["num_perm"], 12);
  EXPECT_EQ(c["num_bands"], 4);
  EXPECT_EQ(c["rows_per_band"], 3);
  EXPECT_EQ(c["similarity_threshold"].get<double>(), 0.1 + 0.2);
  EXPECT_EQ(c["buffer_size"], 777);
  EXPECT_EQ(c["seed"].get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
  const auto& r = j["redis_config"];
  keys.clear();
  for (const auto& [k, v] : r.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"host", "port", "db", "password", "prefix",
                                            "decode_responses", "max_connections"}));
  EXPECT_EQ(r["port"], 7000);
  EXPECT_EQ(r["db"], 3);
  EXPECT_EQ(r["password"], "<REDACTED>");  // even though the model has no password at all
  EXPECT_EQ(r["prefix"], "emb");
  EXPECT_EQ(r["decode_responses"], true);
  EXPECT_EQ(r["max_connections"], 8);
  EXPECT_NE(text.back(), '\n') << "json.dump writes no trailing newline";
}

TEST(ModelIo, SaveReplacesAnExistingModelAndLeavesNoTemporaryFiles) {
  test::TempDir dir;
  save_model(dir.path(), oracle_model(4, 2, 2));
  const Model second = tricky_model();
  save_model(dir.path(), second);
  expect_same_model(second, load_model(dir.path()));
  std::vector<std::string> names;
  for (const auto& e : test::fs::directory_iterator(dir.path())) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"metadata.json", "projections.npz"}));
}

TEST(ModelIo, SaveRefusesAnInconsistentModel) {
  test::TempDir dir;
  Model m = oracle_model(4, 2, 2);
  m.projections.pop_back();
  expect_error<InvalidArgument>([&] { save_model(dir.path(), m); }, {"15 projection values", "16"});
  m = oracle_model(4, 2, 2);
  m.config.num_perm = 5;
  expect_error<InvalidArgument>([&] { save_model(dir.path(), m); }, {"2 * 2 != 5"});
  m = oracle_model(4, 2, 2);
  m.projections[6] = std::numeric_limits<float>::quiet_NaN();
  expect_error<InvalidArgument>([&] { save_model(dir.path(), m); }, {"row 1, column 2", "not finite"});
  EXPECT_FALSE(test::fs::exists(dir / "metadata.json"));
}

// --- NumPy interoperability ------------------------------------------------

void expect_oracle_projections(const Model& m, std::size_t dim, std::size_t bands, std::size_t rows) {
  ASSERT_EQ(m.projections.size(), dim * bands * rows);
  for (std::size_t b = 0; b < bands; ++b)
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < dim; ++j)
        ASSERT_EQ(m.projections[(b * rows + i) * dim + j], oracle_value(b, i, j))
            << "band " << b << " row " << i << " col " << j;
}

TEST(ModelIo, LoadsWhatNumpySavezCompressedWrites) {
  test::TempDir dir;
  ASSERT_EQ(run_oracle("write " + quote(dir.path()) + " --dim 7 --bands 5 --rows 3"), 0);
  const Model m = load_model(dir.path());
  EXPECT_EQ(m.version, "0.1.1a4");
  EXPECT_EQ(m.config.dim, 7u);
  EXPECT_EQ(m.config.num_perm, 15u);
  EXPECT_EQ(m.config.num_bands, 5u);
  EXPECT_EQ(m.config.rows_per_band, 3u);
  EXPECT_EQ(m.config.similarity_threshold, 0.7);
  EXPECT_EQ(m.config.buffer_size, 123u);
  EXPECT_EQ(m.config.seed, 7u);
  expect_redis_config(m.redis, {"redis.example", 6380, 2, "pyidx", false, 50});
  expect_oracle_projections(m, 7, 5, 3);
}

TEST(ModelIo, LoadsNumpyFloat64AndUncompressedArchives) {
  test::TempDir f8, stored;
  ASSERT_EQ(run_oracle("write " + quote(f8.path()) + " --dim 3 --bands 2 --rows 4 --dtype f8"), 0);
  expect_oracle_projections(load_model(f8.path()), 3, 2, 4);
  ASSERT_EQ(run_oracle("write " + quote(stored.path()) + " --dim 3 --bands 2 --rows 4 --stored"), 0);
  expect_oracle_projections(load_model(stored.path()), 3, 2, 4);
}

TEST(ModelIo, RefusesNumpyFortranOrderArrays) {
  test::TempDir dir;
  ASSERT_EQ(run_oracle("write " + quote(dir.path()) + " --dim 3 --bands 2 --rows 4 --fortran"), 0);
  expect_error<ConfigurationError>([&] { load_model(dir.path()); },
                                   {"projections.npz", "arr_0.npy", "Fortran order"});
}

TEST(ModelIo, NumpyReadsWhatWeWrite) {
  test::TempDir dir;
  Model m = oracle_model(9, 4, 5);
  m.redis.host = "h\xc3\xb4te-\xe2\x82\xac";  // non-ASCII: json.dump escapes it as \u00f4, \u20ac
  m.redis.prefix = "quote\"back\\slash\ttab";
  save_model(dir.path(), m);
  EXPECT_EQ(run_oracle("check " + quote(dir.path()) + " --dim 9 --bands 4 --rows 5"), 0);
  EXPECT_EQ(load_model(dir.path()).redis.host, m.redis.host);
}

TEST(ModelIo, TheOracleCheckCanFail) {
  test::TempDir dir;
  save_model(dir.path(), oracle_model(9, 4, 5));
  EXPECT_NE(run_oracle("check " + quote(dir.path()) + " --dim 9 --bands 4 --rows 6 2>/dev/null"), 0);
}

}  // namespace
}  // namespace lshrs
