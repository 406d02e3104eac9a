// The tab is shared: people insert and delete rows while a delivery writes, other runs write
// the same tab, and the quota is small. Every item still lands exactly once, in order, and
// nobody's cells are overwritten (kill -9 trials: kill_e2e_test.cpp).
#include "gsheets_fixture.hpp"

namespace sinkhub::gst {
namespace {

TEST_F(GsheetsTest, PeopleInsertingAndDeletingRowsBetweenBatchesNeverCauseAnOverwrite) {
  // Edits land between batches: just before a batch's developerMetadata:search (the sink
  // places each batch from that search).
  int writes = 0;
  google_.on_request([&](const g::LoggedRequest& r) {
    if (r.op != g::Op::MetadataSearch) return;
    ++writes;
    if (writes == 3) {  // a person's row right under the header, above everything written
      google_.person_insert_rows(kSheet, "Leads", 1, 2);
      google_.person_type(kSheet, "Leads", 1, 0, "note kept by a person");
      google_.person_type(kSheet, "Leads", 2, 0, "note deleted by a person");
    }
    if (writes == 5) google_.person_delete_rows(kSheet, "Leads", 2, 1);
    if (writes == 7) {  // and one inside the rows already written
      google_.person_insert_rows(kSheet, "Leads", 1500, 1);
      google_.person_type(kSheet, "Leads", 1500, 1, "mid note");
    }
  });
  Conf c = conf();
  c.page_size = 1000;
  start(c);
  const RunInfo run = generated_run(4000, 1000);  // 11 batches
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(120)));
  ASSERT_GE(writes, 8);
  EXPECT_TRUE(holds_runs("Leads", {4000}, 2));
  EXPECT_EQ(google_.value(kSheet, "Leads", 1, 0), g::Value::string("note kept by a person"));
  EXPECT_EQ(google_.value(kSheet, "Leads", 1500, 1), g::Value::string("mid note"));
}

TEST_F(GsheetsTest, TwoRunsToTheSameTabAtOnceNeverInterleave) {
  start(conf());
  const RunInfo a = generated_run(5000, 300), b = generated_run(5000, 300);  // 4 batches each
  post(a);
  post(b);
  ASSERT_TRUE(reaches(a.run_id, "sheet", "done", seconds(120)));
  ASSERT_TRUE(reaches(b.run_id, "sheet", "done", seconds(120)));
  EXPECT_TRUE(holds_runs("Leads", {5000, 5000}));
}

// A burst of runs into one tab (bench/soak: hundreds of runs of one actor): each delivery
// waits its turn behind the others, and that wait is no failure (ABI 1.3 BUSY), so even a budget
// of 3 attempts is never spent by waiting: every run lands, each in one attempt.
TEST_F(GsheetsTest, ABurstOfRunsIntoOneTabAllLandWithoutSpendingAttemptsOnTheWait) {
  constexpr int kRuns = 6;
  Conf c = conf();
  c.delivery["max_attempts"] = "3";
  start(c);
  std::vector<RunInfo> runs;
  for (int i = 0; i < kRuns; ++i) runs.push_back(generated_run(3000, 300));  // 3 batches each
  for (const auto& r : runs) post(r);
  const auto settled = [&](const RunInfo& r) {
    const std::string st = state_of(r.run_id, "sheet");
    return st == "done" || st == "dead";  // a dead one fails below at once, not after the bound
  };
  for (const auto& r : runs) ASSERT_TRUE(wait_until([&] { return settled(r); }, seconds(120))) << r.run_id;
  for (const auto& r : runs) ASSERT_TRUE(reaches(r.run_id, "sheet", "done", seconds(1)));
  EXPECT_TRUE(holds_runs("Leads", std::vector<std::int64_t>(kRuns, 3000)));
  for (const auto& r : runs) {
    const auto row = deliveries(r.run_id)["sheet"];
    EXPECT_EQ(row.at("attempts"), "1") << r.run_id << ": " << row.at("last_error");
  }
  const auto m = daemon().get("/metrics");
  EXPECT_GE(metric(m.body, "sinkhub_delivery_busy_total{sink=\"sheet\"}"), 1) << "nobody ever waited: " << m.body;
}

TEST_F(GsheetsTest, PacingHoldsASmallQuotaLearnedFromGoogles429) {
  g::QuotaLimits q;
  q.user_writes = 4;
  q.user_reads = 8;
  q.window = milliseconds(60000 / kTimeScale);
  google_.set_quota(q);
  Conf c = conf();
  c.page_size = 500;
  start(c);
  const RunInfo run = generated_run(2500, 2000);  // 13 batches: more than 3 windows' worth
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(120)));
  EXPECT_TRUE(holds_runs("Leads", {2500}));
  std::size_t refused = 0;
  std::vector<g::LoggedRequest> after;
  for (const auto& r : google_.requests()) {
    if (r.status == 429) {
      ++refused;
      after.clear();  // count windows from the last 429 on
    } else {
      after.push_back(r);
    }
  }
  EXPECT_LE(refused, 4u) << "a 429 or two teaches the pacer the limit; it does not keep hitting it";
  EXPECT_GE(google_.count(g::Op::BatchUpdate), 12u);
  EXPECT_LE(g::FakeGoogle::max_in_window(after, g::Op::BatchUpdate, q.window), 4u);
}

}  // namespace
}  // namespace sinkhub::gst
