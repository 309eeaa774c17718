// The .npy reader and writer. The header dict is a Python literal; we parse
// the subset NumPy writes (string keys; string, bool and int-tuple values)
// instead of evaluating anything.
#include "model/npy.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>

#include "util/printable.hpp"

namespace lshrs::npy {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the .npy reader copies '<f4'/'<f8' data directly: little-endian hosts only");

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr std::size_t kMaxDims = 32;  // NumPy's own limit (NPY_MAXDIMS)

std::string quoted(std::string_view s) { return "'" + util::printable(s, 64) + "'"; }

std::uint32_t read_le(std::string_view bytes, std::size_t offset, std::size_t width) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    value |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  }
  return value;
}

// Recursive descent over `{'key': value, ...}`; every error names what it saw.
class DictParser {
 public:
  explicit DictParser(std::string_view text) : text_(text) {}

  Header parse() {
    std::optional<std::string> descr;
    std::optional<bool> fortran;
    std::optional<std::vector<std::size_t>> shape;
    expect('{');
    while (!consume('}')) {
      const std::string key = parse_string();
      expect(':');
      if (key == "descr" && !descr) {
        descr = parse_descr();
      } else if (key == "fortran_order" && !fortran) {
        fortran = parse_bool();
      } else if (key == "shape" && !shape) {
        shape = parse_shape();
      } else {
        fail("unexpected or repeated key " + quoted(key));
      }
      if (!consume(',')) {
        expect('}');
        break;
      }
    }
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the closing '}'");
    if (!descr || !fortran || !shape) {
      fail("the header dict must have the keys 'descr', 'fortran_order' and 'shape'");
    }
    Header header;
    header.dtype = *descr == "<f4" ? DType::kFloat32 : DType::kFloat64;
    header.fortran_order = *fortran;
    header.shape = std::move(*shape);
    return header;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw NpyError("malformed .npy header at character " + std::to_string(pos_) + ": " + what +
                   " (header: " + util::printable(text_, 200) + ")");
  }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\t' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool consume(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!consume(c)) fail(std::string("expected '") + c + "'");
  }
  bool consume_word(std::string_view word) {
    skip_space();
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  std::string parse_string() {
    skip_space();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      fail("expected a quoted string");
    }
    const char quote = text_[pos_++];
    const std::size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string value(text_.substr(pos_, end - pos_));
    if (value.find('\\') != std::string::npos) fail("escapes are not supported in strings");
    pos_ = end + 1;
    return value;
  }

  std::string parse_descr() {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] != '\'' && text_[pos_] != '"') {
      throw NpyError("the array has a structured dtype; expected float32 ('<f4') or float64 ('<f8')");
    }
    std::string descr = parse_string();
    if (descr == "<f4" || descr == "<f8") return descr;
    if (descr == ">f4" || descr == ">f8") {
      throw NpyError("dtype " + quoted(descr) +
                     " is big-endian; convert with arr.astype('<f4') and save again");
    }
    throw NpyError("dtype " + quoted(descr) +
                   " is not supported; expected float32 ('<f4') or float64 ('<f8')");
  }

  bool parse_bool() {
    if (consume_word("True")) return true;
    if (consume_word("False")) return false;
    fail("expected True or False");
  }

  std::vector<std::size_t> parse_shape() {
    std::vector<std::size_t> shape;
    expect('(');
    while (!consume(')')) {
      shape.push_back(parse_dim());
      if (shape.size() > kMaxDims) fail("more than 32 dimensions");
      if (!consume(',')) {
        expect(')');
        break;
      }
    }
    return shape;
  }

  std::size_t parse_dim() {
    skip_space();
    const std::size_t start = pos_;
    std::size_t value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      const auto digit = static_cast<std::size_t>(text_[pos_] - '0');
      if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) fail("dimension too large");
      value = value * 10 + digit;
      ++pos_;
    }
    if (pos_ == start) fail("expected a non-negative integer dimension");
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 longs, e.g. "3L"
    return value;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

void check_size(const Header& header) {
  std::size_t total = header.item_size();
  for (const std::size_t d : header.shape) {
    if (d != 0 && total > std::numeric_limits<std::size_t>::max() / d) {
      throw NpyError("shape " + shape_string(header.shape) + " is too large to address");
    }
    total *= d;
  }
}

}  // namespace

std::size_t Header::element_count() const noexcept {
  std::size_t count = 1;
  for (const std::size_t d : shape) count *= d;
  return count;
}

std::string shape_string(std::span<const std::size_t> shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + (shape.size() == 1 ? ",)" : ")");
}

Header parse_header(std::string_view bytes) {
  if (bytes.size() < kMagic.size() + 2 || bytes.substr(0, kMagic.size()) != kMagic) {
    throw NpyError("not a .npy file: it does not start with the magic \"\\x93NUMPY\"");
  }
  const auto major = static_cast<unsigned char>(bytes[6]);
  const auto minor = static_cast<unsigned char>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0) {
    throw NpyError(".npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                   " is not supported (1.0, 2.0 and 3.0 are)");
  }
  const std::size_t length_width = major == 1 ? 2 : 4;
  const std::size_t prefix = 8 + length_width;
  if (bytes.size() < prefix) throw NpyError("truncated .npy header (no header length)");
  const std::size_t header_length = read_le(bytes, 8, length_width);
  if (header_length > kMaxHeaderBytes) {
    throw NpyError(".npy header declares " + std::to_string(header_length) +
                   " bytes, more than the " + std::to_string(kMaxHeaderBytes) + " accepted");
  }
  if (bytes.size() - prefix < header_length) {
    throw NpyError("truncated .npy header: " + std::to_string(header_length) +
                   " bytes declared, " + std::to_string(bytes.size() - prefix) + " present");
  }
  Header header = DictParser(bytes.substr(prefix, header_length)).parse();
  header.data_offset = prefix + header_length;
  check_size(header);
  return header;
}

std::vector<float> read_float32(std::string_view bytes, Header* header_out) {
  const Header header = parse_header(bytes);
  if (header.fortran_order) {
    throw NpyError("the array of shape " + shape_string(header.shape) +
                   " is stored in Fortran order; only C order is supported "
                   "(save np.ascontiguousarray(arr) instead)");
  }
  const std::size_t present = bytes.size() - header.data_offset;
  if (present != header.data_bytes()) {
    throw NpyError("the data section holds " + std::to_string(present) + " bytes, but shape " +
                   shape_string(header.shape) + " of " + (header.item_size() == 4 ? "<f4" : "<f8") +
                   " needs " + std::to_string(header.data_bytes()) +
                   (present < header.data_bytes() ? " (truncated file)" : " (trailing bytes)"));
  }
  std::vector<float> values(header.element_count());
  const char* data = bytes.data() + header.data_offset;
  if (header.dtype == DType::kFloat32) {
    if (!values.empty()) std::memcpy(values.data(), data, values.size() * sizeof(float));
  } else {
    for (std::size_t i = 0; i < values.size(); ++i) {
      double v = 0;
      std::memcpy(&v, data + i * sizeof(double), sizeof(double));
      values[i] = static_cast<float>(v);
    }
  }
  if (header_out != nullptr) *header_out = header;
  return values;
}

std::string write_float32(std::span<const float> values, std::span<const std::size_t> shape) {
  std::size_t count = 1;
  for (const std::size_t d : shape) count *= d;
  if (count != values.size()) {
    throw NpyError("cannot write " + std::to_string(values.size()) + " values as shape " +
                   shape_string(shape));
  }
  // Byte-identical to numpy.save (>= 1.24): keys sorted, spare room for the
  // first axis to grow to 21 digits, then spaces and '\n' up to a 64-byte
  // boundary (a full 64 spaces when already aligned, as NumPy does).
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_string(shape) + ", }";
  if (!shape.empty()) dict.append(21 - std::min<std::size_t>(21, std::to_string(shape[0]).size()), ' ');
  const bool v1 = dict.size() + 1 + 64 + 10 <= 0xffff;
  const std::size_t prefix = v1 ? 10 : 12;
  dict.append(64 - (prefix + dict.size() + 1) % 64, ' ');
  dict.push_back('\n');

  std::string out(kMagic);
  out.push_back(static_cast<char>(v1 ? 1 : 2));
  out.push_back('\0');
  for (std::size_t i = 0; i < prefix - 8; ++i) {
    out.push_back(static_cast<char>((dict.size() >> (8 * i)) & 0xff));
  }
  out += dict;
  const std::size_t data_start = out.size();
  out.resize(data_start + values.size() * sizeof(float));
  if (!values.empty()) std::memcpy(out.data() + data_start, values.data(), values.size() * sizeof(float));
  return out;
}

}  // namespace lshrs::npy
