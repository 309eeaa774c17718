// redact_secrets() and quote_user_text(): every form in which a user may type
// a password is masked, and any text becomes one line.
#include "lshrs/safe_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lshrs {
namespace {

constexpr const char* kSecret = "Sup3rS3cretPW";

void expect_masked(const std::string& typed, const std::string& expected) {
  const std::string out = redact_secrets(typed);
  EXPECT_EQ(out, expected) << typed;
  EXPECT_EQ(out.find(kSecret), std::string::npos) << out;
}

TEST(RedactSecrets, UrlsOfAnySchemeKnownOrMistyped) {
  expect_masked("redis://u:Sup3rS3cretPW@h:1/2", "redis://u:***@h:1/2");
  expect_masked("redis://:Sup3rS3cretPW@h", "redis://:***@h");
  expect_masked("postgresql://app:Sup3rS3cretPW@db:5432/x", "postgresql://app:***@db:5432/x");
  expect_masked("postgresq://app:Sup3rS3cretPW@db/x", "postgresq://app:***@db/x");
  expect_masked("rediss://u:Sup3rS3cretPW@h", "rediss://u:***@h");
  expect_masked("redis+sentinel://u:Sup3rS3cretPW@h1,h2/mymaster",
                "redis+sentinel://u:***@h1,h2/mymaster");
}

TEST(RedactSecrets, PasswordsHoldingSlashQuestionMarkOrAt) {
  expect_masked("redis://u:Sup3r/S3cretPW@h:1", "redis://u:***@h:1");
  expect_masked("redis://u:Sup3r?S3cretPW@h", "redis://u:***@h");
  expect_masked("redis://u:Sup3r@S3cretPW@h", "redis://u:***@h");
  expect_masked("redis://u:Sup3rS3cretPW#x@h", "redis://u:***@h");
}

// Found by fuzz_redis_url: a password holding "://" was cut into two URLs and
// its first part left visible.
TEST(RedactSecrets, PasswordHoldingASecondScheme) {
  EXPECT_EQ(redact_secrets("redis://u:a://b@host/0"), "redis://u:***@host/0");
  EXPECT_EQ(redact_secrets("redis://u:p1@h1 and redis://v:p2@h2"),
            "redis://u:***@h1 and redis://v:***@h2");
}

TEST(RedactSecrets, WithoutScheme) {
  expect_masked("u:Sup3rS3cretPW@h:6379", "u:***@h:6379");
  expect_masked("postgres:app:Sup3rS3cretPW@db", "postgres:***@db");
}

TEST(RedactSecrets, KeywordForms) {
  expect_masked("host=db password=Sup3rS3cretPW dbname=x", "host=db password=*** dbname=x");
  expect_masked("host=db PASSWORD = 'Sup3r S3cretPW' dbname=x",
                "host=db PASSWORD = '***' dbname=x");
  expect_masked("postgresql://db/x?user=a&password=Sup3rS3cretPW&sslmode=off",
                "postgresql://db/x?user=a&password=***&sslmode=off");
  expect_masked(R"({"password": "Sup3rS3cretPW", "db": 0})", R"({"password": "***", "db": 0})");
}

TEST(RedactSecrets, LeavesTextWithoutSecretsAlone) {
  for (const char* s : {"redis://h:6379/0", "redis://user@h", "/data/base.npy",
                        "unix:///tmp/r.sock", "check the user and password", ""}) {
    EXPECT_EQ(redact_secrets(s), s);
  }
}

TEST(QuoteUserText, EscapesControlCharactersAndCuts) {
  EXPECT_EQ(quote_user_text("a\nb\r\tc"), "a\\nb\\r\\tc");
  EXPECT_EQ(quote_user_text(std::string("x\0y", 3)), "x\\x00y");
  EXPECT_EQ(quote_user_text("back\\slash"), "back\\\\slash");
  EXPECT_EQ(quote_user_text(std::string(500, 'z'), 10), std::string(10, 'z') + "...");
  EXPECT_EQ(quote_user_text("short", 10), "short");
}

TEST(PrintableLine, EscapesControlAndBadBytesButKeepsBackslashes) {
  // A message whose quoted part is escaped already is not escaped twice.
  EXPECT_EQ(printable_line("--ids: \\x93NUMPY is not an id"), "--ids: \\x93NUMPY is not an id");
  EXPECT_EQ(printable_line(std::string("a\nb\0c\x93", 6)), "a\\nb\\x00c\\x93");
  EXPECT_EQ(printable_line("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(QuoteUserText, PassesUtf8AndEscapesOtherHighBytes) {
  EXPECT_EQ(quote_user_text("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80");
  // A .npy header given as an id list: the magic's 0x93 is no character.
  EXPECT_EQ(quote_user_text("\x93NUMPY"), "\\x93NUMPY");
  EXPECT_EQ(quote_user_text("\xc3"), "\\xc3");              // cut short
  EXPECT_EQ(quote_user_text("\xc0\xaf"), "\\xc0\\xaf");      // overlong '/'
  EXPECT_EQ(quote_user_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
}

}  // namespace
}  // namespace lshrs
