// Internal: decoding (id, vector) rows of a binary-format libpq result.
//
// Ids: smallint, integer or bigint. Vectors: real[], double precision[],
// bytea (little-endian float32) or text/varchar in pgvector's "[1,2,3]" or
// array "{1,2,3}" form. Every component must be finite and fit float32; all
// rows share the dimension of the first one.
//
// Thread safety: a RowDecoder is used by one thread at a time.
#pragma once

#include <libpq-fe.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lshrs::pg {

enum class VectorKind { kFloat4Array, kFloat8Array, kBytea, kText };

class RowDecoder {
 public:
  // Names a type for messages ("vector", "numeric[]"), e.g. by asking the server.
  using TypeNamer = std::function<std::string(Oid)>;

  // `what` prefixes error locations ("PostgreSQL table items").
  RowDecoder(std::string what, TypeNamer type_name)
      : what_(std::move(what)), type_name_(std::move(type_name)) {}

  // Checks that `result` has exactly two columns of supported types; throws
  // SourceError naming the column and its type otherwise.
  void check_columns(const PGresult* result);
  // Appends row `row`'s id and vector to ids/data. Throws SourceError naming
  // the id (or the row number, for a NULL id) and the column. `row_number`
  // counts from 1 over the whole stream, for messages.
  void decode(const PGresult* result, int row, std::uint64_t row_number,
              std::vector<std::int64_t>& ids, std::vector<float>& data);
  // Whether row `row`'s vector is NULL (the fetcher treats it as missing).
  bool vector_is_null(const PGresult* result, int row) const;

  // The dimension of the first row decoded, once there is one.
  std::optional<std::size_t> dim() const noexcept { return dim_; }

 private:
  std::int64_t decode_id(const PGresult* result, int row, std::uint64_t row_number) const;
  std::string location(std::int64_t id, const std::string& column) const;

  std::string what_;
  TypeNamer type_name_;
  int id_size_ = 8;  // bytes: 2, 4 or 8
  VectorKind kind_ = VectorKind::kFloat4Array;
  std::string id_name_, vector_name_;
  std::optional<std::size_t> dim_;
};

// Parses "[1,2,3]", "{1,2,3}", "(1,2,3)" or "1,2,3" (whitespace allowed) into `out`;
// throws SourceError("", reason) for anything else. For tests and decoding.
void parse_text_vector(const char* text, std::size_t size, std::vector<float>& out);

}  // namespace lshrs::pg
