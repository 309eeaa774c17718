// The store's self-description under `<prefix>:meta`:
//   one line of JSON  {"format": "lshrs-meta/1", "version", "config": {...},
//                      "projections": n, "fnv1a64": "<16 hex digits>",
//                      "signatures": "ranges/128" (see meta_layout.hpp)}
//   '\n'
//   n little-endian float32 values (row-major num_perm × dim).
// The checksum covers the float bytes; the header is checked field by field.
#include <bit>
#include <cstring>

#include "lshrs/safe_text.hpp"
#include "lshrs/error.hpp"
#include "lshrs/hasher.hpp"
#include "lshrs/model_io.hpp"
#include "model/meta_layout.hpp"
#include "model/model_json.hpp"

namespace lshrs {
namespace {

using detail::json;

static_assert(std::endian::native == std::endian::little,
              "meta stores float32 little-endian by copying: little-endian hosts only");

constexpr const char* kFormat = "lshrs-meta/1";
constexpr std::size_t kMaxHeaderLine = 4096;
const std::string kWhere = "index meta";

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string hex64(std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, value >>= 4) out[static_cast<std::size_t>(i)] = kDigits[value & 0xf];
  return out;
}

[[noreturn]] void fail(const std::string& what) {
  throw ConfigurationError(kWhere + ": " + what +
                           "; the key was not written by this lshrs version or is damaged");
}

json parse_header(std::string_view bytes, std::size_t& payload_offset) {
  const std::size_t newline = bytes.substr(0, kMaxHeaderLine).find('\n');
  if (newline == std::string_view::npos) {
    fail("no header line within the first " + std::to_string(kMaxHeaderLine) + " bytes");
  }
  payload_offset = newline + 1;
  json header;
  try {
    header = json::parse(bytes.substr(0, newline));
  } catch (const json::parse_error& e) {
    fail("the header line is not valid JSON: " + detail::describe_parse_error(e));
  } catch (const json::exception& e) {  // out_of_range for 1e999999
    fail("the header line is not valid JSON: " + quote_user_text(e.what(), 200));
  }
  if (!header.is_object()) fail("the header line is not a JSON object");
  const auto format = header.find("format");
  if (format == header.end() || !format->is_string() || *format != kFormat) {
    fail("the header's \"format\" is not \"" + std::string(kFormat) + "\"");
  }
  return header;
}

}  // namespace

std::string encode_meta(const Model& model) {
  detail::validate_model(model, "encode_meta");
  const std::string_view payload(reinterpret_cast<const char*>(model.projections.data()),
                                 model.projections.size() * sizeof(float));
  json header;
  header["format"] = kFormat;
  header["version"] = model.version;
  header["config"] = detail::config_json(model.config);
  detail::put_query_defaults(header, model.query_defaults);
  header["projections"] = model.projections.size();
  header["fnv1a64"] = hex64(fnv1a64(payload));
  header["signatures"] = kMetaSignatureRanges;
  std::string out = header.dump(-1, ' ', true);
  out.push_back('\n');
  out.append(payload);
  return out;
}

Model decode_meta(std::string_view bytes) {
  std::size_t offset = 0;
  const json header = parse_header(bytes, offset);
  const detail::JsonFields f(header, kWhere);
  Model model;
  model.version = f.string("version");
  model.config = detail::config_from_json(f.object("config"), kWhere + " \"config\"");
  model.query_defaults = detail::get_query_defaults(header, kWhere);
  const ModelConfig& c = model.config;
  const std::size_t count = projection_values(c);  // bounded by config_from_json
  const std::uint64_t declared = f.integer("projections", 0, std::numeric_limits<std::uint64_t>::max());
  if (declared != count) {
    fail("it declares " + std::to_string(declared) + " projection values, but its config needs " +
         std::to_string(count));
  }
  const std::string_view payload = bytes.substr(offset);
  if (payload.size() != count * sizeof(float)) {
    fail("it holds " + std::to_string(payload.size()) + " bytes of projections, expected " +
         std::to_string(count * sizeof(float)));
  }
  if (f.string("fnv1a64") != hex64(fnv1a64(payload))) {
    fail("the projections' checksum does not match (fnv1a64 " + f.string("fnv1a64") +
         " declared, " + hex64(fnv1a64(payload)) + " computed)");
  }
  model.projections.resize(count);
  if (count > 0) std::memcpy(model.projections.data(), payload.data(), payload.size());
  try {
    validate_projections(model.projections, projection_width(c));
  } catch (const InvalidArgument& e) {
    fail(e.what());
  }
  return model;
}

bool meta_declares_signature_ranges(std::string_view meta) {
  const std::size_t newline = meta.substr(0, kMaxHeaderLine).find('\n');
  if (newline == std::string_view::npos) return false;
  const json header = json::parse(meta.substr(0, newline), nullptr, /*allow_exceptions=*/false);
  if (!header.is_object()) return false;
  const auto it = header.find("signatures");
  return it != header.end() && it->is_string() && *it == kMetaSignatureRanges;
}

}  // namespace lshrs
