// Google's size limits: 10 million cells per spreadsheet counting every cell of every grid
// (empty ones too), 18,278 columns per tab, 50,000 characters per cell, and a hard stop on
// the request payload; each refused with Google's message and nothing applied.
#include <gtest/gtest.h>

#include <Poco/DeflatingStream.h>

#include <sstream>

#include "fixture.hpp"

namespace sinkhub::fake::google::test {
namespace {

// An updateCells writing `chars` repeats of `unit` into A1.
std::string text_cell(std::size_t chars, const std::string& unit = "x") {
  std::string s;
  for (std::size_t i = 0; i < chars; ++i) s += unit;
  return R"({"updateCells":{"start":{"sheetId":0},"fields":"userEnteredValue","rows":[{"values":[{"userEnteredValue":{"stringValue":")" +
         s + R"("}}]}]}})";
}

FakeGoogle::Options small_limits() {
  FakeGoogle::Options o;
  o.limits.max_cells = 30000;  // 1000 x 26 = 26,000 to begin with
  o.limits.max_columns = 40;
  o.max_payload_bytes = 64 * 1024;
  return o;
}

class Limits : public FakeGoogleTest {
 protected:
  Limits() : FakeGoogleTest(small_limits()) {}
  static std::string cap(const std::string& kind) {
    return "Invalid requests[0]." + kind + ": This action would increase the number of cells in the workbook above the limit of 30000 cells.";
  }
};

TEST_F(Limits, EveryGrowthOfTheGridIsCheckedAgainstTheCellCap) {
  EXPECT_EQ(batch(R"({"addSheet":{"properties":{"title":"Big","gridProperties":{"rowCount":200,"columnCount":26}}}})").message(), cap("addSheet"));
  EXPECT_EQ(batch(R"({"appendDimension":{"sheetId":0,"dimension":"ROWS","length":200}})").message(), cap("appendDimension"));
  EXPECT_EQ(batch(R"({"insertDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":1,"endIndex":200}}})").message(), cap("insertDimension"));
  EXPECT_EQ(batch(R"({"updateSheetProperties":{"properties":{"sheetId":0,"gridProperties":{"rowCount":1200}},"fields":"gridProperties.rowCount"}})").message(),
            cap("updateSheetProperties"));
  EXPECT_EQ(batch(R"({"duplicateSheet":{"sourceSheetId":0}})").message(), cap("duplicateSheet"));
  EXPECT_EQ(google.cell_count(kSheet), 26000);
  ASSERT_EQ(batch(R"({"appendDimension":{"sheetId":0,"dimension":"ROWS","length":150}})").status, 200);  // 29,900 fits
  EXPECT_EQ(google.cell_count(kSheet), 29900);
}

TEST_F(Limits, EmptyCellsCountSoTrimmingTheGridMakesRoom) {
  ASSERT_EQ(batch(R"({"updateSheetProperties":{"properties":{"sheetId":0,"gridProperties":{"columnCount":5}},"fields":"gridProperties.columnCount"}})").status, 200);
  const Reply r = batch(R"({"appendDimension":{"sheetId":0,"dimension":"ROWS","length":4000}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(google.cell_count(kSheet), 25000);
}

TEST_F(Limits, RowCountIsAppliedAndCheckedBeforeColumnCount) {
  // 1500 rows x 26 columns would be 39,000 cells: refused, even though 1500 x 5 = 7,500 would fit.
  const Reply r = batch(R"({"updateSheetProperties":{"properties":{"sheetId":0,"gridProperties":{"rowCount":1500,"columnCount":5}},"fields":"gridProperties.rowCount,gridProperties.columnCount"}})");
  EXPECT_EQ(r.message(), cap("updateSheetProperties"));
  ASSERT_EQ(batch(R"({"updateSheetProperties":{"properties":{"sheetId":0,"gridProperties":{"columnCount":5}},"fields":"gridProperties.columnCount"}},
                     {"updateSheetProperties":{"properties":{"sheetId":0,"gridProperties":{"rowCount":1500}},"fields":"gridProperties.rowCount"}})").status, 200);
}

TEST_F(Limits, AppendCellsGrowingPastTheCapIsRefused) {
  // A value in the last row: appended rows must grow the grid (1000 + 200 rows x 26 > 30,000).
  ASSERT_EQ(batch(R"({"updateCells":{"start":{"sheetId":0,"rowIndex":999},"fields":"userEnteredValue","rows":[{"values":[{"userEnteredValue":{"numberValue":1}}]}]}})").status, 200);
  std::string rows;
  for (int i = 0; i < 200; ++i) rows += std::string(i ? "," : "") + R"({"values":[{"userEnteredValue":{"numberValue":1}}]})";
  const Reply r = batch(R"({"appendCells":{"sheetId":0,"fields":"userEnteredValue","rows":[)" + rows + "]}}");
  EXPECT_EQ(r.message(), cap("appendCells"));
  EXPECT_EQ(google.values(kSheet, "Sheet1").size(), 1000u);
  EXPECT_EQ(google.sheet(kSheet, "Sheet1").row_count, 1000);
}

TEST_F(Limits, ColumnsAreCappedPerTab) {
  const Reply r = batch(R"({"appendDimension":{"sheetId":0,"dimension":"COLUMNS","length":15}})");
  EXPECT_EQ(r.message(), "Invalid requests[0].appendDimension: This action would increase the number of columns in the sheet above the limit of 40.");
}

TEST_F(Limits, ThePayloadHasAHardStop) {
  const Reply r = batch(text_cell(70000));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.message(), "Request payload size exceeds the limit: 65536 bytes.");
  EXPECT_EQ(google.requests(Op::BatchUpdate).back().body_bytes > 65536, true);
  EXPECT_TRUE(google.values(kSheet, "Sheet1").empty());
}

TEST_F(Limits, AGzippedBodyIsReadAndCountedUncompressed) {
  auto gzip = [](const std::string& s) {
    std::ostringstream out;
    Poco::DeflatingOutputStream z(out, Poco::DeflatingStreamBuf::STREAM_GZIP);
    z << s;
    z.close();
    return out.str();
  };
  const std::string ok = R"({"requests":[)" + text_cell(100) + "]}";
  Reply r = client.request("POST", std::string("/v4/spreadsheets/") + kSheet + ":batchUpdate", gzip(ok),
                           {{"Authorization", "Bearer " + token}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 200) << r.body;
  const std::string big = R"({"requests":[)" + text_cell(70000) + "]}";  // compresses to far under the cap
  r = client.request("POST", std::string("/v4/spreadsheets/") + kSheet + ":batchUpdate", gzip(big),
                     {{"Authorization", "Bearer " + token}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 400);
  r = client.request("POST", std::string("/v4/spreadsheets/") + kSheet + ":batchUpdate", "not gzip at all",
                     {{"Authorization", "Bearer " + token}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.message(), "Invalid gzip request body.");
}

using CellText = FakeGoogleTest;

TEST_F(CellText, ACellHoldsAtMost50000Characters) {
  EXPECT_EQ(batch(text_cell(50000)).status, 200);
  const Reply r = batch(text_cell(50001));
  EXPECT_EQ(r.message(), "Invalid requests[0].updateCells: Your input contains more than the maximum of 50000 characters in a single cell.");
  EXPECT_EQ(google.value(kSheet, "Sheet1", 0, 0).text.size(), 50000u);  // the refused write changed nothing
  // Counted in UTF-16 code units: 'é' is one, an emoji outside the BMP is two.
  EXPECT_EQ(batch(text_cell(50000, "\xc3\xa9")).status, 200);
  EXPECT_EQ(batch(text_cell(25000, "\xf0\x9f\x98\x80")).status, 200);
  EXPECT_EQ(batch(text_cell(25001, "\xf0\x9f\x98\x80")).status, 400);
  // Formulas are text too.
  EXPECT_EQ(batch(R"({"updateCells":{"start":{"sheetId":0},"fields":"userEnteredValue","rows":[{"values":[{"userEnteredValue":{"formulaValue":"=)" +
                  std::string(50000, '1') + R"("}}]}]}})").status, 400);
}

TEST(DefaultLimits, TenMillionCellsIncludingTheDefaultGrid) {
  FakeGoogle google;
  const ServiceAccount& sa = account();
  google.add_service_account(sa);
  SpreadsheetSpec spec;
  spec.id = "s";
  spec.editors = {sa.email};
  google.add_spreadsheet(spec);
  Client client(google.port());
  const std::string t = google.issue_token(sa.email);
  // 26,000 cells exist; a 384,000 x 26 tab would bring the total to 10,010,000.
  Reply r = client.batch_update(t, "s", R"({"requests":[{"addSheet":{"properties":{"gridProperties":{"rowCount":384000,"columnCount":26}}}}]})");
  EXPECT_EQ(r.message(), "Invalid requests[0].addSheet: This action would increase the number of cells in the workbook above the limit of 10000000 cells.");
  r = client.batch_update(t, "s", R"({"requests":[{"addSheet":{"properties":{"gridProperties":{"rowCount":383000,"columnCount":26}}}}]})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(google.cell_count("s"), 26000 + 383000 * 26);
}

}  // namespace
}  // namespace sinkhub::fake::google::test
