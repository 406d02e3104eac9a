// The intent of the batch in flight, as the sink records it in the spreadsheet beside the
// batch's marker (so that a daemon without the intent file resolves the batch): it round-trips,
// keeps within its share of Google's 30,000 characters per location by naming where the
// columns come from instead of listing them, and the batch bodies create it, delete the
// previous batch's, and leave none after the last batch.
#include <gtest/gtest.h>

#include "gsheets_payload.hpp"
#include "gsheets_state.hpp"

namespace {

using namespace sinkhub_gsheets;

Intent intent_with(std::vector<std::string> columns) {
  Intent i;
  i.seq = 3;
  i.offset = 1800;
  i.count = 600;
  i.header = true;
  i.columns = std::move(columns);
  return i;
}

TEST(GsheetsIntent, RoundTripsWithItsColumnsWhenTheyFit) {
  const std::string key = intent_key("d7-0123456789ab", 3);
  EXPECT_EQ(key, "sinkhub.intent.d7-0123456789ab.3");
  const std::string value = sheet_info(intent_with({"i", "url", std::string("\x01(empty header cell 3)")}), ColumnsFrom::Header, key.size());
  const auto back = Intent::decode(value);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->seq, 3u);
  EXPECT_EQ(back->offset, 1800u);
  EXPECT_EQ(back->count, 600u);
  EXPECT_TRUE(back->header);
  EXPECT_EQ(back->from, ColumnsFrom::List);
  EXPECT_EQ(back->columns, (std::vector<std::string>{"i", "url", "\x01(empty header cell 3)"}));
}

TEST(GsheetsIntent, ColumnsThatDoNotFitAreNamedBySourceInstead) {
  const std::vector<std::string> wide(1000, std::string(40, 'c'));  // 40,000+ characters of names
  for (const ColumnsFrom from : {ColumnsFrom::Config, ColumnsFrom::Header, ColumnsFrom::Items}) {
    const std::string value = sheet_info(intent_with(wide), from, 40);
    EXPECT_LE(value.size() + 40, kMaxInfoChars);
    const auto back = Intent::decode(value);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->from, from);
    EXPECT_TRUE(back->columns.empty());
    EXPECT_EQ(back->count, 600u);
  }
  // Just under the budget still lists them.
  const std::string fits = sheet_info(intent_with({std::string(kMaxInfoChars - 200, 'c')}), ColumnsFrom::Header, 40);
  EXPECT_EQ(Intent::decode(fits)->from, ColumnsFrom::List);
}

TEST(GsheetsIntent, AnUnknownColumnSourceOrAStrangerBlobIsNoIntent) {
  EXPECT_FALSE(Intent::decode(R"({"v":"gsheets-intent/1","seq":1,"offset":0,"count":1,"columns_from":"guess"})"));
  EXPECT_FALSE(Intent::decode("d7:3"));
  EXPECT_FALSE(Intent::decode(""));
}

TEST(GsheetsIntent, BatchBodiesCreateItDeleteThePreviousOneAndLeaveNoneAfterTheLast) {
  BatchPlan p;
  p.sheet_id = 5;
  p.insert_at = 10;
  p.delivery_id = "d7-0123456789ab";
  p.seq = 3;
  p.info = "INFO";
  const std::string body = batch_update_body(p, {"{}"});
  EXPECT_NE(body.find(R"({"createDeveloperMetadata":{"developerMetadata":{"metadataKey":"sinkhub.intent.d7-0123456789ab.3","metadataValue":"INFO","location":{"dimensionRange":{"sheetId":5,"dimension":"ROWS","startIndex":10,"endIndex":11}})"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"({"deleteDeveloperMetadata":{"dataFilter":{"developerMetadataLookup":{"metadataKey":"sinkhub.intent.d7-0123456789ab.2"}}}})"),
            std::string::npos);
  p.seq = 0;
  EXPECT_EQ(batch_update_body(p, {"{}"}).find(R"("developerMetadataLookup":{"metadataKey":"sinkhub.intent.)"),
            std::string::npos);  // the first batch has no previous intent to delete
  p.seq = 4;
  p.last = true;
  const std::string last = batch_update_body(p, {"{}"});
  EXPECT_EQ(last.find("\"metadataKey\":\"sinkhub.intent.d7-0123456789ab.4\""), std::string::npos);
  EXPECT_NE(last.find(R"("developerMetadataLookup":{"metadataKey":"sinkhub.intent.d7-0123456789ab.3"})"), std::string::npos);
  const std::string cleanup = cleanup_body("d7-0123456789ab", 4);
  EXPECT_NE(cleanup.find(R"({"metadataKey":"sinkhub.intent.d7-0123456789ab.3"})"), std::string::npos);
  // The last batch's marker becomes the done marker on its own row; nothing goes on the tab.
  EXPECT_NE(cleanup.find(R"({"updateDeveloperMetadata":{"dataFilters":[{"developerMetadataLookup":{"metadataKey":"sinkhub.batch","metadataValue":"d7-0123456789ab:3"}}],"developerMetadata":{"metadataKey":"sinkhub.done","metadataValue":"d7-0123456789ab"},"fields":"metadataKey,metadataValue"}})"),
            std::string::npos)
      << cleanup;
  EXPECT_NE(cleanup.find(R"("metadataValue":"d7-0123456789ab:2")"), std::string::npos) << "earlier markers go";
  EXPECT_EQ(cleanup.find("createDeveloperMetadata"), std::string::npos) << cleanup;
  EXPECT_EQ(last.find("EXACT_LOCATION"), std::string::npos) << "rows inserted: the new last row is the run's own";
  // An upsert's last batch that inserts nothing tags the table's last row, as every such run
  // would: the row keeps one done marker, the latest.
  const std::string in_place = batch_update_body(p, {});
  EXPECT_NE(in_place.find(R"({"deleteDeveloperMetadata":{"dataFilter":{"developerMetadataLookup":{"metadataKey":"sinkhub.done","metadataLocation":{"dimensionRange":{"sheetId":5,"dimension":"ROWS","startIndex":9,"endIndex":10}},"locationMatchingStrategy":"EXACT_LOCATION"}}}})"),
            std::string::npos)
      << in_place;
  EXPECT_NE(last.find(R"("metadataKey":"sinkhub.done","metadataValue":"d7-0123456789ab","location":{"dimensionRange")"),
            std::string::npos)
      << last;
}

}  // namespace
