// The VectorSource and VectorFetcher contract suites (tests/unit/
// source_contract.hpp, fetcher_contract.hpp) against the server- and
// DuckDB-backed adapters: PostgreSQL (a real server, tables written by psql)
// and Parquet (files written by DuckDB's own COPY, not by the reader under
// test). The file adapters run the same suites in tests/unit/file_adapters_contract_test.cpp.
#include <sstream>

#include "integration/postgres_test_env.hpp"
#include "lshrs/parquet.hpp"
#include "lshrs/postgres.hpp"
#include "support/fetcher_contract.hpp"
#include "support/source_contract.hpp"
#include "support/test_support.hpp"
#if LSHRS_HAVE_DUCKDB
#include "integration/parquet_test_env.hpp"
#endif

namespace lshrs::testing {
namespace {

// `v` as SQL array text: {1.5,-2,...} (values are exact multiples of 1/64).
std::string array_literal(std::span<const float> v, const char* open, const char* close) {
  std::ostringstream s;
  s.precision(9);
  s << open;
  for (std::size_t j = 0; j < v.size(); ++j) s << (j ? "," : "") << v[j];
  s << close;
  return s.str();
}

// A fresh table (id bigint, embedding real[]) holding `t`, dropped at the end.
PostgresOptions write_postgres(const VectorTable& t, Keepalive& keep) {
  auto guard = std::make_shared<TableGuard>(pg_dsn());
  keep.push_back(guard);
  const std::string table = guard->add(unique_table("contract"));
  std::string sql = "CREATE TABLE " + table + " (id bigint, embedding real[]); INSERT INTO " +
                    table + " VALUES ";
  for (std::size_t r = 0; r < t.rows(); ++r) {
    sql += (r ? "," : "") + std::string("(") + std::to_string(t.ids[r]) + ", '" +
           array_literal(t.row(r), "{", "}") + "')";
  }
  psql(pg_dsn(), sql);
  PostgresOptions o;
  o.dsn = pg_dsn();
  o.table = table;
  o.order_by = "id";  // the contract reads rows in table order; make it explicit
  return o;
}

struct PostgresFactory {
  static constexpr bool kIdsAreRowNumbers = false;
  static constexpr bool kOmitsUnknownIds = true;
  static void require() { LSHRS_REQUIRE_PG(pg_dsn()); }
  static std::unique_ptr<VectorSource> make(const VectorTable& t, std::size_t batch,
                                            Keepalive& keep) {
    auto o = write_postgres(t, keep);
    o.batch_size = batch;
    return open_postgres_source(o);
  }
  static std::shared_ptr<VectorFetcher> make(const VectorTable& t, Keepalive& keep) {
    return open_postgres_fetcher(write_postgres(t, keep));
  }
};

#if LSHRS_HAVE_DUCKDB
// A Parquet file of `t` in row groups of 5 rows, written by DuckDB's COPY.
ParquetOptions write_parquet(const VectorTable& t, Keepalive& keep) {
  auto dir = std::make_shared<ScratchDir>("contract-parquet");
  keep.push_back(dir);
  const auto path = *dir / "items.parquet";
  std::string values;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    values += (r ? "," : "") + std::string("(") + std::to_string(t.ids[r]) + "::BIGINT, " +
              array_literal(t.row(r), "[", "]") + "::FLOAT[])";
  }
  DuckDb db;
  db.exec("COPY (SELECT * FROM (VALUES " + values + ") AS t(\"index\", vector)) TO " +
          sql_literal(path.string()) + " (FORMAT parquet, ROW_GROUP_SIZE 5)");
  ParquetOptions o;
  o.path = path.string();
  return o;
}

// kCacheBytes 0: every fetch queries the file; the default answers from memory.
template <std::size_t kCacheBytes>
struct ParquetFactory {
  static constexpr bool kIdsAreRowNumbers = false;
  static constexpr bool kOmitsUnknownIds = true;
  static void require() { LSHRS_REQUIRE(parquet_supported(), "lshrs was built without DuckDB"); }
  static std::unique_ptr<VectorSource> make(const VectorTable& t, std::size_t batch,
                                            Keepalive& keep) {
    auto o = write_parquet(t, keep);
    o.batch_size = batch;
    return open_parquet_source(o);
  }
  static std::shared_ptr<VectorFetcher> make(const VectorTable& t, Keepalive& keep) {
    auto o = write_parquet(t, keep);
    o.fetch_cache_bytes = kCacheBytes;
    return open_parquet_fetcher(o);
  }
};
using ServerSources = ::testing::Types<PostgresFactory, ParquetFactory<0>>;
using ServerFetchers =
    ::testing::Types<PostgresFactory, ParquetFactory<0>, ParquetFactory<std::size_t{256} << 20>>;
#else
using ServerSources = ::testing::Types<PostgresFactory>;
using ServerFetchers = ::testing::Types<PostgresFactory>;
#endif

INSTANTIATE_TYPED_TEST_SUITE_P(Server, SourceContract, ServerSources);
INSTANTIATE_TYPED_TEST_SUITE_P(Server, FetcherContract, ServerFetchers);

}  // namespace
}  // namespace lshrs::testing
