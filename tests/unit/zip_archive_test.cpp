// The libzip wrapper (src/zip_archive.hpp): round trips, size caps checked
// before inflating and enforced while inflating, corrupt archives.
#include "model/zip_archive.hpp"

#include <gtest/gtest.h>

#include "support/model_test_util.hpp"

namespace lshrs::zip {
namespace {

using test::expect_error;

std::string two_entry_archive() {
  ZipWriter writer;
  writer.add("a.txt", "hello");
  writer.add("dir/b.bin", std::string(100'000, 'x'));
  return writer.finish();
}

TEST(ZipArchive, WritesDeflatedEntriesAndReadsThemBack) {
  test::TempDir dir;
  const std::string bytes = two_entry_archive();
  test::write_bytes(dir / "t.zip", bytes);
  const ZipReader reader(dir / "t.zip");
  ASSERT_EQ(reader.entries().size(), 2u);
  EXPECT_EQ(reader.entries()[0].name, "a.txt");
  EXPECT_EQ(reader.entries()[1].size, 100'000u);
  EXPECT_LT(reader.entries()[1].compressed_size, 1'000u);  // deflated, not stored
  EXPECT_EQ(reader.find("dir/b.bin"), 1u);
  EXPECT_FALSE(reader.find("b.bin").has_value());
  EXPECT_EQ(reader.read(0, 5), "hello");
  EXPECT_EQ(reader.read(1, 100'000), std::string(100'000, 'x'));
  EXPECT_EQ(two_entry_archive(), bytes) << "same contents should give the same bytes";
}

TEST(ZipArchive, RefusesDeclaredSizeAboveCapBeforeInflating) {
  test::TempDir dir;
  test::write_bytes(dir / "t.zip", two_entry_archive());
  const ZipReader reader(dir / "t.zip");
  expect_error<ZipError>([&] { (void)reader.read(1, 99'999); },
                         {"dir/b.bin", "declares 100000", "99999", "refusing to inflate"});
}

TEST(ZipArchive, StopsInflatingAtTheDeclaredSize) {
  test::TempDir dir;
  std::string bytes = two_entry_archive();
  ASSERT_EQ(test::patch_declared_size(bytes, "dir/b.bin", 1'000), 2);
  test::write_bytes(dir / "t.zip", bytes);
  const ZipReader reader(dir / "t.zip");
  EXPECT_EQ(reader.entries()[1].size, 1'000u);
  // Declares 1000 bytes, inflates to 100000: refused without buffering the rest.
  expect_error<ZipError>([&] { (void)reader.read(1, 10'000); },
                         {"dir/b.bin", "inflates to more than its declared 1000 bytes"});
}

TEST(ZipArchive, ReportsShortData) {
  test::TempDir dir;
  std::string bytes = two_entry_archive();
  ASSERT_EQ(test::patch_declared_size(bytes, "a.txt", 50), 2);
  test::write_bytes(dir / "t.zip", bytes);
  const ZipReader reader(dir / "t.zip");
  expect_error<ZipError>([&] { (void)reader.read(0, 100); }, {"a.txt", "ends after 5 of its declared 50"});
}

TEST(ZipArchive, RefusesTruncatedAndGarbageFiles) {
  test::TempDir dir;
  const std::string bytes = two_entry_archive();
  test::write_bytes(dir / "cut.zip", bytes.substr(0, bytes.size() / 2));
  expect_error<ZipError>([&] { ZipReader r(dir / "cut.zip"); }, {"cannot open as a zip archive"});
  test::write_bytes(dir / "junk.zip", std::string(200, 'j'));
  expect_error<ZipError>([&] { ZipReader r(dir / "junk.zip"); }, {"cannot open as a zip archive"});
  expect_error<ZipError>([&] { ZipReader r(dir / "absent.zip"); }, {"cannot open"});
}

TEST(ZipArchive, DetectsCorruptCompressedData) {
  test::TempDir dir;
  std::string bytes = two_entry_archive();
  // Flip bytes inside b.bin's compressed stream (right after its local header).
  const std::size_t header = bytes.find("dir/b.bin") - 30;
  const std::size_t data = header + 30 + 9 + test::get_u16(bytes, header + 28);
  for (std::size_t i = 2; i < 10; ++i) bytes[data + i] = static_cast<char>(bytes[data + i] ^ 0x5a);
  test::write_bytes(dir / "t.zip", bytes);
  const ZipReader reader(dir / "t.zip");
  expect_error<ZipError>([&] { (void)reader.read(1, 100'000); }, {"dir/b.bin", "corrupt data"});
}

}  // namespace
}  // namespace lshrs::zip
