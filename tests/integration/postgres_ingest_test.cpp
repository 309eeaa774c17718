// Ingesting from PostgreSQL into an Index: bad rows stop the ingestion with an
// error naming the id and column and nothing of their batch is written; a
// table larger than one batch streams in several.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <numeric>
#include <ostream>
#include <string>
#include <vector>

#include "integration/postgres_test_util.hpp"
#include "lshrs/error.hpp"
#include "lshrs/index.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/postgres.hpp"
#include "support/test_support.hpp"

namespace lshrs::testing {
namespace {

using ::testing::HasSubstr;

IndexOptions small_index(std::size_t dim) { return small_index_options("lsh", dim); }

struct BadRowCase {
  const char* label;
  const char* type;        // vector column type
  const char* good;        // literal of a good 3-d vector of that type
  const char* bad_id;      // id of the bad row (SQL)
  const char* bad_vector;  // its vector literal
  const char* expected_location;  // in the message, besides the column
  const char* expected_column;
};

void PrintTo(const BadRowCase& c, std::ostream* os) { *os << c.label; }

class BadRowTest : public PostgresFixture, public ::testing::WithParamInterface<BadRowCase> {};

// Rows pos 1..8 are good (two batches of 4), pos 10 is bad: the third batch
// (pos 9..12) must leave nothing in the index.
TEST_P(BadRowTest, StopsNamingIdAndColumnAndWritesNothingOfTheBatch) {
  const BadRowCase& c = GetParam();
  const std::string t = create_table(c.label, std::string("pos int, id bigint, vec ") + c.type);
  std::string insert = "INSERT INTO " + t + " VALUES ";
  for (int pos = 1; pos <= 12; ++pos) {
    const bool bad = pos == 10;
    insert += (pos > 1 ? ", (" : "(") + std::to_string(pos) + ", " +
              (bad ? std::string(c.bad_id) : std::to_string(pos)) + ", " +
              (bad ? c.bad_vector : c.good) + ")";
  }
  sql(insert);
  auto o = table_options(t, "vec");
  o.order_by = "pos";
  o.batch_size = 4;
  auto source = open_postgres_source(o);
  Index index(small_index(3));
  try {
    index.ingest_from(*source);
    ADD_FAILURE() << "ingested a table with a bad row";
  } catch (const SourceError& e) {
    EXPECT_THAT(e.what(), HasSubstr(c.expected_location));
    EXPECT_THAT(e.what(), HasSubstr("column " + std::string(c.expected_column)));
    EXPECT_THAT(e.location(), HasSubstr(t));
  }
  EXPECT_EQ(index.stats().storage.ids, 8u) << "only the two good batches may be indexed";
  VectorBatch batch;
  EXPECT_THROW(source->next(batch), SourceError) << "a failed source must not carry on";
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds, BadRowTest,
    ::testing::Values(
        BadRowCase{"null_id", "real[]", "'{1,2,3}'", "NULL", "'{1,2,3}'", "row 10", "id"},
        BadRowCase{"null_vector", "real[]", "'{1,2,3}'", "10", "NULL", "id 10", "vec"},
        BadRowCase{"ragged", "real[]", "'{1,2,3}'", "10", "'{1,2}'", "id 10", "vec"},
        BadRowCase{"ragged_bytea", "bytea", "'\\x0000803f0000803f0000803f'", "10",
                   "'\\x0000803f0000803f'", "id 10", "vec"},
        BadRowCase{"odd_bytea", "bytea", "'\\x0000803f0000803f0000803f'", "10",
                   "'\\x0000803f0000'", "id 10", "vec"},
        BadRowCase{"non_numeric", "text", "'[1,2,3]'", "10", "'[1,two,3]'", "id 10", "vec"},
        BadRowCase{"nan_real", "real[]", "'{1,2,3}'", "10", "'{1,NaN,3}'", "id 10", "vec"},
        BadRowCase{"inf_double", "double precision[]", "'{1,2,3}'", "10", "'{1,2,-Infinity}'",
                   "id 10", "vec"},
        BadRowCase{"nan_text", "text", "'{1,2,3}'", "10", "'{1,2,NaN}'", "id 10", "vec"},
        BadRowCase{"overflow_double", "double precision[]", "'{1,2,3}'", "10", "'{1,2,1e300}'",
                   "id 10", "vec"},
        BadRowCase{"null_component", "real[]", "'{1,2,3}'", "10", "'{1,NULL,3}'", "id 10",
                   "vec"},
        BadRowCase{"nested_array", "real[]", "'{1,2,3}'", "10", "'{{1,2},{3,4}}'", "id 10",
                   "vec"},
        BadRowCase{"empty_text", "text", "'[1,2,3]'", "10", "'[]'", "id 10", "vec"}),
    [](const auto& case_info) { return std::string(case_info.param.label); });

TEST_F(PostgresFixture, NonNumericMessageShowsTheValue) {
  const std::string t = create_table("nonnum", "id int, v text");
  sql("INSERT INTO " + t + " VALUES (41, '[0.5, abc, 1]')");
  try {
    drain(*open_postgres_source(table_options(t)));
    ADD_FAILURE() << "accepted 'abc'";
  } catch (const SourceError& e) {
    EXPECT_THAT(e.what(), HasSubstr("id 41, column v"));
    EXPECT_THAT(e.what(), HasSubstr("'abc' is not a number"));
  }
}

TEST_F(PostgresFixture, TableLargerThanOneBatchStreamsInBatches) {
  const std::string t = create_table("large", "id bigint PRIMARY KEY, v real[]");
  sql("INSERT INTO " + t + " SELECT g, ARRAY[sin(g), cos(g), 1 + (g % 7)]::real[] " +
      "FROM generate_series(1, 25000) g");
  auto o = table_options(t);  // batch_size 10,000: the default
  {
    auto source = open_postgres_source(o);
    const Drained d = drain(*source);
    EXPECT_EQ(d.batch_sizes, (std::vector<std::size_t>{10000, 10000, 5000}));
    std::vector<std::int64_t> ids = d.ids;
    std::sort(ids.begin(), ids.end());
    std::vector<std::int64_t> expected(25000);
    std::iota(expected.begin(), expected.end(), 1);
    EXPECT_EQ(ids, expected);
  }
  Index index(small_index(3));
  std::vector<IngestProgress> reports;
  IngestOptions io;
  io.progress = [&](const IngestProgress& p) { reports.push_back(p); };
  io.progress_interval = std::chrono::milliseconds(0);
  auto source = open_postgres_source(o);
  EXPECT_EQ(index.ingest_from(*source, io), 25000u);
  EXPECT_EQ(index.stats().storage.ids, 25000u);
  ASSERT_FALSE(reports.empty());
  EXPECT_TRUE(reports.back().finished);
  EXPECT_EQ(reports.back().rows_done, 25000u);
}

TEST_F(PostgresFixture, DimensionMismatchWithTheIndexIsRefused) {
  const std::string t = create_table("dim", "id int, v real[]");
  sql("INSERT INTO " + t + " VALUES (1, '{1,2,3,4}')");
  auto source = open_postgres_source(table_options(t));
  Index index(small_index(3));
  EXPECT_THROW(index.ingest_from(*source), InvalidArgument);
  EXPECT_EQ(index.stats().storage.ids, 0u);
}

}  // namespace
}  // namespace lshrs::testing
