// load_model() against broken and hostile model directories: every problem is
// a ConfigurationError naming the file and what is wrong, and nothing is
// inflated beyond what metadata.json implies.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "lshrs/error.hpp"
#include "lshrs/model_io.hpp"
#include "model/npy.hpp"
#include "support/model_test_util.hpp"
#include "model/zip_archive.hpp"

namespace lshrs {
namespace {

using json = nlohmann::ordered_json;
using test::expect_error;

// A valid dim 5, 3 bands × 4 rows model in a temp dir, to be broken by each test.
class ModelIoBadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    save_model(dir_.path(), test::oracle_model(5, 3, 4));
    original_ = json::parse(test::read_bytes(dir_ / "metadata.json"));
  }

  test::fs::path npz() const { return dir_ / "projections.npz"; }
  json metadata() const { return original_; }
  void write_metadata(const json& j) const { test::write_bytes(dir_ / "metadata.json", j.dump(2)); }

  // Replaces projections.npz by an archive of the given (name, contents) entries.
  void write_npz(const std::vector<std::pair<std::string, std::string>>& entries) const {
    zip::ZipWriter writer;
    for (const auto& [name, data] : entries) writer.add(name, data);
    test::write_bytes(npz(), writer.finish());
  }
  static std::string band(std::size_t rows = 4, std::size_t dim = 5, float fill = 0.5f) {
    const std::vector<float> values(rows * dim, fill);
    const std::size_t shape[] = {rows, dim};
    return npy::write_float32(values, shape);
  }
  void expect_load_error(std::initializer_list<std::string_view> parts) const {
    expect_error<ConfigurationError>([&] { load_model(dir_.path()); }, parts);
  }

  test::TempDir dir_;
  json original_;
};

TEST_F(ModelIoBadInput, TheUnbrokenModelLoads) { EXPECT_EQ(load_model(dir_.path()).projections.size(), 60u); }

TEST_F(ModelIoBadInput, MissingDirectoryAndFiles) {
  expect_error<ConfigurationError>([&] { load_model(dir_ / "nope"); }, {"nope", "does not exist"});
  test::write_bytes(dir_ / "file", "x");
  expect_error<ConfigurationError>([&] { load_model(dir_ / "file"); }, {"not a directory"});
  test::fs::remove(npz());
  expect_load_error({"missing", "projections.npz"});
  test::fs::remove(dir_ / "metadata.json");
  expect_load_error({"missing", "metadata.json"});
}

TEST_F(ModelIoBadInput, InvalidJson) {
  test::write_bytes(dir_ / "metadata.json", "{\"version\": \"0.1.1a4\", \"config\": {");
  expect_load_error({"metadata.json", "not valid JSON"});
  test::write_bytes(dir_ / "metadata.json", "[1, 2]");
  expect_load_error({"metadata.json", "must hold a JSON object", "array"});
  test::write_bytes(dir_ / "metadata.json", std::string(2 << 20, ' '));
  expect_load_error({"metadata.json", "larger than"});
}

TEST_F(ModelIoBadInput, MissingAndWronglyTypedKeys) {
  struct Case {
    std::string path;  // "config/dim"
    json value;        // null json + erase flag below
    bool erase;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases{
      {"config/dim", {}, true, {"\"config\"", "missing key \"dim\""}},
      {"config/dim", "5", false, {"\"dim\" must be an integer", "\"5\" (string)"}},
      {"config/dim", 5.0, false, {"\"dim\" must be an integer", "5.0 (number)"}},
      {"config/dim", 0, false, {"\"dim\" must be an integer in [1,", "got 0"}},
      {"config/num_bands", -3, false, {"\"num_bands\"", "got -3"}},
      {"config/rows_per_band", true, false, {"\"rows_per_band\"", "true (boolean)"}},
      {"config/similarity_threshold", "0.5", false, {"a finite number"}},
      {"config/buffer_size", 0, false, {"\"buffer_size\""}},
      {"config/seed", -1, false, {"\"seed\""}},
      {"config", json::array(), false, {"key \"config\" must be an object"}},
      {"redis_config", {}, true, {"missing key \"redis_config\""}},
      {"redis_config/port", 70000, false, {"\"redis_config\"", "\"port\"", "[0, 65535]"}},
      {"redis_config/host", 1, false, {"\"host\" must be a string"}},
      {"redis_config/decode_responses", "false", false, {"\"decode_responses\" must be true or false"}},
      {"redis_config/max_connections", 0, false, {"\"max_connections\""}},
      {"version", 1, false, {"\"version\" must be a string"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    json j = metadata();
    const json::json_pointer ptr("/" + c.path);
    if (c.erase) {
      j[ptr.parent_pointer()].erase(ptr.back());
    } else {
      j[ptr] = c.value;
    }
    write_metadata(j);
    try {
      load_model(dir_.path());
      ADD_FAILURE() << "loaded";
    } catch (const ConfigurationError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("metadata.json"), std::string::npos) << what;
      for (const auto& part : c.parts) EXPECT_NE(what.find(part), std::string::npos) << what;
    }
  }
}

TEST_F(ModelIoBadInput, BandsTimesRowsMustEqualNumPerm) {
  json j = metadata();
  j["config"]["num_perm"] = 13;
  write_metadata(j);
  expect_load_error({"metadata.json", "num_bands * rows_per_band must equal num_perm", "3 * 4 != 13"});
}

TEST_F(ModelIoBadInput, HugeDeclaredDimensionsAreRefused) {
  json j = metadata();
  j["config"]["dim"] = std::uint64_t{1} << 40;
  write_metadata(j);
  expect_load_error({"metadata.json", "exceeds the supported"});
}

TEST_F(ModelIoBadInput, PasswordIsIgnored) {
  json j = metadata();
  j["redis_config"]["password"] = 12345;
  write_metadata(j);
  EXPECT_NO_THROW(load_model(dir_.path()));
  j["redis_config"].erase("password");
  j["config"]["seed"] = nullptr;  // Python allows seed=None
  write_metadata(j);
  EXPECT_EQ(load_model(dir_.path()).config.seed, 0u);
}

TEST_F(ModelIoBadInput, WrongEntryCountOrNames) {
  write_npz({{"arr_0.npy", band()}, {"arr_1.npy", band()}});
  expect_load_error({"projections.npz", "holds 2 entries (arr_0.npy, arr_1.npy)", "num_bands = 3"});
  write_npz({{"arr_0.npy", band()}, {"arr_1.npy", band()}, {"arr_2.npy", band()}, {"evil.npy", band()}});
  expect_load_error({"projections.npz", "holds 4 entries", "evil.npy"});
  write_npz({{"arr_0.npy", band()}, {"arr_1.npy", band()}, {"arr_3.npy", band()}});
  expect_load_error({"projections.npz", "no entry arr_2.npy"});
  write_npz({{"arr_0.npy", band()}, {"arr_1.npy", band()}, {"arr_2", band()}});
  expect_load_error({"no entry arr_2.npy"});
}

TEST_F(ModelIoBadInput, TruncatedOrCorruptArchive) {
  const std::string good = test::read_bytes(npz());
  test::write_bytes(npz(), good.substr(0, good.size() - 30));
  expect_load_error({"projections.npz", "cannot open as a zip archive"});
  test::write_bytes(npz(), "PK\x03\x04 definitely not a zip");
  expect_load_error({"projections.npz", "truncated or damaged"});
  test::write_bytes(npz(), "");
  expect_load_error({"projections.npz"});
}

TEST_F(ModelIoBadInput, WrongShapeDtypeOrValues) {
  write_npz({{"arr_0.npy", band()}, {"arr_1.npy", band(4, 6)}, {"arr_2.npy", band()}});
  expect_load_error({"arr_1.npy", "has shape (4, 6)", "(rows_per_band, dim) = (4, 5)"});
  const std::vector<float> flat(20, 1.0f);
  const std::size_t one_d[] = {20};
  write_npz({{"arr_0.npy", npy::write_float32(flat, one_d)}, {"arr_1.npy", band()}, {"arr_2.npy", band()}});
  expect_load_error({"arr_0.npy", "has shape (20,)"});
  write_npz({{"arr_0.npy", band()}, {"arr_1.npy", band()},
             {"arr_2.npy", band(4, 5, std::numeric_limits<float>::infinity())}});
  expect_load_error({"arr_2.npy", "row 0, column 0 is not finite (inf)"});
  std::string int32 = band();
  int32.replace(int32.find("<f4"), 3, "<i4");
  write_npz({{"arr_0.npy", int32}, {"arr_1.npy", band()}, {"arr_2.npy", band()}});
  expect_load_error({"arr_0.npy", "'<i4' is not supported"});
  std::string fortran = band();
  fortran.replace(fortran.find("False"), 5, "True ");
  write_npz({{"arr_0.npy", band()}, {"arr_1.npy", fortran}, {"arr_2.npy", band()}});
  expect_load_error({"arr_1.npy", "Fortran order"});
  write_npz({{"arr_0.npy", band()}, {"arr_1.npy", band()}, {"arr_2.npy", band().substr(0, 150)}});
  expect_load_error({"arr_2.npy", "truncated"});
  write_npz({{"arr_0.npy", band()}, {"arr_1.npy", band()}, {"arr_2.npy", "not an npy"}});
  expect_load_error({"arr_2.npy", "magic"});
}

TEST_F(ModelIoBadInput, EntryDeclaringAHugeSizeIsNotInflated) {
  write_npz({{"arr_0.npy", band()}, {"arr_1.npy", band()}, {"arr_2.npy", band()}});
  std::string bytes = test::read_bytes(npz());
  ASSERT_EQ(test::patch_declared_size(bytes, "arr_1.npy", 0xfffffff0u), 2);
  test::write_bytes(npz(), bytes);
  expect_load_error({"projections.npz", "arr_1.npy", "declares 4294967280", "refusing to inflate"});
}

TEST_F(ModelIoBadInput, ZipBombIsRefusedBeforeInflating) {
  // 64 MiB of zeros deflate to ~64 KiB; a (4, 5) band needs at most 160 data bytes.
  write_npz({{"arr_0.npy", band()}, {"arr_1.npy", band() + std::string(64 << 20, '\0')},
             {"arr_2.npy", band()}});
  EXPECT_LT(test::fs::file_size(npz()), 1u << 20);
  const std::string declared = "declares " + std::to_string(band().size() + (64 << 20));
  expect_load_error({"arr_1.npy", declared, "refusing to inflate"});
}

TEST_F(ModelIoBadInput, EntryInflatingBeyondItsDeclaredSizeIsStopped) {
  write_npz({{"arr_0.npy", band()}, {"arr_1.npy", band() + std::string(64 << 20, '\0')},
             {"arr_2.npy", band()}});
  std::string bytes = test::read_bytes(npz());
  ASSERT_EQ(test::patch_declared_size(bytes, "arr_1.npy", static_cast<std::uint32_t>(band().size())), 2);
  test::write_bytes(npz(), bytes);
  expect_load_error({"projections.npz", "arr_1.npy", "inflates to more than its declared"});
}

TEST_F(ModelIoBadInput, DegenerateProjectionsAreRefusedNamingTheBandAndRow) {
  // All zeros: every vector would land in one bucket per band.
  write_npz({{"arr_0.npy", band()}, {"arr_1.npy", band(4, 5, 0.0f)}, {"arr_2.npy", band()}});
  expect_load_error({"projections.npz", "arr_1.npy (band 1)", "projection row 0 is all zeros"});
  // One zero row among good ones.
  std::vector<float> values(4 * 5, 0.5f);
  std::fill(values.begin() + 2 * 5, values.begin() + 3 * 5, 0.0f);
  const std::size_t shape[] = {4, 5};
  write_npz({{"arr_0.npy", band()},
             {"arr_1.npy", band()},
             {"arr_2.npy", npy::write_float32(values, shape)}});
  expect_load_error({"arr_2.npy (band 2)", "projection row 2 is all zeros"});
}

}  // namespace
}  // namespace lshrs
