// Reading a spreadsheet: spreadsheets.get (properties, field masks, grid data, ranges) and
// values.get / values:batchGet (A1 ranges with quoted titles, render options, major
// dimension, trimming), as Google answers them.
#include <gtest/gtest.h>

#include "fixture.hpp"

namespace sinkhub::fake::google::test {
namespace {

class Reading : public FakeGoogleTest {
 protected:
  void SetUp() override {
    // Typed cells written through the API: a string that looks like a number, a formula-looking
    // string, a number, a boolean, an empty cell in the middle and a real formula.
    const Reply r = batch(R"J({"updateCells":{"start":{"sheetId":0,"rowIndex":0,"columnIndex":0},"fields":"userEnteredValue",
      "rows":[{"values":[{"userEnteredValue":{"stringValue":"id"}},{"userEnteredValue":{"stringValue":"price"}},
                         {"userEnteredValue":{"stringValue":"ok"}}]},
              {"values":[{"userEnteredValue":{"stringValue":"001"}},{"userEnteredValue":{"numberValue":1.5}},
                         {"userEnteredValue":{"boolValue":true}}]},
              {"values":[{"userEnteredValue":{"stringValue":"=HYPERLINK(\"x\")"}},{},
                         {"userEnteredValue":{"formulaValue":"=B2*2"}}]}]}})J");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  json::Obj sheet0(const Reply& r) { return json::as_object(json::list(r.json(), "sheets")->get(0)); }
};

TEST_F(Reading, GetReturnsSheetPropertiesWithoutGridData) {
  const Reply r = get(std::string("/v4/spreadsheets/") + kSheet);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto o = r.json();
  EXPECT_EQ(json::str(o, "spreadsheetId"), kSheet);
  EXPECT_EQ(json::str(json::child(o, "properties"), "title"), "Leads");
  EXPECT_EQ(json::str(o, "spreadsheetUrl"), std::string("https://docs.google.com/spreadsheets/d/") + kSheet + "/edit");
  EXPECT_EQ(compact(json::child(sheet0(r), "properties")),
            R"({"sheetId":0,"title":"Sheet1","index":0,"sheetType":"GRID","gridProperties":{"rowCount":1000,"columnCount":26}})");
  EXPECT_FALSE(json::has(sheet0(r), "data"));
}

TEST_F(Reading, FieldsMasksSelectPartsOfTheAnswer) {
  Reply r = get(std::string("/v4/spreadsheets/") + kSheet + "?fields=sheets.properties");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()->getNames(), std::vector<std::string>{"sheets"});
  r = get(std::string("/v4/spreadsheets/") + kSheet + "?fields=" + url_encode("sheets(properties(sheetId,title))"));
  EXPECT_EQ(compact(r.json()), R"({"sheets":[{"properties":{"sheetId":0,"title":"Sheet1"}}]})");
  r = get(std::string("/v4/spreadsheets/") + kSheet + "?fields=spreadsheetId");
  EXPECT_EQ(compact(r.json()), std::string(R"({"spreadsheetId":")") + kSheet + "\"}");
}

TEST_F(Reading, AMaskNamingNoFieldIsRefusedWithTheBadPath) {
  const Reply r = get(std::string("/v4/spreadsheets/") + kSheet + "?fields=sheets.propertie");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.message(), "Request contains an invalid argument.");
  EXPECT_NE(r.body.find("Cannot find matching fields for path 'sheets.propertie'."), std::string::npos) << r.body;
}

TEST_F(Reading, GridDataIsTrimmedToTheCellsHoldingSomething) {
  const Reply r = get(std::string("/v4/spreadsheets/") + kSheet + "?includeGridData=true");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto data = json::as_object(json::list(sheet0(r), "data")->get(0));
  EXPECT_FALSE(json::has(data, "startRow"));  // 0 is omitted
  const auto rows = json::list(data, "rowData");
  ASSERT_EQ(rows->size(), 3u);
  const auto cell = json::as_object(json::list(json::as_object(rows->get(1)), "values")->get(0));
  EXPECT_EQ(compact(json::child(cell, "userEnteredValue")), R"({"stringValue":"001"})");
  EXPECT_EQ(json::str(cell, "formattedValue"), "001");
  EXPECT_EQ(json::list(data, "rowMetadata")->size(), 1000u);  // full grid length
  EXPECT_EQ(json::list(data, "columnMetadata")->size(), 26u);
  // A mask decides instead of includeGridData.
  const Reply masked = get(std::string("/v4/spreadsheets/") + kSheet + "?includeGridData=true&fields=sheets.properties");
  EXPECT_FALSE(json::has(sheet0(masked), "data"));
}

TEST_F(Reading, RangesFilterTheSheetsAndTheGrid) {
  ASSERT_EQ(batch(R"({"addSheet":{"properties":{"title":"Other"}}})").status, 200);
  const Reply r = get(std::string("/v4/spreadsheets/") + kSheet + "?includeGridData=true&ranges=" + url_encode("Sheet1!B2:C3"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::list(r.json(), "sheets")->size(), 1u);
  const auto data = json::as_object(json::list(sheet0(r), "data")->get(0));
  EXPECT_EQ(json::integer(data, "startRow"), 1);
  EXPECT_EQ(json::integer(data, "startColumn"), 1);
  EXPECT_EQ(json::list(data, "rowMetadata")->size(), 2u);
}

TEST_F(Reading, ValuesAreRenderedFromTypedCellsNeverReparsed) {
  Reply r = values("Sheet1!A1:C3");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(compact(r.json()),
            R"J({"range":"Sheet1!A1:C3","majorDimension":"ROWS","values":[["id","price","ok"],["001","1.5","TRUE"],["=HYPERLINK(\"x\")"]]})J");
  r = values("Sheet1!A1:C3", "valueRenderOption=UNFORMATTED_VALUE");
  EXPECT_EQ(compact(json::list(r.json(), "values")->get(1)), R"(["001",1.5,true])");
  r = values("Sheet1!A1:C3", "valueRenderOption=FORMULA");
  EXPECT_EQ(compact(json::list(r.json(), "values")->get(2)), R"J(["=HYPERLINK(\"x\")","","=B2*2"])J");
}

TEST_F(Reading, AFormulaShowsTheResultATestGaveIt) {
  Cell c;
  c.value = Value::formula("=B2*2");
  c.formula_result = Value::num(3);
  google.person_set(kSheet, "Sheet1", 2, 2, c);
  EXPECT_EQ(compact(json::list(values("Sheet1!C3").json(), "values")), R"([["3"]])");
}

TEST_F(Reading, WholeSheetAndOpenRangesPrintTheirGridBounds) {
  EXPECT_EQ(json::str(values("Sheet1").json(), "range"), "Sheet1!A1:Z1000");
  EXPECT_EQ(json::str(values("Sheet1!B:C").json(), "range"), "Sheet1!B1:C1000");
  EXPECT_EQ(json::str(values("Sheet1!A2:B").json(), "range"), "Sheet1!A2:B1000");
  EXPECT_EQ(json::str(values("Sheet1!2:3").json(), "range"), "Sheet1!A2:Z3");
  EXPECT_EQ(json::str(values("B2").json(), "range"), "Sheet1!B2");  // the first visible sheet
  EXPECT_EQ(json::str(values("sheet1!A1:A2").json(), "range"), "Sheet1!A1:A2");  // titles match case-insensitively
}

TEST_F(Reading, QuotedTitlesWithApostrophesAndSpaces) {
  ASSERT_EQ(batch(R"({"addSheet":{"properties":{"title":"It's a tab"}}})").status, 200);
  const auto id = sheet_id("It's a tab");
  ASSERT_EQ(batch(R"({"updateCells":{"start":{"sheetId":)" + std::to_string(id) +
                  R"(},"fields":"userEnteredValue","rows":[{"values":[{"userEnteredValue":{"stringValue":"x"}}]}]}})")
                .status,
            200);
  const Reply r = values("'It''s a tab'!A1:C");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(compact(r.json()), R"({"range":"'It''s a tab'!A1:C1000","majorDimension":"ROWS","values":[["x"]]})");
  EXPECT_EQ(values("It's a tab!A1").status, 200);  // unquoted titles with spaces are accepted too
}

TEST_F(Reading, ColumnsMajorTransposesAndTrimsEachColumn) {
  const Reply r = values("Sheet1!A1:C3", "majorDimension=COLUMNS");
  EXPECT_EQ(compact(json::list(r.json(), "values")), R"J([["id","001","=HYPERLINK(\"x\")"],["price","1.5"],["ok","TRUE"]])J");
}

TEST_F(Reading, AnEmptyRangeHasNoValuesMember) {
  const Reply r = values("Sheet1!E5:F9");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(compact(r.json()), R"({"range":"Sheet1!E5:F9","majorDimension":"ROWS"})");
}

TEST_F(Reading, BadRangesAreRefusedLikeGoogle) {
  Reply r = values("Nope!A1:B2");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.message(), "Unable to parse range: Nope!A1:B2");
  r = values("Sheet1!A1:AA2");
  EXPECT_EQ(r.message(), "Range (Sheet1!A1:AA2) exceeds grid limits. Max rows: 1000, max columns: 26");
  r = values("CRM26");  // a cell reference, not a title: column CRM does not exist in a 26-column grid
  EXPECT_EQ(r.message(), "Range (Sheet1!CRM26) exceeds grid limits. Max rows: 1000, max columns: 26");
  r = values("Sheet1!A1:B2", "valueRenderOption=RAW");
  EXPECT_EQ(r.message(),
            "Invalid value at 'value_render_option' (type.googleapis.com/google.apps.sheets.v4.ValueRenderOption), \"RAW\"");
}

TEST_F(Reading, BatchGetReturnsOneValueRangePerRange) {
  const Reply r = get(std::string("/v4/spreadsheets/") + kSheet + "/values:batchGet?ranges=" + url_encode("Sheet1!A1:A2") +
                      "&ranges=" + url_encode("Sheet1!C2"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(compact(json::list(r.json(), "valueRanges")),
            R"([{"range":"Sheet1!A1:A2","majorDimension":"ROWS","values":[["id"],["001"]]},{"range":"Sheet1!C2","majorDimension":"ROWS","values":[["TRUE"]]}])");
}

TEST_F(Reading, PrettyPrintFalseIsCompact) {
  const Reply pretty = values("Sheet1!A1");
  const Reply compact_one = values("Sheet1!A1", "prettyPrint=false");
  EXPECT_NE(pretty.body.find("\n  "), std::string::npos);
  EXPECT_EQ(compact_one.body.find('\n'), std::string::npos);
  EXPECT_EQ(compact(pretty.json()), compact(compact_one.json()));
}

}  // namespace
}  // namespace sinkhub::fake::google::test
