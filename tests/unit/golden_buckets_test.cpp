// Golden buckets: the band signatures, trained centroids, probed buckets and
// query answers of every hash family on a fixed data set, as digests recorded
// from the code before the hash families were restructured (issue 23). A
// refactor of the hashers, their factory or the probes must leave every value
// here unchanged, bit for bit; a change that alters them on purpose (a new
// generator, a new key layout) breaks indexes already in Redis and model
// directories, and must say so where it re-records them.
//
// The data is a formula (SplitMix64 bits turned into exact floats), not a
// library generator, so that nothing under test also makes the input. On a
// mismatch the failure prints the new digest and the first signature.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "lshrs/cross_polytope.hpp"
#include "lshrs/hasher.hpp"
#include "lshrs/index.hpp"
#include "lshrs/kmeans.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/store.hpp"

namespace lshrs {
namespace {

constexpr std::size_t kDim = 24;
constexpr std::size_t kRows = 640;  // >= 512: the 9-bit k-means band needs that many rows

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// rows × dim floats in [-1, 1), each a multiple of 2^-23: exact in float32.
std::vector<float> golden_data(std::size_t rows, std::size_t dim, std::uint64_t salt) {
  std::vector<float> out(rows * dim);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto bits = splitmix64(salt * 1'000'003 + i) >> 40;  // 24 bits
    out[i] = static_cast<float>(bits) / 8388608.0f - 1.0f;
  }
  return out;
}

// FNV-1a 64 over a byte stream; integers enter as 8 little-endian bytes.
struct Fnv {
  std::uint64_t h = 0xCBF29CE484222325ull;
  void byte(std::uint8_t b) { h = (h ^ b) * 0x100000001B3ull; }
  void u64(std::uint64_t v) {
    for (int k = 0; k < 8; ++k) byte(static_cast<std::uint8_t>(v >> (8 * k)));
  }
  void bytes(std::span<const std::uint8_t> s) {
    for (auto b : s) byte(b);
  }
  void floats(std::span<const float> s) {
    bytes({reinterpret_cast<const std::uint8_t*>(s.data()), s.size() * sizeof(float)});
  }
  void signatures(const Signatures& s) {
    u64(s.count), u64(s.num_bands), u64(s.band_bytes);
    bytes(s.bytes);
  }
};

std::string hex64(std::uint64_t v) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

// Signatures' digest, and vector 0's bands in hex (joined by '.').
struct Golden {
  std::string digest;
  std::string first;
};

Golden golden_of(const Signatures& s) {
  Fnv f;
  f.signatures(s);
  std::string first;
  for (std::size_t b = 0; b < s.num_bands; ++b) first += (b ? "." : "") + to_hex(s.band(0, b));
  return {hex64(f.h), first};
}

void expect_golden(const Signatures& s, const Golden& want, const std::string& what) {
  const Golden got = golden_of(s);
  EXPECT_EQ(got.digest, want.digest) << what;
  EXPECT_EQ(got.first, want.first) << what;
}

const std::vector<float>& data() {
  static const std::vector<float> d = golden_data(kRows, kDim, 1);
  return d;
}

const std::vector<float>& queries() {
  static const std::vector<float> q = golden_data(8, kDim, 2);
  return q;
}

KMeansTrainOptions kmeans_options(std::size_t bands, std::size_t bits) {
  KMeansTrainOptions o;
  o.num_bands = bands;
  o.bits_per_band = bits;
  o.iterations = 5;
  o.sample_size = kRows;
  o.seed = 7;
  return o;
}

TEST(GoldenBuckets, Hyperplane) {
  expect_golden(Hasher(kDim, 4, 8, 42).hash(data()),
                {"1580aa70c74984b0", "51.89.6f.62"}, "hyperplane 4×8 numpy seed 42");
  expect_golden(Hasher(kDim, 3, 11, 9).hash(data()),
                {"72bef03f818c4b88", "b207.0804.4700"}, "hyperplane 3×11 numpy seed 9");
  expect_golden(Hasher(kDim, 16, 1, 5, ProjectionGenerator::kLshrsV0).hash(data()),
                {"13fb5b413888c4cd", "00.01.00.00.01.00.00.00.01.00.01.01.00.00.01.00"},
                "hyperplane 16×1 lshrs-v0 seed 5");
}

TEST(GoldenBuckets, CrossPolytope) {
  expect_golden(CrossPolytopeHasher(kDim, 4, 2, 42).hash(data()),
                {"f2e9aa0b16a0f592", "a902.9709.fd0a.1400"}, "cross-polytope 4×2 seed 42");
  // dim 5 pads to 8: the padded rotation of a short vector.
  const auto short_rows = golden_data(kRows, 5, 3);
  expect_golden(CrossPolytopeHasher(5, 2, 1, 11).hash(short_rows),
                {"a755730cdb0350af", "04.07"}, "cross-polytope dim 5, 2×1 seed 11");
}

TEST(GoldenBuckets, KMeans) {
  for (const auto& [bands, bits, centroids_digest, want] :
       std::vector<std::tuple<std::size_t, std::size_t, std::string, Golden>>{
           {2, 4, "bf5227a27c0c590f", {"1b1b74caaa5a49b2", "0b.0e"}},
           {3, 9, "f455ab6f07edc554", {"9100b48539e9df5c", "bf00.5500.d701"}},
       }) {
    const std::string what = "k-means " + std::to_string(bands) + "×" + std::to_string(bits);
    auto centroids = train_kmeans(data(), kDim, kmeans_options(bands, bits));
    Fnv f;
    f.floats(centroids);
    EXPECT_EQ(hex64(f.h), centroids_digest) << what << " centroids";
    expect_golden(KMeansHasher(kDim, bands, bits, std::move(centroids)).hash(data()), want, what);
  }
}

// A memory store that digests what the index writes and reads: the signature
// rows of every add and the buckets of every members call, in call order.
class RecordingStore : public MemoryStore {
 public:
  Fnv added, read;

 protected:
  void do_add(std::string_view prefix, const StoreLayout& layout, std::span<const std::int64_t> ids,
              const Signatures& sigs, std::span<const RecordExtras> e) override {
    for (auto id : ids) added.u64(static_cast<std::uint64_t>(id));
    added.signatures(sigs);
    MemoryStore::do_add(prefix, layout, ids, sigs, e);
  }
  std::vector<std::vector<std::int64_t>> do_members(std::string_view prefix,
                                                    std::span<const BucketRef> buckets) override {
    for (const auto& ref : buckets) {
      read.u64(ref.band);
      read.bytes({reinterpret_cast<const std::uint8_t*>(ref.signature.data()),
                  ref.signature.size()});
    }
    return MemoryStore::do_members(prefix, buckets);
  }
};

struct IndexGolden {
  std::string added, read, answers;
};

// Indexes the data through Index (its factory picks the family's hasher),
// then asks each query with 6 probes: the digests of the written signatures,
// of the probed buckets and of the answers (id, collisions).
IndexGolden index_golden(IndexOptions options) {
  auto store = std::make_shared<RecordingStore>();
  options.dim = kDim;
  options.prefix = "golden";
  Index index(std::move(options), store);
  std::vector<std::int64_t> ids(kRows);
  for (std::size_t i = 0; i < kRows; ++i) ids[i] = static_cast<std::int64_t>(3 * i + 1);
  index.index(ids, data());
  index.flush();
  QueryOptions q;
  q.top_k = 5;
  q.probes = 6;
  Fnv answers;
  std::size_t found = 0;
  for (const auto& result : index.query_batch(queries(), q)) {
    found += result.neighbors.size();
    answers.u64(result.candidates);
    for (const auto& n : result.neighbors) {
      answers.u64(static_cast<std::uint64_t>(n.id));
      answers.u64(n.collisions);
    }
  }
  EXPECT_GT(found, 0u) << "the queries must find something for their digest to mean much";
  return {hex64(store->added.h), hex64(store->read.h), hex64(answers.h)};
}

void expect_index_golden(IndexOptions options, const IndexGolden& want, const std::string& what) {
  const IndexGolden got = index_golden(std::move(options));
  EXPECT_EQ(got.added, want.added) << what << ": signatures written";
  EXPECT_EQ(got.read, want.read) << what << ": buckets probed";
  EXPECT_EQ(got.answers, want.answers) << what << ": answers";
}

IndexOptions shape(HashFamily family, std::size_t bands, std::size_t rows) {
  IndexOptions o;
  o.family = family;
  o.num_perm = bands * rows;
  o.num_bands = bands;
  o.rows_per_band = rows;
  return o;
}

TEST(GoldenBuckets, ThroughIndex) {
  expect_index_golden(shape(HashFamily::kHyperplane, 4, 8),
                      {"70cc819e9e972b6f", "97a95f4562694f13", "69dbd84780b2c53f"},
                      "index hyperplane 4×8");
  expect_index_golden(shape(HashFamily::kCrossPolytope, 4, 2),
                      {"3e0af502d2fb6469", "bca507e52899f00f", "60a2caa2e457ac60"},
                      "index cross-polytope 4×2");
  IndexOptions kmeans = shape(HashFamily::kKMeans, 2, 4);
  kmeans.projections = train_kmeans(data(), kDim, kmeans_options(2, 4));
  expect_index_golden(kmeans, {"1fd79f39e98d45c9", "5bc8f5a6260a5e1e", "2c8ffe3e1be9aed2"},
                      "index k-means 2×4");
}

}  // namespace
}  // namespace lshrs
