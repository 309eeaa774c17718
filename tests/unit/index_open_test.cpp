// Index::open: one decision for every entry point (constructors, open by
// prefix, load), with create_if_missing / error_if_exists.
#include <gtest/gtest.h>

#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/model_io.hpp"
#include "support/open_matrix.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

TEST(IndexOpen, EveryCombinationOfTheFlagsAndTheStoredMeta) {
  const auto store = std::make_shared<MemoryStore>();
  check_open_matrix(store, [](int i) { return "open-" + std::to_string(i); });
}

TEST(IndexOpen, BadOptionsAreRefusedBeforeTheStoreIsRead) {
  const auto store = std::make_shared<MemoryStore>();
  IndexOptions o = small_index_options("bad", 8);
  o.buffer_size = 0;
  EXPECT_THROW(Index::open(store, o, OpenOptions{.create_if_missing = false}), InvalidArgument)
      << "InvalidArgument, not IndexNotFound: the options are checked first";
}

TEST(IndexOpen, TheConstructorIsOpenWithDefaultFlags) {
  const auto store = std::make_shared<MemoryStore>();
  IndexOptions theirs = small_index_options("ctor", 8);
  theirs.seed = 9;
  Index(theirs, store).index(std::vector<std::int64_t>{1}, random_vectors(1, 8, 1));
  EXPECT_THROW(Index(small_index_options("ctor", 8), store), ConfigurationError);
  EXPECT_EQ(Index(theirs, store).config().seed, 9u);
}

TEST(IndexOpen, ConfigIsTheResolvedOptions) {
  IndexOptions o;
  o.dim = 8;
  o.num_perm = 128;
  o.expected_size = 100'000;
  o.prefix = "cfg";
  const Index index(o);
  const IndexConfig& c = index.config();
  EXPECT_EQ(c.num_bands * c.rows_per_band, c.num_perm);
  EXPECT_GT(c.rows_per_band, 1u) << "bits per band grow with the expected size";
  EXPECT_EQ(c.expected_size, std::optional<std::size_t>(100'000));
  EXPECT_EQ(c.prefix, "cfg");
  o.expected_size.reset();
  EXPECT_FALSE(Index(o).config().expected_size.has_value())
      << "chosen from the threshold, not a size";
}

TEST(IndexOpen, LoadTakesTheModelsPrefixUnlessGivenOne) {
  ScratchDir dir("index-open-load");
  const auto store = std::make_shared<MemoryStore>();
  {
    Index saved(small_index_options("recorded", 8), store);
    saved.index(std::vector<std::int64_t>{1}, random_vectors(1, 8, 1));
    saved.save(dir.path());
  }
  EXPECT_EQ(Index::load(dir.path(), store).config().prefix, "recorded");
  Index elsewhere = Index::load(dir.path(), store, nullptr, std::string("elsewhere"));
  EXPECT_EQ(elsewhere.config().prefix, "elsewhere");
  EXPECT_FALSE(store->load_meta("elsewhere").has_value()) << "nothing written before a flush";
}

TEST(IndexOpen, ByPrefixAdoptsTheStoredQueryDefaultsAndProjections) {
  const auto store = std::make_shared<MemoryStore>();
  IndexOptions o = small_index_options("adopt", 8);
  o.query_defaults.probes = 3;
  Index writer(o, store);
  writer.index(std::vector<std::int64_t>{1}, random_vectors(1, 8, 1));
  const Index opened = Index::open(store, "adopt");
  EXPECT_EQ(opened.query_defaults().probes, 3u);
  EXPECT_EQ(opened.hasher().projections(), writer.hasher().projections());
}

}  // namespace
}  // namespace lshrs::testing
