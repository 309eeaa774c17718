// A fourth hash family, written here and nowhere else: what issue 23 asks of
// the BandHasher interface. The family registers itself by name; an Index
// over a MemoryStore then indexes, queries, records it in its meta and
// reopens it from that meta, with no other file of lshrs knowing about it.
//
// The family is deliberately trivial: bit j of band b is the sign of
// coordinate (b·rows + j) mod dim, i.e. hyperplanes that are the coordinate
// axes. Its model is that matrix of unit rows, so the meta stores it like the
// built-in families' projections.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "lshrs/band_hasher.hpp"
#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"

namespace lshrs {
namespace {

class FirstCoordinatesHasher final : public BandHasher {
 public:
  FirstCoordinatesHasher(HashFamily family, std::size_t dim, std::size_t bands, std::size_t rows)
      : family_(family), dim_(dim), bands_(bands), rows_(rows), axes_(bands * rows * dim, 0.0f) {
    for (std::size_t j = 0; j < bands * rows; ++j) axes_[j * dim + j % dim] = 1.0f;
  }

  HashFamily family() const noexcept override { return family_; }
  std::size_t dim() const noexcept override { return dim_; }
  std::size_t num_bands() const noexcept override { return bands_; }
  std::size_t band_bytes() const noexcept override { return (rows_ + 7) / 8; }
  std::size_t band_bits() const noexcept override { return rows_; }
  const std::vector<float>& model() const noexcept override { return axes_; }

  Signatures hash(std::span<const float> vectors) const override {
    Signatures s{vectors.size() / dim_, bands_, band_bytes(), {}};
    s.bytes.assign(s.count * bands_ * s.band_bytes, 0);
    for (std::size_t i = 0; i < s.count; ++i) {
      for (std::size_t b = 0; b < bands_; ++b) {
        for (std::size_t j = 0; j < rows_; ++j) {
          if (vectors[i * dim_ + (b * rows_ + j) % dim_] > 0.0f) {
            std::uint8_t& byte = s.bytes[(i * bands_ + b) * s.band_bytes + j / 8];
            byte = static_cast<std::uint8_t>(byte | (1u << (j % 8)));
          }
        }
      }
    }
    return s;
  }

 private:
  HashFamily family_;
  std::size_t dim_, bands_, rows_;
  std::vector<float> axes_;
};

// Registered once for the whole test binary, as a family's own file would.
const HashFamily kFirstCoordinates = [] {
  static HashFamily id{};
  id = register_hash_family(
      "first-coordinates", {.make = [](BandHasherSpec s) {
        auto made =
            std::make_shared<const FirstCoordinatesHasher>(id, s.dim, s.num_bands, s.rows_per_band);
        // A model read back from meta must be the one this family writes.
        if (!s.model.empty() && s.model != made->model()) {
          throw ConfigurationError("first-coordinates: the stored axes differ");
        }
        return made;
      }});
  return id;
}();

constexpr std::size_t kDim = 4;

IndexOptions first_coordinates_options() {
  IndexOptions o;
  o.family = kFirstCoordinates;
  o.dim = kDim;
  o.num_bands = 3;
  o.rows_per_band = 2;
  o.num_perm = *o.num_bands * *o.rows_per_band;
  o.prefix = "fourth";
  return o;
}

// Rows whose sign patterns differ in every band from one another.
const std::vector<float> kVectors = {
    1,  1,  1,  1,   // id 10: all positive
    -1, -1, -1, -1,  // id 11: all negative
    1,  -1, 1,  -1,  // id 12: alternating
};
const std::vector<std::int64_t> kIds = {10, 11, 12};

std::vector<std::int64_t> answer(Index& index, std::span<const float> query, std::size_t probes) {
  QueryOptions q;
  q.probes = probes;
  std::vector<std::int64_t> ids;
  for (const auto& nb : index.query(query, q).neighbors) ids.push_back(nb.id);
  return ids;
}

TEST(FourthFamily, IsRegisteredByName) {
  EXPECT_EQ(family_name(kFirstCoordinates), "first-coordinates");
  EXPECT_EQ(parse_family("first-coordinates"), kFirstCoordinates);
  EXPECT_NE(kFirstCoordinates, HashFamily::kKMeans);
  const HashFamilyTraits nothing{
      .make = [](BandHasherSpec) { return std::shared_ptr<const BandHasher>(); }};
  EXPECT_THROW(register_hash_family("first-coordinates", nothing), InvalidArgument);
  EXPECT_THROW(register_hash_family("hyperplane", nothing), InvalidArgument);
  EXPECT_THROW(register_hash_family("no-factory", {}), InvalidArgument);
  EXPECT_THROW(make_band_hasher({.family = static_cast<HashFamily>(1000), .model = {}}),
               InvalidArgument);
  EXPECT_EQ(family_name(static_cast<HashFamily>(1000)), "unknown");
}

TEST(FourthFamily, AnIndexOverMemoryStoreIndexesAndQueries) {
  auto store = std::make_shared<MemoryStore>();
  Index index(first_coordinates_options(), store);
  EXPECT_EQ(index.family(), kFirstCoordinates);
  EXPECT_EQ(index.band_hasher().family(), kFirstCoordinates);
  EXPECT_THROW(index.hasher(), ConfigurationError);

  const Signatures sigs = index.hash(std::span<const float>(kVectors).first(kDim));
  ASSERT_EQ(sigs.count, 1u);
  for (std::size_t b = 0; b < 3; ++b) EXPECT_EQ(sigs.band(0, b)[0], 0b11);

  index.index(kIds, kVectors);
  const std::vector<float> near_alternating = {0.5f, -2.0f, 3.0f, -0.1f};
  EXPECT_EQ(answer(index, near_alternating, 0), std::vector<std::int64_t>{12});
  // The family has no probe order: probes read its own buckets only.
  EXPECT_EQ(answer(index, near_alternating, 4), std::vector<std::int64_t>{12});

  // The meta names the family; an index opened from it alone is the same.
  ASSERT_TRUE(store->load_meta("fourth"));
  EXPECT_NE(store->load_meta("fourth")->find("first-coordinates"), std::string::npos);
  Index reopened = Index::open(store, "fourth");
  EXPECT_EQ(reopened.family(), kFirstCoordinates);
  EXPECT_EQ(answer(reopened, std::span<const float>(kVectors).subspan(kDim, kDim), 0),
            std::vector<std::int64_t>{11});
  // Reopening with the same options is compatible.
  Index again(first_coordinates_options(), store);
  EXPECT_EQ(answer(again, std::span<const float>(kVectors).first(kDim), 0),
            std::vector<std::int64_t>{10});
}

}  // namespace
}  // namespace lshrs
