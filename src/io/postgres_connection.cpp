// libpq connection wrapper: connecting, running statements, translating
// libpq failures into lshrs exceptions, identifier quoting.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "io/pg_connection.hpp"
#include "lshrs/error.hpp"

namespace lshrs::pg {
namespace {

// libpq's connect timeout, unless the DSN sets its own: without one, an
// unreachable host hangs for the kernel's TCP timeout (minutes).
constexpr const char* kConnectTimeoutSeconds = "10";

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

Connection::Connection(const std::string& dsn) : conn_(nullptr, &PQfinish) {
  check_dsn(dsn);
  // Later keywords override earlier ones: the DSN's own settings win.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {kConnectTimeoutSeconds, "lshrs", dsn.c_str(), nullptr};
  conn_.reset(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (!conn_) throw ConnectionError("PostgreSQL: out of memory while connecting");
  // A library must not write to stderr: the server's notices are dropped.
  PQsetNoticeProcessor(conn_.get(), [](void*, const char*) {}, nullptr);
  target_ = describe_target(conn_.get());
  if (const char* pass = PQpass(conn_.get()); pass != nullptr) password_ = pass;
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    throw ConnectionError("cannot connect to PostgreSQL at " + target_ + ": " +
                          scrub(trim_message(PQerrorMessage(conn_.get()))) +
                          " (check the DSN and that the server is running)");
  }
}

Connection::~Connection() = default;

bool Connection::broken() const noexcept { return PQstatus(conn_.get()) != CONNECTION_OK; }

void Connection::reset() {
  PQreset(conn_.get());
  if (broken()) {
    throw ConnectionError("lost the connection to PostgreSQL at " + target_ +
                          " and could not reconnect: " +
                          scrub(trim_message(PQerrorMessage(conn_.get()))));
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

Result Connection::check(PGresult* raw, const std::string& context) {
  Result r(raw);
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
  if (broken()) {
    throw ConnectionError("lost the connection to PostgreSQL at " + target_ + " while " +
                          context + ": " + scrub(trim_message(PQerrorMessage(conn_.get()))));
  }
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
  throw SourceError(context, "PostgreSQL error: " + scrub(message));
}

Result Connection::exec(const std::string& sql, std::span<const std::string> params,
                        bool binary, const std::string& context) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  return check(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()),
                            nullptr, values.data(), nullptr, nullptr, binary ? 1 : 0),
               context);
}

Result Connection::prepare(const std::string& name, const std::string& sql,
                           const std::string& context) {
  return check(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr), context);
}

Result Connection::exec_prepared(const std::string& name, std::span<const std::string> params,
                                 const std::string& context) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  return check(PQexecPrepared(conn_.get(), name.c_str(), static_cast<int>(values.size()),
                              values.data(), nullptr, nullptr, /*resultFormat=*/1),
               context);
}

std::string Connection::type_name(Oid oid) {
  const std::string fallback = "type oid " + std::to_string(oid);
  const std::string param = std::to_string(oid);
  Result r(PQexecParams(conn_.get(), "SELECT format_type($1::oid, NULL)", 1, nullptr,
                        std::array<const char*, 1>{param.c_str()}.data(), nullptr, nullptr, 0));
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1 ||
      PQgetisnull(r.get(), 0, 0)) {
    return fallback;
  }
  return PQgetvalue(r.get(), 0, 0);
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
