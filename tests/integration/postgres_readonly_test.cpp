// The PostgreSQL source only reads and never waits unbounded (issue 8 items
// 10 and 11): functions with side effects in the caller's SQL fragments run,
// but the transaction is rolled back, so no large object survives; a
// statement that does not answer within the timeout is cut with
// SourceTimeout, a SourceError (never a StorageError).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "integration/postgres_test_util.hpp"
#include "lshrs/error.hpp"
#include "lshrs/postgres.hpp"

namespace lshrs::testing {
namespace {

using ::testing::HasSubstr;

class PostgresReadOnlyTest : public PostgresFixture {
 protected:
  void SetUp() override {
    PostgresFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    table_ = create_table("ro", "id bigint, v real[]");
    sql("INSERT INTO " + table_ +
        " SELECT g, ARRAY[g, 1, 2]::real[] FROM generate_series(1, 30) g");
  }

  long large_objects() { return std::stol(sql("SELECT count(*) FROM pg_largeobject_metadata")); }

  // Drains a source built from `o` and checks that no large object is left.
  void expect_nothing_written(const PostgresOptions& o, std::size_t rows) {
    const long before = large_objects();
    auto source = open_postgres_source(o);
    EXPECT_EQ(drain(*source).ids.size(), rows);
    source.reset();
    EXPECT_EQ(large_objects(), before) << "the source committed a side effect";
  }

  std::string table_;
};

TEST_F(PostgresReadOnlyTest, WhereWithSideEffectsIsRolledBack) {
  auto o = table_options(table_);
  o.where = "id < 10 AND (SELECT lo_create(0)) > 0";
  expect_nothing_written(o, 9);
}

TEST_F(PostgresReadOnlyTest, OrderByWithSideEffectsIsRolledBack) {
  auto o = table_options(table_);
  o.order_by = "(SELECT lo_create(0))";
  expect_nothing_written(o, 30);
}

TEST_F(PostgresReadOnlyTest, QueryWithSideEffectsIsRolledBack) {
  PostgresOptions o;
  o.dsn = dsn_;
  o.query = "SELECT id, v FROM " + table_ + " WHERE lo_from_bytea(0, 'x') > 0";
  expect_nothing_written(o, 30);
}

TEST_F(PostgresReadOnlyTest, ShortBatchesEndTheSameWay) {
  // Several batches: the end comes after the last full one, not at once.
  auto o = table_options(table_);
  o.where = "(SELECT lo_create(0)) > 0";
  o.batch_size = 7;
  expect_nothing_written(o, 30);
}

TEST_F(PostgresReadOnlyTest, SlowStatementIsCutByTheTimeout) {
  PostgresOptions o;
  o.dsn = dsn_;
  o.query = "SELECT id, v FROM " + table_ + " WHERE pg_sleep(30) IS NOT NULL";
  o.timeout = std::chrono::milliseconds(500);
  const auto start = std::chrono::steady_clock::now();
  try {
    auto source = open_postgres_source(o);
    drain(*source);
    ADD_FAILURE() << "a 30 s statement finished within a 0.5 s timeout";
  } catch (const SourceTimeout& e) {
    EXPECT_THAT(e.what(), HasSubstr("no answer within 0.5 s"));
    EXPECT_EQ(dynamic_cast<const StorageError*>(&e), nullptr);
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
}

TEST_F(PostgresReadOnlyTest, FetcherReconnectsAfterATimeout) {
  auto o = table_options(table_);
  o.timeout = std::chrono::milliseconds(2000);
  auto fetcher = open_postgres_fetcher(o);
  const std::int64_t ids[] = {3, 4};
  EXPECT_EQ(fetcher->fetch(ids).ids.size(), 2u);
  // Hold a lock the fetch needs: its first try times out, the retry too,
  // and the caller sees SourceTimeout in bounded time.
  const std::string holder =
      "BEGIN; LOCK TABLE " + table_ + " IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(6); COMMIT;";
  const char* psql_bin = std::getenv("LSHRS_TEST_PSQL");
  const std::string cmd = std::string(psql_bin != nullptr ? psql_bin : "psql") + " -X -q -d '" +
                          dsn_ + "' -c \"" + holder + "\" >/dev/null 2>&1 &";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(fetcher->fetch(ids), SourceTimeout);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 6.5);
  std::this_thread::sleep_for(std::chrono::seconds(5));  // the lock holder ends
  EXPECT_EQ(fetcher->fetch(ids).ids.size(), 2u) << "the fetcher did not recover";
}

}  // namespace
}  // namespace lshrs::testing
