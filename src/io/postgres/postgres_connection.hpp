// Internal: a libpq connection with RAII, the one place where libpq failures
// become lshrs exceptions, and identifier quoting.
//
// Messages never carry the password: the target is described from the parsed
// connection options without it, and any occurrence of the password in a
// libpq message is masked.
//
// Every wait is bounded by the timeout given at construction: the connect
// (libpq's connect_timeout, whole seconds, at least 2), and each statement,
// which is sent and awaited in non-blocking mode with a poll() deadline, so a
// stopped backend or a silent network cannot block the caller. The server is
// told the same limit (statement_timeout) so that it gives up too.
//
// Thread safety: a Connection is used by one thread at a time.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace lshrs::pg {

struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

class Connection {
 public:
  // Connects (SourceUnavailable with libpq's reason; InvalidArgument for a
  // malformed connection string). An empty DSN uses libpq's defaults and the
  // PG* environment variables. `timeout` bounds the connect and every
  // statement; 0 waits forever.
  Connection(const std::string& dsn, std::chrono::milliseconds timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement with text parameters, results in binary when
  // `binary`. Throws SourceError("<context>", server message) when the server
  // rejects it, SourceUnavailable when the connection is lost or the server
  // does not answer within the timeout (the connection is then dropped:
  // reset() opens a new one). `context` says what was being done ("reading
  // table items").
  Result exec(const std::string& sql, std::span<const std::string> params, bool binary,
              const std::string& context);
  Result exec(const std::string& sql, const std::string& context) {
    return exec(sql, {}, false, context);
  }
  Result prepare(const std::string& name, const std::string& sql, const std::string& context);
  Result exec_prepared(const std::string& name, std::span<const std::string> params,
                       const std::string& context);

  // The SQL name of a type ("vector", "numeric[]"), for messages; "type oid N"
  // when the server cannot say.
  std::string type_name(Oid oid);

  // True when the connection is gone (server restart, network loss).
  bool broken() const noexcept;
  // Reconnects in place (SourceUnavailable when that fails too).
  void reset();

  // "127.0.0.1:5432/db as user": where this connects, password-free.
  const std::string& target() const noexcept { return target_; }

 private:
  void connect();
  Result await(int sent, const std::string& context);
  bool wait_socket(short events, std::chrono::steady_clock::time_point deadline) const;
  [[noreturn]] void timed_out(const std::string& context);
  [[noreturn]] void lost(const std::string& context);
  Result check(PGresult* r, const std::string& context);
  std::string scrub(std::string message) const;

  std::string dsn_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn_;
  std::string target_;
  std::string password_;  // only to mask it in messages
};

// "name" with embedded double quotes doubled. InvalidArgument when empty or
// containing NUL; `what` names the option ("id_column").
std::string quote_identifier(std::string_view name, const char* what);
// A possibly schema-qualified name: parts separated by '.', each quoted. A
// part may itself be written quoted ("my.schema"."t") to contain dots.
std::string quote_qualified(std::string_view name, const char* what);

}  // namespace lshrs::pg
