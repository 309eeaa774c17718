// lshrs — PostgreSQL as a vector source and as a fetcher for reranking.
//
// Reads `id` and `vector` columns from a table (identifiers are quoted, so no
// SQL can be injected through them; `where` and `order_by` are SQL fragments
// the caller owns) or from a custom query with $1… parameters, streaming with
// a server-side cursor: the table is never loaded whole. Vector columns may be
// real[], double precision[], bytea (little-endian float32) or text in
// pgvector's "[1,2,3]" or array "{1,2,3}" form. NULLs, ragged dimensions,
// non-numeric text and non-finite values stop with a SourceError naming the
// row's id and the column; nothing of that batch is returned, and the source
// refuses to carry on. The cursor runs in a READ ONLY transaction on a
// connection of its own that always ends with ROLLBACK, never COMMIT: the raw
// `where`/`order_by` fragments and custom queries cannot write tables, and
// whatever a function with side effects does (lo_create, ...) is discarded.
// Failing to connect, losing the connection, or no answer within `timeout`
// throws SourceUnavailable (a SourceError, never a StorageError) with libpq's
// reason (never the password); a statement the server rejects (missing table
// or column, bad SQL) throws SourceError with the server's message.
//
// Thread safety: a source is used by one thread at a time; a fetcher
// serialises its calls on its own connection.
#pragma once

#include "lshrs/export.hpp"
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lshrs/fetcher.hpp"
#include "lshrs/source.hpp"

namespace lshrs {

struct PostgresOptions {
  // libpq connection string or URI ("postgresql://user@host:5432/db", "host=… dbname=…").
  // Empty: libpq's defaults and PG* environment variables.
  std::string dsn;
  // Bounds every wait on the server: the connect (whole seconds, at least 2,
  // unless the DSN sets connect_timeout) and each statement, i.e. each batch
  // read or fetch (also sent to the server as statement_timeout). A server
  // that does not answer in time gives SourceUnavailable. 0 waits forever.
  std::chrono::milliseconds timeout{30'000};
  // Table mode: SELECT "id_column", "vector_column" FROM "table" [WHERE …] [ORDER BY …] [LIMIT n].
  // `table` may be schema-qualified ("public.items"): each part is quoted (case
  // kept); a part written in double quotes ("my.schema".items) may contain dots.
  // Ids must be smallint/integer/bigint.
  std::string table;
  std::string id_column = "id";
  std::string vector_column = "embedding";
  std::string where;                    // raw SQL condition, optional
  std::string order_by;                 // raw SQL, optional
  std::optional<std::uint64_t> limit;
  // Query mode (instead of table): must return exactly two columns, id then
  // vector; $1… bound to params (sent as text, typed by the server).
  std::string query;
  std::vector<std::string> params;
  std::size_t batch_size = 10'000;      // rows per batch (> 0)
};

LSHRS_API std::unique_ptr<VectorSource> open_postgres_source(const PostgresOptions& options);

// Fetches vectors by id with `… WHERE id_column = ANY($1)` on the same table
// (table mode only; where/order_by/limit are not applied). Ids no longer in
// the table, or whose vector is now NULL, are simply absent. The statement is
// prepared at open (a missing table or column fails there); after a lost
// connection a fetch reconnects once before throwing SourceUnavailable.
LSHRS_API std::shared_ptr<VectorFetcher> open_postgres_fetcher(const PostgresOptions& options);

}  // namespace lshrs
