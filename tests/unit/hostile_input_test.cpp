// Issue 22, without a server: the one rule for file inputs (regular files,
// bounded), the one rule for bucket members, and Index::open's refusal to
// create an index over another one's leftovers (MemoryStore).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "util/regular_file.hpp"
#include "lshrs/error.hpp"
#include "lshrs/files.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "store/key_parse.hpp"
#include "support/test_support.hpp"

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
  EXPECT_EQ(util::describe_bytes(kMaxTextInputBytes), "256 MiB");
}

TEST(MemberRule, OnlyCanonicalNonNegativeDecimalIdsAreMembers) {
  EXPECT_EQ(redis::parse_member_id("0"), 0);
  EXPECT_EQ(redis::parse_member_id("42"), 42);
  EXPECT_EQ(redis::parse_member_id("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
  for (const char* bad : {"", "-5", "-0", "+7", "007", "00", "1.5", "abc", " 1", "1 ", "0x10",
                          "9223372036854775808", "99999999999999999999"}) {
    EXPECT_FALSE(redis::parse_member_id(bad).has_value()) << "'" << bad << "'";
  }
}

IndexOptions shape(std::size_t bands, std::size_t rows) {
  IndexOptions o;
  o.dim = 8;
  o.num_bands = bands;
  o.rows_per_band = rows;
  o.num_perm = bands * rows;
  o.prefix = "orph";
  return o;
}

TEST(LeftoverRule, NoIndexIsCreatedOverKeysWithoutMeta) {
  auto store = std::make_shared<MemoryStore>();
  // Buckets and signatures of a 4 x 6 index whose meta is missing (written
  // through the store, as if its meta had been deleted).
  const Index writer(shape(4, 6), std::make_shared<MemoryStore>());
  const auto vectors = random_vectors(10, 8, 3);
  const Signatures sigs = writer.hash(vectors);
  const std::vector<std::int64_t> ids = iota_ids(10);
  store->add("orph", writer.layout(), ids, sigs);
  const auto before = store->stats("orph").buckets;
  try {
    Index::open(store, shape(8, 4));
    ADD_FAILURE() << "opened";
  } catch (const ConfigurationError& e) {
    EXPECT_NE(std::string(e.what()).find("lshrs clear --prefix orph"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(store->load_meta("orph").has_value());
  EXPECT_EQ(store->stats("orph").buckets, before);
  // A prefix without keys is new, as before.
  EXPECT_NO_THROW(Index::open(store, [] {
    auto o = shape(8, 4);
    o.prefix = "fresh";
    return o;
  }()));
}

}  // namespace
}  // namespace lshrs::testing
