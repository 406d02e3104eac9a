// Items become typed cells exactly as issue 11 says: text stays text, numbers and booleans
// stay typed, integers beyond 2^53 become text, null/missing is empty while 0 and false are
// not, cells over 50,000 characters are cut with a marker, nested values are JSON text or
// "a/b/0" columns, and columns only ever grow at the end.
#include <gtest/gtest.h>

#include "cells.hpp"

namespace {

using namespace sinkhub_gsheets;

std::string cell(const std::string& json_value) {
  const auto v = sinkhub::json::parse(json_value);
  return cell_json(&v, nullptr);
}

std::string row(Columns& cols, const std::string& item) {
  std::string cells;
  cols.row(parse_item(item), {}, cells);
  return cells;
}

TEST(GsheetsCells, StringsStayTextWhateverTheyLookLike) {
  EXPECT_EQ(cell(R"J("=HYPERLINK(\"http://x\",\"y\")")J"),
            R"J({"userEnteredValue":{"stringValue":"=HYPERLINK(\"http://x\",\"y\")"}})J");
  EXPECT_EQ(cell(R"("001")"), R"({"userEnteredValue":{"stringValue":"001"}})");
  EXPECT_EQ(cell(R"("1.10")"), R"({"userEnteredValue":{"stringValue":"1.10"}})");
  EXPECT_EQ(cell(R"("2024-03-01")"), R"({"userEnteredValue":{"stringValue":"2024-03-01"}})");
  EXPECT_EQ(cell(R"("'quoted")"), R"({"userEnteredValue":{"stringValue":"'quoted"}})");
  EXPECT_EQ(cell(R"("")"), R"({"userEnteredValue":{"stringValue":""}})");
}

TEST(GsheetsCells, NumbersAndBooleansStayTypedAndZeroIsNotEmpty) {
  EXPECT_EQ(cell("0"), R"({"userEnteredValue":{"numberValue":0}})");
  EXPECT_EQ(cell("false"), R"({"userEnteredValue":{"boolValue":false}})");
  EXPECT_EQ(cell("true"), R"({"userEnteredValue":{"boolValue":true}})");
  EXPECT_EQ(cell("-12.5e3"), R"({"userEnteredValue":{"numberValue":-12.5e3}})");
  EXPECT_EQ(cell("9007199254740992"), R"({"userEnteredValue":{"numberValue":9007199254740992}})");
  EXPECT_EQ(cell("null"), "{}");
  EXPECT_EQ(cell_json(nullptr, nullptr), "{}") << "missing";
}

TEST(GsheetsCells, IntegersBeyondTwoToThe53AndHugeNumbersBecomeTextAsWritten) {
  EXPECT_EQ(cell("9007199254740993"), R"({"userEnteredValue":{"stringValue":"9007199254740993"}})");
  EXPECT_EQ(cell("-123456789012345678901234567890"),
            R"({"userEnteredValue":{"stringValue":"-123456789012345678901234567890"}})");
  EXPECT_EQ(cell("1e400"), R"({"userEnteredValue":{"stringValue":"1e400"}})");
}

TEST(GsheetsCells, NestedValuesAreCompactJsonText) {
  EXPECT_EQ(cell(R"({"a": [1, {"b": null}]})"), R"({"userEnteredValue":{"stringValue":"{\"a\":[1,{\"b\":null}]}"}})");
}

std::size_t utf16_units(const std::string& s) {
  std::size_t n = 0;
  for (const unsigned char c : s) n += (c & 0xC0) == 0x80 ? 0 : (c >= 0xF0 ? 2 : 1);
  return n;
}

TEST(GsheetsCells, CellsOverFiftyThousandCharactersAreCutWithAVisibleMarker) {
  bool cut = false;
  EXPECT_EQ(cut_text(std::string(50000, 'a'), &cut), std::string(50000, 'a'));
  EXPECT_FALSE(cut) << "exactly 50,000 fits";
  const std::string over = cut_text(std::string(50001, 'a'), &cut);
  EXPECT_TRUE(cut);
  EXPECT_EQ(over.size(), 50000u);
  EXPECT_EQ(over.substr(over.size() - 14), "...[TRUNCATED]");
  // An emoji is two UTF-16 units for Google; a cut never splits one.
  std::string emoji;
  for (int i = 0; i < 30000; ++i) emoji += "\xF0\x9F\x98\x80";
  const std::string e = cut_text(emoji, &cut);
  EXPECT_LE(utf16_units(e), 50000u);
  EXPECT_EQ((e.size() - 14) % 4, 0u) << "whole code points only";
  EXPECT_NO_THROW(sinkhub::json::parse(sinkhub::json::quote(e))) << "still valid UTF-8";
  bool cut_json = false;
  const auto big = sinkhub::json::Value::array({sinkhub::json::Value::string(std::string(60000, 'x'))});
  EXPECT_NE(cell_json(&big, &cut_json).find("...[TRUNCATED]"), std::string::npos);
  EXPECT_TRUE(cut_json) << "nested JSON text is cut too";
}

TEST(GsheetsCells, NewFieldsBecomeNewColumnsAtTheEndNeverResorted) {
  Columns cols({"url", "title"}, false, false);
  EXPECT_EQ(row(cols, R"({"zeta":1,"title":"T","url":"u"})"),
            R"({"userEnteredValue":{"stringValue":"u"}},{"userEnteredValue":{"stringValue":"T"}},)"
            R"({"userEnteredValue":{"numberValue":1}})");
  EXPECT_EQ(cols.names(), (std::vector<std::string>{"url", "title", "zeta"}));
  row(cols, R"({"alpha":true,"url":"v"})");
  EXPECT_EQ(cols.names(), (std::vector<std::string>{"url", "title", "zeta", "alpha"}));
}

TEST(GsheetsCells, FixedColumnsReadDottedPathsAndIgnoreOtherFields) {
  Columns cols({"url", "meta.scrapedAt", "tags.1"}, true, false);
  EXPECT_EQ(row(cols, R"({"url":"u","meta":{"scrapedAt":"2024"},"tags":["a","b"],"other":1})"),
            R"({"userEnteredValue":{"stringValue":"u"}},{"userEnteredValue":{"stringValue":"2024"}},)"
            R"({"userEnteredValue":{"stringValue":"b"}})");
  EXPECT_EQ(row(cols, R"({"meta":null})"), "{},{},{}");
  EXPECT_EQ(cols.size(), 3u);
}

TEST(GsheetsCells, FlattenMakesApifyStyleSlashColumns) {
  Columns cols({}, false, true);
  row(cols, R"({"a":{"b":1,"c":[true,"x"]},"d":null,"e":[]})");
  EXPECT_EQ(cols.names(), (std::vector<std::string>{"a/b", "a/c/0", "a/c/1", "d"}));
}

TEST(GsheetsCells, ColumnsStopAtTheCapAndCountWhatWasDropped) {
  Columns cols({}, false, false);
  std::string item = "{";
  for (std::size_t i = 0; i < kMaxColumns + 5; ++i) item += (i ? ",\"f" : "\"f") + std::to_string(i) + "\":1";
  row(cols, item + "}");
  EXPECT_EQ(cols.size(), kMaxColumns);
  EXPECT_EQ(cols.dropped(), 5u);
}

TEST(GsheetsCells, ProvenanceAndNonObjectItems) {
  Columns cols({}, false, false);
  std::string cells;
  cols.row(parse_item(R"("just text")"), {{"_sinkhub", "run1:7"}}, cells);
  EXPECT_EQ(cols.names(), (std::vector<std::string>{"_sinkhub", "value"}));
  EXPECT_EQ(cells, R"({"userEnteredValue":{"stringValue":"run1:7"}},{"userEnteredValue":{"stringValue":"just text"}})");
  EXPECT_THROW(parse_item("{bad"), sinkhub::json::ParseError);
}

}  // namespace

namespace {

using namespace sinkhub_gsheets;

std::string key(const std::string& json_value) {
  const auto v = sinkhub::json::parse(json_value);
  return key_text(&v);
}

// upsert compares an item's key with the key cell as Sheets holds it (values.get, unformatted).
TEST(GsheetsUpsertKeys, KeysCompareAsTheTextSheetsHolds) {
  EXPECT_EQ(key(R"("https://example.com/p/1")"), "https://example.com/p/1");
  EXPECT_EQ(key("1.10"), key("1.1")) << "one number, however it is written";
  EXPECT_EQ(key("42"), "42");
  EXPECT_EQ(key(R"("42")"), key("42")) << "the text 42 and the number 42 are one key";
  EXPECT_EQ(key("4.2e1"), "42");
  EXPECT_EQ(key("0.1"), "0.1");
  EXPECT_EQ(key("true"), "TRUE");
  EXPECT_EQ(key("9007199254740993"), "9007199254740993") << "written as text, compared as that text";
  EXPECT_EQ(key("1e400"), "1e400");
  EXPECT_EQ(key(R"({"a":[1,2]})"), R"({"a":[1,2]})") << "nested keys are their JSON text, like the cell";
  EXPECT_NE(key(R"("ID-1")"), key(R"("id-1")")) << "case matters";
}

TEST(GsheetsUpsertKeys, NullMissingAndEmptyAreNoKey) {
  EXPECT_EQ(key("null"), "");
  EXPECT_EQ(key(R"("")"), "");
  EXPECT_EQ(key_text(nullptr), "");
}

TEST(GsheetsUpsertKeys, ALongKeyIsCutLikeItsCell) {
  const std::string long_text(60000, 'k');
  const std::string k = key("\"" + long_text + "\"");
  EXPECT_EQ(k.size(), kMaxCellChars);
  EXPECT_EQ(k, cut_text(long_text, nullptr));
}

}  // namespace
