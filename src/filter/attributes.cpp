#include "lshrs/attributes.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "lshrs/error.hpp"
#include "lshrs/safe_text.hpp"

namespace lshrs {
namespace {

bool scalar(const nlohmann::json& v) { return v.is_primitive(); }  // null, bool, number, string

}  // namespace

std::string canonical_attributes(std::string_view json, std::string_view whose, std::size_t max_bytes) {
  const auto refuse = [&](const std::string& why) {
    return InvalidArgument(std::string(whose) + " " + why);
  };
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) throw refuse("are not JSON: " + quote_user_text(json));
  if (!parsed.is_object()) {
    throw refuse("must be a JSON object such as {\"lang\": \"en\", \"year\": 2021}, not " +
                 quote_user_text(json));
  }
  for (const auto& [field, value] : parsed.items()) {
    bool ok = scalar(value);
    if (value.is_array()) {
      ok = std::all_of(value.begin(), value.end(), scalar);
    }
    if (!ok) {
      throw refuse("hold a nested object or array under " + quote_user_text(field) +
                   "; a value is a number, string, boolean, null or an array of those");
    }
  }
  // Strings nlohmann accepted are UTF-8 (it checks while parsing); the
  // replace handler keeps dump() from ever throwing on what it let through.
  std::string text = parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > max_bytes) {
    throw refuse("take " + std::to_string(text.size()) + " bytes as compact JSON, more than the " +
                 std::to_string(max_bytes) + " an id may hold");
  }
  return text;
}

}  // namespace lshrs
