// FilterExpression: the FILTER language of Redis vector sets. The expected
// truth of every row is worked out by hand from the rules in docs/filters.md
// (Redis's expr.c semantics, and where we differ, ours), never by running
// the code.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "filter/filter.hpp"
#include "lshrs/error.hpp"

namespace lshrs {
namespace {

using Json = nlohmann::json;

// One id's attributes, shared by the truth table.
const Json& attributes() {
  static const Json j = Json::parse(R"({
    "year": 2021, "lang": "en", "rating": 8.5, "active": true, "draft": false,
    "tags": ["sale", "new"], "ids": [1, 2, 3], "none": [], "title": "The Matrix",
    "num_text": "42", "empty": "", "nothing": null, "meta": {"x": 1}, "nested": [[1]],
    "dash-name": 7, "year-21": 5, "q": "a\"b", "sq": "O'Brien", "bs": "x\\y", "nl": "l1\nl2",
    "big": 9007199254740993
  })");
  return j;
}

struct Row {
  const char* filter;
  bool expected;
};

void expect_rows(const std::vector<Row>& rows, const Json& attrs = attributes()) {
  for (const Row& row : rows) {
    const FilterExpression f = FilterExpression::parse(row.filter);
    EXPECT_EQ(f.matches(attrs), row.expected) << row.filter;
    // The text form reads the same attributes the same way.
    EXPECT_EQ(f.matches_json_text(attrs.dump()), row.expected) << row.filter << " (as text)";
  }
}

TEST(FilterExpression, Comparisons) {
  expect_rows({{".year == 2021", true},
               {".year != 2021", false},
               {".year > 2020", true},
               {".year > 2021", false},
               {".year >= 2021", true},
               {".year < 2021", false},
               {".year <= 2021", true},
               {".rating > 8.4", true},
               {".rating == 8.5", true},
               {".lang == \"en\"", true},
               {".lang == 'en'", true},
               {".lang != \"fr\"", true},
               {".lang == \"EN\"", false},
               {"2021 == .year", true},
               {".year == .year", true}});
}

TEST(FilterExpression, BooleansAreOneAndZero) {
  expect_rows({{".active", true},
               {".draft", false},
               {".active == 1", true},
               {".active == true", true},
               {".draft == false", true},
               {".draft == 0", true},
               {"!.draft", true},
               {".active == \"1\"", true},
               {"true", true},
               {"false", false},
               {"true == 1", true},
               {"true + true == 2", true}});
}

TEST(FilterExpression, LogicInBothSpellings) {
  expect_rows({{".year > 2020 and .lang == \"en\"", true},
               {".year > 2022 and .lang == \"en\"", false},
               {".year > 2022 or .lang == \"en\"", true},
               {".year > 2022 || .lang == \"fr\"", false},
               {".year > 2020 && .active", true},
               {"not .active", false},
               {"!(.year == 2021)", false},
               {"!!.active", true},
               {"not not .active", true},
               {"!!!.active", false},
               {"not !.active", true},
               {".year>2020&&.lang=='en'", true}});
}

TEST(FilterExpression, Precedence) {
  expect_rows({{"true or false and false", true},  // and binds tighter than or
               {"(true or false) and false", false},
               {"1 + 2 * 3 == 7", true},
               {"(1 + 2) * 3 == 9", true},
               {"2 ** 3 ** 2 == 512", true},  // right-associative
               {"2 * 3 ** 2 == 18", true},
               {"10 - 4 - 3 == 3", true},  // left-associative
               {"100 / 10 / 5 == 2", true},
               {"7 % 4 * 2 == 6", true},
               {"-2 ** 2 == 4", true},  // the sign belongs to the literal
               {"!.year == 1", false},  // (!2021) == 1: `!` binds tightest
               {"!.year == 0", true},
               {"1 < 2 < 3", true},   // (1 < 2) < 3
               {"3 > 2 > 1", false},  // (3 > 2) > 1 is 1 > 1
               {".year - 21 == 2000", true},
               {"1 + 1 == 2 and 2 * 2 == 4", true},
               {"2 > 1 == 1", true}});
}

TEST(FilterExpression, MinusAndFieldNames) {
  expect_rows({{"3 -1 == 2", true},    // after an operand, '-' subtracts
               {"3 - -1 == 4", true},  // after an operator, it signs a number
               {"3 > -1", true},
               {".dash-name == 7", true},  // '-' is part of a field name
               {".year-21 == 5", true},    // so this is the field "year-21"
               {".year -21 == 2000", true}});
}

TEST(FilterExpression, Arithmetic) {
  expect_rows({{".rating * 2 == 17", true},
               {".year % 2 == 1", true},
               {".year / 0 > 1e300", true},  // +inf
               {"0 / 0 == 0 / 0", false},    // NaN equals nothing
               {"0 / 0 != 0 / 0", true},
               {"0 / 0", false},
               {"1e3 == 1000", true},
               {"1.5e-3 == 0.0015", true},
               {"2.5E2 == 250", true},
               {"1E+2 == 100", true},
               {"5. == 5", true},
               {"007 == 7", true},
               {"2 ** 0.5 > 1.41", true},
               {"2 ** -1 == 0.5", true},
               {"\"5\" + 1 == 6", true},
               {".title + 1 > 0", false},
               {"-7 % 3 == -1", true},
               {".big == 9007199254740992", true}});
}

TEST(FilterExpression, StringEscapes) {
  expect_rows({{".q == \"a\\\"b\"", true},
               {"'a\"b' == .q", true},
               {".sq == 'O\\'Brien'", true},
               {".sq == \"O'Brien\"", true},
               {".bs == \"x\\\\y\"", true},
               {".nl == \"l1\\nl2\"", true},
               {"\"\\t\" == \"\t\"", true},
               {"\"\\z\" == \"z\"", true},
               {"\"\\q\" in .q", false}});
}

TEST(FilterExpression, InBothWays) {
  expect_rows({{".lang in [\"en\", \"fr\"]", true},
               {".lang in ['de']", false},
               {".year in [2020, 2021]", true},
               {".year in [\"2021\"]", true},   // a string and a number compare as numbers
               {".year in [1, 2, 3,]", false},  // a trailing comma, as Redis allows
               {"\"sale\" in .tags", true},
               {"\"old\" in .tags", false},
               {"2 in .ids", true},
               {"\"2\" in .ids", true},
               {"\"Mat\" in .title", true},  // substring of a string
               {"\"mat\" in .title", false},
               {"\"\" in .lang", true},
               {".lang in \"\"", false},
               {"\"\" in \"\"", true},
               {".year in .ids", false},
               {"1 in []", false},
               {".tags in [\"sale\"]", false},  // an array is no element
               {"\"x\" in .none", false},
               {"null in [1, null]", true},
               {".nothing in [null]", true},
               {"1 in 1", false},
               {"1 in [true]", true},
               {"not .lang in [\"de\"]", false},  // (not "en") in [...]: 0 in ["de"]
               {"!(.lang in [\"de\"])", true},
               {"[1, 2]", true}});
}

TEST(FilterExpression, TypeMixes) {
  expect_rows({{".num_text == 42", true},
               {".num_text > 41", true},
               {".num_text == \"42\"", true},
               {".num_text == \"42.0\"", false},  // bytes
               {".lang == 0", false},
               {".lang != 0", true},  // no number: NaN
               {".lang > -1", false},
               {"\"10\" > \"9\"", true},  // as numbers
               {"\"b\" > \"a\"", false},
               {".empty", false},
               {".lang", true},
               {".nothing", false},
               {".nothing == null", true},
               {".year == null", false},
               {".year != null", true},
               {"null == 0", false},
               {"null == null", true},
               {".tags", true},
               {".none", true},
               {".tags == 0", false},
               {"[1] == [1]", false},
               {"\"\"", false},
               {"\"0\"", true},
               {"0", false},
               {"-0.0", false},
               {"null", false}});
}

TEST(FilterExpression, AMissingOrUnreadableFieldFailsTheWholeFilter) {
  expect_rows({{".missing == 1", false},
               {".missing != 1", false},
               {"not .missing", false},
               {"!(.missing == 1)", false},
               {".year == 2021 or .missing == 1", false},
               {".missing == 1 or .year == 2021", false},
               {".missing in [1]", false},
               {".meta == 1", false},  // a nested object is not a value
               {".meta", false},
               {"not .meta", false},
               {".nested", false},  // neither is an array of arrays
               {"1 in .nested", false},
               {".year == 2021 or .meta", false}});
}

TEST(FilterExpression, AttributesThatAreNotAnObjectHaveNoFields) {
  for (const char* text : {"[1, 2]", "\"str\"", "3", "null", "not json", "", "{\"a\": 1"}) {
    const Json j = Json::parse(text, nullptr, false);
    EXPECT_FALSE(FilterExpression::parse(".a == 1").matches(j)) << text;
    EXPECT_FALSE(FilterExpression::parse(".a == 1").matches_json_text(text)) << text;
    EXPECT_FALSE(FilterExpression::parse("not .a").matches_json_text(text)) << text;
    // A filter that reads no field does not look at them.
    EXPECT_TRUE(FilterExpression::parse("1 == 1").matches_json_text(text)) << text;
  }
}

TEST(FilterExpression, DeepAttributesAreReadWithoutRecursion) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  const std::string text = "{\"year\": 2021, \"deep\": " + deep + ", \"obj\": {\"a\": {\"b\": 1}}}";
  EXPECT_TRUE(FilterExpression::parse(".year == 2021").matches_json_text(text));
  EXPECT_FALSE(FilterExpression::parse(".deep").matches_json_text(text));
  EXPECT_FALSE(FilterExpression::parse(".obj").matches_json_text(text));
  EXPECT_FALSE(FilterExpression::parse(".a").matches_json_text(text));  // not a top-level field
}

TEST(FilterExpression, FieldsAreSortedAndUnique) {
  const FilterExpression f = FilterExpression::parse(".b > 1 and .a == 2 or .b < 0 or .c-d");
  EXPECT_EQ(f.fields(), (std::vector<std::string>{"a", "b", "c-d"}));
  EXPECT_TRUE(FilterExpression::parse("1 + 1").fields().empty());
  EXPECT_EQ(f.text(), ".b > 1 and .a == 2 or .b < 0 or .c-d");
  // Renumbered fields still read the right values.
  EXPECT_TRUE(FilterExpression::parse(".year == 2021 and .lang == \"en\" and .active")
                  .matches(attributes()));
}

TEST(FilterExpression, CopiesEvaluateAlike) {
  const FilterExpression f = FilterExpression::parse(".lang in [\"en\"] and \"sale\" in .tags");
  const FilterExpression copy = f;  // NOLINT(performance-unnecessary-copy-initialization)
  FilterExpression moved = FilterExpression::parse("false");
  moved = FilterExpression(f);
  EXPECT_TRUE(copy.matches(attributes()));
  EXPECT_TRUE(moved.matches(attributes()));
}

TEST(FilterExpression, DeepStacksAndNestingUpToTheLimit) {
  // 41 operands waiting at once: past the evaluator's inline stack.
  std::string sum;
  for (int i = 0; i < 40; ++i) sum += "(1 + ";
  sum += "1" + std::string(40, ')') + " == 41";
  EXPECT_TRUE(FilterExpression::parse(sum).matches(attributes()));
  const int n = FilterExpression::kMaxNesting;
  EXPECT_TRUE(FilterExpression::parse(std::string(n, '(') + "1" + std::string(n, ')'))
                  .matches(attributes()));
  EXPECT_TRUE(FilterExpression::parse(std::string(n, '!') + "1").matches(attributes()));
  std::string power = "1";
  for (int i = 0; i < n; ++i) power += " ** 1";
  EXPECT_TRUE(FilterExpression::parse(power + " == 1").matches(attributes()));
  // The longest filter accepted.
  std::string longest = ".year == 2021";
  longest.resize(FilterExpression::kMaxTextBytes, ' ');
  EXPECT_TRUE(FilterExpression::parse(longest).matches(attributes()));
}

std::string error_of(const std::string& filter) {
  try {
    FilterExpression::parse(filter);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(FilterExpression, TheErrorNamesTheFilterAndTheColumn) {
  EXPECT_EQ(error_of(".year >> 3"), "filter \".year >> 3\": unexpected '>' at column 8");
  EXPECT_EQ(error_of(".lang == en"),
            "filter \".lang == en\": unknown word 'en' (fields start with '.', strings are "
            "quoted) at column 10");
}

struct ErrorRow {
  std::string filter;
  std::size_t column;
  const char* problem;
};

TEST(FilterExpression, SyntaxErrorsPointAtTheirColumn) {
  const std::string deep_parens = std::string(65, '(') + "1" + std::string(65, ')');
  const std::string deep_nots = std::string(65, '!') + "1";
  std::string deep_power = "2";
  for (int i = 0; i < 65; ++i) deep_power += " ** 2";
  const std::vector<ErrorRow> rows = {
      {"", 1, "unexpected end of filter"},
      {"   ", 4, "unexpected end of filter"},
      {".year >", 8, "unexpected end of filter"},
      {".year = 3", 7, "unexpected '=' (equality is '==')"},
      {"(.year > 3", 1, "unclosed '('"},
      {"((.year > 3)", 1, "unclosed '('"},
      {".year > 3)", 10, "unexpected ')'"},
      {".lang == \"en", 10, "unterminated string"},
      {".lang == 'en\\'", 10, "unterminated string"},
      {". == 1", 1, "'.' not followed by a field name"},
      {".year. == 1", 6, "'.' not followed by a field name"},
      {"1.2.3 == 1", 1, "malformed number '1.2.3'"},
      {"1e == 1", 1, "malformed number '1e'"},
      {".a == 1e999", 7, "malformed number '1e999'"},
      {".a & .b", 4, "unexpected '&'"},
      {".a | .b", 4, "unexpected '|'"},
      {".a.b == 1", 3, "unexpected '.b'"},
      {"[1, .a]", 5, "unexpected '.a' in an array"},
      {"[1 2]", 4, "unexpected '2'"},
      {"[1,", 4, "unexpected end of filter"},
      {".a in [1", 9, "unexpected end of filter"},
      {"[(1)]", 2, "unexpected '(' in an array"},
      {"==", 1, "unexpected '=='"},
      {".a and", 7, "unexpected end of filter"},
      {".a ! .b", 4, "unexpected '!'"},
      {"- .a", 1, "unexpected '-'"},
      {"-(1)", 1, "unexpected '-'"},
      {".a == 1 2", 9, "unexpected '2'"},
      {"()", 2, "unexpected ')'"},
      {"truex", 1, "unknown word 'truex'"},
      {"AND", 1, "unknown word 'AND'"},
      {".a == 1 # note", 9, "unexpected '#'"},
      {".a == é", 7, "unexpected 'é'"},
      {deep_parens, 65, "nested deeper than 64 levels"},
      {deep_nots, 65, "nested deeper than 64 levels"},
      {deep_power, 323, "nested deeper than 64 levels"},
  };
  for (const ErrorRow& row : rows) {
    const std::string message = error_of(row.filter);
    const std::string tail = row.problem;
    EXPECT_NE(message.find(": " + tail), std::string::npos) << row.filter << " -> " << message;
    EXPECT_NE(message.find(" at column " + std::to_string(row.column)), std::string::npos)
        << row.filter << " -> " << message;
    EXPECT_EQ(message.rfind("filter \"", 0), 0u) << message;
  }
}

TEST(FilterExpression, ErrorsAreOneLineWhateverTheInput) {
  const std::string with_controls = std::string(".a == 1 \x01\n") + '\0' + "\x1b[31m";
  const std::string message = error_of(with_controls);
  EXPECT_NE(message.find("unexpected '\\x01' at column 9"), std::string::npos) << message;
  for (const char c : message) {
    EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << message;
  }
  // A NUL is a byte like any other, not the end of the filter.
  EXPECT_NE(error_of(std::string(".a == 1 ") + '\0').find("'\\x00' at column 9"),
            std::string::npos);
  // Long filters are cut in the message.
  const std::string long_error = error_of(".a == 1" + std::string(3000, ' ') + ")");
  EXPECT_LT(long_error.size(), 300u) << long_error;
  EXPECT_NE(long_error.find("at column 3008"), std::string::npos) << long_error;
}

TEST(FilterExpression, TooLongIsRefusedBeforeParsing) {
  const std::string text(FilterExpression::kMaxTextBytes + 1, '(');
  const std::string message = error_of(text);
  EXPECT_NE(message.find("is 4097 bytes long; the limit is 4096"), std::string::npos) << message;
  EXPECT_LT(message.size(), 200u);
}

}  // namespace
}  // namespace lshrs
