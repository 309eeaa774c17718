// .npy as a vector source, as a fetcher, and as a whole matrix (read/write).
#include <algorithm>
#include <fstream>
#include <unordered_map>
#include <vector>

#include "io/files/mmap_npy.hpp"
#include "io/files/resident_rows.hpp"
#include "lshrs/error.hpp"
#include "lshrs/files.hpp"
#include "util/cosine.hpp"
#include "util/vector_checks.hpp"

namespace lshrs {
namespace {

void check_batch_size(std::size_t batch_size) {
  if (batch_size == 0) throw InvalidArgument("batch_size must be > 0");
}

std::optional<io::NpyIdsFile> open_ids(const NpyOptions& options, const io::NpyMatrixFile& m) {
  if (!options.ids) return std::nullopt;
  io::NpyIdsFile ids(*options.ids);
  if (ids.size() != m.rows()) {
    throw SourceError(options.ids->string(),
                      "holds " + std::to_string(ids.size()) + " ids but " + m.path().string() +
                          " has " + std::to_string(m.rows()) + " rows; give one id per row");
  }
  return ids;
}

class NpySource final : public VectorSource {
 public:
  explicit NpySource(const NpyOptions& options)
      : matrix_(options.vectors),
        ids_(open_ids(options, matrix_)),
        batch_size_(options.batch_size) {
    matrix_.advise_sequential();
  }

  bool next(VectorBatch& batch) override {
    const std::size_t count = std::min(batch_size_, matrix_.rows() - next_row_);
    if (count == 0) return false;
    batch.dim = matrix_.cols();
    batch.ids.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      batch.ids[i] = ids_ ? ids_->at(next_row_ + i) : static_cast<std::int64_t>(next_row_ + i);
    }
    batch.data.resize(count * matrix_.cols());
    matrix_.copy_rows(next_row_, count, batch.data.data());
    next_row_ += count;
    return true;
  }

  std::optional<std::uint64_t> total_rows() const override { return matrix_.rows(); }
  std::string describe() const override { return matrix_.path().string(); }

 private:
  io::NpyMatrixFile matrix_;
  std::optional<io::NpyIdsFile> ids_;
  std::size_t batch_size_;
  std::size_t next_row_ = 0;
};

bool holds_in_memory(const io::NpyMatrixFile& m, NpyResidency residency) {
  switch (residency) {
    case NpyResidency::kMapped: return false;
    case NpyResidency::kInMemory: return true;
    case NpyResidency::kAuto: break;
  }
  return io::ResidentRows::fits_in_memory(m.rows() * m.cols() * sizeof(float));
}

// Rows by id. With an ids file the id -> row map is built once at open (16
// bytes or so per row, in memory); without one the id is the row number.
class NpyFetcher final : public VectorFetcher {
 public:
  explicit NpyFetcher(const NpyOptions& options) : matrix_(options.vectors) {
    if (auto ids = open_ids(options, matrix_)) {
      row_of_.emplace();
      row_of_->reserve(ids->size());
      // A repeated id keeps its last row, as re-ingesting an id replaces it.
      for (std::size_t r = 0; r < ids->size(); ++r) (*row_of_)[ids->at(r)] = r;
    }
    if (holds_in_memory(matrix_, options.residency)) resident_.emplace(matrix_);
    rows_ = resident_ ? resident_->data() : matrix_.float32_data();
  }

  FetchedVectors fetch(std::span<const std::int64_t> ids) override {
    FetchedVectors out;
    out.ids.reserve(ids.size());
    out.data.reserve(ids.size() * matrix_.cols());
    for (const std::int64_t id : ids) {
      const auto row = row_for(id);
      if (!row) continue;
      out.ids.push_back(id);
      out.data.resize(out.data.size() + matrix_.cols());
      float* to = out.data.data() + out.data.size() - matrix_.cols();
      if (resident_) {
        std::copy_n(resident_->data() + *row * matrix_.cols(), matrix_.cols(), to);
      } else {
        matrix_.copy_rows(*row, 1, to);
      }
    }
    return out;
  }

  // Scores the rows where they are: a query's candidates are spread over the
  // file, and copying each one's vector cost more than its cosine.
  ScoredIds similarities(std::span<const float> query, std::span<const std::int64_t> ids) override {
    const float* data = rows_;
    if (data == nullptr || query.size() != matrix_.cols()) return VectorFetcher::similarities(query, ids);
    const std::size_t dim = matrix_.cols();
    const float query_norm = util::vector_norm(query);
    ScoredIds out;
    out.ids.reserve(ids.size());
    std::vector<const float*> rows;
    rows.reserve(ids.size());
    for (const std::int64_t id : ids) {
      if (const auto row = row_for(id)) {
        out.ids.push_back(id);
        rows.push_back(data + *row * dim);
      }
    }
    // Candidates are scattered over the file, so scoring waits on memory, not
    // arithmetic: ask for the rows a few candidates ahead, so that several
    // cache misses are outstanding at once instead of one after another.
    constexpr std::size_t kAhead = 8;
    const std::size_t line_floats = 64 / sizeof(float);
    auto prefetch = [&](const float* v) {
      for (std::size_t j = 0; j < dim; j += line_floats) __builtin_prefetch(v + j);
    };
    for (std::size_t i = 0; i < std::min(kAhead, rows.size()); ++i) prefetch(rows[i]);
    out.scores.resize(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (i + kAhead < rows.size()) prefetch(rows[i + kAhead]);
      const float* v = rows[i];
      const float sq = util::squared_norm(v, dim);
      if (util::row_needs_checks(sq, dim, util::kZeroTolerance)) {
        util::validate_fetched(std::span(&out.ids[i], 1), std::span(v, dim), dim);
      }
      out.scores[i] = util::cosine(query, query_norm, v, sq);
    }
    return out;
  }

 private:
  std::optional<std::size_t> row_for(std::int64_t id) const {
    if (row_of_) {
      const auto it = row_of_->find(id);
      if (it == row_of_->end()) return std::nullopt;
      return it->second;
    }
    if (id < 0 || static_cast<std::uint64_t>(id) >= matrix_.rows()) return std::nullopt;
    return static_cast<std::size_t>(id);
  }

  io::NpyMatrixFile matrix_;
  std::optional<io::ResidentRows> resident_;
  // float32 rows to score in place: the copy, else the mapping (nullptr for
  // a mapped float64 file, which is scored through copies).
  const float* rows_ = nullptr;
  std::optional<std::unordered_map<std::int64_t, std::size_t>> row_of_;
};

}  // namespace

std::unique_ptr<VectorSource> open_npy_source(const NpyOptions& options) {
  check_batch_size(options.batch_size);
  return std::make_unique<NpySource>(options);
}

std::shared_ptr<VectorFetcher> open_npy_fetcher(const NpyOptions& options) {
  return std::make_shared<NpyFetcher>(options);
}

Matrix read_npy_matrix(const std::filesystem::path& path) {
  const io::NpyMatrixFile file(path, /*allow_1d=*/true);
  Matrix m;
  m.rows = file.rows();
  m.cols = file.cols();
  m.data.resize(m.rows * m.cols);
  file.copy_rows(0, m.rows, m.data.data());
  return m;
}

void write_npy_matrix(const std::filesystem::path& path, const Matrix& matrix) {
  if (matrix.data.size() != matrix.rows * matrix.cols) {
    throw InvalidArgument("cannot write a " + std::to_string(matrix.rows) + " × " +
                          std::to_string(matrix.cols) + " matrix from " +
                          std::to_string(matrix.data.size()) + " values");
  }
  const std::size_t shape[] = {matrix.rows, matrix.cols};
  const std::string bytes = npy::write_float32(matrix.data, shape);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    throw SourceError(path.string(),
                      "cannot write the .npy file (check the directory exists "
                      "and is writable, and the free space)");
  }
}

}  // namespace lshrs
