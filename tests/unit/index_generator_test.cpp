// Indexes created from a seed by the earlier generator (lshrs-v0) keep
// working: their meta holds the projections, a default (numpy) client is
// refused with a message that names the generator to pass, and passing it,
// or opening from the meta, reads the old buckets.
#include <gtest/gtest.h>

#include <memory>

#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

constexpr std::size_t kDim = 16;

IndexOptions options(ProjectionGenerator generator) {
  IndexOptions o = shaped_index_options("old", kDim, 6, 4);
  o.seed = 5;
  o.projection_generator = generator;
  return o;
}

TEST(IndexGenerator, AnIndexBuiltByLshrsV0IsRefusedByADefaultClientNamingTheGenerator) {
  auto store = std::make_shared<MemoryStore>();
  const auto vectors = random_vectors(50, kDim, 4);
  const std::vector<std::int64_t> ids = iota_ids(50);
  {
    Index old(options(ProjectionGenerator::kLshrsV0), store);
    old.index(ids, vectors);
  }
  const auto before = store->stats("old");
  try {
    Index fresh(options(ProjectionGenerator::kNumpy), store);
    FAIL() << "a client with other projections must be refused";
  } catch (const ConfigurationError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("projection_generator \"lshrs-v0\""), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
  EXPECT_EQ(store->stats("old").buckets, before.buckets) << "a refused client wrote nothing";

  // Naming the old generator, or opening from the meta, finds the old buckets.
  Index named(options(ProjectionGenerator::kLshrsV0), store);
  Index opened = Index::open(store, "old");
  EXPECT_EQ(opened.hasher().projections(),
            generate_projections(5, 24, kDim, ProjectionGenerator::kLshrsV0));
  for (std::size_t i = 0; i < 5; ++i) {
    const std::span<const float> v(vectors.data() + i * kDim, kDim);
    EXPECT_EQ(named.top_k(v, 1).front(), static_cast<std::int64_t>(i));
    EXPECT_EQ(opened.top_k(v, 1).front(), static_cast<std::int64_t>(i));
  }
}

}  // namespace
}  // namespace lshrs::testing
