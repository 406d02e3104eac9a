// spreadsheets.batchUpdate: the requests are read as Google's proto-JSON layer reads them,
// validated and applied in order, all or nothing; each kind behaves as Sheets documents it.
#include <gtest/gtest.h>

#include "fixture.hpp"

namespace sinkhub::fake::google::test {
namespace {

std::string cells(int row, int col, const std::string& rows, const std::string& sheet = "0") {
  return R"({"updateCells":{"start":{"sheetId":)" + sheet + R"(,"rowIndex":)" + std::to_string(row) +
         R"(,"columnIndex":)" + std::to_string(col) + R"(},"fields":"userEnteredValue","rows":[)" + rows + "]}}";
}

std::string strings(std::initializer_list<const char*> values) {
  std::string row = R"({"values":[)";
  bool first = true;
  for (const char* v : values) {
    row += (first ? "" : ",") + std::string(R"({"userEnteredValue":{"stringValue":")") + v + "\"}}";
    first = false;
  }
  return row + "]}";
}

std::string insert_rows(int start, int end, bool before, const std::string& sheet = "0") {
  return R"({"insertDimension":{"range":{"sheetId":)" + sheet + R"(,"dimension":"ROWS","startIndex":)" +
         std::to_string(start) + R"(,"endIndex":)" + std::to_string(end) + R"(},"inheritFromBefore":)" +
         (before ? "true" : "false") + "}}";
}

using Batch = FakeGoogleTest;

TEST_F(Batch, RepliesMirrorTheRequestsInOrder) {
  const Reply r = batch(cells(0, 0, strings({"a"})) + R"(,{"addSheet":{"properties":{"title":"New"}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto replies = json::list(r.json(), "replies");
  ASSERT_EQ(replies->size(), 2u);
  EXPECT_EQ(compact(replies->get(0)), "{}");
  const auto added = json::child(json::child(json::as_object(replies->get(1)), "addSheet"), "properties");
  EXPECT_EQ(json::str(added, "title"), "New");
  EXPECT_EQ(json::integer(added, "index"), 1);
  EXPECT_GT(json::integer(added, "sheetId"), 0);  // random, never the index
  EXPECT_EQ(json::str(r.json(), "spreadsheetId"), kSheet);
}

TEST_F(Batch, ABadRequestAppliesNothingAndNamesItsIndex) {
  const Reply r = batch(insert_rows(0, 2, false) + "," + cells(0, 0, strings({"lost"})) +
                        R"(,{"deleteSheet":{"sheetId":777}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.message(), "Invalid requests[2].deleteSheet: No sheet with id: 777");
  EXPECT_EQ(json::str(json::child(r.json(), "error"), "status"), "INVALID_ARGUMENT");
  EXPECT_TRUE(rows().empty());
  EXPECT_EQ(google.sheet(kSheet, "Sheet1").row_count, 1000);
  EXPECT_FALSE(google.requests(Op::BatchUpdate).back().applied);
}

TEST_F(Batch, CellsKeepTheirTypesAndStringsAreNeverParsed) {
  const Reply r = batch(cells(0, 0, R"J({"values":[
      {"userEnteredValue":{"stringValue":"001"}},{"userEnteredValue":{"stringValue":"=HYPERLINK(\"http://x\",\"y\")"}},
      {"userEnteredValue":{"stringValue":"2024-03-01"}},{"userEnteredValue":{"stringValue":"1.10"}},
      {"userEnteredValue":{"numberValue":0}},{"userEnteredValue":{"boolValue":false}},
      {"userEnteredValue":{"numberValue":9007199254740993}},{"userEnteredValue":{"formulaValue":"=A1"}},
      {"userEnteredValue":{"stringValue":"'quoted"}}]})J"));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto row = google.values(kSheet, "Sheet1").at(0);
  ASSERT_EQ(row.size(), 9u);
  EXPECT_EQ(row[0], Value::string("001"));
  EXPECT_EQ(row[1], Value::string("=HYPERLINK(\"http://x\",\"y\")"));
  EXPECT_EQ(row[2], Value::string("2024-03-01"));
  EXPECT_EQ(row[3], Value::string("1.10"));
  EXPECT_EQ(row[4], Value::num(0));  // 0 and false are values, not empty cells
  EXPECT_EQ(row[5], Value::boolean_value(false));
  EXPECT_EQ(row[6], Value::num(9007199254740992.0));  // a JSON number is a double: 2^53 + 1 is lost
  EXPECT_EQ(row[7], Value::formula("=A1"));
  EXPECT_EQ(row[8], Value::string("'quoted"));  // stringValue keeps a leading quote as text
}

TEST_F(Batch, EmptyCellDataClearsAndFieldsChoosesWhatIsWritten) {
  ASSERT_EQ(batch(cells(0, 0, strings({"a", "b", "c"}))).status, 200);
  ASSERT_EQ(batch(R"({"updateCells":{"start":{"sheetId":0,"rowIndex":0,"columnIndex":1},"fields":"userEnteredValue","rows":[{"values":[{}]}]}})").status, 200);
  EXPECT_EQ(rows(), (std::vector<std::string>{"a||c"}));
  ASSERT_EQ(batch(R"({"updateCells":{"start":{"sheetId":0,"rowIndex":0,"columnIndex":0},"fields":"note","rows":[{"values":[{"note":"n","userEnteredValue":{"stringValue":"ignored"}}]}]}})").status, 200);
  EXPECT_EQ(google.cell(kSheet, "Sheet1", 0, 0).value, Value::string("a"));
  EXPECT_EQ(google.cell(kSheet, "Sheet1", 0, 0).note, "n");
  const Reply r = batch(R"({"updateCells":{"start":{"sheetId":0},"rows":[]}})");
  EXPECT_EQ(r.message(), "Invalid requests[0].updateCells: At least one field must be specified.");
}

TEST_F(Batch, UpdateCellsOverARangeClearsWhatTheRowsDoNotCover) {
  ASSERT_EQ(batch(cells(0, 0, strings({"a", "b"}) + "," + strings({"c", "d"}))).status, 200);
  ASSERT_EQ(batch(R"({"updateCells":{"range":{"sheetId":0,"startRowIndex":0,"endRowIndex":2,"startColumnIndex":0,"endColumnIndex":2},
                     "fields":"userEnteredValue","rows":[)" + strings({"x"}) + "]}}").status, 200);
  EXPECT_EQ(rows(), (std::vector<std::string>{"x"}));
  const Reply r = batch(R"({"updateCells":{"range":{"sheetId":0,"startRowIndex":0,"endRowIndex":1,"startColumnIndex":0,"endColumnIndex":2},
                     "fields":"userEnteredValue","rows":[)" + strings({"x"}) + "," + strings({"y"}) + "]}}");
  EXPECT_EQ(r.message(), "Invalid requests[0].updateCells: Attempting to write row: 1, beyond the last requested row of: 0");
}

TEST_F(Batch, WritingPastTheGridFailsWithGridLimits) {
  ASSERT_EQ(batch(R"J({"updateSheetProperties":{"properties":{"sheetId":0,"gridProperties":{"rowCount":2,"columnCount":3}},"fields":"gridProperties(rowCount,columnCount)"}})J").status, 200);
  Reply r = batch(cells(2, 0, strings({"a", "b", "c"})));
  EXPECT_EQ(r.message(), "Invalid requests[0].updateCells: Range (Sheet1!A3:C3) exceeds grid limits. Max rows: 2, max columns: 3");
  r = batch(cells(0, 3, strings({"a"})));
  EXPECT_EQ(r.message(), "Invalid requests[0].updateCells: Range (Sheet1!D1) exceeds grid limits. Max rows: 2, max columns: 3");
}

TEST_F(Batch, InsertDimensionAtTheEndNeedsInheritFromBefore) {
  ASSERT_EQ(batch(R"({"updateSheetProperties":{"properties":{"sheetId":0,"gridProperties":{"rowCount":1}},"fields":"gridProperties.rowCount"}})").status, 200);
  Reply r = batch(insert_rows(1, 3, false));
  EXPECT_EQ(r.message(),
            "Invalid requests[0].insertDimension: range.startIndex must be less than the grid size (1) if inheritFromBefore is false.");
  r = batch(insert_rows(0, 1, true));
  EXPECT_EQ(r.message(), "Invalid requests[0].insertDimension: range.startIndex must be greater than 0 if inheritFromBefore is true.");
  ASSERT_EQ(batch(insert_rows(1, 3, true)).status, 200);
  EXPECT_EQ(google.sheet(kSheet, "Sheet1").row_count, 3);
  r = batch(insert_rows(5, 6, true));
  EXPECT_EQ(r.message(), "Invalid requests[0].insertDimension: range.startIndex must be less than or equal to the grid size (3).");
  r = batch(insert_rows(-1, 2, false));
  EXPECT_EQ(r.message(), "Invalid requests[0].insertDimension: DimensionRange indexes must be >= 0");
}

TEST_F(Batch, InsertedRowsShiftCellsDownAndNeverOverwrite) {
  ASSERT_EQ(batch(cells(0, 0, strings({"header"}) + "," + strings({"mine"}))).status, 200);
  ASSERT_EQ(batch(insert_rows(1, 3, true) + "," + cells(1, 0, strings({"new1"}) + "," + strings({"new2"}))).status, 200);
  EXPECT_EQ(rows(), (std::vector<std::string>{"header", "new1", "new2", "mine"}));
  EXPECT_EQ(google.sheet(kSheet, "Sheet1").row_count, 1002);
}

TEST_F(Batch, InsertedRowsInheritTheNeighboursFormatting) {
  ASSERT_EQ(batch(R"({"updateCells":{"start":{"sheetId":0},"fields":"userEnteredValue,userEnteredFormat.textFormat.bold",
                     "rows":[{"values":[{"userEnteredValue":{"stringValue":"h"},"userEnteredFormat":{"textFormat":{"bold":true}}}]}]}})").status, 200);
  ASSERT_EQ(batch(insert_rows(1, 2, true)).status, 200);
  EXPECT_EQ(google.cell(kSheet, "Sheet1", 1, 0).format_json, R"({"textFormat":{"bold":true}})");  // bold came along
  EXPECT_TRUE(google.cell(kSheet, "Sheet1", 1, 0).value.empty());
  ASSERT_EQ(batch(insert_rows(0, 1, false)).status, 200);  // inherits from the row after: the bold header
  EXPECT_EQ(google.cell(kSheet, "Sheet1", 0, 0).format_json, R"({"textFormat":{"bold":true}})");
}

TEST_F(Batch, AppendAndDeleteDimension) {
  ASSERT_EQ(batch(R"({"appendDimension":{"sheetId":0,"dimension":"COLUMNS","length":4}})").status, 200);
  EXPECT_EQ(google.sheet(kSheet, "Sheet1").column_count, 30);
  ASSERT_EQ(batch(cells(0, 0, strings({"a"}) + "," + strings({"b"}) + "," + strings({"c"}))).status, 200);
  ASSERT_EQ(batch(R"({"deleteDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":1,"endIndex":2}}})").status, 200);
  EXPECT_EQ(rows(), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(google.sheet(kSheet, "Sheet1").row_count, 999);
  Reply r = batch(R"({"deleteDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":0,"endIndex":999}}})");
  EXPECT_EQ(r.message(), "Invalid requests[0].deleteDimension: You can't delete all the rows on the sheet.");
  r = batch(R"({"deleteDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":999,"endIndex":1000}}})");
  EXPECT_EQ(r.message(),
            "Invalid requests[0].deleteDimension: Cannot delete a row that doesn't exist. Tried to delete row index 999 but there are only 999 rows.");
  r = batch(R"({"appendDimension":{"sheetId":0,"dimension":"ROWS","length":0}})");
  EXPECT_EQ(r.message(), "Invalid requests[0].appendDimension: length must be greater than 0.");
}

TEST_F(Batch, AppendCellsWritesAfterTheLastRowWithDataAndGrowsTheGrid) {
  ASSERT_EQ(batch(R"({"updateSheetProperties":{"properties":{"sheetId":0,"gridProperties":{"rowCount":2}},"fields":"gridProperties.rowCount"}})").status, 200);
  ASSERT_EQ(batch(cells(0, 0, strings({"h"}))).status, 200);
  ASSERT_EQ(batch(R"({"appendCells":{"sheetId":0,"fields":"userEnteredValue","rows":[)" + strings({"1"}) + "," +
                  strings({"2"}) + "," + strings({"3"}) + "]}}").status, 200);
  EXPECT_EQ(rows(), (std::vector<std::string>{"h", "1", "2", "3"}));
  EXPECT_EQ(google.sheet(kSheet, "Sheet1").row_count, 4);
  const Reply r = batch(R"({"appendCells":{"sheetId":0,"fields":"userEnteredValue","rows":[{"values":[)" +
                        std::string(26, ' ').replace(0, 26, "") + R"({},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}]}]}})");
  EXPECT_EQ(r.message(), "Invalid requests[0].appendCells: Attempting to write column: 26, beyond the last requested column of: 25");
}

TEST_F(Batch, AddSheetTitlesAreUniqueIgnoringCase) {
  Reply r = batch(R"({"addSheet":{"properties":{"title":"sheet1"}}})");
  EXPECT_EQ(r.message(), "Invalid requests[0].addSheet: A sheet with the name \"sheet1\" already exists. Please enter another name.");
  r = batch(R"({"addSheet":{}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(google.sheets(kSheet).back().title, "Sheet2");
  r = batch(R"({"addSheet":{"properties":{"sheetId":42,"title":"Fixed","index":0,"hidden":true,"gridProperties":{"rowCount":5,"columnCount":2}}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  const SheetInfo s = google.sheet(kSheet, "Fixed");
  EXPECT_EQ(s.sheet_id, 42);
  EXPECT_EQ(s.index, 0);
  EXPECT_TRUE(s.hidden);
  EXPECT_EQ(s.row_count * s.column_count, 10);
  r = batch(R"({"addSheet":{"properties":{"sheetId":42,"title":"Again"}}})");
  EXPECT_EQ(r.message(), "Invalid requests[0].addSheet: A sheet with the id 42 already exists.");
}

TEST_F(Batch, UpdateSheetPropertiesChangesOnlyTheMaskedFields) {
  ASSERT_EQ(batch(R"({"addSheet":{"properties":{"title":"B"}}})").status, 200);
  const auto b = std::to_string(sheet_id("B"));
  ASSERT_EQ(batch(R"({"updateSheetProperties":{"properties":{"sheetId":)" + b +
                  R"(,"title":"Renamed","hidden":true,"index":0,"gridProperties":{"rowCount":7}},"fields":"title,index"}})").status, 200);
  SheetInfo s = google.sheet(kSheet, "Renamed");
  EXPECT_EQ(s.index, 0);
  EXPECT_FALSE(s.hidden);        // not in the mask
  EXPECT_EQ(s.row_count, 1000);  // not in the mask
  Reply r = batch(R"({"updateSheetProperties":{"properties":{"sheetId":)" + b + R"(,"title":"x"}}})");
  EXPECT_EQ(r.message(), "Invalid requests[0].updateSheetProperties: At least one field must be specified.");
  r = batch(R"({"updateSheetProperties":{"properties":{"sheetId":)" + b + R"(},"fields":"titel"}})");
  EXPECT_EQ(r.message(), "Invalid requests[0].updateSheetProperties: Invalid field mask path: 'titel'");
  ASSERT_EQ(batch(R"({"updateSheetProperties":{"properties":{"sheetId":0,"hidden":true},"fields":"hidden"}})").status, 200);
  r = batch(R"({"updateSheetProperties":{"properties":{"sheetId":)" + b + R"(,"hidden":true},"fields":"hidden"}})");
  EXPECT_EQ(r.message(), "Invalid requests[0].updateSheetProperties: You can't hide all the sheets in a document.");
}

TEST_F(Batch, TheLastSheetCannotBeDeleted) {
  const Reply r = batch(R"({"deleteSheet":{"sheetId":0}})");
  EXPECT_EQ(r.message(), "Invalid requests[0].deleteSheet: You can't remove all the sheets in a document.");
}

TEST_F(Batch, DuplicateSheetCopiesTheGrid) {
  ASSERT_EQ(batch(cells(0, 0, strings({"a", "b"}))).status, 200);
  const Reply r = batch(R"({"duplicateSheet":{"sourceSheetId":0,"insertSheetIndex":1,"newSheetName":"Copy"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(rows("Copy"), (std::vector<std::string>{"a|b"}));
  ASSERT_EQ(batch(cells(0, 0, strings({"changed"}))).status, 200);
  EXPECT_EQ(rows("Copy"), (std::vector<std::string>{"a|b"}));  // the copy does not share later writes
}

TEST_F(Batch, ReplacingATabInOneBatchKeepsItsSheetId) {
  // The "replace" strategy: rows written to a hidden staging tab, then swapped in atomically.
  ASSERT_EQ(batch(cells(0, 0, strings({"old1"}) + "," + strings({"old2"}) + "," + strings({"old3"}))).status, 200);
  ASSERT_EQ(batch(R"({"addSheet":{"properties":{"sheetId":99,"title":"staging","hidden":true,"gridProperties":{"rowCount":2,"columnCount":26}}}})").status, 200);
  ASSERT_EQ(batch(cells(0, 0, strings({"new1"}) + "," + strings({"new2"}), "99")).status, 200);
  const Reply r = batch(
      R"({"updateSheetProperties":{"properties":{"sheetId":0,"gridProperties":{"rowCount":2}},"fields":"gridProperties.rowCount"}},
         {"copyPaste":{"source":{"sheetId":99},"destination":{"sheetId":0,"startRowIndex":0,"startColumnIndex":0},"pasteType":"PASTE_NORMAL"}},
         {"deleteSheet":{"sheetId":99}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(rows(), (std::vector<std::string>{"new1", "new2"}));
  EXPECT_EQ(sheet_id("Sheet1"), 0);
  EXPECT_EQ(google.sheets(kSheet).size(), 1u);
}

TEST_F(Batch, APasteValuesSwapFromAHiddenTabKeepsFormatsAndIsAllOrNothing) {
  // What the sink's replace mode sends: the target resized to the staged table, the staged
  // values pasted (formats and notes of the target stay), the staging tab deleted, a marker.
  Cell bold;
  bold.value = Value::string("old1");
  bold.format_json = R"({"textFormat":{"bold":true}})";
  bold.note = "kept";
  google.person_set(kSheet, "Sheet1", 0, 0, bold);
  google.person_type(kSheet, "Sheet1", 5, 3, "old far away");
  ASSERT_EQ(batch(R"({"addSheet":{"properties":{"sheetId":77,"title":"_staging","hidden":true,"gridProperties":{"rowCount":3,"columnCount":2}}}})").status, 200);
  ASSERT_EQ(batch(cells(0, 0, strings({"h1", "h2"}) + "," + strings({"a", "b"}), "77")).status, 200);
  const std::string swap =
      R"({"updateSheetProperties":{"properties":{"sheetId":0,"gridProperties":{"rowCount":2,"columnCount":2}},"fields":"gridProperties.rowCount,gridProperties.columnCount"}},
         {"copyPaste":{"source":{"sheetId":77,"startRowIndex":0,"endRowIndex":2,"startColumnIndex":0,"endColumnIndex":2},
                       "destination":{"sheetId":0,"startRowIndex":0,"endRowIndex":2,"startColumnIndex":0,"endColumnIndex":2},"pasteType":"PASTE_VALUES"}},
         {"deleteSheet":{"sheetId":77}},
         {"createDeveloperMetadata":{"developerMetadata":{"metadataKey":"done","metadataValue":"d1","location":{"sheetId":0},"visibility":"DOCUMENT"}}})";
  // A swap whose last request is refused changes nothing: the staging tab and the old rows stay.
  Reply r = batch(swap + R"(,{"deleteSheet":{"sheetId":12345}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(google.sheets(kSheet).size(), 2u);
  EXPECT_EQ(google.value(kSheet, "Sheet1", 5, 3), Value::string("old far away"));
  r = batch(swap);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(rows(), (std::vector<std::string>{"h1|h2", "a|b"}));
  EXPECT_EQ(google.sheet(kSheet, "Sheet1").row_count, 2);
  EXPECT_EQ(google.sheet(kSheet, "Sheet1").column_count, 2);
  EXPECT_EQ(google.cell(kSheet, "Sheet1", 0, 0).format_json, bold.format_json) << "PASTE_VALUES keeps formats";
  EXPECT_EQ(google.cell(kSheet, "Sheet1", 0, 0).note, "kept");
  EXPECT_EQ(google.sheets(kSheet).size(), 1u);
  EXPECT_EQ(google.developer_metadata(kSheet).size(), 1u);
}

TEST_F(Batch, UnknownFieldsAndBadValuesFailAsInGooglesProtoLayer) {
  Reply r = batch(R"({"insertDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":1,"endIndex":2},"inheritFromBefor":true}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.message(), "Invalid JSON payload received. Unknown name \"inheritFromBefor\" at 'requests[0].insert_dimension': Cannot find field.");
  EXPECT_NE(r.body.find("google.rpc.BadRequest"), std::string::npos);
  r = batch(R"({"insertDimension":{"range":{"sheetId":0,"dimension":"ROW","startIndex":1,"endIndex":2}}})");
  EXPECT_EQ(r.message(),
            "Invalid value at 'requests[0].insert_dimension.range.dimension' (type.googleapis.com/google.apps.sheets.v4.Dimension), \"ROW\"");
  r = batch(R"({"insertDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":"one","endIndex":2}}})");
  EXPECT_EQ(r.message(), "Invalid value at 'requests[0].insert_dimension.range.start_index' (TYPE_INT32), \"one\"");
  r = batch(R"({"insertDimension":{"range":{}},"appendDimension":{}})");
  EXPECT_EQ(r.message(), "Invalid value at 'requests[0]' (oneof), oneof field 'kind' is already set. Cannot set 'appendDimension'");
  r = raw_batch(R"({"request":[]})");
  EXPECT_EQ(r.message(), "Invalid JSON payload received. Unknown name \"request\": Cannot find field.");
  r = raw_batch("{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.message().rfind("Invalid JSON payload received.", 0), 0u);
  EXPECT_TRUE(rows().empty());
}

TEST_F(Batch, SnakeCaseNamesAndStringIntegersAreAcceptedLikeGoogle) {
  const Reply r = batch(R"({"append_dimension":{"sheet_id":"0","dimension":"ROWS","length":"2"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(google.sheet(kSheet, "Sheet1").row_count, 1002);
}

TEST_F(Batch, EmptyAndUnimplementedRequests) {
  EXPECT_EQ(raw_batch(R"({"requests":[]})").message(), "Must specify at least one request.");
  EXPECT_EQ(raw_batch("").message(), "Must specify at least one request.");
  const Reply r = batch(R"({"repeatCell":{"range":{"sheetId":0},"cell":{},"fields":"*"}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.message().find("fake_google does not implement"), std::string::npos) << r.message();
}

TEST_F(Batch, IncludeSpreadsheetInResponse) {
  const Reply r = raw_batch(R"({"requests":[)" + cells(0, 0, strings({"a"})) +
                            R"(],"includeSpreadsheetInResponse":true,"responseRanges":["Sheet1!A1:A1"],"responseIncludeGridData":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto updated = json::child(r.json(), "updatedSpreadsheet");
  EXPECT_NE(compact(updated).find(R"("formattedValue":"a")"), std::string::npos);
}

}  // namespace
}  // namespace sinkhub::fake::google::test
