#include "model/model_json.hpp"

#include <cmath>
#include <limits>

#include "lshrs/band_hasher.hpp"
#include "lshrs/error.hpp"
#include "lshrs/hasher.hpp"
#include "lshrs/safe_text.hpp"

namespace lshrs::detail {
namespace {

constexpr std::uint64_t kSizeMax = std::numeric_limits<std::size_t>::max();

// The offending value as JSON, shortened: messages stay one readable line.
std::string shown(const json& value) {
  std::string text = value.dump(-1, ' ', true);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text + " (" + value.type_name() + ")";
}

}  // namespace

const json& JsonFields::get(const char* key) const {
  const auto it = object_.find(key);
  if (it == object_.end()) {
    throw ConfigurationError(where_ + ": missing key \"" + key + "\"");
  }
  return *it;
}

void JsonFields::wrong(const char* key, const std::string& expected) const {
  throw ConfigurationError(where_ + ": key \"" + key + "\" must be " + expected + ", got " +
                           shown(get(key)));
}

const json& JsonFields::object(const char* key) const {
  const json& value = get(key);
  if (!value.is_object()) wrong(key, "an object");
  return value;
}

std::string JsonFields::string(const char* key) const {
  const json& value = get(key);
  if (!value.is_string()) wrong(key, "a string");
  return value.get<std::string>();
}

bool JsonFields::boolean(const char* key) const {
  const json& value = get(key);
  if (!value.is_boolean()) wrong(key, "true or false");
  return value.get<bool>();
}

std::uint64_t JsonFields::integer(const char* key, std::uint64_t min, std::uint64_t max) const {
  const json& value = get(key);
  const std::string range = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    if (v >= min && v <= max) return v;
  } else if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    const auto v = static_cast<std::uint64_t>(value.get<std::int64_t>());
    if (v >= min && v <= max) return v;
  }
  wrong(key, range);
}

double JsonFields::number(const char* key) const {
  const json& value = get(key);
  if (!value.is_number() || !std::isfinite(value.get<double>())) wrong(key, "a finite number");
  return value.get<double>();
}

bool JsonFields::is_null(const char* key) const { return get(key).is_null(); }

json config_json(const ModelConfig& c) {
  json out = {{"dim", c.dim},
              {"num_perm", c.num_perm},
              {"num_bands", c.num_bands},
              {"rows_per_band", c.rows_per_band},
              {"similarity_threshold", c.similarity_threshold},
              {"buffer_size", c.buffer_size},
              {"seed", c.seed}};
  // Absent for hyperplanes: the Python package's files, byte for byte.
  if (c.family != HashFamily::kHyperplane) out["family"] = family_name(c.family);
  return out;
}

ModelConfig config_from_json(const json& object, const std::string& where) {
  JsonFields f(object, where);
  ModelConfig c;
  c.dim = f.integer("dim", 1, kSizeMax);
  c.num_perm = f.integer("num_perm", 1, kSizeMax);
  c.num_bands = f.integer("num_bands", 1, kSizeMax);
  c.rows_per_band = f.integer("rows_per_band", 1, kSizeMax);
  c.similarity_threshold = f.number("similarity_threshold");
  c.buffer_size = f.integer("buffer_size", 1, kSizeMax);
  // Python accepts seed=None (entropy-seeded projections); the stored
  // projections make the model reproducible anyway, so record 0.
  c.seed = f.is_null("seed") ? 0 : f.integer("seed", 0, std::numeric_limits<std::uint64_t>::max());
  if (object.contains("family")) {
    try {
      c.family = parse_family(f.string("family"));
    } catch (const InvalidArgument& e) {
      throw ConfigurationError(where + ": " + e.what());
    }
  }
  validate_config(c, where);
  return c;
}

json query_defaults_json(const QueryDefaults& d) {
  return {{"probes", d.probes},
          {"max_candidates", d.max_candidates ? json(*d.max_candidates) : json(nullptr)}};
}

QueryDefaults query_defaults_from_json(const json& object, const std::string& where) {
  if (!object.is_object()) {
    throw ConfigurationError(where + " must be an object {\"probes\", \"max_candidates\"}, got " +
                             shown(object));
  }
  JsonFields f(object, where);
  QueryDefaults d;
  d.probes = f.integer("probes", 0, kMaxProbes);
  if (!f.is_null("max_candidates")) d.max_candidates = f.integer("max_candidates", 1, kSizeMax);
  return d;
}

void put_query_defaults(json& top, const QueryDefaults& d) {
  if (!d.empty()) top["query_defaults"] = query_defaults_json(d);
}

QueryDefaults get_query_defaults(const json& top, const std::string& where) {
  const auto it = top.find("query_defaults");
  if (it == top.end()) return {};
  return query_defaults_from_json(*it, where + " \"query_defaults\"");
}

void validate_config(const ModelConfig& c, const std::string& where) {
  const auto fail = [&](const std::string& what) { throw ConfigurationError(where + ": " + what); };
  try {
    validate_shape(c.dim, c.num_bands, c.rows_per_band);
    hash_family_traits(c.family).check_shape(c.dim, c.num_bands, c.rows_per_band);
  } catch (const InvalidArgument& e) {
    fail(e.what());
  }
  // validate_shape() bounded the product, so it cannot have wrapped around.
  if (c.num_bands * c.rows_per_band != c.num_perm) {
    fail("num_bands * rows_per_band must equal num_perm (got " + std::to_string(c.num_bands) +
         " * " + std::to_string(c.rows_per_band) + " != " + std::to_string(c.num_perm) + ")");
  }
  const std::size_t rows = c.num_bands * projection_rows_per_band(c);  // bounded just above
  if (c.dim > kMaxProjectionValues || rows > kMaxProjectionValues / projection_width(c)) {
    fail("rows * width = " + std::to_string(rows) + " * " + std::to_string(projection_width(c)) +
         " exceeds the supported " + std::to_string(kMaxProjectionValues) + " projection values");
  }
  if (!std::isfinite(c.similarity_threshold)) fail("similarity_threshold must be finite");
  if (c.buffer_size == 0) fail("buffer_size must be positive");
}

void validate_model(const Model& model, const std::string& operation) {
  const ModelConfig& c = model.config;
  try {
    validate_config(c, operation + ": the model's config");
  } catch (const ConfigurationError& e) {
    throw InvalidArgument(e.what());
  }
  if (model.projections.size() != projection_values(c)) {
    throw InvalidArgument(operation + ": the model holds " +
                          std::to_string(model.projections.size()) +
                          " projection values, but its config needs " +
                          std::to_string(projection_values(c)));
  }
  try {
    validate_projections(model.projections, projection_width(c));
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(operation + ": " + e.what());
  }
}

std::string describe_parse_error(const nlohmann::json::parse_error& e) {
  std::string text = e.what();
  // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax
  // error while parsing value - invalid literal; last read: 'xyz'; expected ..."
  if (const auto tag = text.find("] ");
      text.rfind("[json.exception.", 0) == 0 && tag != std::string::npos) {
    text.erase(0, tag + 2);
  }
  if (const auto last = text.find("; last read: "); last != std::string::npos) {
    const auto expected = text.rfind("; expected ");
    const std::string tail =
        expected != std::string::npos && expected > last ? text.substr(expected) : "";
    text = text.substr(0, last) + tail;
  }
  // nlohmann quotes the input it stopped at: any bytes, escaped and bounded
  // like every other piece of a file echoed in a message.
  return quote_user_text(text, 200) + " (byte " + std::to_string(e.byte) + ")";
}

}  // namespace lshrs::detail

namespace lshrs {

std::size_t projection_width(const ModelConfig& c) {
  return hash_family_traits(c.family).model_width(c.dim);
}

std::size_t projection_rows_per_band(const ModelConfig& c) {
  return hash_family_traits(c.family).model_rows_per_band(c.rows_per_band);
}

std::size_t projection_values(const ModelConfig& c) {
  return c.num_bands * projection_rows_per_band(c) * projection_width(c);
}

}  // namespace lshrs
