// PostgreSQL as a VectorFetcher: one prepared `… WHERE id = ANY($1)` per
// fetch, on a connection of its own guarded by a mutex.
#include <memory>
#include <mutex>
#include <string>

#include "io/postgres/postgres_connection.hpp"
#include "io/postgres/postgres_decode.hpp"
#include "lshrs/error.hpp"
#include "lshrs/postgres.hpp"

namespace lshrs {
namespace {

constexpr const char* kStatement = "lshrs_fetch";

class PostgresFetcher final : public VectorFetcher {
 public:
  explicit PostgresFetcher(const PostgresOptions& o)
      : what_("PostgreSQL table " + o.table),
        sql_("SELECT " + pg::quote_identifier(o.id_column, "id_column") + ", " +
             pg::quote_identifier(o.vector_column, "vector_column") + " FROM " +
             pg::quote_qualified(o.table, "table") + " WHERE " +
             pg::quote_identifier(o.id_column, "id_column") + " = ANY($1::bigint[])"),
        conn_(std::make_unique<pg::Connection>(o.dsn, o.timeout)),
        decoder_(what_, [this](Oid oid) { return conn_->type_name(oid); }) {
    // Preparing checks the table, the columns and the id type right away.
    ensure_prepared();
  }

  FetchedVectors fetch(std::span<const std::int64_t> ids) override {
    FetchedVectors out;
    if (ids.empty()) return out;
    std::string array = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (i > 0) array += ',';
      array += std::to_string(ids[i]);
    }
    array += '}';
    const std::string params[] = {array};

    std::lock_guard lock(mutex_);
    pg::Result r = run(params);
    decoder_.check_columns(r.get());
    const int n = PQntuples(r.get());
    out.ids.reserve(static_cast<std::size_t>(n));
    for (int row = 0; row < n; ++row) {
      // A vector set to NULL since indexing counts as gone, like a deleted row.
      if (decoder_.vector_is_null(r.get(), row)) continue;
      decoder_.decode(r.get(), row, static_cast<std::uint64_t>(row) + 1, out.ids, out.data);
    }
    return out;
  }

 private:
  // Runs the statement; after a lost connection (server restart, idle
  // timeout, no answer in time) reconnects and tries once more.
  pg::Result run(std::span<const std::string> params) {
    try {
      ensure_prepared();
      return conn_->exec_prepared(kStatement, params, what_);
    } catch (const SourceUnavailable&) {
      prepared_ = false;  // a new connection has no prepared statement
      conn_->reset();
      ensure_prepared();
      return conn_->exec_prepared(kStatement, params, what_);
    }
  }

  // A retry that failed half-way leaves the statement unprepared: the next
  // fetch prepares it again instead of failing on "does not exist".
  void ensure_prepared() {
    if (prepared_) return;
    conn_->prepare(kStatement, sql_, what_);
    prepared_ = true;
  }

  std::string what_;
  std::string sql_;
  std::mutex mutex_;  // guards conn_ and decoder_
  std::unique_ptr<pg::Connection> conn_;
  pg::RowDecoder decoder_;
  bool prepared_ = false;
};

}  // namespace

std::shared_ptr<VectorFetcher> open_postgres_fetcher(const PostgresOptions& options) {
  if (options.table.empty()) {
    throw InvalidArgument("the PostgreSQL fetcher needs table mode (table, id_column, "
                          "vector_column): it reads rows by id from that table; for a custom "
                          "query, wrap your own lookup in a CallbackFetcher");
  }
  if (!options.query.empty()) {
    throw InvalidArgument("give either a PostgreSQL table or a custom query, not both");
  }
  return std::make_shared<PostgresFetcher>(options);
}

}  // namespace lshrs
