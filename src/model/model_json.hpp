// lshrs internal — JSON helpers shared by the model directory (metadata.json)
// and the store's meta (encode_meta/decode_meta): typed field access with
// messages that name the file and key, and the ModelConfig checks.
//
// Thread safety: pure functions; a JsonFields is used by one thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "lshrs/model_io.hpp"

namespace lshrs::detail {

// Insertion-ordered, so written files list keys as the Python package does.
using json = nlohmann::ordered_json;

// nlohmann's parse error without its "last read: '...'" excerpt, which
// quotes the text being parsed and so may quote a password: where the error
// is (line, column) and what was expected, on one line.
std::string describe_parse_error(const nlohmann::json::parse_error& e);

// Reads members of one JSON object; every failure is a ConfigurationError
// "<where>: key "k" ...", naming the expected type and the value found.
class JsonFields {
 public:
  JsonFields(const json& object, std::string where) : object_(object), where_(std::move(where)) {}

  const json& object(const char* key) const;
  std::string string(const char* key) const;
  bool boolean(const char* key) const;
  // An integer (not 3.0, not true) within [min, max].
  std::uint64_t integer(const char* key, std::uint64_t min, std::uint64_t max) const;
  // Any finite JSON number.
  double number(const char* key) const;
  // Whether the (required) key holds null.
  bool is_null(const char* key) const;

 private:
  const json& get(const char* key) const;
  [[noreturn]] void wrong(const char* key, const std::string& expected) const;

  const json& object_;
  std::string where_;
};

// {"dim", "num_perm", "num_bands", "rows_per_band", "similarity_threshold",
//  "buffer_size", "seed"} — the Python package's "config" object.
json config_json(const ModelConfig& config);
// Parses and validates such an object; `where` prefixes error messages.
ModelConfig config_from_json(const json& object, const std::string& where);
// {"probes": P, "max_candidates": M or null}, and back (validated: probes at
// most kMaxProbes, max_candidates > 0); `where` prefixes error messages.
json query_defaults_json(const QueryDefaults& defaults);
QueryDefaults query_defaults_from_json(const json& object, const std::string& where);
// Writes defaults that are set under "query_defaults" in `top`; reads them
// back when the key is there (absent: none).
void put_query_defaults(json& top, const QueryDefaults& defaults);
QueryDefaults get_query_defaults(const json& top, const std::string& where);
// Positive sizes within the limits of hasher.hpp (checked without overflow),
// bands·rows = num_perm, a finite threshold. Throws ConfigurationError
// prefixed by `where`.
void validate_config(const ModelConfig& config, const std::string& where);
// validate_config() plus num_perm·dim projections that pass
// validate_projections() (finite, no zero row); throws
// InvalidArgument prefixed by `operation` (the model came from the caller).
void validate_model(const Model& model, const std::string& operation);

}  // namespace lshrs::detail
