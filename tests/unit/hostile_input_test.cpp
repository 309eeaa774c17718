// Issue 22, without a server: the one rule for file inputs (regular files,
// bounded).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "io/regular_file.hpp"
#include "lshrs/error.hpp"
#include "lshrs/files.hpp"
#include "unit/test_support.hpp"

namespace lshrs::testing {
namespace {

TEST(RegularFileRule, FifosDevicesAndDirectoriesAreRefusedBeforeReading) {
  ScratchDir dir("regular-file");
  const auto fifo = dir / "q.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::filesystem::path& p : {fifo, std::filesystem::path("/dev/zero"), dir.path()}) {
    SCOPED_TRACE(p.string());
    try {
      read_input_file(p, 1 << 20, "give a file");
      ADD_FAILURE() << "read";
    } catch (const SourceError& e) {
      EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
    }
  }
}

TEST(RegularFileRule, FilesBeyondTheBoundAreRefused) {
  ScratchDir dir("regular-file-bound");
  const auto p = dir / "ids.txt";
  std::ofstream(p) << std::string(5000, '1');
  EXPECT_EQ(read_input_file(p, 5000, "x").size(), 5000u);
  try {
    read_input_file(p, 4096, "give fewer ids");
    ADD_FAILURE() << "read";
  } catch (const SourceError& e) {
    EXPECT_NE(std::string(e.what()).find("larger than 4096 bytes"), std::string::npos) << e.what();
  }
  EXPECT_EQ(io::describe_bytes(kMaxTextInputBytes), "256 MiB");
}

}  // namespace
}  // namespace lshrs::testing
