// The gsheets sink's options as create() sees them: defaults, and wrong, missing, oversized
// and malicious values refused with a message naming the option; the README's table is the
// one the code declares.
#include <gtest/gtest.h>

#include <sinkhub/sink.hpp>

#include "gsheets_options.hpp"
#include "readme_table.hpp"

namespace {

using namespace sinkhub_gsheets;

const std::string kId = R"("spreadsheet_id":"1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd")";

Config parse(const std::string& extra = {}) { return parse_config("{" + kId + (extra.empty() ? "" : "," + extra) + "}"); }

std::string error_of(const std::string& json) {
  try {
    parse_config(json);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

std::string error_with(const std::string& extra) { return error_of("{" + kId + "," + extra + "}"); }

TEST(GsheetsOptions, DefaultsAreAppendJsonHeaderAndGooglesEndpoint) {
  const Config c = parse();
  EXPECT_EQ(c.sheet_template, "Sheet1");
  EXPECT_EQ(c.nested, Nested::Json);
  EXPECT_TRUE(c.header_row);
  EXPECT_FALSE(c.provenance_column);
  EXPECT_TRUE(c.columns.empty());
  EXPECT_EQ(c.credentials_file, "") << "ADC";
  EXPECT_EQ(c.api_base_url, "https://sheets.googleapis.com");
  EXPECT_EQ(c.mode, Mode::Append);
  EXPECT_EQ(c.key, "");
}

TEST(GsheetsOptions, EveryOptionIsRead) {
  const Config c = parse(R"("credentials_file":"/etc/sinkhub/google.json","sheet":"{actorId} {date}","mode":"append",)"
                         R"("columns":["url","meta.scrapedAt"],"nested":"flatten","header_row":false,)"
                         R"("provenance_column":true,"impersonate":"ann@example.com","api_base_url":"http://127.0.0.1:8080/")");
  EXPECT_EQ(c.credentials_file, "/etc/sinkhub/google.json");
  EXPECT_EQ(c.sheet_template, "{actorId} {date}");
  EXPECT_EQ(c.columns, (std::vector<std::string>{"url", "meta.scrapedAt"}));
  EXPECT_EQ(c.nested, Nested::Flatten);
  EXPECT_FALSE(c.header_row);
  EXPECT_TRUE(c.provenance_column);
  EXPECT_EQ(c.impersonate, "ann@example.com");
  EXPECT_EQ(c.api_base_url, "http://127.0.0.1:8080");
}

TEST(GsheetsOptions, WrongMissingOversizedAndMaliciousValuesNameTheOption) {
  EXPECT_NE(error_of("{}").find("'spreadsheet_id' is required"), std::string::npos);
  EXPECT_NE(error_of(R"({"spreadsheet_id":"short"})").find("spreadsheet_id"), std::string::npos);
  EXPECT_NE(error_of(R"({"spreadsheet_id":"../../etc/passwd/aaaa"})").find("spreadsheet_id"), std::string::npos);
  EXPECT_NE(error_of("{\"spreadsheet_id\":\"" + std::string(200, 'a') + "\"}").find("spreadsheet_id"), std::string::npos);
  EXPECT_NE(error_with(R"("sheet":"")").find("'sheet'"), std::string::npos);
  EXPECT_NE(error_with(R"("sheet":"a\nb")").find("'sheet'"), std::string::npos);
  EXPECT_NE(error_with(R"("sheet":"It's")").find("'sheet'"), std::string::npos);
  EXPECT_NE(error_with(R"("sheet":"{nope}")").find("unknown placeholder"), std::string::npos);
  EXPECT_NE(error_with("\"sheet\":\"" + std::string(101, 'a') + "\"").find("'sheet'"), std::string::npos);
  EXPECT_NE(error_with(R"("mode":"overwrite")").find("'mode'"), std::string::npos);
  EXPECT_NE(error_with(R"("nested":"xml")").find("'nested'"), std::string::npos);
  EXPECT_NE(error_with(R"("columns":[])").find("'columns'"), std::string::npos);
  EXPECT_NE(error_with(R"("columns":["a","a"])").find("listed twice"), std::string::npos);
  EXPECT_NE(error_with(R"("columns":["a..b"])").find("'columns'"), std::string::npos);
  EXPECT_NE(error_with(R"("header_row":"yes")").find("'header_row'"), std::string::npos);
  EXPECT_NE(error_with(R"("header_row":false)").find("needs 'columns'"), std::string::npos);
  EXPECT_NE(error_with(R"("api_base_url":"ftp://x")").find("'api_base_url'"), std::string::npos);
  EXPECT_NE(error_with(R"("api_base_url":"http://sheets.example.com")").find("loopback"), std::string::npos);
  EXPECT_NE(error_with(R"("api_base_url":"https://user:pw@h")").find("'api_base_url'"), std::string::npos);
  EXPECT_NE(error_with(R"("api_base_url":"https://h/v4/x")").find("without a path"), std::string::npos);
  EXPECT_NE(error_with(R"("impersonate":"not-an-email")").find("'impersonate'"), std::string::npos);
  EXPECT_NE(error_with(R"("credentials_file":"")").find("'credentials_file'"), std::string::npos);
  EXPECT_NE(error_with(R"("colour":"red")").find("unknown option 'colour'"), std::string::npos);
  EXPECT_NE(error_with(R"("provenance_column":true,"columns":["_sinkhub"])").find("provenance"), std::string::npos);
}

TEST(GsheetsOptions, ReplaceAndUpsertModes) {
  EXPECT_EQ(parse(R"("mode":"replace")").mode, Mode::Replace);
  const Config up = parse(R"("mode":"upsert","key":"url")");
  EXPECT_EQ(up.mode, Mode::Upsert);
  EXPECT_EQ(up.key, "url");
  const Config fixed = parse(R"("mode":"upsert","key":"meta.id","columns":["meta.id","title"])");
  EXPECT_EQ(fixed.key, "meta.id");
}

TEST(GsheetsOptions, KeyIsRequiredForUpsertOnlyAndMustBeAColumn) {
  EXPECT_NE(error_with(R"("mode":"upsert")").find("option 'key' is required with mode: upsert"), std::string::npos);
  EXPECT_NE(error_with(R"("key":"url")").find("option 'key' is only used with mode: upsert"), std::string::npos);
  EXPECT_NE(error_with(R"("mode":"replace","key":"url")").find("option 'key' is only used"), std::string::npos);
  EXPECT_NE(error_with(R"("mode":"upsert","key":"url","columns":["id","title"])").find("must be one of 'columns'"),
            std::string::npos);
  EXPECT_NE(error_with(R"("mode":"upsert","key":"_sinkhub","provenance_column":true)").find("option 'key'"),
            std::string::npos);
  EXPECT_NE(error_with(R"("mode":"upsert","key":"")").find("'key'"), std::string::npos);
  EXPECT_NE(error_with(R"("mode":"upsert","key":42)").find("'key'"), std::string::npos);
  EXPECT_NE(error_with(R"("mode":"upsert","key":["url"])").find("'key'"), std::string::npos);
  EXPECT_NE(error_with("\"mode\":\"upsert\",\"key\":\"" + std::string(201, 'k') + "\"").find("'key'"), std::string::npos);
  EXPECT_NE(error_with(R"("mode":"upsert","key":"url\u0000")").find("'key'"), std::string::npos);
  EXPECT_NE(error_with(R"("mode":"upsert","key":"a\nb")").find("'key'"), std::string::npos);
  EXPECT_NE(error_with(R"("mode":"upsert","key":"a..b")").find("'key'"), std::string::npos);
  EXPECT_NE(error_with(R"("mode":"UPSERT","key":"url")").find("'mode'"), std::string::npos);
  EXPECT_NE(error_with(R"("mode":"upsert;drop","key":"url")").find("'mode'"), std::string::npos);
  EXPECT_NE(error_with(R"("mode":null)").find("'mode'"), std::string::npos);
}

TEST(GsheetsOptions, TheReadmeHoldsTheDeclaredTable) {
  EXPECT_TRUE(sinkhub_test::ReadmeHasOptionTable(std::string(SINKHUB_SOURCE_DIR) + "/plugins/gsheets/README.md",
                                                 options_table().markdown()));
}

}  // namespace

#include "gsheets_modes.hpp"

namespace {

// replace's staging tab: the same title on every attempt of a delivery (a resumed delivery
// finds its rows), another for another delivery, and a title Sheets accepts.
TEST(GsheetsReplaceStaging, TheStagingTitleFollowsFromTheDelivery) {
  using sinkhub_gsheets::staging_title;
  const std::string t = staging_title("d42", "run-abc");
  EXPECT_EQ(t, staging_title("d42", "run-abc"));
  EXPECT_NE(t, staging_title("d43", "run-abc"));
  EXPECT_NE(t, staging_title("d42", "run-abd"));
  EXPECT_EQ(t.rfind("_sinkhub_staging_", 0), 0u);
  EXPECT_LE(t.size(), 100u);
  EXPECT_EQ(t.find_first_of("'[]*?:/\\"), std::string::npos);
  const std::string odd = staging_title(std::string(500, '\''), "run:[x]");
  EXPECT_LE(odd.size(), 100u);
  EXPECT_EQ(odd.find_first_of("'[]*?:"), std::string::npos);
}

}  // namespace
