// libpq connection wrapper: connecting, running statements, translating
// libpq failures into lshrs exceptions, identifier quoting.
#include <poll.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <string>
#include <vector>

#include "io/postgres/postgres_connection.hpp"
#include "lshrs/error.hpp"

namespace lshrs::pg {
namespace {

using Clock = std::chrono::steady_clock;

// libpq's connect_timeout is whole seconds and treats 1 as 2: round up.
std::string connect_timeout_seconds(std::chrono::milliseconds timeout) {
  const long long s = (timeout.count() + 999) / 1000;
  return std::to_string(std::max(2LL, s));
}

std::string seconds_text(std::chrono::milliseconds t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", static_cast<double>(t.count()) / 1000.0);
  return buf;
}

// libpq messages end with a newline and may span lines: make them one line.
std::string trim_message(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\n' || c == '\t' || c == '\r') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// A malformed DSN can make libpq quote a fragment of it in its message; when
// the fragment might be the password, that message is withheld.
bool may_hold_password(const std::string& dsn) {
  std::string lower(dsn);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.find("password") != std::string::npos) return true;
  const auto scheme = lower.find("://");
  if (scheme == std::string::npos) return false;
  const auto at = lower.find('@', scheme);
  return at != std::string::npos && lower.find(':', scheme + 3) < at;
}

void check_dsn(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(dsn.c_str(), &error);
  if (parsed != nullptr) {
    PQconninfoFree(parsed);
    return;
  }
  std::string reason = error != nullptr ? trim_message(error) : "out of memory";
  PQfreemem(error);
  if (may_hold_password(dsn)) reason = "libpq's reason withheld: it may quote the password";
  throw InvalidArgument("malformed PostgreSQL connection string (" + reason +
                        "); expected \"postgresql://user@host:port/dbname\" or "
                        "\"host=... port=... dbname=...\"");
}

std::string describe_target(PGconn* conn) {
  auto text = [](const char* s) { return std::string(s != nullptr ? s : ""); };
  std::string host = text(PQhost(conn));
  if (host.empty()) host = "localhost";
  std::string out = host + ":" + text(PQport(conn)) + "/" + text(PQdb(conn));
  const std::string user = text(PQuser(conn));
  if (!user.empty()) out += " as " + user;
  return out;
}

}  // namespace

Connection::Connection(const std::string& dsn, std::chrono::milliseconds timeout)
    : dsn_(dsn), timeout_(timeout), conn_(nullptr, &PQfinish) {
  check_dsn(dsn);
  connect();
}

Connection::~Connection() = default;

void Connection::connect() {
  // Later keywords override earlier ones: the DSN's own settings win. 0 means
  // "no timeout" to libpq as to us.
  const std::string connect_timeout =
      timeout_.count() > 0 ? connect_timeout_seconds(timeout_) : "0";
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {connect_timeout.c_str(), "lshrs", dsn_.c_str(), nullptr};
  conn_.reset(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (!conn_) throw SourceUnavailable("PostgreSQL", "out of memory while connecting");
  // A library must not write to stderr: the server's notices are dropped.
  PQsetNoticeProcessor(conn_.get(), [](void*, const char*) {}, nullptr);
  target_ = describe_target(conn_.get());
  if (const char* pass = PQpass(conn_.get()); pass != nullptr) password_ = pass;
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    throw SourceUnavailable("PostgreSQL at " + target_,
                            "cannot connect: " + scrub(trim_message(PQerrorMessage(conn_.get()))) +
                                " (check the DSN and that the server is running)");
  }
  if (PQsetnonblocking(conn_.get(), 1) != 0) lost("connecting");
  if (timeout_.count() > 0) {
    // The server gives up on a statement too, so a timed-out one frees it.
    exec("SET statement_timeout = " + std::to_string(timeout_.count()), "connecting");
  }
}

bool Connection::broken() const noexcept {
  return !conn_ || PQstatus(conn_.get()) != CONNECTION_OK;
}

void Connection::reset() {
  conn_.reset();
  try {
    connect();
  } catch (const SourceUnavailable& e) {
    throw SourceUnavailable(e.location(),
                            "lost the connection and could not reconnect: " +
                                std::string(e.what()).substr(e.location().size() + 2));
  }
}

std::string Connection::scrub(std::string message) const {
  // Very short passwords would mask ordinary words; libpq never quotes them anyway.
  if (password_.size() < 3) return message;
  for (auto pos = message.find(password_); pos != std::string::npos;
       pos = message.find(password_, pos)) {
    message.replace(pos, password_.size(), "********");
  }
  return message;
}

bool Connection::wait_socket(short events, Clock::time_point deadline) const {
  pollfd p{PQsocket(conn_.get()), events, 0};
  if (p.fd < 0) return true;  // libpq reports the broken connection
  for (;;) {
    int ms = -1;
    if (timeout_.count() > 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      ms = static_cast<int>(std::min<long long>(left, INT_MAX));
    }
    const int rc = ::poll(&p, 1, ms);
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return true;  // libpq's next call reports it
  }
}

void Connection::timed_out(const std::string& context) {
  // The statement may still be running: the connection is unusable until its
  // answer arrives, so it is dropped (the server's statement_timeout ends it).
  conn_.reset();
  throw SourceTimeout("PostgreSQL at " + target_,
                      "no answer within " + seconds_text(timeout_) + " while " + context +
                          " (the server is stopped, overloaded or the query is slow; "
                          "raise the timeout or check the server)");
}

void Connection::lost(const std::string& context) {
  const std::string why = conn_ ? scrub(trim_message(PQerrorMessage(conn_.get()))) : "closed";
  throw SourceUnavailable("PostgreSQL at " + target_,
                          "lost the connection while " + context + ": " + why);
}

Result Connection::await(int sent, const std::string& context) {
  if (sent == 0) return check(nullptr, context);
  const auto deadline = Clock::now() + timeout_;
  for (int f = PQflush(conn_.get()); f != 0; f = PQflush(conn_.get())) {
    if (f < 0) lost(context);
    if (!wait_socket(POLLIN | POLLOUT, deadline)) timed_out(context);
    if (PQconsumeInput(conn_.get()) == 0) lost(context);
  }
  Result kept;
  for (;;) {
    while (PQisBusy(conn_.get()) != 0) {
      if (!wait_socket(POLLIN, deadline)) timed_out(context);
      if (PQconsumeInput(conn_.get()) == 0) lost(context);
    }
    PGresult* r = PQgetResult(conn_.get());
    if (r == nullptr) break;
    // One statement gives one result; keep the first failure if any.
    const bool kept_failed = kept && PQresultStatus(kept.get()) != PGRES_COMMAND_OK &&
                             PQresultStatus(kept.get()) != PGRES_TUPLES_OK;
    if (kept_failed) {
      PQclear(r);
    } else {
      kept.reset(r);
    }
  }
  return check(kept.release(), context);
}

Result Connection::check(PGresult* raw, const std::string& context) {
  Result r(raw);
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
  if (broken()) lost(context);
  std::string message;
  if (r) {
    const char* primary = PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY);
    const char* detail = PQresultErrorField(r.get(), PG_DIAG_MESSAGE_DETAIL);
    const char* hint = PQresultErrorField(r.get(), PG_DIAG_MESSAGE_HINT);
    message = primary != nullptr ? primary : trim_message(PQresultErrorMessage(r.get()));
    if (detail != nullptr) message += std::string(" (") + detail + ")";
    if (hint != nullptr) message += std::string("; hint: ") + hint;
  }
  if (message.empty()) message = trim_message(PQerrorMessage(conn_.get()));
  const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
  if (state != nullptr && std::string_view(state) == "57014" && timeout_.count() > 0) {
    // query_canceled: our statement_timeout fired on the server first.
    throw SourceTimeout("PostgreSQL at " + target_,
                        "no answer within " + seconds_text(timeout_) + " while " + context +
                            " (the server cancelled the statement: " + scrub(message) +
                            "; raise the timeout or check the server)");
  }
  throw SourceError(context, "PostgreSQL error: " + scrub(message));
}

Result Connection::exec(const std::string& sql, std::span<const std::string> params,
                        bool binary, const std::string& context) {
  if (!conn_) lost(context);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  return await(PQsendQueryParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                                 values.data(), nullptr, nullptr, binary ? 1 : 0),
               context);
}

Result Connection::prepare(const std::string& name, const std::string& sql,
                           const std::string& context) {
  if (!conn_) lost(context);
  return await(PQsendPrepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr), context);
}

Result Connection::exec_prepared(const std::string& name, std::span<const std::string> params,
                                 const std::string& context) {
  if (!conn_) lost(context);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  return await(PQsendQueryPrepared(conn_.get(), name.c_str(), static_cast<int>(values.size()),
                                   values.data(), nullptr, nullptr, /*resultFormat=*/1),
               context);
}

std::string Connection::type_name(Oid oid) {
  const std::string fallback = "type oid " + std::to_string(oid);
  const std::string param[] = {std::to_string(oid)};
  try {
    Result r = exec("SELECT format_type($1::oid, NULL)", param, /*binary=*/false, "naming a type");
    if (PQntuples(r.get()) != 1 || PQgetisnull(r.get(), 0, 0)) return fallback;
    return PQgetvalue(r.get(), 0, 0);
  } catch (const SourceUnavailable&) {
    throw;
  } catch (const SourceError&) {
    return fallback;  // only for a message: the server's reason adds nothing
  }
}

std::string quote_identifier(std::string_view name, const char* what) {
  if (name.empty()) throw InvalidArgument(std::string(what) + " must not be empty");
  if (name.find('\0') != std::string_view::npos) {
    throw InvalidArgument(std::string(what) + " contains a NUL character");
  }
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string quote_qualified(std::string_view name, const char* what) {
  if (name.empty()) throw InvalidArgument(std::string(what) + " must not be empty");
  std::string out;
  std::size_t i = 0;
  while (true) {
    std::string part;
    if (i < name.size() && name[i] == '"') {  // a quoted part: "" is a quote
      for (++i;; ++i) {
        if (i >= name.size()) {
          throw InvalidArgument(std::string(what) + " \"" + std::string(name) +
                                "\" has an unterminated quoted part");
        }
        if (name[i] == '"') {
          if (i + 1 < name.size() && name[i + 1] == '"') {
            part += '"';
            ++i;
            continue;
          }
          ++i;
          break;
        }
        part += name[i];
      }
      if (i < name.size() && name[i] != '.') {
        throw InvalidArgument(std::string(what) + " \"" + std::string(name) +
                              "\": expected '.' after a quoted part");
      }
    } else {
      const auto dot = name.find('.', i);
      const auto end = dot == std::string_view::npos ? name.size() : dot;
      part = std::string(name.substr(i, end - i));
      i = end;
    }
    if (part.empty()) {
      throw InvalidArgument(std::string(what) + " \"" + std::string(name) +
                            "\" has an empty part; expected \"table\" or \"schema.table\"");
    }
    out += quote_identifier(part, what);
    if (i >= name.size()) return out;
    out += '.';
    ++i;  // the dot
    if (i >= name.size()) {
      throw InvalidArgument(std::string(what) + " \"" + std::string(name) + "\" ends with '.'");
    }
  }
}

}  // namespace lshrs::pg
