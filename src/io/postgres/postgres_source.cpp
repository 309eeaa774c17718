// PostgreSQL as a VectorSource: a server-side cursor in a read-only
// transaction, fetched batch_size rows at a time in binary format.
#include <memory>
#include <string>
#include <utility>

#include "io/postgres/postgres_connection.hpp"
#include "io/postgres/postgres_decode.hpp"
#include "lshrs/error.hpp"
#include "lshrs/postgres.hpp"

namespace lshrs {
namespace {

constexpr const char* kCursor = "lshrs_stream";

void check_options(const PostgresOptions& o) {
  if (o.batch_size == 0) throw InvalidArgument("PostgreSQL batch_size must be positive (got 0)");
  if (!o.params.empty() && o.query.empty()) {
    throw InvalidArgument("PostgreSQL params were given without a query: params bind $1, $2, ... "
                          "of a custom query; set query, or drop params in table mode");
  }
  if (!o.query.empty() && !o.table.empty()) {
    throw InvalidArgument("give either a PostgreSQL table (got \"" + o.table +
                          "\") or a custom query, not both");
  }
  if (o.query.empty() && o.table.empty()) {
    throw InvalidArgument("no PostgreSQL table or query given: set table (with id_column and "
                          "vector_column) or a custom query returning (id, vector)");
  }
  if (!o.query.empty() && (!o.where.empty() || !o.order_by.empty() || o.limit)) {
    throw InvalidArgument("where, order_by and limit apply to table mode only; with a custom "
                          "query, write them into the query");
  }
}

std::string source_name(const PostgresOptions& o) {
  if (!o.table.empty()) return "PostgreSQL table " + o.table;
  constexpr std::size_t kShown = 60;
  std::string q = o.query.substr(0, kShown);
  for (char& c : q) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return "PostgreSQL query '" + q + (o.query.size() > kShown ? "...'" : "'");
}

// The statement the cursor runs, and its parameters.
std::pair<std::string, std::vector<std::string>> statement(const PostgresOptions& o) {
  if (!o.query.empty()) return {o.query, o.params};
  std::string sql = "SELECT " + pg::quote_identifier(o.id_column, "id_column") + ", " +
                    pg::quote_identifier(o.vector_column, "vector_column") + " FROM " +
                    pg::quote_qualified(o.table, "table");
  if (!o.where.empty()) sql += " WHERE (" + o.where + ")";
  if (!o.order_by.empty()) sql += " ORDER BY " + o.order_by;
  std::vector<std::string> params;
  if (o.limit) {
    sql += " LIMIT $1";
    params.push_back(std::to_string(*o.limit));
  }
  return {sql, params};
}

class PostgresSource final : public VectorSource {
 public:
  explicit PostgresSource(const PostgresOptions& o)
      : what_(source_name(o)),
        fetch_sql_("FETCH FORWARD " + std::to_string(o.batch_size) + " FROM " + kCursor),
        batch_size_(o.batch_size),
        decoder_(what_, [this](Oid oid) { return conn_->type_name(oid); }) {
    auto [sql, params] = statement(o);  // before connecting: bad names fail fast
    conn_ = std::make_unique<pg::Connection>(o.dsn, o.timeout);
    // Read-only, and never committed: READ ONLY refuses writes to tables,
    // but functions with side effects (lo_create, lo_from_bytea, ...) in the
    // raw `where`/`order_by`/query still run, so the transaction always ends
    // with ROLLBACK (or a closed connection, which rolls back too).
    conn_->exec("BEGIN READ ONLY", what_);
    conn_->exec(std::string("DECLARE ") + kCursor + " NO SCROLL CURSOR FOR " + sql, params,
                /*binary=*/true, what_);
  }

  bool next(VectorBatch& batch) override {
    if (failed_) {
      throw SourceError(what_, "the source stopped at an earlier error; open a new one");
    }
    if (!conn_) return false;
    try {
      return read_batch(batch);
    } catch (...) {
      failed_ = true;
      conn_.reset();  // ends the transaction and frees the server's cursor
      throw;
    }
  }

  std::string describe() const override { return what_; }

 private:
  bool read_batch(VectorBatch& batch) {
    pg::Result r = conn_->exec(fetch_sql_, {}, /*binary=*/true, what_);
    if (!checked_) {
      decoder_.check_columns(r.get());
      checked_ = true;
    }
    const int n = PQntuples(r.get());
    VectorBatch out;
    out.ids.reserve(static_cast<std::size_t>(n));
    if (decoder_.dim()) out.data.reserve(static_cast<std::size_t>(n) * *decoder_.dim());
    for (int row = 0; row < n; ++row) {
      decoder_.decode(r.get(), row, rows_ + static_cast<std::uint64_t>(row) + 1, out.ids,
                      out.data);
    }
    rows_ += static_cast<std::uint64_t>(n);
    if (static_cast<std::size_t>(n) < batch_size_) finish();
    if (n == 0) return false;
    out.dim = *decoder_.dim();
    batch = std::move(out);
    return true;
  }

  // A short batch is the last: end the transaction, discarding whatever the
  // caller's SQL may have changed.
  void finish() {
    conn_->exec("ROLLBACK", what_);
    conn_.reset();
  }

  std::string what_;
  std::string fetch_sql_;
  std::size_t batch_size_;
  std::unique_ptr<pg::Connection> conn_;
  pg::RowDecoder decoder_;
  std::uint64_t rows_ = 0;
  bool checked_ = false;
  bool failed_ = false;
};

}  // namespace

std::unique_ptr<VectorSource> open_postgres_source(const PostgresOptions& options) {
  check_options(options);
  return std::make_unique<PostgresSource>(options);
}

}  // namespace lshrs
