// What fuzzing found (docs/fuzzing.md), each as a plain test of the expected
// refusal. The reproducers themselves live in tests/fuzz/corpus and are also
// replayed through the fuzz targets by the fuzz_replay_* tests. The Redis URL
// finds are in redis_url_fuzz_found_test.cpp (built only with the Redis store).
#include <gtest/gtest.h>

#include "lshrs/error.hpp"
#include "lshrs/files.hpp"
#include "lshrs/model_io.hpp"
#include "model/npy.hpp"
#include "support/model_test_util.hpp"
#include "support/test_support.hpp"

namespace lshrs {
namespace {

using test::read_bytes;
using test::TempDir;
using test::write_bytes;
using testing::expect_contains;
using testing::message_of;

std::string corpus(const std::string& target, const std::string& name) {
  return read_bytes(std::string(LSHRS_SOURCE_DIR) + "/tests/fuzz/corpus/" + target + "/" + name);
}

void expect_one_line(const std::string& message) {
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(FuzzFound, MetaWhoseBandsTimesRowsWrapsAroundIsRefused) {
  // 4 bands x 4611686018427387905 rows = 2^64 + 4, which "equals" num_perm 4.
  const std::string bytes = corpus("meta", "seed-near-overflow-bands");
  // Refused by the shape limits (validate_shape divides instead of multiplying).
  expect_contains(message_of<ConfigurationError>([&] { decode_meta(bytes); }),
                  "num_bands · rows_per_band exceeds the supported");
}

TEST(FuzzFound, HugeJsonNumberInMetaIsAConfigurationError) {
  const std::string bytes = corpus("meta", "crash-number-overflow-escapes-as-json-out-of-range");
  expect_contains(message_of<ConfigurationError>([&] { decode_meta(bytes); }), "not valid JSON");
}

TEST(FuzzFound, HugeJsonNumberInMetadataJsonIsAConfigurationError) {
  TempDir dir;
  write_bytes(dir / "metadata.json", R"({"version": "0.1.1a4", "config": {"dim": 1e99999}})");
  expect_contains(message_of<ConfigurationError>([&] { load_model(dir.path()); }), "not valid JSON");
}

TEST(FuzzFound, FvecsDeclaringAHugeDimensionIsTruncatedNotAllocated) {
  TempDir dir;
  write_bytes(dir / "huge.fvecs", corpus("fvecs", "seed-near-huge-dim"));
  // Refused when opened: the declared record size is checked against the file.
  const auto open_and_read = [&] {
    auto source = open_fvecs_source({dir / "huge.fvecs", 10});
    VectorBatch batch;
    source->next(batch);
  };
  expect_contains(message_of<SourceError>(open_and_read), "truncated");
}

TEST(FuzzFound, NpyHeaderErrorsAreOneLine) {
  const std::string bytes = corpus("npy", "seed-near-extra-key");
  const std::string message = message_of<npy::NpyError>([&] { npy::read_float32(bytes); });
  expect_contains(message, "unexpected or repeated key 'x'");
  expect_one_line(message);
}

}  // namespace
}  // namespace lshrs
