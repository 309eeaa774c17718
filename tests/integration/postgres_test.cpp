// PostgreSQL source against a real server: every vector column type, id
// types, table options, custom queries with parameters, identifier injection,
// wrong column types, connection failures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "integration/postgres_test_util.hpp"
#include "lshrs/error.hpp"
#include "lshrs/postgres.hpp"

namespace lshrs::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::vector<std::vector<float>> kVectors = {
    {1.0f, 2.5f, -3.0f}, {0.1f, -0.25f, 1e-3f}, {4e10f, 5.0f, 1.17549435e-38f}};

struct ColumnCase {
  const char* label;
  const char* type;
  std::function<std::string(const std::vector<float>&)> literal;
};

void PrintTo(const ColumnCase& c, std::ostream* os) { *os << c.label; }

class ColumnTypeTest : public PostgresFixture,
                       public ::testing::WithParamInterface<ColumnCase> {};

TEST_P(ColumnTypeTest, ReadsVectorsExactly) {
  const ColumnCase& c = GetParam();
  const std::string t = create_table(c.label, std::string("id bigint, v ") + c.type);
  std::string insert = "INSERT INTO " + t + " VALUES ";
  for (std::size_t i = 0; i < kVectors.size(); ++i) {
    insert += (i > 0 ? ", (" : "(") + std::to_string(i + 1) + ", " + c.literal(kVectors[i]) + ")";
  }
  sql(insert);
  auto o = table_options(t);
  o.order_by = "id";
  auto source = open_postgres_source(o);
  EXPECT_THAT(source->describe(), HasSubstr(t));
  const Drained d = drain(*source);
  ASSERT_EQ(d.ids, (std::vector<std::int64_t>{1, 2, 3}));
  ASSERT_EQ(d.dim, 3u);
  std::vector<float> expected;
  for (const auto& v : kVectors) expected.insert(expected.end(), v.begin(), v.end());
  EXPECT_EQ(d.data, expected);
}

INSTANTIATE_TEST_SUITE_P(
    AllTypes, ColumnTypeTest,
    ::testing::Values(
        ColumnCase{"real_array", "real[]",
                   [](const auto& v) { return "ARRAY[" + joined(v) + "]::real[]"; }},
        ColumnCase{"double_array", "double precision[]",
                   [](const auto& v) { return "'{" + joined(v) + "}'::double precision[]"; }},
        ColumnCase{"bytea", "bytea", [](const auto& v) { return bytea_literal(v); }},
        ColumnCase{"text_pgvector", "text", [](const auto& v) { return "'[" + joined(v) + "]'"; }},
        ColumnCase{"text_array", "text", [](const auto& v) { return "'{" + joined(v) + "}'"; }},
        ColumnCase{"varchar_spaced", "varchar(200)",
                   [](const auto& v) {
                     std::string s = "' [ ";
                     for (std::size_t i = 0; i < v.size(); ++i) {
                       s += (i > 0 ? " ,  " : "") + float_text(v[i]);
                     }
                     return s + " ] '";
                   }}),
    [](const auto& case_info) { return std::string(case_info.param.label); });

TEST_F(PostgresFixture, AcceptsSmallintAndIntegerIds) {
  for (const char* type : {"smallint", "integer", "bigint"}) {
    const std::string t = create_table("ids", std::string("id ") + type + ", v real[]");
    const std::string big = std::string(type) == "bigint" ? "1099511627776" : "32767";
    sql("INSERT INTO " + t + " VALUES (0, '{1,0}'), (-5, '{0,1}'), (" + big + ", '{1,1}')");
    auto o = table_options(t);
    o.order_by = "id";
    auto source = open_postgres_source(o);
    EXPECT_EQ(drain(*source).ids, (std::vector<std::int64_t>{-5, 0, std::stoll(big)})) << type;
  }
}

TEST_F(PostgresFixture, SchemaQualifiedAndCaseSensitiveNames) {
  const std::string schema = unique_table("Schema");
  tables_->add("\"" + schema + "\".\"Items\"");
  sql("CREATE SCHEMA \"" + schema + "\"; CREATE TABLE \"" + schema +
      "\".\"Items\" (\"Id\" int, \"Emb\" real[]); INSERT INTO \"" + schema +
      "\".\"Items\" VALUES (7, '{1,2}')");
  PostgresOptions o;
  o.dsn = dsn_;
  o.table = schema + ".Items";
  o.id_column = "Id";
  o.vector_column = "Emb";
  EXPECT_EQ(drain(*open_postgres_source(o)).ids, std::vector<std::int64_t>{7});
  o.table = "\"" + schema + "\".\"Items\"";  // parts may be given quoted
  EXPECT_EQ(drain(*open_postgres_source(o)).ids, std::vector<std::int64_t>{7});
  o.table = schema + ".items";  // quoted identifiers keep their case
  EXPECT_THROW(open_postgres_source(o), SourceError);
  sql("DROP SCHEMA \"" + schema + "\" CASCADE");
}

TEST_F(PostgresFixture, WhereOrderByAndLimit) {
  const std::string t = create_table("wol", "id int, v real[]");
  sql("INSERT INTO " + t + " SELECT g, ARRAY[g, 1]::real[] FROM generate_series(1, 20) g");
  auto o = table_options(t);
  o.where = "id % 2 = 0";
  o.order_by = "id DESC";
  o.limit = 3;
  EXPECT_EQ(drain(*open_postgres_source(o)).ids, (std::vector<std::int64_t>{20, 18, 16}));
  o.limit = 0;
  EXPECT_TRUE(drain(*open_postgres_source(o)).ids.empty());
}

TEST_F(PostgresFixture, CustomQueryWithParameters) {
  const std::string t = create_table("query", "id int, label text, v real[]");
  sql("INSERT INTO " + t + " SELECT g, CASE WHEN g % 3 = 0 THEN 'a' ELSE 'b' END, " +
      "ARRAY[g, -g]::real[] FROM generate_series(1, 30) g");
  PostgresOptions o;
  o.dsn = dsn_;
  o.query = "SELECT id, v AS emb FROM " + t + " WHERE id > $1 AND label = $2 ORDER BY id";
  o.params = {"20", "a"};
  auto source = open_postgres_source(o);
  EXPECT_THAT(source->describe(), HasSubstr("query"));
  const Drained d = drain(*source);
  EXPECT_EQ(d.ids, (std::vector<std::int64_t>{21, 24, 27, 30}));
  EXPECT_EQ(d.data, (std::vector<float>{21, -21, 24, -24, 27, -27, 30, -30}));
  // A parameter is data, never SQL.
  o.params = {"20", "a' OR '1'='1"};
  EXPECT_TRUE(drain(*open_postgres_source(o)).ids.empty());
  // Casts and expressions in a query: a pgvector-like text column from a real[].
  o.query = "SELECT id::smallint, array_to_string(v, ',') FROM " + t + " WHERE id = $1";
  o.params = {"2"};
  EXPECT_EQ(drain(*open_postgres_source(o)).data, (std::vector<float>{2, -2}));
}

TEST_F(PostgresFixture, RejectsBadOptionsBeforeConnecting) {
  PostgresOptions o;
  o.dsn = "postgresql://nobody@127.0.0.1:1/none";  // never reached
  o.params = {"1"};
  EXPECT_THROW(open_postgres_source(o), InvalidArgument);  // params without query
  o.params.clear();
  EXPECT_THROW(open_postgres_source(o), InvalidArgument);  // neither table nor query
  o.table = "t";
  o.query = "SELECT 1, '{1}'::real[]";
  EXPECT_THROW(open_postgres_source(o), InvalidArgument);  // both
  o.query.clear();
  o.batch_size = 0;
  EXPECT_THROW(open_postgres_source(o), InvalidArgument);
  o.batch_size = 10;
  for (const char* bad : {"", ".t", "s.", "s..t", "\"unterminated", "\"a\"b"}) {
    o.table = bad;
    EXPECT_THROW(open_postgres_source(o), InvalidArgument) << bad;
  }
  o.table = "t";
  o.id_column = "";
  EXPECT_THROW(open_postgres_source(o), InvalidArgument);
  o.id_column = "id";
  o.vector_column = "";
  EXPECT_THROW(open_postgres_source(o), InvalidArgument);
  o.vector_column = "v";
  o.query = "SELECT 1";
  o.table.clear();
  o.where = "true";
  EXPECT_THROW(open_postgres_source(o), InvalidArgument);  // where belongs to table mode
}

TEST_F(PostgresFixture, IdentifiersCannotInjectSql) {
  const std::string victims = create_table("victims", "id int");
  sql("INSERT INTO " + victims + " VALUES (1)");
  const std::string items = create_table("items", "id int, v real[]");
  sql("INSERT INTO " + items + " VALUES (1, '{1,2}')");
  auto expect_victims_alive = [&] { EXPECT_EQ(sql("SELECT count(*) FROM " + victims), "1"); };

  auto o = table_options(items + "\"; DROP TABLE " + victims + "; --");
  try {
    open_postgres_source(o);
    ADD_FAILURE() << "a table name with SQL in it was accepted";
  } catch (const SourceError& e) {
    EXPECT_THAT(e.what(), HasSubstr("does not exist"));
  }
  expect_victims_alive();

  o = table_options(items);
  o.id_column = "id\", (SELECT 1 FROM " + victims + ") AS \"x";
  try {
    drain(*open_postgres_source(o));
    ADD_FAILURE() << "a column name with SQL in it was accepted";
  } catch (const SourceError& e) {
    EXPECT_THAT(e.what(), HasSubstr("does not exist"));
  }
  o.id_column = "id";
  o.vector_column = "v\" FROM " + items + "; DROP TABLE " + victims + "; --";
  EXPECT_THROW(drain(*open_postgres_source(o)), SourceError);
  EXPECT_THROW(open_postgres_fetcher(o), SourceError);
  expect_victims_alive();

  // And the same kind of name is simply a name: such a table can be read.
  const std::string weird = "we\"ird; DROP TABLE " + victims + "; --";
  std::string quoted = "\"";
  for (char c : weird) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  quoted += "\"";
  tables_->add(quoted);
  sql("CREATE TABLE " + quoted + " (id int, v real[]); INSERT INTO " + quoted +
      " VALUES (3, '{1}')");
  o = table_options(weird);
  EXPECT_EQ(drain(*open_postgres_source(o)).ids, std::vector<std::int64_t>{3});
  expect_victims_alive();
}

TEST_F(PostgresFixture, WrongColumnTypesAreNamed) {
  const std::string t = create_table("types", "id int, tid text, v real[], n numeric[]");
  sql("INSERT INTO " + t + " VALUES (1, '1', '{1,2}', '{1,2}')");
  auto o = table_options(t);
  o.id_column = "tid";
  try {
    drain(*open_postgres_source(o));
    ADD_FAILURE() << "a text id was accepted";
  } catch (const SourceError& e) {
    EXPECT_THAT(e.what(), HasSubstr("column tid"));
    EXPECT_THAT(e.what(), HasSubstr("bigint"));
  }
  o = table_options(t, "n");
  try {
    drain(*open_postgres_source(o));
    ADD_FAILURE() << "a numeric[] vector was accepted";
  } catch (const SourceError& e) {
    EXPECT_THAT(e.what(), HasSubstr("column n"));
    EXPECT_THAT(e.what(), HasSubstr("numeric[]"));
  }
  PostgresOptions q;
  q.dsn = dsn_;
  q.query = "SELECT id, v, n FROM " + t;
  EXPECT_THROW(drain(*open_postgres_source(q)), SourceError);
}

TEST_F(PostgresFixture, EmptyTableYieldsNothing) {
  const std::string t = create_table("empty", "id int, v real[]");
  auto source = open_postgres_source(table_options(t));
  VectorBatch batch;
  EXPECT_FALSE(source->next(batch));
  EXPECT_FALSE(source->next(batch));
}

TEST_F(PostgresFixture, ConnectionErrorsNeverShowThePassword) {
  PostgresOptions o;
  o.table = "t";
  o.dsn = "postgresql://someone:Sup3rSecretPw@127.0.0.1:1/lshrs_test";
  try {
    open_postgres_source(o);
    ADD_FAILURE() << "connected to a closed port";
  } catch (const SourceUnavailable& e) {
    EXPECT_THAT(e.what(), Not(HasSubstr("Sup3rSecretPw")));
    EXPECT_THAT(e.what(), HasSubstr("127.0.0.1"));
    // A PostgreSQL failure is the source's, never the bucket store's.
    EXPECT_EQ(dynamic_cast<const StorageError*>(&e), nullptr);
  }
  o.dsn = "host=127.0.0.1 port=1 password=Sup3rSecretPw dbname";  // malformed
  try {
    open_postgres_source(o);
    ADD_FAILURE() << "accepted a malformed DSN";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), Not(HasSubstr("Sup3rSecretPw")));
  }
  o.dsn = dsn_ + "_no_such_database";
  try {
    open_postgres_fetcher(o);
    ADD_FAILURE() << "connected to a missing database";
  } catch (const SourceUnavailable& e) {
    EXPECT_THAT(e.what(), HasSubstr("does not exist"));
  }
}

}  // namespace
}  // namespace lshrs::testing
