// The fake at the size of the sink's benchmark: 50,000 rows appended by 100 atomic batches
// (insertDimension + updateCells + createDeveloperMetadata each), every row where it belongs,
// every marker found. Nothing here is timed; it only proves the fake holds up.
#include <gtest/gtest.h>

#include "fixture.hpp"

namespace sinkhub::fake::google::test {
namespace {

using Scale = FakeGoogleTest;

std::string rows_json(int first, int n) {
  std::string out;
  for (int i = first; i < first + n; ++i) {
    const std::string id = std::to_string(i);
    out += std::string(i == first ? "" : ",") + R"({"values":[{"userEnteredValue":{"stringValue":"https://example.com/p/)" + id +
           R"("}},{"userEnteredValue":{"numberValue":)" + id + R"(}},{"userEnteredValue":{"boolValue":true}},{"userEnteredValue":{"stringValue":"00)" +
           id + R"("}}]})";
  }
  return out;
}

TEST_F(Scale, FiftyThousandRowsInOneHundredAtomicBatches) {
  google.set_quota(QuotaLimits{0, 0, 0, 0, std::chrono::milliseconds(60000)});
  constexpr int kBatch = 500, kBatches = 100;
  ASSERT_EQ(batch(R"J({"updateSheetProperties":{"properties":{"sheetId":0,"gridProperties":{"rowCount":1,"columnCount":4}},"fields":"gridProperties(rowCount,columnCount)"}})J").status, 200);
  for (int b = 0; b < kBatches; ++b) {
    const int at = 1 + b * kBatch;  // after the header row and the rows so far
    const Reply r = batch(R"({"insertDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":)" + std::to_string(at) +
                          R"(,"endIndex":)" + std::to_string(at + kBatch) + R"(},"inheritFromBefore":true}},
        {"updateCells":{"start":{"sheetId":0,"rowIndex":)" + std::to_string(at) + R"(},"fields":"userEnteredValue","rows":[)" +
                          rows_json(b * kBatch, kBatch) + R"(]}},
        {"createDeveloperMetadata":{"developerMetadata":{"metadataKey":"sinkhub.batch","metadataValue":"d:)" + std::to_string(b) +
                          R"(","location":{"dimensionRange":{"sheetId":0,"dimension":"ROWS","startIndex":)" + std::to_string(at) +
                          R"(,"endIndex":)" + std::to_string(at + 1) + R"(}},"visibility":"DOCUMENT"}}})");
    ASSERT_EQ(r.status, 200) << "batch " << b << ": " << r.message();
  }
  const auto grid = google.values(kSheet, "Sheet1");
  ASSERT_EQ(grid.size(), 1u + kBatch * kBatches);
  for (int i = 0; i < kBatch * kBatches; ++i) {
    ASSERT_EQ(grid[1 + i][1], Value::num(i)) << i;
    ASSERT_EQ(grid[1 + i][3], Value::string("00" + std::to_string(i))) << i;
  }
  google.person_insert_rows(kSheet, "Sheet1", 0, 1);
  const Reply last = search(R"({"developerMetadataLookup":{"metadataKey":"sinkhub.batch","metadataValue":"d:99"}})");
  EXPECT_NE(last.body.find("\"startIndex\": " + std::to_string(2 + 99 * kBatch)), std::string::npos) << last.body.substr(0, 400);
  EXPECT_EQ(google.developer_metadata(kSheet).size(), static_cast<std::size_t>(kBatches));
}

}  // namespace
}  // namespace sinkhub::fake::google::test
