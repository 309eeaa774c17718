// .fvecs (TEXMEX, as used by the SIFT1M/GIST1M benchmarks) as a vector source.
//
// Each record is a little-endian int32 dimension d followed by d float32; all
// records of a file have the same d. The file is mapped and walked record by
// record; every record's dimension is checked as it is read, so a corrupt
// record stops the batch that holds it, naming the row.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "io/files/mmap_file.hpp"
#include "lshrs/error.hpp"
#include "lshrs/files.hpp"

namespace lshrs {
namespace {

class FvecsSource final : public VectorSource {
 public:
  explicit FvecsSource(const FvecsOptions& options)
      : file_(options.vectors), batch_size_(options.batch_size) {
    file_.advise_sequential();
    if (file_.size() == 0) return;  // no vectors
    dim_ = read_dim(0, 0);
    if (dim_ <= 0) fail(0, "declares dimension " + std::to_string(dim_) + "; expected > 0");
    record_bytes_ = 4 + 4 * static_cast<std::size_t>(dim_);
    // Before any buffer is sized by the declared dimension: 8 bytes must not
    // make us allocate gigabytes.
    if (file_.size() < record_bytes_) {
      fail(0, "declares dimension " + std::to_string(dim_) + " but the file has " +
                  std::to_string(file_.size()) + " bytes, fewer than the " +
                  std::to_string(record_bytes_) + " one record needs (truncated or not .fvecs)");
    }
  }

  bool next(VectorBatch& batch) override {
    if (offset_ == file_.size()) return false;
    const auto dim = static_cast<std::size_t>(dim_);
    VectorBatch out;  // filled completely before it replaces `batch`
    out.dim = dim;
    // Room for the whole records left, never for what a record merely
    // declares: a tiny file may claim a dimension of 2^31-1.
    const std::size_t cap = std::min(batch_size_, (file_.size() - offset_) / record_bytes_);
    out.ids.reserve(cap);
    out.data.resize(cap * dim);
    while (out.ids.size() < batch_size_ && offset_ < file_.size()) {
      const std::size_t row = row_;
      const std::int32_t d = read_dim(offset_, row);
      if (d != dim_) {
        fail(row, "declares dimension " + std::to_string(d) + " but row 0 has " +
                      std::to_string(dim_) + " (all records must have the same dimension)");
      }
      if (file_.size() - offset_ < record_bytes_) truncated(row);
      std::memcpy(out.data.data() + out.ids.size() * dim, file_.bytes().data() + offset_ + 4,
                  dim * sizeof(float));
      out.ids.push_back(static_cast<std::int64_t>(row));
      offset_ += record_bytes_;
      ++row_;
    }
    out.data.resize(out.ids.size() * dim);
    batch = std::move(out);
    return true;
  }

  std::optional<std::uint64_t> total_rows() const override {
    if (file_.size() == 0) return 0;
    if (file_.size() % record_bytes_ != 0) return std::nullopt;  // fails when read
    return file_.size() / record_bytes_;
  }

  std::string describe() const override { return file_.path().string(); }

 private:
  std::int32_t read_dim(std::size_t offset, std::size_t row) const {
    if (file_.size() - offset < 4) truncated(row);
    std::int32_t d;
    std::memcpy(&d, file_.bytes().data() + offset, sizeof(d));
    return d;
  }

  [[noreturn]] void truncated(std::size_t row) const {
    fail(row, "the record is truncated: " + std::to_string(file_.size() - offset_) +
                  " bytes remain of the " + std::to_string(record_bytes_ ? record_bytes_ : 4) +
                  " a record needs (the file was cut short?)");
  }

  [[noreturn]] void fail(std::size_t row, const std::string& what) const {
    throw SourceError(file_.path().string() + " row " + std::to_string(row) + " (byte offset " +
                          std::to_string(offset_) + ")",
                      what);
  }

  io::MappedFile file_;
  std::size_t batch_size_;
  std::int32_t dim_ = 0;
  std::size_t record_bytes_ = 0;
  std::size_t offset_ = 0;  // of the next record
  std::size_t row_ = 0;     // its row number
};

}  // namespace

std::unique_ptr<VectorSource> open_fvecs_source(const FvecsOptions& options) {
  if (options.batch_size == 0) throw InvalidArgument("batch_size must be > 0");
  return std::make_unique<FvecsSource>(options);
}

}  // namespace lshrs
