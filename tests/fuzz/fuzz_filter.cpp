// Fuzzes filter expressions (src/filter, the FILTER language of issue 24):
// the input is the filter text, a NUL byte, then one id's attributes as JSON
// text (no NUL: the whole input is the filter, the attributes are "{}").
// Properties: a refusal is an InvalidArgument of one short line naming the
// filter; an accepted filter evaluates the parsed JSON and its text alike,
// and is true only when every field it reads is present.
#include <nlohmann/json.hpp>

#include "filter/filter.hpp"
#include "fuzz_support.hpp"
#include "lshrs/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = lshrs::fuzz::as_view(data, size);
  const std::size_t separator = input.find('\0');
  const std::string_view text = input.substr(0, separator);
  const std::string_view attributes_text =
      separator == std::string_view::npos ? std::string_view("{}") : input.substr(separator + 1);
  try {
    const lshrs::FilterExpression filter = lshrs::FilterExpression::parse(text);
    lshrs::fuzz::require(text.size() <= lshrs::FilterExpression::kMaxTextBytes,
                         "accepted a filter over the length limit");
    const nlohmann::json attributes = nlohmann::json::parse(
        attributes_text.begin(), attributes_text.end(), nullptr, /*allow_exceptions=*/false);
    const bool matched = filter.matches(attributes);
    lshrs::fuzz::require(matched == filter.matches_json_text(attributes_text),
                         "the JSON and its text disagree");
    if (matched) {
      for (const std::string& field : filter.fields()) {
        lshrs::fuzz::require(attributes.is_object() && attributes.contains(field),
                             "matched without a field the filter reads");
      }
    }
  } catch (const lshrs::InvalidArgument& e) {
    lshrs::fuzz::require_one_line(e.what());
    lshrs::fuzz::require(std::string_view(e.what()).rfind("filter \"", 0) == 0,
                         "an error that does not name the filter");
  }
  return 0;
}
