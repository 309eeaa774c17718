// Parquet files as a VectorSource: one streaming DuckDB query, cut into
// batches of batch_size rows.
#include <utility>

#include "io/parquet/parquet_scan.hpp"
#include "lshrs/error.hpp"

namespace lshrs {
namespace {

class ParquetSource final : public VectorSource {
 public:
  explicit ParquetSource(const ParquetOptions& options)
      : options_(options),
        total_(parquet::count_rows(database_.connection(), options)),
        scan_(database_.connection(), options) {
    scan_.start();
  }

  bool next(VectorBatch& batch) override {
    // Filled aside so that a bad row leaves `batch` untouched.
    std::vector<std::int64_t> ids;
    std::vector<float> data;
    if (scan_.read(options_.batch_size, ids, data) == 0) return false;
    batch.ids = std::move(ids);
    batch.data = std::move(data);
    batch.dim = scan_.dim();
    return true;
  }

  std::optional<std::uint64_t> total_rows() const override { return total_; }
  std::string describe() const override { return options_.path; }

 private:
  ParquetOptions options_;
  parquet::Database database_;
  std::uint64_t total_;
  parquet::ParquetScan scan_;
};

}  // namespace

bool parquet_supported() { return true; }

std::unique_ptr<VectorSource> open_parquet_source(const ParquetOptions& options) {
  if (options.batch_size == 0) throw InvalidArgument("ParquetOptions.batch_size must be > 0");
  return std::make_unique<ParquetSource>(options);
}

}  // namespace lshrs
