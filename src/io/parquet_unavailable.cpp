// Built instead of src/io/parquet/ when DuckDB was not found at configure time.
#include "lshrs/error.hpp"
#include "lshrs/parquet.hpp"

namespace lshrs {
namespace {
[[noreturn]] void unavailable() {
  throw ConfigurationError(
      "Parquet support is not built in: lshrs was configured without DuckDB. Run scripts/setup "
      "(it provisions libduckdb) and rebuild, or install DuckDB's C library system-wide");
}
}  // namespace

bool parquet_supported() { return false; }
std::unique_ptr<VectorSource> open_parquet_source(const ParquetOptions&) { unavailable(); }
std::shared_ptr<VectorFetcher> open_parquet_fetcher(const ParquetOptions&) { unavailable(); }
void write_parquet(const std::string&, std::span<const std::int64_t>, std::span<const float>,
                   std::size_t, const std::string&, const std::string&) {
  unavailable();
}

}  // namespace lshrs
