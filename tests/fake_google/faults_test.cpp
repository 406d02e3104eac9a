// Injected faults, the failures a Sheets client must survive: an error instead of an answer,
// an error or a dropped connection AFTER the write was applied, a dropped connection before
// it, an answer slower than the client's deadline, a token that expires under the client,
// and a person editing the sheet between two requests.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "fixture.hpp"

namespace sinkhub::fake::google::test {
namespace {

constexpr const char* kAppend = R"({"appendDimension":{"sheetId":0,"dimension":"ROWS","length":1}})";

class Faults : public FakeGoogleTest {
 protected:
  int row_count() { return google.sheet(kSheet, "Sheet1").row_count; }
  static std::string status_of(const Reply& r) { return json::str(json::child(r.json(), "error"), "status"); }
  // Waits (bounded) until the fake logged `n` batchUpdates.
  bool logged(std::size_t n) {
    for (int i = 0; i < 500; ++i) {
      if (google.count(Op::BatchUpdate) >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
};

TEST_F(Faults, AnErrorAnswerAppliesNothingAndIsConsumed) {
  google.add_fault(Fault::respond(Op::BatchUpdate, 500));
  Reply r = batch(kAppend);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(status_of(r), "INTERNAL");
  EXPECT_EQ(r.message(), "Internal error encountered.");
  EXPECT_EQ(row_count(), 1000);
  EXPECT_EQ(batch(kAppend).status, 200);
  google.add_fault(Fault::respond(Op::BatchUpdate, 503));
  r = batch(kAppend);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(status_of(r), "UNAVAILABLE");
  EXPECT_EQ(r.message(), "The service is currently unavailable.");
  EXPECT_EQ(row_count(), 1001);
  EXPECT_EQ(google.requests(Op::BatchUpdate).front().fault, "respond:500");
}

TEST_F(Faults, PermissionAndNotFoundVariants) {
  google.add_fault(Fault::respond(Op::GetSpreadsheet, 403));
  google.add_fault(Fault::respond(Op::GetSpreadsheet, 403, 1, "api_disabled"));
  google.add_fault(Fault::respond(Op::GetSpreadsheet, 403, 1, "insufficient_scopes"));
  google.add_fault(Fault::respond(Op::GetSpreadsheet, 404));
  const std::string path = std::string("/v4/spreadsheets/") + kSheet;
  EXPECT_EQ(get(path).message(), "The caller does not have permission");
  EXPECT_NE(get(path).message().find("Google Sheets API has not been used in project"), std::string::npos);
  EXPECT_EQ(get(path).message(), "Request had insufficient authentication scopes.");
  EXPECT_EQ(get(path).message(), "Requested entity was not found.");
  EXPECT_EQ(get(path).status, 200);
}

TEST_F(Faults, AnInjected429LooksLikeTheRealQuotaError) {
  google.add_fault(Fault::respond(Op::BatchUpdate, 429));
  const Reply r = batch(kAppend);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(status_of(r), "RESOURCE_EXHAUSTED");
  EXPECT_NE(r.body.find("RATE_LIMIT_EXCEEDED"), std::string::npos);
  EXPECT_NE(r.body.find("\"quota_limit_value\": \"60\""), std::string::npos) << r.body;
}

TEST_F(Faults, A401ExpiresTheTokenItWasAnsweredTo) {
  google.add_fault(Fault::respond(Op::GetSpreadsheet, 401));
  const std::string path = std::string("/v4/spreadsheets/") + kSheet;
  const Reply r = get(path);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("ACCESS_TOKEN_EXPIRED"), std::string::npos);
  EXPECT_EQ(get(path).status, 401);  // the same token stays dead: the client must refresh
  token = client.access_token(sa, "https://oauth2.googleapis.com/token");
  EXPECT_EQ(get(path).status, 200);
}

TEST_F(Faults, ApplyThen500LeavesTheWriteAppliedAndTheClientUnsure) {
  google.add_fault(Fault::apply_then(Op::BatchUpdate, 500));
  EXPECT_EQ(batch(kAppend).status, 500);
  EXPECT_EQ(row_count(), 1001);
  const LoggedRequest logged = google.requests(Op::BatchUpdate).back();
  EXPECT_TRUE(logged.applied);
  EXPECT_EQ(logged.status, 500);
}

TEST_F(Faults, ApplyThenDropClosesTheConnectionAfterApplying) {
  google.add_fault(Fault::apply_then_drop(Op::BatchUpdate));
  const Reply r = batch(kAppend);
  EXPECT_EQ(r.status, 0);  // no answer at all
  EXPECT_EQ(row_count(), 1001);
  const LoggedRequest logged = google.requests(Op::BatchUpdate).back();
  EXPECT_TRUE(logged.applied);
  EXPECT_EQ(logged.status, 0);
  EXPECT_EQ(batch(kAppend).status, 200);  // the server is fine afterwards
}

TEST_F(Faults, ADropBeforeProcessingAppliesNothing) {
  google.add_fault(Fault::drop(Op::BatchUpdate));
  EXPECT_EQ(batch(kAppend).status, 0);
  EXPECT_EQ(row_count(), 1000);
  EXPECT_FALSE(google.requests(Op::BatchUpdate).back().applied);
}

TEST_F(Faults, ASlowAnswerMissesTheClientsDeadlineButTheWriteStillLands) {
  google.add_fault(Fault::slow(Op::BatchUpdate, std::chrono::milliseconds(700), true));
  Client impatient(google.port(), std::chrono::milliseconds(200));
  const Reply r = impatient.batch_update(token, kSheet, std::string(R"({"requests":[)") + kAppend + "]}");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(row_count(), 1001);  // applied before the delay
  google.add_fault(Fault::slow(Op::BatchUpdate, std::chrono::milliseconds(700), false));
  EXPECT_EQ(impatient.batch_update(token, kSheet, std::string(R"({"requests":[)") + kAppend + "]}").status, 0);
  ASSERT_TRUE(logged(2));
  EXPECT_EQ(row_count(), 1002);  // a slow server still does the work after the client gave up
}

TEST_F(Faults, SkipAndTimesSelectWhichRequestsAreHit) {
  const int id = google.add_fault(Fault::respond(Op::BatchUpdate, 503, 2).after(1));
  std::vector<int> statuses;
  for (int i = 0; i < 4; ++i) statuses.push_back(batch(kAppend).status);
  EXPECT_EQ(statuses, (std::vector<int>{200, 503, 503, 200}));
  EXPECT_EQ(google.fault_hits(id), 2);
  google.add_fault(Fault::respond(Op::Any, 500, -1));
  EXPECT_EQ(batch(kAppend).status, 500);
  EXPECT_EQ(values("A1").status, 500);
  google.clear_faults();
  EXPECT_EQ(batch(kAppend).status, 200);
}

TEST_F(Faults, PathFiltersNarrowAFault) {
  Fault f = Fault::respond(Op::Any, 500);
  f.path_contains = "developerMetadata:search";
  google.add_fault(f);
  EXPECT_EQ(batch(kAppend).status, 200);
  EXPECT_EQ(search(R"({"developerMetadataLookup":{"metadataKey":"k"}})").status, 500);
}

TEST_F(Faults, BodyFiltersPickOneKindOfWrite) {
  // e.g. "the batchUpdate that swaps a staging tab in", whatever came before it
  const int id = google.add_fault(Fault::apply_then(Op::BatchUpdate, 500).carrying("deleteDimension"));
  EXPECT_EQ(batch(kAppend).status, 200);
  EXPECT_EQ(batch(R"({"deleteDimension":{"range":{"sheetId":0,"dimension":"ROWS","startIndex":0,"endIndex":1}}})").status,
            500);
  EXPECT_EQ(google.fault_hits(id), 1);
  EXPECT_EQ(row_count(), 1000) << "1000 + 1 appended - 1 deleted: applied before the 500";
}

TEST_F(Faults, TheTokenEndpointFailsWithOAuthBodies) {
  google.add_fault(Fault::respond(Op::Token, 503));
  google.add_fault(Fault::respond(Op::Token, 400));
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string body = form({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                                 {"assertion", google_assertion(sa, "https://oauth2.googleapis.com/token", kSheetsScope, now)}});
  Reply r = client.token(body);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json::str(r.json(), "error"), "temporarily_unavailable");
  r = client.token(body);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::str(r.json(), "error"), "invalid_grant");
  EXPECT_EQ(client.token(body).status, 200);
}

TEST_F(Faults, APersonCanEditTheSheetBetweenTwoRequests) {
  ASSERT_EQ(batch(R"({"updateCells":{"start":{"sheetId":0},"fields":"userEnteredValue","rows":[{"values":[{"userEnteredValue":{"stringValue":"first"}}]}]}})").status, 200);
  int batches = 0;
  google.on_request([&](const LoggedRequest& r) {
    if (r.op == Op::BatchUpdate && ++batches == 1) google.person_insert_rows(kSheet, "Sheet1", 0, 1);
  });
  ASSERT_EQ(batch(R"({"updateCells":{"start":{"sheetId":0,"rowIndex":1},"fields":"userEnteredValue","rows":[{"values":[{"userEnteredValue":{"stringValue":"second"}}]}]}})").status, 200);
  google.on_request(nullptr);
  // The person's row arrived first: "second" overwrote the cell that held "first" one row down.
  EXPECT_EQ(rows(), (std::vector<std::string>{"", "second"}));
}

TEST(FaultsStop, StoppingWakesADelayedAnswer) {
  FakeGoogle google;
  google.add_fault(Fault::slow(Op::Any, std::chrono::seconds(60), false));
  auto pending = std::async(std::launch::async, [&] { return Client(google.port(), std::chrono::seconds(30)).request("GET", "/v4/spreadsheets/x"); });
  for (int i = 0; i < 500 && google.count(Op::GetSpreadsheet) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto t0 = std::chrono::steady_clock::now();
  google.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  pending.wait();
}

}  // namespace
}  // namespace sinkhub::fake::google::test
