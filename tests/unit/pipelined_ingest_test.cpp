// Index::ingest_from writes batch k while it reads and hashes batch k+1: the
// overlap must really happen, and every failure must leave what the serial
// loop documented — acknowledged batches in the store, the rows of a failed
// write (and of the batch hashed meanwhile) in the buffer in source order,
// nothing of a refused batch anywhere. Most cases write every batch on its
// own (write_rows = 1); the last ones gather several batches into a write.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <numeric>
#include <thread>

#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/source.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

constexpr std::size_t kDim = 16, kRows = 10;

IndexOptions options() { return small_index_options("pipe", kDim); }

// Batches of kRows rows with ids batch·kRows …; `bad` is a batch holding a
// NaN; tells a waiting store when batch `signal_at` was handed out.
class Batches final : public VectorSource {
 public:
  explicit Batches(std::size_t count, std::size_t bad = std::numeric_limits<std::size_t>::max())
      : count_(count), bad_(bad) {}
  bool next(VectorBatch& batch) override {
    if (served_ == count_) return false;
    batch.ids.resize(kRows);
    std::iota(batch.ids.begin(), batch.ids.end(), static_cast<std::int64_t>(served_ * kRows));
    batch.dim = kDim;
    batch.data = random_vectors(kRows, kDim, static_cast<unsigned>(served_ + 1));
    if (served_ == bad_) batch.data[3] = std::numeric_limits<float>::quiet_NaN();
    {
      std::lock_guard lock(mutex_);
      ++served_;
    }
    handed_out_.notify_all();
    return true;
  }
  std::string describe() const override { return "test batches"; }
  std::size_t served() {
    std::lock_guard lock(mutex_);
    return served_;
  }
  // True once `batches` were handed out, false after 5 s without.
  bool wait_until_served(std::size_t batches) {
    std::unique_lock lock(mutex_);
    return handed_out_.wait_for(lock, std::chrono::seconds(5), [&] { return served_ >= batches; });
  }

 private:
  std::size_t count_, bad_, served_ = 0;
  std::mutex mutex_;
  std::condition_variable handed_out_;
};

// Records the ids it was given; the adds listed in `failing` throw; with
// `wait_for`, the first add waits (up to 5 s) until the source handed out the
// next batch, which only a pipelined ingest does before that add returns.
struct WatchingStore : MemoryStore {
  std::vector<std::size_t> failing;
  Batches* wait_for = nullptr;
  bool overlapped = false;
  std::size_t adds = 0;
  std::vector<std::int64_t> written;

  void do_add(std::string_view p, const StoreLayout& layout, std::span<const std::int64_t> ids,
              const Signatures& s, std::span<const RecordExtras> e) override {
    const std::size_t n = adds++;
    if (wait_for && n == 0) overlapped = wait_for->wait_until_served(2);
    if (std::find(failing.begin(), failing.end(), n) != failing.end()) {
      throw StorageError("injected failure of add " + std::to_string(n));
    }
    MemoryStore::do_add(p, layout, ids, s, e);
    written.insert(written.end(), ids.begin(), ids.end());
  }
};

// Every batch its own write: the cases below count writes in batches.
IngestOptions batch_by_batch() {
  IngestOptions o;
  o.write_rows = 1;
  return o;
}

std::vector<std::int64_t> ids_upto(std::size_t n) {
  std::vector<std::int64_t> ids(n);
  std::iota(ids.begin(), ids.end(), 0);
  return ids;
}

TEST(PipelinedIngest, TheNextBatchIsReadWhileTheStoreWrites) {
  auto store = std::make_shared<WatchingStore>();
  Batches source(3);
  store->wait_for = &source;
  Index index(options(), store);
  EXPECT_EQ(index.ingest_from(source, batch_by_batch()), 3 * kRows);
  EXPECT_TRUE(store->overlapped) << "batch 1 was not read before batch 0's write returned";
  EXPECT_EQ(store->written, ids_upto(3 * kRows)) << "writes in source order, each once";
  EXPECT_EQ(index.stats().buffered, 0u) << "returns only when everything is acknowledged";
}

TEST(PipelinedIngest, AFailedWriteKeepsItsRowsAndTheNextBatchBufferedInOrder) {
  auto store = std::make_shared<WatchingStore>();
  store->failing = {1};
  Batches source(4);
  Index index(options(), store);
  EXPECT_THROW(index.ingest_from(source, batch_by_batch()), StorageError);
  EXPECT_EQ(store->written, ids_upto(kRows)) << "batch 0 acknowledged, batch 1 refused";
  EXPECT_EQ(index.stats().buffered, 2 * kRows) << "batch 1 and batch 2 (hashed meanwhile)";
  EXPECT_EQ(source.served(), 3u) << "no batch read beyond the one hashed during the write";
  index.flush();  // the retry writes them, in order
  EXPECT_EQ(store->written, ids_upto(3 * kRows));
  EXPECT_EQ(index.ingest_from(source, batch_by_batch()), kRows) << "and the source carries on with batch 3";
  EXPECT_EQ(store->written, ids_upto(4 * kRows)) << "nothing read from the source was lost";
}

TEST(PipelinedIngest, ARefusedBatchIsReportedAfterTheWriteBeforeItAndNotBuffered) {
  auto store = std::make_shared<WatchingStore>();
  Batches source(4, /*bad=*/1);
  Index index(options(), store);
  try {
    index.ingest_from(source, batch_by_batch());
    FAIL() << "a NaN was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store->written, ids_upto(kRows)) << "batch 0 was written before the error";
  EXPECT_EQ(index.stats().buffered, 0u) << "nothing of the refused batch";
}

TEST(PipelinedIngest, AWriteFailureComesBeforeTheRefusalOfTheBatchAfterIt) {
  auto store = std::make_shared<WatchingStore>();
  store->failing = {0};
  Batches source(3, /*bad=*/1);
  Index index(options(), store);
  EXPECT_THROW(index.ingest_from(source, batch_by_batch()), StorageError);
  EXPECT_TRUE(store->written.empty());
  EXPECT_EQ(index.stats().buffered, kRows) << "batch 0 kept for a retry, batch 1 dropped";
  index.flush();
  EXPECT_EQ(store->written, ids_upto(kRows));
}

// Gathered writes: batches of 10 rows, sent once 25 are pending, so writes
// of 30, 30 and the last 10 — in source order, each row once.
TEST(PipelinedIngest, BatchesAreGatheredIntoWritesOfWriteRows) {
  auto store = std::make_shared<WatchingStore>();
  Batches source(7);
  Index index(options(), store);
  IngestOptions o;
  o.write_rows = 25;
  std::vector<std::uint64_t> reported;
  o.progress = [&](const IngestProgress& p) { reported.push_back(p.rows_done); };
  o.progress_interval = std::chrono::milliseconds(0);
  EXPECT_EQ(index.ingest_from(source, o), 7 * kRows);
  EXPECT_EQ(store->adds, 3u);
  EXPECT_EQ(store->written, ids_upto(7 * kRows));
  EXPECT_EQ(reported, (std::vector<std::uint64_t>{0, 30, 60, 70, 70})) << "progress counts acknowledged rows";
  EXPECT_EQ(index.stats().buffered, 0u);
}

TEST(PipelinedIngest, AFailedGatheredWriteKeepsItsRowsAndThoseGatheredMeanwhile) {
  auto store = std::make_shared<WatchingStore>();
  store->failing = {1};
  Batches source(9);
  Index index(options(), store);
  IngestOptions o;
  o.write_rows = 30;
  EXPECT_THROW(index.ingest_from(source, o), StorageError);
  EXPECT_EQ(store->written, ids_upto(3 * kRows)) << "write 0 (batches 0-2) acknowledged";
  EXPECT_EQ(index.stats().buffered, 6 * kRows) << "write 1 (batches 3-5) and batches 6-8 gathered meanwhile";
  EXPECT_EQ(source.served(), 9u);
  index.flush();
  EXPECT_EQ(store->written, ids_upto(9 * kRows)) << "nothing read from the source was lost, in order";
}

TEST(PipelinedIngest, ARefusedBatchFirstWritesTheGatheredRowsBeforeIt) {
  auto store = std::make_shared<WatchingStore>();
  Batches source(6, /*bad=*/4);
  Index index(options(), store);
  IngestOptions o;
  o.write_rows = 30;
  EXPECT_THROW(index.ingest_from(source, o), InvalidArgument);
  EXPECT_EQ(store->written, ids_upto(4 * kRows)) << "batches 0-2, then batch 3 gathered before the refusal";
  EXPECT_EQ(index.stats().buffered, 0u) << "nothing of the refused batch";
  EXPECT_EQ(source.served(), 5u) << "nothing read after the refused batch";
}

TEST(PipelinedIngest, AutomaticWritesHoldTwiceTheBucketsOfABand) {
  auto store = std::make_shared<WatchingStore>();
  Batches source(7);  // 70 rows; 4 bits a band: 16 buckets, writes of 32 rows or more
  Index index(options(), store);
  EXPECT_EQ(index.ingest_from(source), 7 * kRows);
  EXPECT_EQ(store->adds, 2u) << "40 rows once 32 were pending, then the last 30";
  EXPECT_EQ(store->written, ids_upto(7 * kRows));
}

}  // namespace
}  // namespace lshrs::testing
