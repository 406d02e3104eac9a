// The tab is shared: people insert and delete rows while a delivery writes, other runs write
// the same tab, the daemon is killed at random points, and the quota is small. Every item
// still lands exactly once, in order, and nobody's cells are overwritten.
#include <random>

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
  const RunInfo run = generated_run(20000, 1000);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(120)));
  ASSERT_GE(writes, 8);
  EXPECT_TRUE(holds_runs("Leads", {20000}, 2));
  EXPECT_EQ(google_.value(kSheet, "Leads", 1, 0), g::Value::string("note kept by a person"));
  EXPECT_EQ(google_.value(kSheet, "Leads", 1500, 1), g::Value::string("mid note"));
}

TEST_F(GsheetsTest, TwoRunsToTheSameTabAtOnceNeverInterleave) {
  start(conf());
  const RunInfo a = generated_run(30000), b = generated_run(30000);
  post(a);
  post(b);
  ASSERT_TRUE(reaches(a.run_id, "sheet", "done", seconds(180)));
  ASSERT_TRUE(reaches(b.run_id, "sheet", "done", seconds(180)));
  EXPECT_TRUE(holds_runs("Leads", {30000, 30000}));
}

TEST_F(GsheetsTest, KillNineAtRandomPointsThenRestartLosesAndDuplicatesNothing) {
  // Google answers 150 ms after applying each batch: a kill lands between the two often.
  google_.add_fault(g::Fault::slow(g::Op::BatchUpdate, milliseconds(150), true, -1));
  Conf c = conf("trial {runId}");
  c.page_size = 1000;
  start(c);
  std::mt19937 rng(20261203);
  for (int trial = 0; trial < 10; ++trial) {
    const RunInfo run = generated_run(15000, 500);
    post(run);
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(200, 2500)(rng)));
    daemon().kill9();
    daemon().start();
    ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(120))) << "trial " << trial;
    EXPECT_TRUE(holds_runs("trial " + run.run_id, {15000})) << "trial " << trial;
  }
  EXPECT_EQ(metadata_with_key("sinkhub.batch"), 0u);
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
  const RunInfo run = generated_run(10000, 2000);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(120)));
  EXPECT_TRUE(holds_runs("Leads", {10000}));
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
  EXPECT_GE(google_.count(g::Op::BatchUpdate), 20u);
  EXPECT_LE(g::FakeGoogle::max_in_window(after, g::Op::BatchUpdate, q.window), 4u);
}

}  // namespace
}  // namespace sinkhub::gst
