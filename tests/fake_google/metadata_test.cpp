// Developer metadata: created on a row, it stays with that row when rows are inserted or
// deleted above it (by the API or by a person), dies with its row, is found again by
// developerMetadata:search, and a metadataId can be used only once: the basis of an
// exactly-once append (insertDimension + updateCells + createDeveloperMetadata, one batch).
#include <gtest/gtest.h>

#include "fixture.hpp"

namespace sinkhub::fake::google::test {
namespace {

std::string marker(int row, const std::string& value, const std::string& id = {}, const std::string& visibility = "DOCUMENT") {
  return R"({"createDeveloperMetadata":{"developerMetadata":{)" + (id.empty() ? "" : R"("metadataId":)" + id + ",") +
         R"("metadataKey":"sinkhub.batch","metadataValue":")" + value +
         R"(","location":{"dimensionRange":{"sheetId":0,"dimension":"ROWS","startIndex":)" + std::to_string(row) +
         R"(,"endIndex":)" + std::to_string(row + 1) + R"(}},"visibility":")" + visibility + "\"}}}";
}

std::string by_value(const std::string& value) {
  return R"({"developerMetadataLookup":{"metadataKey":"sinkhub.batch","metadataValue":")" + value + "\"}}";
}

std::string append_batch(int at, const std::string& text, const std::string& tag, const std::string& id = {}) {
  return R"({"insertDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":)" + std::to_string(at) +
         R"(,"endIndex":)" + std::to_string(at + 1) + R"(},"inheritFromBefore":true}},
         {"updateCells":{"start":{"sheetId":0,"rowIndex":)" + std::to_string(at) +
         R"(},"fields":"userEnteredValue","rows":[{"values":[{"userEnteredValue":{"stringValue":")" + text + R"("}}]}]}},)" +
         marker(at, tag, id);
}

class Metadata : public FakeGoogleTest {
 protected:
  // The row a tag's marker is on now, per developerMetadata:search; -1 when not found.
  int row_of(const std::string& tag) {
    const Reply r = search(by_value(tag));
    EXPECT_EQ(r.status, 200) << r.body;
    const json::Arr found = json::list(r.json(), "matchedDeveloperMetadata");
    if (!found || found->size() == 0) return -1;
    const auto m = json::child(json::as_object(found->get(0)), "developerMetadata");
    return static_cast<int>(json::integer(json::child(json::child(m, "location"), "dimensionRange"), "startIndex"));
  }
};

TEST_F(Metadata, CreateAnswersTheEntryWithItsLocation) {
  const Reply r = batch(marker(4, "d1:0", "1234"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(compact(json::list(r.json(), "replies")->get(0)),
            R"({"createDeveloperMetadata":{"developerMetadata":{"metadataId":1234,"metadataKey":"sinkhub.batch","metadataValue":"d1:0","location":{"locationType":"ROW","dimensionRange":{"sheetId":0,"dimension":"ROWS","startIndex":4,"endIndex":5}},"visibility":"DOCUMENT"}}})");
  const Reply random = batch(marker(5, "d1:1"));
  const auto m = json::child(json::child(json::as_object(json::list(random.json(), "replies")->get(0)), "createDeveloperMetadata"),
                             "developerMetadata");
  EXPECT_GT(json::integer(m, "metadataId"), 0);  // assigned by the API when not given
}

TEST_F(Metadata, AMarkerMovesWithItsRowWhenRowsAreInsertedAbove) {
  ASSERT_EQ(batch(append_batch(1, "item0", "d1:0")).status, 200);
  EXPECT_EQ(row_of("d1:0"), 1);
  ASSERT_EQ(batch(R"({"insertDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":0,"endIndex":3}}})").status, 200);
  EXPECT_EQ(row_of("d1:0"), 4);
  google.person_insert_rows(kSheet, "Sheet1", 2, 1);  // someone inserts a row in the UI
  EXPECT_EQ(row_of("d1:0"), 5);
  EXPECT_EQ(google.value(kSheet, "Sheet1", 5, 0), Value::string("item0"));  // still on its item's row
  ASSERT_EQ(batch(R"({"insertDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":5,"endIndex":6},"inheritFromBefore":true}})").status, 200);
  EXPECT_EQ(row_of("d1:0"), 6);  // inserting AT its index shifts it too
  ASSERT_EQ(batch(R"({"insertDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":7,"endIndex":9},"inheritFromBefore":true}})").status, 200);
  EXPECT_EQ(row_of("d1:0"), 6);  // rows below do not move it
}

TEST_F(Metadata, AMarkerMovesUpWhenRowsAboveAreDeletedAndDiesWithItsRow) {
  ASSERT_EQ(batch(append_batch(3, "item0", "d1:0")).status, 200);
  google.person_delete_rows(kSheet, "Sheet1", 0, 2);
  EXPECT_EQ(row_of("d1:0"), 1);
  ASSERT_EQ(batch(R"({"deleteDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":1,"endIndex":2}}})").status, 200);
  EXPECT_EQ(row_of("d1:0"), -1);
  EXPECT_TRUE(google.developer_metadata(kSheet).empty());
  const Reply nothing = search(by_value("d1:0"));
  EXPECT_EQ(compact(nothing.json()), "{}");  // Google answers {} when nothing matched
}

TEST_F(Metadata, ColumnAndSheetMetadataFollowTheirLocationsToo) {
  ASSERT_EQ(batch(R"({"createDeveloperMetadata":{"developerMetadata":{"metadataKey":"col","location":{"dimensionRange":{"sheetId":0,"dimension":"COLUMNS","startIndex":2,"endIndex":3}},"visibility":"DOCUMENT"}}},
                     {"addSheet":{"properties":{"sheetId":5,"title":"Tab"}}},
                     {"createDeveloperMetadata":{"developerMetadata":{"metadataKey":"tab","location":{"sheetId":5},"visibility":"DOCUMENT"}}},
                     {"createDeveloperMetadata":{"developerMetadata":{"metadataKey":"doc","location":{"spreadsheet":true},"visibility":"DOCUMENT"}}})").status, 200);
  google.person_insert_columns(kSheet, "Sheet1", 0, 2);
  bool seen_col = false;
  for (const auto& m : google.developer_metadata(kSheet))
    if (m.key == "col") {
      seen_col = true;
      EXPECT_EQ(m.index, 4);
    }
  EXPECT_TRUE(seen_col);
  ASSERT_EQ(batch(R"({"deleteSheet":{"sheetId":5}})").status, 200);
  EXPECT_EQ(google.developer_metadata(kSheet).size(), 2u);  // the tab's metadata went with it
  const Reply r = get(std::string("/v4/spreadsheets/") + kSheet + "?fields=developerMetadata");
  EXPECT_NE(r.body.find("\"doc\""), std::string::npos);
}

TEST_F(Metadata, ADuplicateMetadataIdFailsTheWholeBatch) {
  ASSERT_EQ(batch(append_batch(1, "item0", "d1:0", "1001")).status, 200);
  const Reply again = batch(append_batch(1, "item0", "d1:0", "1001"));  // a blind replay of the same batch
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(again.message(),
            "Invalid requests[2].createDeveloperMetadata: Cannot add developer metadata with ID [1001] because developer "
            "metadata with that ID already exists.");
  EXPECT_EQ(rows(), (std::vector<std::string>{"", "item0"}));  // no second row
}

TEST_F(Metadata, TheExactlyOnceAppendPatternResolvesAnAmbiguousOutcome) {
  // Batch 0 applied and answered; batch 1 applied but the answer was lost (a 500 after applying).
  ASSERT_EQ(batch(append_batch(1, "item0", "d7:0")).status, 200);
  google.add_fault(Fault::apply_then(Op::BatchUpdate, 500));
  EXPECT_EQ(batch(append_batch(2, "item1", "d7:1")).status, 500);
  // A person inserts a row at the top meanwhile.
  google.person_insert_rows(kSheet, "Sheet1", 0, 1);
  // The client searches for its tag instead of resending: found, at the row where it now is.
  EXPECT_EQ(row_of("d7:1"), 3);
  EXPECT_EQ(row_of("d7:2"), -1);  // a batch that never applied is not found: resend it
  ASSERT_EQ(batch(append_batch(row_of("d7:1") + 1, "item2", "d7:2")).status, 200);
  EXPECT_EQ(rows(), (std::vector<std::string>{"", "", "item0", "item1", "item2"}));
}

TEST_F(Metadata, SearchMatchesEverySpecifiedFieldAndEchoesTheFilters) {
  ASSERT_EQ(batch(marker(1, "a") + "," + marker(2, "b") + "," + marker(3, "a", {}, "PROJECT")).status, 200);
  const Reply r = search(by_value("a") + R"(,{"developerMetadataLookup":{"metadataKey":"sinkhub.batch","visibility":"PROJECT"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto found = json::list(r.json(), "matchedDeveloperMetadata");
  ASSERT_EQ(found->size(), 2u);
  for (std::size_t i = 0; i < found->size(); ++i) {
    const auto entry = json::as_object(found->get(i));
    const int row = static_cast<int>(json::integer(
        json::child(json::child(json::child(entry, "developerMetadata"), "location"), "dimensionRange"), "startIndex"));
    EXPECT_EQ(json::list(entry, "dataFilters")->size(), row == 3 ? 2u : 1u);  // row 3 matched both filters
  }
  EXPECT_EQ(json::list(search(R"({"developerMetadataLookup":{"locationType":"ROW"}})").json(), "matchedDeveloperMetadata")->size(), 3u);
  EXPECT_EQ(compact(search(R"({"developerMetadataLookup":{"locationType":"COLUMN"}})").json()), "{}");
}

TEST_F(Metadata, LocationsMatchExactlyOrByIntersection) {
  ASSERT_EQ(batch(marker(1, "a") + "," + marker(2, "b")).status, 200);
  const std::string rows_1_to_3 = R"("metadataLocation":{"dimensionRange":{"sheetId":0,"dimension":"ROWS","startIndex":1,"endIndex":3}})";
  EXPECT_EQ(json::list(search(R"({"developerMetadataLookup":{)" + rows_1_to_3 + "}}").json(), "matchedDeveloperMetadata")->size(), 2u);
  EXPECT_EQ(compact(search(R"({"developerMetadataLookup":{)" + rows_1_to_3 + R"(,"locationMatchingStrategy":"EXACT_LOCATION"}})").json()), "{}");
  const std::string row_2 = R"("metadataLocation":{"dimensionRange":{"sheetId":0,"dimension":"ROWS","startIndex":2,"endIndex":3}})";
  EXPECT_EQ(json::list(search(R"({"developerMetadataLookup":{)" + row_2 + R"(,"locationMatchingStrategy":"EXACT_LOCATION"}})").json(),
                       "matchedDeveloperMetadata")->size(), 1u);
  EXPECT_EQ(json::list(search(R"({"a1Range":"Sheet1!A2:B2"})").json(), "matchedDeveloperMetadata")->size(), 1u);
  EXPECT_EQ(json::list(search(R"({"gridRange":{"sheetId":0,"startRowIndex":0,"endRowIndex":10}})").json(),
                       "matchedDeveloperMetadata")->size(), 2u);
}

TEST_F(Metadata, ProjectVisibleMetadataIsInvisibleToOtherProjects) {
  ASSERT_EQ(batch(marker(1, "mine", {}, "PROJECT") + "," + marker(2, "shared")).status, 200);
  const ServiceAccount other = account("other-project", "999");
  google.add_service_account(other);
  google.share(kSheet, other.email);
  const std::string t = google.issue_token(other.email, {kSheetsScope}, "999");
  const Reply r = client.search(t, kSheet, R"({"dataFilters":[{"developerMetadataLookup":{"metadataKey":"sinkhub.batch"}}]})");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(json::list(r.json(), "matchedDeveloperMetadata")->size(), 1u);
  EXPECT_NE(r.body.find("shared"), std::string::npos);
  // ... nor can the other project delete it.
  ASSERT_EQ(client.batch_update(t, kSheet, R"({"requests":[{"deleteDeveloperMetadata":{"dataFilter":{"developerMetadataLookup":{"metadataKey":"sinkhub.batch"}}}}]})").status, 200);
  ASSERT_EQ(google.developer_metadata(kSheet).size(), 1u);
  EXPECT_EQ(google.developer_metadata(kSheet)[0].value, "mine");
}

TEST_F(Metadata, DeleteAndUpdateByDataFilter) {
  ASSERT_EQ(batch(marker(1, "d1:0") + "," + marker(2, "d1:1") + "," + marker(3, "d2:0")).status, 200);
  Reply r = batch(R"({"deleteDeveloperMetadata":{"dataFilter":)" + by_value("d1:0") + "}}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::list(json::child(json::as_object(json::list(r.json(), "replies")->get(0)), "deleteDeveloperMetadata"),
                       "deletedDeveloperMetadata")->size(), 1u);
  r = batch(R"({"deleteDeveloperMetadata":{"dataFilter":)" + by_value("none") + "}}");
  EXPECT_EQ(compact(json::list(r.json(), "replies")->get(0)), R"({"deleteDeveloperMetadata":{}})");
  r = batch(R"({"updateDeveloperMetadata":{"dataFilters":[)" + by_value("d1:1") +
            R"(],"developerMetadata":{"metadataKey":"sinkhub.run","metadataValue":"d1"},"fields":"metadataKey,metadataValue"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  const Reply run = search(R"({"developerMetadataLookup":{"metadataKey":"sinkhub.run","metadataValue":"d1"}})");
  ASSERT_EQ(json::list(run.json(), "matchedDeveloperMetadata")->size(), 1u) << run.body;
  EXPECT_EQ(row_of("d2:0"), 3);
  r = batch(R"({"updateDeveloperMetadata":{"dataFilters":[)" + by_value("d2:0") +
            R"(],"developerMetadata":{"location":{"dimensionRange":{"sheetId":0,"dimension":"ROWS","startIndex":9,"endIndex":10}}},"fields":"location"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(row_of("d2:0"), 9);
}

TEST_F(Metadata, WhatCreateRefuses) {
  Reply r = batch(R"({"createDeveloperMetadata":{"developerMetadata":{"metadataKey":"k","location":{"dimensionRange":{"sheetId":0,"dimension":"ROWS","startIndex":1,"endIndex":3}},"visibility":"DOCUMENT"}}})");
  EXPECT_EQ(r.message(),
            "Invalid requests[0].createDeveloperMetadata: The specified DimensionRange must represent a single row or "
            "column; it cannot be unbounded or span multiple rows or columns.");
  r = batch(R"({"createDeveloperMetadata":{"developerMetadata":{"metadataKey":"k","location":{"spreadsheet":true}}}})");
  EXPECT_EQ(r.message(), "Invalid requests[0].createDeveloperMetadata: Developer metadata must have a visibility specified.");
  r = batch(R"({"createDeveloperMetadata":{"developerMetadata":{"location":{"spreadsheet":true},"visibility":"DOCUMENT"}}})");
  EXPECT_EQ(r.message(), "Invalid requests[0].createDeveloperMetadata: Developer metadata must have a key specified.");
  r = batch(R"({"createDeveloperMetadata":{"developerMetadata":{"metadataKey":"k","metadataId":-4,"location":{"spreadsheet":true},"visibility":"DOCUMENT"}}})");
  EXPECT_EQ(r.message(), "Invalid requests[0].createDeveloperMetadata: metadataId must be positive.");
  r = batch(R"({"createDeveloperMetadata":{"developerMetadata":{"metadataKey":"k","location":{"dimensionRange":{"sheetId":0,"dimension":"ROWS","startIndex":1000,"endIndex":1001}},"visibility":"DOCUMENT"}}})");
  EXPECT_EQ(r.message(), "Invalid requests[0].createDeveloperMetadata: Range (Sheet1!A1001) exceeds grid limits. Max rows: 1000, max columns: 26");
  r = batch(R"({"createDeveloperMetadata":{"developerMetadata":{"metadataKey":"k","location":{"sheetId":0,"spreadsheet":true},"visibility":"DOCUMENT"}}})");
  EXPECT_EQ(r.status, 400);  // two members of the location oneof
}

// Keys and values at one location (here row 1) share 30,000 characters; other locations have
// their own; a key-only lookup finds an entry whatever its value.
TEST_F(Metadata, OneLocationHoldsAtMost30000CharactersOfKeysAndValues) {
  const auto entry = [](int row, const std::string& key, const std::string& value) {
    return R"({"createDeveloperMetadata":{"developerMetadata":{"metadataKey":")" + key + R"(","metadataValue":")" + value +
           R"(","location":{"dimensionRange":{"sheetId":0,"dimension":"ROWS","startIndex":)" + std::to_string(row) +
           R"(,"endIndex":)" + std::to_string(row + 1) + R"(}},"visibility":"DOCUMENT"}}})";
  };
  ASSERT_EQ(batch(entry(1, "a", std::string(19999, 'x'))).status, 200);  // 20,000
  ASSERT_EQ(batch(entry(1, "b", std::string(9999, 'y'))).status, 200);  // 30,000
  Reply r = batch(entry(1, "c", ""));
  EXPECT_EQ(r.message(), "Invalid requests[0].createDeveloperMetadata: Developer metadata at this location would use "
                         "30001 characters, above the limit of 30000 characters per location.");
  EXPECT_EQ(batch(entry(2, "c", std::string(29999, 'z'))).status, 200);  // another row
  ASSERT_EQ(batch(R"({"deleteDeveloperMetadata":{"dataFilter":{"developerMetadataLookup":{"metadataKey":"b"}}}})").status, 200);
  EXPECT_EQ(batch(entry(1, "c", "\u00e9\u00e9")).status, 200);  // room again; two characters, four bytes
  r = search(R"({"developerMetadataLookup":{"metadataKey":"c"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::list(r.json(), "matchedDeveloperMetadata")->size(), 2u);
}

TEST_F(Metadata, SearchNeedsAFilterAndGetFindsById) {
  EXPECT_EQ(client.search(token, kSheet, "{}").message(), "Must specify at least one dataFilter.");
  EXPECT_EQ(search("{}").message(), "dataFilter.filter must be specified.");
  ASSERT_EQ(batch(marker(1, "x", "77")).status, 200);
  const Reply r = get(std::string("/v4/spreadsheets/") + kSheet + "/developerMetadata/77");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::str(r.json(), "metadataValue"), "x");
  EXPECT_EQ(get(std::string("/v4/spreadsheets/") + kSheet + "/developerMetadata/78").status, 404);
  EXPECT_EQ(get(std::string("/v4/spreadsheets/") + kSheet + "/developerMetadata/abc").status, 400);
}

TEST_F(Metadata, RowMetadataShowsInGridData) {
  ASSERT_EQ(batch(marker(2, "x")).status, 200);
  const Reply r = get(std::string("/v4/spreadsheets/") + kSheet + "?fields=" +
                      url_encode("sheets.data.rowMetadata.developerMetadata") + "&ranges=" + url_encode("Sheet1!A1:A4"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(compact(r.json()).find(R"("rowMetadata":[{},{},{"developerMetadata":[{"metadataId")"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace sinkhub::fake::google::test
