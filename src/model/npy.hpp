// lshrs internal — the NumPy .npy format (numpy/lib/format.py, "NEP 1").
//
// A .npy file is: the magic "\x93NUMPY", a major/minor version byte pair, the
// header length (uint16 LE for v1, uint32 LE for v2 and v3), a Python-literal
// dict {'descr': ..., 'fortran_order': ..., 'shape': (...)} padded with spaces
// and ended by '\n', then the raw array data. We read '<f4' and '<f8' (the
// latter converted to float32) and write '<f4', C order only.
//
// Errors are NpyError (not part of the public hierarchy): each caller knows
// what the bytes were (a model file, a vector source) and rethrows it as the
// matching lshrs::Error with that context.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lshrs::npy {

class NpyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class DType { kFloat32, kFloat64 };

struct Header {
  DType dtype = DType::kFloat32;
  std::vector<std::size_t> shape;  // () for a scalar
  bool fortran_order = false;
  std::size_t data_offset = 0;  // bytes from the start of the file to the data

  std::size_t item_size() const noexcept { return dtype == DType::kFloat32 ? 4 : 8; }
  // Product of the shape (1 for a scalar); parse_header() guarantees that
  // element_count()·item_size() does not overflow.
  std::size_t element_count() const noexcept;
  std::size_t data_bytes() const noexcept { return element_count() * item_size(); }
};

// The most bytes a header can occupy: enough to call parse_header() on a
// prefix of a huge (e.g. memory-mapped) file. v2/v3 allow 4 GiB headers in
// principle; real ones are a few hundred bytes, so anything longer is refused.
inline constexpr std::size_t kMaxHeaderBytes = 1 << 16;

// Parses magic, version and header dict from the start of `bytes` (which may
// hold more than the header). Throws NpyError for a bad magic, an unknown
// version, a truncated or malformed header, a dtype other than '<f4'/'<f8'
// (big-endian, integer, ... are refused by name), or a shape whose byte size
// overflows size_t. Fortran order is reported, not refused: callers decide.
Header parse_header(std::string_view bytes);

// "(3, 4)" — for messages, in NumPy's spelling.
std::string shape_string(std::span<const std::size_t> shape);

// Parses a whole .npy file held in `bytes` and returns its values as float32
// (float64 is rounded to nearest). Refuses Fortran order and a data section
// that is shorter or longer than the shape says. `header` receives the header.
std::vector<float> read_float32(std::string_view bytes, Header* header = nullptr);

// A complete v1 .npy file ('<f4', C order) holding `values` with `shape`
// (whose product must equal values.size(); throws NpyError otherwise).
std::string write_float32(std::span<const float> values, std::span<const std::size_t> shape);

}  // namespace lshrs::npy
