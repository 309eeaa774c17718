// Mapped .npy matrices and id arrays: header checks, row copies.
#include "io/files/mmap_npy.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "lshrs/error.hpp"

namespace lshrs::io {
namespace {

// The header sits in the first bytes; a bounded copy is enough to parse it.
std::string header_prefix(const MappedFile& file) {
  const std::size_t n = std::min(file.size(), std::size_t{12} + npy::kMaxHeaderBytes);
  return std::string(file.bytes().substr(0, n));
}

npy::Header parse(const MappedFile& file, std::string_view bytes) {
  try {
    return npy::parse_header(bytes);
  } catch (const npy::NpyError& e) {
    throw SourceError(file.path().string(), e.what());
  }
}

// The data section must be exactly what the shape says; names the first row
// that is incomplete when the file was cut short.
void check_data_size(const MappedFile& file, const npy::Header& h, std::size_t row_bytes) {
  const std::size_t present = file.size() - h.data_offset;
  if (present == h.data_bytes()) return;
  std::string what = "the data section holds " + std::to_string(present) + " bytes but shape " +
                     npy::shape_string(h.shape) + " needs " + std::to_string(h.data_bytes());
  if (present < h.data_bytes()) {
    what += "; the file is truncated";
    if (row_bytes > 0) what += " from row " + std::to_string(present / row_bytes) + " on";
    what += " (re-export it)";
  } else {
    what += "; trailing bytes after the array (not a file numpy wrote)";
  }
  throw SourceError(file.path().string(), what);
}

// The value of the header dict's 'descr' key, when it is a plain string.
std::optional<std::pair<std::size_t, std::string>> find_descr(std::string_view header) {
  for (const std::string_view key : {"'descr'", "\"descr\""}) {
    std::size_t pos = header.find(key);
    if (pos == std::string_view::npos) continue;
    pos = header.find_first_not_of(" \t", pos + key.size());
    if (pos == std::string_view::npos || header[pos] != ':') return std::nullopt;
    pos = header.find_first_not_of(" \t", pos + 1);
    if (pos == std::string_view::npos || (header[pos] != '\'' && header[pos] != '"')) {
      return std::nullopt;
    }
    const std::size_t end = header.find(header[pos], pos + 1);
    if (end == std::string_view::npos) return std::nullopt;
    return std::pair{pos + 1, std::string(header.substr(pos + 1, end - pos - 1))};
  }
  return std::nullopt;
}

// The shared parser knows float dtypes only. An int64 id array has the same
// 8-byte layout as '<f8', so after checking the descr here we let the parser
// read everything else (magic, version, order, shape) from a copy whose descr
// says '<f8'.
std::string as_f8_header(const MappedFile& file, std::string header) {
  const auto descr = find_descr(header);
  if (!descr) {
    parse(file, header);  // reports a bad magic, version or header
    throw SourceError(file.path().string(), "the .npy header has no plain 'descr'");
  }
  if (descr->second != "<i8") {
    throw SourceError(file.path().string(),
                      "an ids file must hold int64 ('<i8'), but its dtype is '" + descr->second +
                          "'; save it with np.save(path, ids.astype('<i8'))");
  }
  header.replace(descr->first, 3, "<f8");
  return header;
}

}  // namespace

NpyMatrixFile::NpyMatrixFile(const std::filesystem::path& path, bool allow_1d) : file_(path) {
  const std::string where = path.string();
  const npy::Header h = parse(file_, header_prefix(file_));
  if (h.fortran_order) {
    throw SourceError(where,
                      "the array is stored in Fortran order; only C order is supported "
                      "(save np.ascontiguousarray(arr) instead)");
  }
  if (h.shape.size() == 1 && allow_1d) {
    rows_ = 1;
    cols_ = h.shape[0];
  } else if (h.shape.size() == 2) {
    rows_ = h.shape[0];
    cols_ = h.shape[1];
  } else {
    throw SourceError(
        where, "the array has shape " + npy::shape_string(h.shape) + "; expected 2-D (rows, dim)");
  }
  if (cols_ == 0 && rows_ > 0) {
    throw SourceError(
        where, "the array has shape " + npy::shape_string(h.shape) + ": vectors of dimension 0");
  }
  dtype_ = h.dtype;
  check_data_size(file_, h, cols_ * h.item_size());
  data_ = file_.bytes().data() + h.data_offset;
}

void NpyMatrixFile::copy_rows(std::size_t first, std::size_t count, float* out) const noexcept {
  const std::size_t n = count * cols_;
  if (n == 0) return;
  if (dtype_ == npy::DType::kFloat32) {
    std::memcpy(out, data_ + first * cols_ * sizeof(float), n * sizeof(float));
    return;
  }
  const char* src = data_ + first * cols_ * sizeof(double);
  for (std::size_t i = 0; i < n; ++i) {
    double v;
    std::memcpy(&v, src + i * sizeof(double), sizeof(double));
    out[i] = static_cast<float>(v);
  }
}

NpyIdsFile::NpyIdsFile(const std::filesystem::path& path) : file_(path) {
  const npy::Header h = parse(file_, as_f8_header(file_, header_prefix(file_)));
  if (h.fortran_order && h.shape.size() > 1) {
    throw SourceError(path.string(), "the ids array is stored in Fortran order");
  }
  if (h.shape.size() != 1) {
    throw SourceError(path.string(), "the ids array has shape " + npy::shape_string(h.shape) +
                                         "; expected 1-D (rows,)");
  }
  size_ = h.shape[0];
  check_data_size(file_, h, sizeof(std::int64_t));
  data_ = file_.bytes().data() + h.data_offset;
}

std::int64_t NpyIdsFile::at(std::size_t i) const noexcept {
  std::int64_t v;
  std::memcpy(&v, data_ + i * sizeof(std::int64_t), sizeof(v));
  return v;
}

}  // namespace lshrs::io
