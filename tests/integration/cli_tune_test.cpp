// `lshrs tune --base` end to end as a user runs it: tune against the test
// redis-server, save the model, `lshrs index --model`, then `lshrs query`,
// `lshrs stats` and `lshrs bench --model` using the tuned query defaults;
// and its flags refused with one-line errors before any work.
#include "integration/cli_test_env.hpp"

namespace lshrs::testing {
namespace {

class CliTuneTest : public CliRedisTest {};

TEST_F(CliTuneTest, TuneSaveModelIndexQueryUseTheTunedDefaults) {
  if (url_.empty()) return;
  const auto base = write_data("base.npy", 3000, 16, 4);
  const auto model = (dir_ / "tuned").string();
  const auto report = (dir_ / "tune.json").string();
  const CliRun t = lshrs(cat({"tune", "--base", base, "--target-recall", "0.9", "--families",
                              "hyperplane", "--bands", "4,8", "--probes", "4,16,64",
                              "--queries-per-half", "40", "--save-model", model, "--json", report},
                             at(prefix_ + "-b")));
  ASSERT_EQ(t.code, 0) << t.err << t.out;
  EXPECT_NE(t.out.find("Pareto frontier"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("* recommended: hyperplane"), std::string::npos) << t.out;
  EXPECT_NE(t.err.find("lshrs: tune [1/2] building hyperplane 4 bands"), std::string::npos) << t.err;
  const json j = json::parse(slurp(report));
  ASSERT_TRUE(j["recommended"].is_number());
  const json& best = j["points"][j["recommended"].get<std::size_t>()];
  EXPECT_GE(best["held_out_recall"].get<double>(), 0.9);
  const std::size_t probes = best["probes"].get<std::size_t>();
  ASSERT_GT(probes, 0u);
  const json meta = json::parse(slurp(std::filesystem::path(model) / "metadata.json"));
  EXPECT_EQ(meta["query_defaults"]["probes"], probes);
  EXPECT_EQ(meta["config"]["num_bands"], best["bands"]);
  EXPECT_TRUE(keys_of(prefix_ + "-b-0").empty());  // candidates cleared
  EXPECT_TRUE(keys_of(prefix_ + "-b-1").empty());

  const CliRun ix = lshrs(cat({"index", base, "--model", model, "-q"}, at(prefix_)));
  ASSERT_EQ(ix.code, 0) << ix.err;
  const CliRun st = lshrs(cat({"stats", "--json"}, at(prefix_)));
  ASSERT_EQ(st.code, 0) << st.err;
  EXPECT_EQ(json::parse(st.out)["query_defaults"]["probes"], probes);

  auto candidates = [&](std::vector<std::string> extra) {
    const CliRun q = lshrs(cat(cat({"query", base, "--rows", "0-19", "--vectors", base, "--rerank", "--json"},
                                   at(prefix_)),
                               extra));
    EXPECT_EQ(q.code, 0) << q.err;
    std::size_t total = 0;
    for (const auto& line : json_lines(q.out)) total += line["candidates"].get<std::size_t>();
    return total;
  };
  const std::size_t by_default = candidates({});
  EXPECT_EQ(by_default, candidates({"--probes", std::to_string(probes)}));
  EXPECT_GT(by_default, candidates({"--probes", "0"}));

  const auto queries = head_rows(base, 20, "q.npy");
  const auto bench_json = (dir_ / "bench.json").string();
  const CliRun b = lshrs(cat({"bench", "--base", base, "--queries", queries, "--model", model, "-q",
                              "--json", bench_json},
                             at(prefix_ + "-b")));
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(json::parse(slurp(bench_json))["config"]["probes"], probes);
}

TEST_F(CliTest, TuneRefusesBadFlagsOnOneLine) {
  const auto base = write_data("base.npy", 500, 8, 5);
  const auto full = dir_ / "full";
  std::filesystem::create_directories(full);
  std::ofstream(full / "x") << "x";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"tune", "--base", base, "--target-recall", "1.5", "--store", "memory"}, "--target-recall: 1.5"},
      {{"tune", "--base", base, "--target-recall", "0", "--store", "memory"}, "--target-recall: 0"},
      {{"tune", "--base", base, "--bands", ",", "--store", "memory"}, "--bands: the list ',' is empty"},
      {{"tune", "--base", base, "--bands", "4,x", "--store", "memory"}, "--bands: 'x'"},
      {{"tune", "--base", base, "--probes", "4,-1", "--store", "memory"}, "--probes: '-1'"},
      {{"tune", "--base", base, "--families", "simhash", "--store", "memory"}, "simhash"},
      {{"tune", "--base", base, "--max-candidates", "0", "--store", "memory"}, "--max-candidates: '0'"},
      {{"tune", "--base", base, "--save-model", full.string(), "--store", "memory"}, "is not empty"},
      {{"tune", "--base", base, "--plot", "x.svg", "--store", "memory"}, "--plot applies to the S-curve"},
      {{"tune", "--target-recall", "0.9"}, "--target-recall applies to the measured tuner"},
  };
  for (const auto& [args, needle] : cases) {
    const CliRun r = lshrs(args);
    EXPECT_EQ(r.code, 2) << needle << ": " << r.err;
    expect_one_error_line(r, needle);
  }
  EXPECT_TRUE(std::filesystem::exists(full / "x"));
}

TEST_F(CliTest, TuneWithNothingMeetingTheTargetSaysSoAndExitsSeven) {
  const auto base = write_data("base.npy", 800, 8, 6);
  const auto model = dir_ / "never";
  const CliRun r = lshrs({"tune", "--base", base, "--store", "memory", "--target-recall", "0.99999",
                          "--families", "hyperplane", "--bands", "1", "--probes", "0",
                          "--queries-per-half", "20", "--save-model", model.string(), "-q"});
  EXPECT_EQ(r.code, 7) << r.err;
  EXPECT_NE(r.out.find("no recommendation"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("WARNING"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(model / "metadata.json"));
}

}  // namespace
}  // namespace lshrs::testing
