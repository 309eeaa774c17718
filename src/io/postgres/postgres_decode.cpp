// Decoding (id, vector) rows of binary-format libpq results.
#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "io/postgres/postgres_decode.hpp"
#include "lshrs/error.hpp"
#include "lshrs/safe_text.hpp"

namespace lshrs::pg {
namespace {

// Built-in type OIDs (fixed by PostgreSQL's catalog, pg_type.dat).
constexpr Oid kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25, kFloat4 = 700,
              kFloat8 = 701, kFloat4Array = 1021, kFloat8Array = 1022, kBpchar = 1042,
              kVarchar = 1043;

std::uint32_t be32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return std::uint32_t{u[0]} << 24 | std::uint32_t{u[1]} << 16 | std::uint32_t{u[2]} << 8 | u[3];
}

std::uint64_t be64(const char* p) {
  return std::uint64_t{be32(p)} << 32 | be32(p + 4);
}

[[noreturn]] void bad(const std::string& why) { throw SourceError("", why); }

// Every component goes through here: finite, and representable as float32.
void push_component(double v, std::size_t index, std::vector<float>& out) {
  if (!std::isfinite(v)) {
    bad("component " + std::to_string(index) + " is " + (std::isnan(v) ? "NaN" : "infinite") +
        ": vectors must be finite; fix or filter this row");
  }
  if (std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max())) {
    bad("component " + std::to_string(index) + " (" + std::to_string(v) +
        ") is out of float32 range");
  }
  out.push_back(static_cast<float>(v));
}

// Binary array format: ndim, has-null flag, element type, (size, lower bound)
// per dimension, then each element as (length, bytes), length -1 for NULL.
void decode_float_array(const char* p, int len, Oid elem, std::vector<float>& out) {
  const auto size = static_cast<std::size_t>(len);
  if (size < 12) bad("malformed binary array (" + std::to_string(size) + " bytes)");
  const auto ndim = static_cast<std::int32_t>(be32(p));
  if (ndim == 0) bad("the array is empty");
  if (ndim != 1) bad("is a " + std::to_string(ndim) + "-dimensional array; expected a flat one");
  if (be32(p + 8) != elem || size < 20) bad("malformed binary array");
  const auto n = static_cast<std::size_t>(be32(p + 12));
  const std::size_t width = elem == kFloat4 ? 4 : 8;
  std::size_t at = 20;
  for (std::size_t i = 0; i < n; ++i) {
    if (at + 4 > size) bad("malformed binary array (truncated)");
    const auto elen = static_cast<std::int32_t>(be32(p + at));
    at += 4;
    if (elen == -1) bad("component " + std::to_string(i) + " is NULL");
    if (static_cast<std::size_t>(elen) != width || at + width > size) bad("malformed binary array");
    if (width == 4) {
      const std::uint32_t bits = be32(p + at);
      float f;
      std::memcpy(&f, &bits, sizeof f);
      push_component(f, i, out);
    } else {
      const std::uint64_t bits = be64(p + at);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      push_component(d, i, out);
    }
    at += width;
  }
}

void decode_bytea(const char* p, int len, std::vector<float>& out) {
  const auto size = static_cast<std::size_t>(len);
  if (size == 0) bad("the bytea is empty");
  if (size % 4 != 0) {
    bad("the bytea has " + std::to_string(size) +
        " bytes, not a whole number of little-endian float32 values (4 bytes each)");
  }
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < size / 4; ++i) {
    const unsigned char* b = u + 4 * i;
    const std::uint32_t bits = std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 |
                               std::uint32_t{b[2]} << 16 | std::uint32_t{b[3]} << 24;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    push_component(f, i, out);
  }
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A fragment of a row's text for a message: any bytes a row holds (control
// bytes, invalid UTF-8) escaped, cut after 40 characters.
std::string shown(const char* b, const char* e) {
  return "'" + quote_user_text(std::string_view(b, static_cast<std::size_t>(e - b)), 40) + "'";
}

}  // namespace

void parse_text_vector(const char* text, std::size_t size, std::vector<float>& out) {
  const char* b = text;
  const char* e = text + size;
  while (b < e && is_space(*b)) ++b;
  while (e > b && is_space(e[-1])) --e;
  if (b < e && (*b == '[' || *b == '{' || *b == '(')) {
    const char close = *b == '[' ? ']' : *b == '{' ? '}' : ')';
    if (e - b < 2 || e[-1] != close) {
      bad("text " + shown(text, text + size) + " opens with '" + *b + "' but does not end with '" +
          close + "'");
    }
    ++b;
    --e;
  }
  std::size_t index = 0;
  for (const char* cur = b;; ++index) {
    const char* comma = std::find(cur, e, ',');
    const char* tb = cur;
    const char* te = comma;
    while (tb < te && is_space(*tb)) ++tb;
    while (te > tb && is_space(te[-1])) --te;
    if (tb == te) {
      if (index == 0 && comma == e) bad("the text vector " + shown(text, text + size) + " is empty");
      bad("component " + std::to_string(index) + " of " + shown(text, text + size) + " is empty");
    }
    const char* nb = (*tb == '+' && te - tb > 1) ? tb + 1 : tb;
    double v = 0;
    const auto [end, ec] = std::from_chars(nb, te, v);
    if (ec == std::errc::result_out_of_range) {
      bad("component " + std::to_string(index) + " " + shown(tb, te) + " is out of range");
    }
    if (ec != std::errc{} || end != te) {
      bad("component " + std::to_string(index) + " " + shown(tb, te) + " is not a number");
    }
    push_component(v, index, out);
    if (comma == e) break;
    cur = comma + 1;
  }
}

void RowDecoder::check_columns(const PGresult* result) {
  const int n = PQnfields(result);
  if (n != 2) {
    std::string names;
    for (int i = 0; i < n; ++i) names += (i > 0 ? ", " : "") + std::string(PQfname(result, i));
    throw SourceError(what_, "returns " + std::to_string(n) + " columns (" + names +
                                 "); expected exactly two: the id, then the vector");
  }
  assert(PQfformat(result, 0) == 1 && PQfformat(result, 1) == 1);
  id_name_ = PQfname(result, 0);
  vector_name_ = PQfname(result, 1);
  switch (PQftype(result, 0)) {
    case kInt2: id_size_ = 2; break;
    case kInt4: id_size_ = 4; break;
    case kInt8: id_size_ = 8; break;
    default:
      throw SourceError(what_ + ", column " + id_name_,
                        "has type " + type_name_(PQftype(result, 0)) +
                            "; ids must be smallint, integer or bigint (cast it in a custom "
                            "query, e.g. SELECT " + id_name_ + "::bigint, ...)");
  }
  switch (PQftype(result, 1)) {
    case kFloat4Array: kind_ = VectorKind::kFloat4Array; break;
    case kFloat8Array: kind_ = VectorKind::kFloat8Array; break;
    case kBytea: kind_ = VectorKind::kBytea; break;
    case kText:
    case kVarchar:
    case kBpchar: kind_ = VectorKind::kText; break;
    default: {
      const std::string type = type_name_(PQftype(result, 1));
      throw SourceError(what_ + ", column " + vector_name_,
                        "has type " + type +
                            "; vectors must be real[], double precision[], bytea (little-endian "
                            "float32) or text like '[1,2,3]'" +
                            (type == "vector" || type == "halfvec"
                                 ? " (for pgvector, select " + vector_name_ +
                                       "::real[] in a custom query)"
                                 : ""));
    }
  }
}

std::string RowDecoder::location(std::int64_t id, const std::string& column) const {
  return what_ + ", id " + std::to_string(id) + ", column " + column;
}

std::int64_t RowDecoder::decode_id(const PGresult* result, int row,
                                   std::uint64_t row_number) const {
  if (PQgetisnull(result, row, 0)) {
    throw SourceError(what_ + ", row " + std::to_string(row_number) + ", column " + id_name_,
                      "the id is NULL; every row needs an integer id (filter with WHERE " +
                          id_name_ + " IS NOT NULL or fix the row)");
  }
  // The server sends the column type's width; anything else (a proxy or a
  // server that lies) would be read past its end.
  if (PQgetlength(result, row, 0) != id_size_) {
    throw SourceError(what_ + ", row " + std::to_string(row_number) + ", column " + id_name_,
                      "the id has " + std::to_string(PQgetlength(result, row, 0)) +
                          " bytes where its type has " + std::to_string(id_size_));
  }
  const char* p = PQgetvalue(result, row, 0);
  switch (id_size_) {
    case 2: {
      const auto* u = reinterpret_cast<const unsigned char*>(p);
      return static_cast<std::int16_t>(static_cast<std::uint16_t>(u[0] << 8 | u[1]));
    }
    case 4: return static_cast<std::int32_t>(be32(p));
    default: return static_cast<std::int64_t>(be64(p));
  }
}

bool RowDecoder::vector_is_null(const PGresult* result, int row) const {
  return PQgetisnull(result, row, 1) != 0;
}

void RowDecoder::decode(const PGresult* result, int row, std::uint64_t row_number,
                        std::vector<std::int64_t>& ids, std::vector<float>& data) {
  const std::int64_t id = decode_id(result, row, row_number);
  if (PQgetisnull(result, row, 1)) {
    throw SourceError(location(id, vector_name_),
                      "the vector is NULL (filter with WHERE " + vector_name_ +
                          " IS NOT NULL or fix the row)");
  }
  const char* p = PQgetvalue(result, row, 1);
  const int len = PQgetlength(result, row, 1);
  const std::size_t before = data.size();
  try {
    switch (kind_) {
      case VectorKind::kFloat4Array: decode_float_array(p, len, kFloat4, data); break;
      case VectorKind::kFloat8Array: decode_float_array(p, len, kFloat8, data); break;
      case VectorKind::kBytea: decode_bytea(p, len, data); break;
      case VectorKind::kText: parse_text_vector(p, static_cast<std::size_t>(len), data); break;
    }
    const std::size_t n = data.size() - before;
    if (!dim_) {
      dim_ = n;
    } else if (n != *dim_) {
      bad("the vector has " + std::to_string(n) + " components but the first row had " +
          std::to_string(*dim_) + ": all vectors must have the same dimension");
    }
  } catch (const SourceError& e) {
    throw SourceError(location(id, vector_name_), e.what());
  }
  ids.push_back(id);
}

}  // namespace lshrs::pg
