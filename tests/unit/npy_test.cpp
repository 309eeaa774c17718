// The .npy reader/writer (src/npy.hpp), against hand-made headers and files
// written by NumPy itself (tests/oracle/write_npz.py npy DIR).
#include "model/npy.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "support/model_test_util.hpp"

namespace lshrs::npy {
namespace {

using test::expect_error;

// A .npy prefix: magic, version, header length in 2 (v1) or 4 bytes, dict.
std::string make_header(int major, std::string_view dict) {
  std::string out = "\x93NUMPY";
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  const std::size_t width = major == 1 ? 2 : 4;
  for (std::size_t i = 0; i < width; ++i) out.push_back(static_cast<char>((dict.size() >> (8 * i)) & 0xff));
  out += dict;
  return out;
}

constexpr std::string_view kDict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }   \n";

TEST(NpyHeader, ParsesVersion1) {
  const std::string bytes = make_header(1, kDict);
  const Header h = parse_header(bytes);
  EXPECT_EQ(h.dtype, DType::kFloat32);
  EXPECT_FALSE(h.fortran_order);
  EXPECT_EQ(h.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(h.data_offset, 10 + kDict.size());
  EXPECT_EQ(h.data_bytes(), 24u);
}

TEST(NpyHeader, ParsesVersions2And3WithFourByteLength) {
  for (int major : {2, 3}) {
    const Header h = parse_header(make_header(major, kDict) + "trailing data is not looked at");
    EXPECT_EQ(h.data_offset, 12 + kDict.size()) << "version " << major;
    EXPECT_EQ(h.shape, (std::vector<std::size_t>{2, 3}));
  }
}

TEST(NpyHeader, AcceptsKeyOrderQuotesScalarsAndOneDimensional) {
  Header h = parse_header(make_header(1, "{\"shape\": (), \"fortran_order\": True, \"descr\": \"<f8\"}"));
  EXPECT_EQ(h.dtype, DType::kFloat64);
  EXPECT_TRUE(h.fortran_order);
  EXPECT_TRUE(h.shape.empty());
  EXPECT_EQ(h.element_count(), 1u);
  h = parse_header(make_header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (7,), }"));
  EXPECT_EQ(h.shape, (std::vector<std::size_t>{7}));
  h = parse_header(make_header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (7L, 0L)}"));
  EXPECT_EQ(h.shape, (std::vector<std::size_t>{7, 0}));
  EXPECT_EQ(h.data_bytes(), 0u);
}

TEST(NpyHeader, RefusesBadMagicVersionAndTruncation) {
  expect_error<NpyError>([] { parse_header("PK\x03\x04not npy at all"); }, {"magic"});
  expect_error<NpyError>([] { parse_header(make_header(4, kDict)); }, {"version 4.0"});
  std::string minor = make_header(1, kDict);
  minor[7] = 1;
  expect_error<NpyError>([&] { parse_header(minor); }, {"version 1.1"});
  const std::string full = make_header(1, kDict);
  expect_error<NpyError>([&] { parse_header(full.substr(0, 9)); }, {"truncated"});
  expect_error<NpyError>([&] { parse_header(full.substr(0, 40)); }, {"truncated", "declared"});
  std::string huge = make_header(2, kDict);
  huge[11] = 0x10;  // declares a 256 MiB header
  expect_error<NpyError>([&] { parse_header(huge); }, {"header declares"});
}

TEST(NpyHeader, RefusesMalformedDicts) {
  const auto bad = [](std::string_view dict, std::string_view part) {
    expect_error<NpyError>([&] { parse_header(make_header(1, dict)); }, {part});
  };
  bad("{'descr': '<f4', 'shape': (2, 3)}", "must have the keys");
  bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", "unexpected or repeated key 'x'");
  bad("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", "repeated key");
  bad("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}", "True or False");
  bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}", "non-negative integer");
  bad("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}", "expected '('");
  bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} junk", "after the closing");
  bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", "expected '}'");
  bad("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3)}", "'<i4' is not supported");
  bad("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3)}", "big-endian");
  bad("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}", "structured dtype");
  bad("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,)}", "too large");
  bad("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", "too large to address");
}

TEST(NpyRead, ConvertsFloat64AndChecksDataLength) {
  std::string f8 = make_header(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }\n");
  for (const double v : {0.1, -2.5, 1e300}) {
    char raw[8];
    std::memcpy(raw, &v, 8);
    f8.append(raw, 8);
  }
  Header h;
  const std::vector<float> values = read_float32(f8, &h);
  EXPECT_EQ(h.dtype, DType::kFloat64);
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0], 0.1f);
  EXPECT_EQ(values[1], -2.5f);
  EXPECT_EQ(values[2], std::numeric_limits<float>::infinity());  // out of range: callers check
  expect_error<NpyError>([&] { read_float32(f8.substr(0, f8.size() - 1)); }, {"23 bytes", "truncated"});
  expect_error<NpyError>([&] { read_float32(f8 + "x"); }, {"25 bytes", "trailing"});
  const std::string fortran =
      make_header(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }\n") + "abcd";
  expect_error<NpyError>([&] { read_float32(fortran); }, {"Fortran order"});
}

TEST(NpyWrite, RoundTripsAndAlignsData) {
  const std::vector<float> values{1.5f, -0.0f, std::numeric_limits<float>::denorm_min(),
                                  std::numeric_limits<float>::max(), 3.25f, -7.0f};
  const std::size_t shape[] = {2, 3};
  const std::string bytes = write_float32(values, shape);
  Header h;
  const std::vector<float> back = read_float32(bytes, &h);
  EXPECT_EQ(h.data_offset % 64, 0u);
  EXPECT_EQ(h.shape, (std::vector<std::size_t>{2, 3}));
  ASSERT_EQ(back.size(), values.size());
  EXPECT_EQ(std::memcmp(back.data(), values.data(), values.size() * sizeof(float)), 0);
  const std::size_t wrong[] = {4, 2};
  EXPECT_THROW(write_float32(values, wrong), NpyError);
  EXPECT_EQ(shape_string(std::vector<std::size_t>{}), "()");
  EXPECT_EQ(shape_string(std::vector<std::size_t>{5}), "(5,)");
}

class NpyNumpy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    ASSERT_EQ(test::run_oracle("npy " + test::quote(dir_->path())), 0);
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string file(const std::string& name) { return test::read_bytes(*dir_ / name); }
  static std::vector<float> expected() {
    std::vector<float> v;
    for (int i = 0; i < 12; ++i) v.push_back(static_cast<float>(i) / 8.0f - 0.5f);
    return v;
  }
  static test::TempDir* dir_;
};
test::TempDir* NpyNumpy::dir_ = nullptr;

TEST_F(NpyNumpy, ReadsVersions1To3AndFloat64) {
  for (const char* name : {"v1.npy", "v2.npy", "v3.npy", "f8.npy"}) {
    Header h;
    EXPECT_EQ(read_float32(file(name), &h), expected()) << name;
    EXPECT_EQ(h.shape, (std::vector<std::size_t>{3, 4})) << name;
  }
  EXPECT_EQ(parse_header(file("v3.npy")).data_offset, 128u);
  EXPECT_EQ(read_float32(file("scalar.npy")), std::vector<float>{2.5f});
  EXPECT_EQ(read_float32(file("vector.npy")), (std::vector<float>{0, 1, 2, 3, 4}));
}

TEST_F(NpyNumpy, RefusesFortranBigEndianAndIntegers) {
  expect_error<NpyError>([] { read_float32(file("fortran.npy")); }, {"Fortran order", "(3, 4)"});
  expect_error<NpyError>([] { read_float32(file("big_endian.npy")); }, {"'>f4'", "big-endian"});
  expect_error<NpyError>([] { read_float32(file("int32.npy")); }, {"'<i4'", "not supported"});
}

TEST_F(NpyNumpy, WritesTheSameBytesAsNumpySave) {
  const std::vector<float> v = expected();
  const std::size_t shape[] = {3, 4};
  EXPECT_EQ(write_float32(v, shape), file("v1.npy"));
  const std::vector<float> zeros(2000, 0.0f);
  const std::size_t wide[] = {2, 1000};
  EXPECT_EQ(write_float32(zeros, wide), file("wide.npy"));
  const std::size_t five[] = {5};
  EXPECT_EQ(write_float32(std::vector<float>{0, 1, 2, 3, 4}, five), file("vector.npy"));
}

}  // namespace
}  // namespace lshrs::npy
