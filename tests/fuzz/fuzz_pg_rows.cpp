// Fuzzes the decoder of PostgreSQL result rows (postgres_decode.hpp), as a
// server — or anyone between it and us — might send them: the bytes choose
// the id and vector column types and give up to three binary rows (an id of
// any length, a NULL or a vector of any bytes). The result is built with
// libpq's own PQmakeEmptyPGresult/PQsetvalue, as the network would fill it.
// Properties: a SourceError of one line, or rows whose vectors all have the
// first one's dimension and only finite components.
#include <cmath>
#include <libpq-fe.h>

#include "fuzz_support.hpp"
#include "io/postgres/postgres_decode.hpp"
#include "lshrs/error.hpp"

namespace {

using Bytes = lshrs::fuzz::ByteReader;

constexpr Oid kIdTypes[] = {21, 23, 20, 25};          // smallint, integer, bigint, text
constexpr Oid kVectorTypes[] = {1021, 1022, 17, 25, 1043, 700};  // real[], float8[], bytea, text, varchar, real

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in{data, size};
  const std::uint8_t types = in.next();
  PGresult* result = PQmakeEmptyPGresult(nullptr, PGRES_TUPLES_OK);
  char id_name[] = "id", vector_name[] = "embedding";
  PGresAttDesc attrs[2] = {{id_name, 0, 0, 1, kIdTypes[types % 4], -1, -1},
                           {vector_name, 0, 0, 1, kVectorTypes[(types / 4) % 6], -1, -1}};
  lshrs::fuzz::require(result != nullptr && PQsetResultAttrs(result, 2, attrs) != 0, "libpq result");
  const int rows = 1 + in.next() % 3;
  for (int r = 0; r < rows; ++r) {
    std::string id = in.take(in.next() % 10);
    lshrs::fuzz::require(PQsetvalue(result, r, 0, id.data(), static_cast<int>(id.size())) != 0, "set id");
    const std::uint8_t null_and_len = in.next();
    std::string vec = in.take((null_and_len & 0x7f) + (static_cast<std::size_t>(in.next()) << 7));
    const int len = (null_and_len & 0x80) != 0 && vec.empty() ? -1 : static_cast<int>(vec.size());
    lshrs::fuzz::require(PQsetvalue(result, r, 1, vec.data(), len) != 0, "set vector");
  }
  lshrs::pg::RowDecoder decoder("PostgreSQL table t", [](Oid oid) { return "type " + std::to_string(oid); });
  std::vector<std::int64_t> ids;
  std::vector<float> vectors;
  try {
    decoder.check_columns(result);
    for (int r = 0; r < rows; ++r) decoder.decode(result, r, static_cast<std::uint64_t>(r + 1), ids, vectors);
    lshrs::fuzz::require(decoder.dim().has_value(), "rows decoded without a dimension");
    lshrs::fuzz::require(vectors.size() == ids.size() * *decoder.dim(), "vectors of differing dimensions");
    for (const float v : vectors) lshrs::fuzz::require(std::isfinite(v), "a component that is not finite");
  } catch (const lshrs::SourceError& e) {
    lshrs::fuzz::require_one_line(e.what());
  }
  PQclear(result);
  return 0;
}
