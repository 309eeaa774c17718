// lshrs CLI — whole-matrix file reading (see matrix_io.hpp).
#include "matrix_io.hpp"

#include <algorithm>
#include <array>
#include <iostream>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lshrs/error.hpp"

namespace lshrs::cli {
namespace {

// Ground truth may be large (1M queries x 100 int64 ids = 800 MB), but not
// unbounded: a file beyond this is refused before it is read.
constexpr std::size_t kMaxTruthBytes = std::size_t{4} << 30;

// A vector is [x, ...] and several are [[...], [...]]: JSON nested deeper is
// refused while it is parsed, before a deep tree exists whose dump (for an
// error message) would recurse once per level and overflow the stack.
constexpr int kMaxJsonDepth = 2;
// Longest piece of the user's input quoted in an error: messages stay one line.
constexpr std::size_t kMaxExcerpt = 40;

std::string excerpt(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', true);
  if (text.size() > kMaxExcerpt) text = text.substr(0, kMaxExcerpt - 3) + "...";
  return text;
}

// nlohmann's parser is iterative; the callback drops (and flags) anything
// deeper than kMaxJsonDepth. Invalid JSON yields a discarded value.
nlohmann::json parse_shallow(const std::string& text, const std::string& what) {
  bool too_deep = false;
  auto result = nlohmann::json::parse(
      text,
      [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        too_deep = too_deep || depth > kMaxJsonDepth;
        return depth <= kMaxJsonDepth;
      },
      /*allow_exceptions=*/false);
  if (too_deep) {
    throw InvalidArgument(what +
                          ": JSON nested deeper than a list of vectors; expected "
                          "[x, ...] or [[x, ...], [x, ...]] of numbers");
  }
  return result;
}

void append_row(Matrix& m, const nlohmann::json& row, const std::string& what) {
  if (!row.is_array() || row.empty())
    throw InvalidArgument(what + ": each vector must be a non-empty JSON array of numbers");
  if (m.rows == 0) m.cols = row.size();
  if (row.size() != m.cols) {
    throw InvalidArgument(what + ": vector " + std::to_string(m.rows) + " has " +
                          std::to_string(row.size()) + " numbers, the first had " +
                          std::to_string(m.cols));
  }
  for (const auto& v : row) {
    // Named by its type, never dumped: the value may be megabytes of text or
    // nested deeper than dump()'s recursion survives.
    if (!v.is_number())
      throw InvalidArgument(what + ": vector " + std::to_string(m.rows) +
                            " holds a non-number: " + excerpt(v));
    m.data.push_back(v.get<float>());
  }
  ++m.rows;
}

void append_value(Matrix& m, const nlohmann::json& j, const std::string& what) {
  if (j.is_array() && !j.empty() && j.front().is_array()) {
    for (const auto& row : j) append_row(m, row, what);
  } else {
    append_row(m, j, what);
  }
}

struct NpyIntHeader {
  std::string descr;
  std::vector<std::size_t> shape;
  std::size_t offset = 0;
};

// The text between `open` and `close` after 'key': in a header dict ("" if absent).
std::string dict_value(const std::string& dict, const std::string& key, char open, char close) {
  const auto at = dict.find("'" + key + "'");
  if (at == std::string::npos) return {};
  const auto begin = dict.find(open, dict.find(':', at));
  if (begin == std::string::npos) return {};
  const auto end = dict.find(close, begin + 1);
  return end == std::string::npos ? std::string() : dict.substr(begin + 1, end - begin - 1);
}

NpyIntHeader parse_npy_header(const std::string& bytes, const std::string& where) {
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    throw SourceError(where, "not a .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t len = 0, start = 0;
  if (major == 1) {
    len = static_cast<unsigned char>(bytes[8]) |
          (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    start = 10;
  } else {
    if (bytes.size() < 12) throw SourceError(where, "truncated .npy header");
    for (int i = 3; i >= 0; --i)
      len = (len << 8) | static_cast<unsigned char>(bytes[8 + static_cast<std::size_t>(i)]);
    start = 12;
  }
  if (start + len > bytes.size()) throw SourceError(where, "truncated .npy header");
  const std::string dict = bytes.substr(start, len);
  NpyIntHeader h;
  h.offset = start + len;
  h.descr = dict_value(dict, "descr", '\'', '\'');
  if (h.descr.empty()) throw SourceError(where, "no descr in .npy header");
  if (dict.find("'fortran_order': True") != std::string::npos) {
    throw SourceError(where, "Fortran-order arrays are not supported");
  }
  const std::string shape = dict_value(dict, "shape", '(', ')');
  std::stringstream dims(shape);
  for (std::string d; std::getline(dims, d, ',');) {
    if (d.find_first_not_of(' ') == std::string::npos) continue;
    try {
      h.shape.push_back(std::stoull(d));
    } catch (const std::exception&) {
      // Not quoted: the header text may hold anything, newlines included.
      throw SourceError(where, "bad shape in .npy header (expected a tuple of integers)");
    }
  }
  return h;
}

// A dtype as messages may quote it: NumPy's are a few printable characters;
// anything else is header garbage that could break the message's line.
std::string shown_descr(const std::string& descr) {
  const bool plain = descr.size() <= 16 && std::all_of(descr.begin(), descr.end(), [](char c) {
                       return c >= 0x20 && c < 0x7f;
                     });
  return plain ? "'" + descr + "'" : "(unreadable)";
}

template <typename T>
std::int64_t load_as_int(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::is_floating_point_v<T>) return static_cast<std::int64_t>(std::llround(v));
  return static_cast<std::int64_t>(v);
}

std::vector<std::vector<std::int64_t>> load_npy_neighbors(const std::filesystem::path& path) {
  const std::string where = path.string();
  const std::string bytes =
      read_input_file(path, kMaxTruthBytes, "give an int .npy or .ivecs file of neighbour ids");
  const NpyIntHeader h = parse_npy_header(bytes, where);
  if (h.shape.size() != 2)
    throw SourceError(where, "ground truth must be a 2-D array (queries, k)");
  std::size_t item = 0;
  std::int64_t (*load)(const char*) = nullptr;
  if (h.descr == "<i8")
    item = 8, load = load_as_int<std::int64_t>;
  else if (h.descr == "<i4")
    item = 4, load = load_as_int<std::int32_t>;
  else if (h.descr == "<u4")
    item = 4, load = load_as_int<std::uint32_t>;
  else if (h.descr == "<f4")
    item = 4, load = load_as_int<float>;
  else if (h.descr == "<f8")
    item = 8, load = load_as_int<double>;
  else
    throw SourceError(where, "ground-truth dtype " + shown_descr(h.descr) +
                                 " is not supported (int32, int64, float)");
  const std::size_t rows = h.shape[0], cols = h.shape[1];
  if (cols == 0)
    throw SourceError(where,
                      "ground truth has no columns (shape (" + std::to_string(rows) + ", 0))");
  // Refused, not returned empty: with no rows the size check below cannot
  // bound a hostile column count, which would size every row.
  if (rows == 0)
    throw SourceError(where,
                      "ground truth has no rows (shape (0, " + std::to_string(cols) + "))");
  // Divided, not multiplied: a hostile shape's rows · cols · item can wrap
  // around, and `out` below would then be sized by the declared rows.
  if (rows > (bytes.size() - h.offset) / item / cols) {
    throw SourceError(where, "data shorter than its shape: (" + std::to_string(rows) + ", " +
                                 std::to_string(cols) + ") needs more than the " +
                                 std::to_string(bytes.size() - h.offset) + " bytes it holds");
  }
  std::vector<std::vector<std::int64_t>> out(rows, std::vector<std::int64_t>(cols));
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j)
      out[i][j] = load(bytes.data() + h.offset + (i * cols + j) * item);
  }
  return out;
}

std::vector<std::vector<std::int64_t>> load_ivecs(const std::filesystem::path& path) {
  const std::string bytes =
      read_input_file(path, kMaxTruthBytes, "give an int .npy or .ivecs file of neighbour ids");
  std::vector<std::vector<std::int64_t>> out;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    std::int32_t n = 0;
    if (pos + 4 > bytes.size())
      throw SourceError(path.string(), "truncated at byte " + std::to_string(pos));
    std::memcpy(&n, bytes.data() + pos, 4);
    const auto count = static_cast<std::size_t>(n);
    if (n <= 0 || pos + 4 + count * 4 > bytes.size()) {
      throw SourceError(path.string(),
                        "bad row length " + std::to_string(n) + " at byte " + std::to_string(pos));
    }
    std::vector<std::int64_t> row(count);
    for (std::size_t j = 0; j < count; ++j)
      row[j] = load_as_int<std::int32_t>(bytes.data() + pos + 4 + 4 * j);
    out.push_back(std::move(row));
    pos += 4 + count * 4;
  }
  return out;
}

}  // namespace

std::shared_ptr<VectorFetcher> rows_fetcher(const std::filesystem::path& path, const Matrix& m) {
  if (path.extension() == ".npy") return open_npy_fetcher(NpyOptions{path, {}, 10'000});
  auto data = std::make_shared<Matrix>(m);
  return std::make_shared<CallbackFetcher>(m.cols, [data](std::span<const std::int64_t> ids) {
    std::vector<float> out;
    out.reserve(ids.size() * data->cols);
    for (const std::int64_t id : ids) {
      const auto* r = data->data.data() + static_cast<std::size_t>(id) * data->cols;
      out.insert(out.end(), r, r + data->cols);
    }
    return out;
  });
}

Matrix drain_source(VectorSource& source, std::vector<std::int64_t>* ids) {
  Matrix m;
  VectorBatch batch;
  while (source.next(batch)) {
    if (m.rows == 0) m.cols = batch.dim;
    m.data.insert(m.data.end(), batch.data.begin(), batch.data.end());
    m.rows += batch.size();
    if (ids != nullptr) ids->insert(ids->end(), batch.ids.begin(), batch.ids.end());
  }
  return m;
}

Matrix parse_json_vectors(const std::string& text, const std::string& what) {
  Matrix m;
  const auto whole = parse_shallow(text, what);
  if (!whole.is_discarded()) {
    append_value(m, whole, what);
    return m;
  }
  std::istringstream lines(text);  // one JSON array per line
  std::size_t number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto j = parse_shallow(line, what + ": line " + std::to_string(number));
    if (j.is_discarded())
      throw InvalidArgument(what + ": line " + std::to_string(number) + " is not valid JSON");
    append_value(m, j, what);
  }
  if (m.rows == 0)
    throw InvalidArgument(what + ": no vectors (expected a JSON array of numbers, or of arrays)");
  return m;
}

std::string read_stdin(const std::string& what, const std::string& hint) {
  std::string text;
  std::array<char, 65536> chunk{};
  while (std::cin.read(chunk.data(), chunk.size()) || std::cin.gcount() > 0) {
    text.append(chunk.data(), static_cast<std::size_t>(std::cin.gcount()));
    if (text.size() > kMaxTextInputBytes) {
      throw InvalidArgument("stdin (" + what + "): more than " +
                            std::to_string(kMaxTextInputBytes >> 20) +
                            " MiB, the most it may hold; " + hint);
    }
  }
  if (std::cin.bad()) throw InvalidArgument("stdin (" + what + "): cannot be read");
  return text;
}

Matrix load_matrix(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".npy") return read_npy_matrix(path);
  if (ext == ".fvecs") {
    auto source = open_fvecs_source(FvecsOptions{path, 10'000});
    return drain_source(*source);
  }
  if (ext == ".json" || ext == ".jsonl" || ext == ".ndjson")
    return parse_json_vectors(
        read_input_file(path, kMaxTextInputBytes, "give a .json file of vectors, or a .npy file"),
        path.string());
  throw InvalidArgument("cannot read vectors from '" + path.string() +
                        "': expected a .npy, .fvecs or .json file");
}

void save_neighbors(const std::filesystem::path& path,
                    const std::vector<std::vector<std::int64_t>>& rows) {
  const std::size_t k = rows.empty() ? 0 : rows.front().size();
  std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows.size()) + ", " + std::to_string(k) + "), }";
  header.append(63 - (10 + header.size()) % 64, ' ');  // data starts on a 64-byte boundary
  header += '\n';
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write("\x93NUMPY\x01\x00", 8);
  const char len[2] = {static_cast<char>(header.size() & 0xff),
                       static_cast<char>(header.size() >> 8)};
  out.write(len, 2);
  out << header;
  for (const auto& row : rows) {
    if (row.size() != k)
      throw InvalidArgument(path.string() + ": neighbour lists differ in length");
    out.write(reinterpret_cast<const char*>(row.data()),
              static_cast<std::streamsize>(k * sizeof(std::int64_t)));
  }
  if (!out.flush()) throw SourceError(path.string(), "cannot write the file");
}

std::vector<std::vector<std::int64_t>> load_neighbors(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".npy") return load_npy_neighbors(path);
  if (ext == ".ivecs") return load_ivecs(path);
  throw InvalidArgument("cannot read ground truth from '" + path.string() +
                        "': expected .npy or .ivecs");
}

}  // namespace lshrs::cli
