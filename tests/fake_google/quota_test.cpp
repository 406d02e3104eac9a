// Per-minute quotas: read and write requests per user per project and per project, refused
// with 429 RESOURCE_EXHAUSTED and the ErrorInfo Google sends (reason RATE_LIMIT_EXCEEDED,
// quota_limit_value, ...), no Retry-After; and the request recorder a test uses to assert
// that no window held more requests than the quota.
#include <gtest/gtest.h>

#include <thread>

#include "fixture.hpp"

namespace sinkhub::fake::google::test {
namespace {

constexpr auto kWindow = std::chrono::milliseconds(1500);

FakeGoogle::Options tight_quota() {
  FakeGoogle::Options o;
  o.quota.user_writes = 3;
  o.quota.user_reads = 4;
  o.quota.project_writes = 5;
  o.quota.project_reads = 100;
  o.quota.window = kWindow;
  return o;
}

class Quota : public FakeGoogleTest {
 protected:
  Quota() : FakeGoogleTest(tight_quota()) {}
  Reply write(const std::string& bearer) {
    return client.batch_update(bearer, kSheet, R"({"requests":[{"appendDimension":{"sheetId":0,"dimension":"ROWS","length":1}}]})");
  }
  static json::Obj info(const Reply& r) {
    return json::as_object(json::list(json::child(r.json(), "error"), "details")->get(0));
  }
};

TEST_F(Quota, TheWriteAboveTheUserQuotaGets429WithGooglesErrorInfo) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(write(token).status, 200);
  const Reply r = write(token);
  ASSERT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.message(),
            "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service "
            "'sheets.googleapis.com' for consumer 'project_number:123456789012'.");
  EXPECT_EQ(json::str(json::child(r.json(), "error"), "status"), "RESOURCE_EXHAUSTED");
  const auto e = info(r);
  EXPECT_EQ(json::str(e, "@type"), "type.googleapis.com/google.rpc.ErrorInfo");
  EXPECT_EQ(json::str(e, "reason"), "RATE_LIMIT_EXCEEDED");
  EXPECT_EQ(json::str(e, "domain"), "googleapis.com");
  const auto m = json::child(e, "metadata");
  EXPECT_EQ(json::str(m, "quota_limit_value"), "3");
  EXPECT_EQ(json::str(m, "quota_limit"), "WriteRequestsPerMinutePerUser");
  EXPECT_EQ(json::str(m, "quota_metric"), "sheets.googleapis.com/write_requests");
  EXPECT_EQ(json::str(m, "quota_unit"), "1/min/{project}/{user}");
  EXPECT_EQ(json::str(m, "quota_location"), "global");
  EXPECT_EQ(json::str(m, "consumer"), "projects/123456789012");
  EXPECT_EQ(json::str(m, "service"), "sheets.googleapis.com");
  EXPECT_EQ(r.header("Retry-After"), "");  // Google sends none
  EXPECT_EQ(google.sheet(kSheet, "Sheet1").row_count, 1003);  // the refused write did nothing
}

TEST_F(Quota, TheWindowSlidesAndRefusedRequestsDoNotCount) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(write(token).status, 200);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(write(token).status, 429);  // hammering does not extend the wait
  std::this_thread::sleep_for(kWindow + std::chrono::milliseconds(50));
  EXPECT_EQ(write(token).status, 200);
}

TEST_F(Quota, ReadsAndWritesAreSeparateQuotas) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(write(token).status, 200);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(values("Sheet1!A1").status, 200);
  const Reply r = search(R"({"developerMetadataLookup":{"metadataKey":"k"}})");  // a POST, but a read
  ASSERT_EQ(r.status, 429);
  EXPECT_EQ(json::str(json::child(info(r), "metadata"), "quota_limit"), "ReadRequestsPerMinutePerUser");
  EXPECT_EQ(r.message().find("'Read requests' and limit 'Read requests per minute per user'") != std::string::npos, true);
}

TEST_F(Quota, EachUserHasItsOwnQuotaAndTheProjectOneOnTop) {
  const ServiceAccount& b = account("second-writer");
  google.add_service_account(b);
  google.share(kSheet, b.email);
  const std::string tb = google.issue_token(b.email, {kSheetsScope}, b.project_number);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(write(token).status, 200);
  ASSERT_EQ(write(token).status, 429);
  ASSERT_EQ(write(tb).status, 200);  // another user of the same project
  ASSERT_EQ(write(tb).status, 200);  // 5 writes in the project now
  const Reply r = write(tb);
  ASSERT_EQ(r.status, 429);
  EXPECT_EQ(r.message(),
            "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute' of service "
            "'sheets.googleapis.com' for consumer 'project_number:123456789012'.");
  const auto m = json::child(info(r), "metadata");
  EXPECT_EQ(json::str(m, "quota_limit"), "WriteRequestsPerMinutePerProject");
  EXPECT_EQ(json::str(m, "quota_unit"), "1/min/{project}");
  EXPECT_EQ(json::str(m, "quota_limit_value"), "5");
}

TEST_F(Quota, TheTokenEndpointAndRefusedCredentialsAreNotCharged) {
  for (int i = 0; i < 5; ++i) client.access_token(sa, "https://oauth2.googleapis.com/token");
  for (int i = 0; i < 5; ++i) ASSERT_EQ(client.batch_update("bad", kSheet, "{}").status, 401);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(write(token).status, 200);
}

TEST_F(Quota, SetQuotaReplacesTheLimitsAndForgetsTheCount) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(write(token).status, 200);
  QuotaLimits none;
  none.user_writes = 0;  // unlimited
  none.project_writes = 0;
  google.set_quota(none);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(write(token).status, 200);
}

TEST(RequestLog, MaxInWindowIsTheBusiestSpan) {
  using namespace std::chrono;
  const auto t0 = steady_clock::now();
  std::vector<LoggedRequest> log;
  for (int ms : {0, 100, 200, 1100, 1150, 1190, 1199, 2500}) {
    LoggedRequest r;
    r.op = Op::BatchUpdate;
    r.at = t0 + milliseconds(ms);
    log.push_back(r);
  }
  LoggedRequest read;
  read.op = Op::ValuesGet;
  read.at = t0 + milliseconds(1195);
  log.push_back(read);
  EXPECT_EQ(FakeGoogle::max_in_window(log, Op::BatchUpdate, milliseconds(1000)), 5u);  // 200..1199
  EXPECT_EQ(FakeGoogle::max_in_window(log, Op::BatchUpdate, milliseconds(999)), 4u);   // a window is half-open
  EXPECT_EQ(FakeGoogle::max_in_window(log, Op::Any, milliseconds(1000)), 6u);
  EXPECT_EQ(FakeGoogle::max_in_window(log, Op::MetadataSearch, milliseconds(1000)), 0u);
}

TEST_F(Quota, TheRecorderKeepsEveryRequestInArrivalOrder) {
  for (int i = 0; i < 4; ++i) write(token);
  values("Sheet1!A1");
  const auto log = google.requests();
  ASSERT_EQ(log.size(), 5u);
  for (std::size_t i = 1; i < log.size(); ++i) {
    EXPECT_GT(log[i].seq, log[i - 1].seq);
    EXPECT_GE(log[i].at, log[i - 1].at);
  }
  EXPECT_EQ(log[3].status, 429);
  EXPECT_EQ(log[3].principal, sa.email);
  EXPECT_EQ(log[4].op, Op::ValuesGet);
  EXPECT_EQ(google.max_in_window(Op::BatchUpdate, std::chrono::seconds(60)), 4u);
  EXPECT_EQ(google.count(Op::BatchUpdate), 4u);
  EXPECT_EQ(log[0].header("authorization"), "Bearer " + token);
}

TEST(RequestLogBounds, OldBodiesAreDroppedFirstAndEntriesAreCapped) {
  FakeGoogle::Options o;
  o.max_log = 5;
  o.max_logged_body_bytes = 30;
  FakeGoogle google(o);
  Client client(google.port());
  for (int i = 0; i < 8; ++i) client.request("POST", "/v4/spreadsheets/x:batchUpdate", "0123456789");
  const auto log = google.requests();
  ASSERT_EQ(log.size(), 5u);
  EXPECT_EQ(log.front().seq, 4u);
  std::size_t kept = 0;
  for (const auto& r : log) kept += r.body.size();
  EXPECT_EQ(kept, 30u);
  EXPECT_EQ(log.back().body, "0123456789");  // the newest keep theirs
  EXPECT_EQ(log.front().body, "");
  EXPECT_EQ(log.front().body_bytes, 10u);
}

}  // namespace
}  // namespace sinkhub::fake::google::test
