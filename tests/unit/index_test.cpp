#include "lshrs/index.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "lshrs/error.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/model_io.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

constexpr std::size_t kDim = 24;

IndexOptions small_options() { return shaped_index_options("t", kDim, 8, 4); }

std::span<const float> row(const std::vector<float>& v, std::size_t i) {
  return std::span(v).subspan(i * kDim, kDim);
}

// Serves vectors from memory; ids listed in `gone` are reported missing.
struct TableFetcher : VectorFetcher {
  std::vector<float> table;
  std::vector<std::int64_t> gone;
  FetchedVectors fetch(std::span<const std::int64_t> ids) override {
    FetchedVectors out;
    for (const auto id : ids) {
      if (std::find(gone.begin(), gone.end(), id) != gone.end()) continue;
      out.ids.push_back(id);
      const auto r = row(table, static_cast<std::size_t>(id));
      out.data.insert(out.data.end(), r.begin(), r.end());
    }
    return out;
  }
};

// A store whose writes can be made to fail, to test what Index keeps.
struct FlakyStore : MemoryStore {
  bool fail = false;
  void do_add(std::string_view p, const StoreLayout& layout, std::span<const std::int64_t> ids,
              const Signatures& s, std::span<const RecordExtras> e) override {
    if (fail) throw StorageError("injected failure");
    MemoryStore::do_add(p, layout, ids, s, e);
  }
};

TEST(Index, EveryVectorFindsItselfFirst) {
  Index index(small_options());
  const auto vecs = random_vectors(500, kDim, 1);
  index.index(iota_ids(500), vecs);
  for (std::size_t i = 0; i < 500; i += 37) {
    const auto result = index.query(row(vecs, i));
    ASSERT_FALSE(result.neighbors.empty());
    EXPECT_EQ(result.neighbors.front().id, static_cast<std::int64_t>(i));
    EXPECT_EQ(result.neighbors.front().collisions, 8u);
    EXPECT_LE(result.neighbors.size(), 10u);
    EXPECT_GE(result.candidates, result.neighbors.size());
  }
}

TEST(Index, OrdersByCollisionsThenAscendingId) {
  Index index(small_options());
  const auto vecs = random_vectors(3, kDim, 2);
  // ids 9 and 4 share vector 0; id 7 holds vector 0 slightly perturbed.
  std::vector<float> batch(vecs.begin(), vecs.begin() + kDim);
  batch.insert(batch.end(), vecs.begin(), vecs.begin() + kDim);
  batch.insert(batch.end(), vecs.begin() + kDim, vecs.begin() + 2 * kDim);
  index.index(std::vector<std::int64_t>{9, 4, 7}, batch);
  const auto result = index.query(row(vecs, 0));
  ASSERT_GE(result.neighbors.size(), 2u);
  EXPECT_EQ(result.neighbors[0].id, 4);
  EXPECT_EQ(result.neighbors[1].id, 9);
  for (std::size_t i = 1; i < result.neighbors.size(); ++i) {
    const auto& a = result.neighbors[i - 1];
    const auto& b = result.neighbors[i];
    EXPECT_TRUE(a.collisions > b.collisions || (a.collisions == b.collisions && a.id < b.id));
  }
  EXPECT_EQ(index.top_k(row(vecs, 0), 1), (std::vector<std::int64_t>{4}));
}

TEST(Index, TopPKeepsCeilOfCandidateShareByCosine) {
  auto fetcher = std::make_shared<TableFetcher>();
  fetcher->table = random_vectors(300, kDim, 3);
  IndexOptions o = small_options();
  o.num_bands = 16;
  o.rows_per_band = 2;  // wide buckets: many candidates
  Index index(o, nullptr, fetcher);
  index.index(iota_ids(300), fetcher->table);
  QueryOptions q;
  q.top_k = std::nullopt;
  q.top_p = 0.1;
  const auto result = index.query(row(fetcher->table, 5), q);
  ASSERT_GT(result.candidates, 20u);
  const auto expected = static_cast<std::size_t>(std::ceil(static_cast<double>(result.candidates) * 0.1));
  EXPECT_EQ(result.neighbors.size(), expected);
  EXPECT_EQ(result.neighbors.front().id, 5);
  EXPECT_NEAR(*result.neighbors.front().similarity, 1.0f, 1e-5f);
  for (std::size_t i = 1; i < result.neighbors.size(); ++i) {
    EXPECT_GE(*result.neighbors[i - 1].similarity, *result.neighbors[i].similarity);
  }
  q.top_k = 3;  // the cap still applies, as in the Python package
  EXPECT_EQ(index.query(row(fetcher->table, 5), q).neighbors.size(), 3u);
  const auto above = index.above_p(row(fetcher->table, 5), 0.1);
  ASSERT_EQ(above.size(), expected);
  EXPECT_EQ(above.front().first, 5);
}

TEST(Index, MinSimilarityAndMissingVectors) {
  auto fetcher = std::make_shared<TableFetcher>();
  fetcher->table = random_vectors(200, kDim, 4);
  IndexOptions o = small_options();
  o.num_bands = 16;
  o.rows_per_band = 2;
  Index index(o, nullptr, fetcher);
  index.index(iota_ids(200), fetcher->table);
  fetcher->gone = {5};
  QueryOptions q;
  q.top_k = std::nullopt;
  q.min_similarity = 0.3f;
  const auto result = index.query(row(fetcher->table, 5), q);
  EXPECT_EQ(result.missing_vectors, 1u) << "id 5 is indexed but gone from the source";
  for (const auto& nb : result.neighbors) {
    EXPECT_NE(nb.id, 5);
    EXPECT_GE(*nb.similarity, 0.3f);
  }
}

TEST(Index, FetcherReturningTheWrongShapeIsAClearError) {
  auto fetcher = std::make_shared<CallbackFetcher>(
      kDim, [](std::span<const std::int64_t> ids) { return std::vector<float>(ids.size() * 3); });
  Index index(small_options(), nullptr, fetcher);
  const auto vecs = random_vectors(10, kDim, 5);
  index.index(iota_ids(10), vecs);
  QueryOptions q;
  q.rerank = true;
  try {
    index.query(row(vecs, 0), q);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("ids × dim"), std::string::npos) << e.what();
  }
}

TEST(Index, RerankingPutsTheTrueNearestFirst) {
  auto fetcher = std::make_shared<TableFetcher>();
  fetcher->table = random_vectors(400, kDim, 6);
  Index index(small_options(), nullptr, fetcher);
  index.index(iota_ids(400), fetcher->table);
  QueryOptions q;
  q.rerank = true;
  q.top_k = 5;
  const auto result = index.query(row(fetcher->table, 17), q);
  ASSERT_FALSE(result.neighbors.empty());
  EXPECT_EQ(result.neighbors.front().id, 17);
  EXPECT_TRUE(result.neighbors.front().similarity.has_value());
}

TEST(Index, IngestBuffersUntilBufferSize) {
  IndexOptions o = small_options();
  o.buffer_size = 3;
  Index index(o);
  const auto vecs = random_vectors(3, kDim, 7);
  index.ingest(0, row(vecs, 0));
  index.ingest(1, row(vecs, 1));
  EXPECT_TRUE(index.query(row(vecs, 0)).neighbors.empty()) << "not flushed yet";
  EXPECT_EQ(index.stats().buffered, 2u);
  index.ingest(2, row(vecs, 2));
  EXPECT_EQ(index.stats().buffered, 0u);
  EXPECT_EQ(index.query(row(vecs, 0)).neighbors.front().id, 0);
}

TEST(Index, FailedFlushKeepsTheBuffer) {
  auto store = std::make_shared<FlakyStore>();
  Index index(small_options(), store);
  const auto vecs = random_vectors(4, kDim, 8);
  for (std::size_t i = 0; i < 4; ++i) index.ingest(static_cast<std::int64_t>(i), row(vecs, i));
  store->fail = true;
  EXPECT_THROW(index.flush(), StorageError);
  EXPECT_EQ(index.stats().buffered, 4u);
  store->fail = false;
  index.flush();
  EXPECT_EQ(index.stats().storage.ids, 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(index.query(row(vecs, i)).neighbors.front().id, static_cast<std::int64_t>(i));
  }
}

TEST(Index, ReIngestingAnIdMovesIt) {
  Index index(small_options());
  const auto vecs = random_vectors(2, kDim, 9);
  index.ingest(1, row(vecs, 0));
  index.ingest(1, row(vecs, 1));  // same buffer: last one wins
  index.flush();
  const auto hits = index.query(row(vecs, 1)).neighbors;
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].collisions, 8u);
  index.index(std::vector<std::int64_t>{1}, std::vector<float>(vecs.begin(), vecs.begin() + kDim));
  for (const auto& nb : index.query(row(vecs, 1)).neighbors) EXPECT_LT(nb.collisions, 8u);
  EXPECT_EQ(index.stats().storage.ids, 1u);
}

TEST(Index, RemoveDropsBufferedAndStoredIds) {
  Index index(small_options());
  const auto vecs = random_vectors(3, kDim, 10);
  index.index(std::vector<std::int64_t>{0, 1}, std::vector<float>(vecs.begin(), vecs.begin() + 2 * kDim));
  index.ingest(2, row(vecs, 2));
  EXPECT_EQ(index.remove(std::vector<std::int64_t>{1, 2}), 1u) << "2 was only buffered";
  index.flush();
  EXPECT_TRUE(index.query(row(vecs, 1)).neighbors.empty() ||
              index.query(row(vecs, 1)).neighbors.front().id != 1);
  EXPECT_TRUE(index.query(row(vecs, 2)).neighbors.empty() ||
              index.query(row(vecs, 2)).neighbors.front().id != 2);
  EXPECT_EQ(index.stats().storage.ids, 1u);
}

TEST(Index, ClearEmptiesButStaysUsable) {
  Index index(small_options());
  const auto vecs = random_vectors(20, kDim, 11);
  index.index(iota_ids(20), vecs);
  EXPECT_GT(index.clear(), 20u);
  EXPECT_TRUE(index.query(row(vecs, 0)).neighbors.empty());
  index.index(iota_ids(1), std::vector<float>(vecs.begin(), vecs.begin() + kDim));
  EXPECT_EQ(index.query(row(vecs, 0)).neighbors.front().id, 0);
}

TEST(Index, MultiProbeFindsAtLeastAsManyCandidates) {
  IndexOptions o = small_options();
  o.num_bands = 4;
  o.rows_per_band = 8;
  Index index(o);
  const auto vecs = random_vectors(2000, kDim, 12);
  index.index(iota_ids(2000), vecs);
  std::size_t plain = 0, probed = 0;
  QueryOptions q;
  q.top_k = std::nullopt;
  for (std::size_t i = 0; i < 50; ++i) {
    plain += index.query(row(vecs, i), q).candidates;
    q.probes = 2;
    probed += index.query(row(vecs, i), q).candidates;
    q.probes = 0;
  }
  EXPECT_GT(probed, plain);
}

TEST(Index, SameConfigSharesAPrefixDifferentConfigIsRefused) {
  auto store = std::make_shared<MemoryStore>();
  Index first(small_options(), store);
  const auto vecs = random_vectors(5, kDim, 13);
  first.index(iota_ids(5), vecs);
  Index second(small_options(), store);  // same config: fine, sees the data
  EXPECT_EQ(second.query(row(vecs, 3)).neighbors.front().id, 3);
  IndexOptions other = small_options();
  other.seed = 7;
  try {
    Index third(other, store);
    FAIL() << "a different seed must be refused";
  } catch (const ConfigurationError& e) {
    EXPECT_NE(std::string(e.what()).find("different projections"), std::string::npos) << e.what();
  }
  other = small_options();
  other.dim = 12;
  EXPECT_THROW(Index(other, store), ConfigurationError);
  Index opened = Index::open(store, "t");
  EXPECT_EQ(opened.config().num_bands, 8u);
  EXPECT_EQ(opened.query(row(vecs, 2)).neighbors.front().id, 2);
  EXPECT_THROW(Index::open(store, "nothing-here"), ConfigurationError);
}

TEST(Index, SavedModelReproducesTheSameBuckets) {
  ScratchDir dir("index-save");
  Index index(small_options());
  const auto vecs = random_vectors(50, kDim, 14);
  index.index(iota_ids(50), vecs);
  index.save(dir.path());
  const Model model = load_model(dir.path());
  EXPECT_EQ(model.config.num_bands, 8u);
  EXPECT_EQ(model.redis.prefix, "t");
  Index reloaded = Index::load(dir.path());  // its own memory store
  EXPECT_EQ(reloaded.config().prefix, "t");
  EXPECT_EQ(reloaded.hasher().projections(), index.hasher().projections());
  reloaded.index(iota_ids(50), vecs);
  for (std::size_t i = 0; i < 50; i += 7) {
    const auto a = index.query(row(vecs, i)).neighbors;
    const auto b = reloaded.query(row(vecs, i)).neighbors;
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t k = 0; k < a.size(); ++k) EXPECT_EQ(a[k].id, b[k].id);
  }
}

TEST(Index, IndexByIdUsesTheFetcher) {
  auto fetcher = std::make_shared<TableFetcher>();
  fetcher->table = random_vectors(10, kDim, 15);
  Index index(small_options(), nullptr, fetcher);
  index.index(iota_ids(10));
  EXPECT_EQ(index.query(row(fetcher->table, 4)).neighbors.front().id, 4);
  fetcher->gone = {3};
  EXPECT_THROW(index.index(iota_ids(10)), InvalidArgument);
}

struct VectorsSource : VectorSource {
  std::vector<float> data;
  std::size_t next_row = 0, batch = 0, dim = kDim;
  bool next(VectorBatch& out) override {
    const std::size_t rows = data.size() / kDim;
    if (next_row >= rows) return false;
    const std::size_t n = std::min(batch, rows - next_row);
    out.ids = iota_ids(n, static_cast<std::int64_t>(next_row));
    out.data.assign(data.begin() + next_row * kDim, data.begin() + (next_row + n) * kDim);
    out.dim = dim;
    next_row += n;
    return true;
  }
  std::optional<std::uint64_t> total_rows() const override { return data.size() / kDim; }
  std::string describe() const override { return "test vectors"; }
};

TEST(Index, IngestFromDrainsASourceWithProgress) {
  Index index(small_options());
  VectorsSource source;
  source.data = random_vectors(1000, kDim, 16);
  source.batch = 128;
  std::vector<IngestProgress> seen;
  IngestOptions opts;
  opts.progress = [&](const IngestProgress& p) { seen.push_back(p); };
  opts.progress_interval = std::chrono::milliseconds(0);
  EXPECT_EQ(index.ingest_from(source, opts), 1000u);
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(seen.back().finished);
  EXPECT_EQ(seen.back().rows_done, 1000u);
  EXPECT_EQ(seen.back().total_rows, 1000u);
  EXPECT_EQ(index.stats().storage.ids, 1000u);
  VectorsSource wrong;
  wrong.data = random_vectors(4, kDim, 17);
  wrong.batch = 4;
  wrong.dim = kDim + 1;
  EXPECT_THROW(index.ingest_from(wrong), InvalidArgument);
}

TEST(Index, AutomaticBandsFollowTheThreshold) {
  IndexOptions o;
  o.dim = 8;
  o.num_perm = 128;
  o.similarity_threshold = 0.8;
  Index index(o);
  EXPECT_EQ(index.config().num_bands * index.config().rows_per_band, 128u);
  EXPECT_EQ(index.stats().config.num_bands, index.config().num_bands);
}

}  // namespace
}  // namespace lshrs::testing

namespace lshrs::testing {
namespace {

// Serves TableFetcher's answer in reverse: the rerank must match ids by value,
// not by position, when a fetcher does not keep the order asked.
struct ReversedFetcher : TableFetcher {
  FetchedVectors fetch(std::span<const std::int64_t> ids) override {
    FetchedVectors in = TableFetcher::fetch(ids), out;
    for (std::size_t i = in.ids.size(); i-- > 0;) {
      out.ids.push_back(in.ids[i]);
      out.data.insert(out.data.end(), in.data.begin() + static_cast<std::ptrdiff_t>(i * kDim),
                      in.data.begin() + static_cast<std::ptrdiff_t>((i + 1) * kDim));
    }
    return out;
  }
};

TEST(Index, RerankMatchesFetchedVectorsWhateverTheirOrder) {
  const auto vecs = random_vectors(300, kDim, 31);
  auto in_order = std::make_shared<TableFetcher>();
  auto reversed = std::make_shared<ReversedFetcher>();
  in_order->table = reversed->table = vecs;
  in_order->gone = reversed->gone = {3, 7};
  auto store = std::make_shared<MemoryStore>();
  Index a(small_options(), store, in_order);
  Index b(small_options(), store, reversed);
  a.index(iota_ids(300), vecs);
  QueryOptions q;
  q.rerank = true;
  q.probes = 8;
  for (std::size_t i = 0; i < 300; i += 29) {
    const auto x = a.query(row(vecs, i), q), y = b.query(row(vecs, i), q);
    ASSERT_EQ(x.neighbors.size(), y.neighbors.size());
    EXPECT_EQ(x.missing_vectors, y.missing_vectors);
    for (std::size_t k = 0; k < x.neighbors.size(); ++k) {
      EXPECT_EQ(x.neighbors[k].id, y.neighbors[k].id);
      EXPECT_EQ(*x.neighbors[k].similarity, *y.neighbors[k].similarity);
    }
    if (i != 3 && i != 7) {
      EXPECT_EQ(x.neighbors.front().id, static_cast<std::int64_t>(i));
    }
  }
}

}  // namespace
}  // namespace lshrs::testing
