// mode: replace through the real daemon: the tab mirrors the latest successful run, a reader
// never sees it half written (old content or new content, nothing between), the tab keeps its
// sheetId, formats and notes, the hidden staging tab is gone afterwards, stale staging tabs of
// dead deliveries are cleaned, and every fault still gives exactly the run's rows.
#include "gsheets_fixture.hpp"

namespace sinkhub::gst {
namespace {

using Grid = std::vector<std::vector<g::Value>>;

class GsheetsReplaceTest : public GsheetsTest {
 protected:
  Conf replace_conf(const std::string& extra = {}) { return conf("Leads", "    mode: replace\n" + extra); }

  // Replaces the tab with a run of `items` and waits for it.
  RunInfo replace_with(std::int64_t items, std::size_t bytes = 100) {
    const RunInfo run = generated_run(items, bytes);
    post(run);
    EXPECT_TRUE(reaches(run.run_id, "sheet", "done", seconds(120)));
    return run;
  }
};

TEST_F(GsheetsReplaceTest, AReaderPollingBetweenEveryRequestSeesTheOldTabOrTheNewOneNeverAHalfOne) {
  start(replace_conf());
  replace_with(9000);
  ASSERT_TRUE(holds_runs("Leads", {9000}));
  const Grid before = google_.values(kSheet, "Leads");
  const std::int32_t sheet_id = google_.sheet(kSheet, "Leads").sheet_id;
  g::Cell noted = google_.cell(kSheet, "Leads", 0, 0);
  noted.note = "a person's note";
  noted.format_json = R"({"textFormat":{"bold":true}})";
  google_.person_set(kSheet, "Leads", 0, 0, noted);

  std::mutex mu;
  std::vector<Grid> seen;  // every content other than `before`, in order, without repeats
  std::size_t polls = 0;
  google_.on_request([&](const g::LoggedRequest&) {
    Grid now = google_.values(kSheet, "Leads");
    std::lock_guard<std::mutex> lock(mu);
    ++polls;
    if (now != before && (seen.empty() || seen.back() != now)) seen.push_back(std::move(now));
  });
  const RunInfo run = generated_run(6000, 300);  // several batches, fewer rows than before
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(120)));
  google_.on_request(nullptr);

  EXPECT_TRUE(holds_runs("Leads", {6000}));
  const Grid after = google_.values(kSheet, "Leads");
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_GE(google_.count(g::Op::BatchUpdate), 4u) << "staging creation, several batches, the swap";
  EXPECT_GE(polls, 8u);
  EXPECT_NE(after, before);
  EXPECT_LE(seen.size(), 1u) << "the tab changed between two requests: a reader saw an intermediate state";
  EXPECT_TRUE(seen.empty() || seen[0] == after) << "the only change a reader saw is the new content";
  EXPECT_EQ(google_.sheet(kSheet, "Leads").sheet_id, sheet_id) << "formulas pointing at the tab keep working";
  EXPECT_EQ(google_.sheet(kSheet, "Leads").row_count, 6001) << "the grid is the run's size";
  EXPECT_EQ(google_.cell(kSheet, "Leads", 0, 0).note, "a person's note") << "values are pasted, formats and notes stay";
  EXPECT_EQ(google_.cell(kSheet, "Leads", 0, 0).format_json, noted.format_json);
  EXPECT_EQ(staging_tabs(), 0u) << "the staging tab is deleted by the swap";
  EXPECT_EQ(metadata_with_key("sinkhub.batch"), 0u);
  EXPECT_EQ(metadata_with_key("sinkhub.staging"), 0u);
  EXPECT_EQ(metadata_with_key("sinkhub.done"), 1u)
      << "the tab keeps the latest run's done marker only (Google caps a location's metadata at 30,000 characters)";
}

TEST_F(GsheetsReplaceTest, TheStagingTabIsHiddenAndColumnsKeepTheirPlacesAcrossRuns) {
  std::size_t hidden_staging_seen = 0;
  google_.on_request([&](const g::LoggedRequest&) {
    for (const auto& s : google_.sheets(kSheet))
      if (s.title.rfind("_sinkhub_staging_", 0) == 0 && s.hidden) ++hidden_staging_seen;
  });
  start(replace_conf());
  const RunInfo a = add_run(), b = add_run();
  fake_.add_dataset(a.dataset_id, {R"({"id":"001","price":1.5,"note":"x"})", R"({"id":"002","price":2})"});
  fake_.add_dataset(b.dataset_id, {R"({"price":3,"new":true,"id":"003"})"});
  post(a);
  ASSERT_TRUE(reaches(a.run_id, "sheet", "done"));
  post(b);
  ASSERT_TRUE(reaches(b.run_id, "sheet", "done"));
  EXPECT_GT(hidden_staging_seen, 0u);
  const auto v = google_.values(kSheet, "Leads");
  ASSERT_EQ(v.size(), 2u) << "run a's rows are gone";
  EXPECT_EQ(v[0], (std::vector<g::Value>{g::Value::string("id"), g::Value::string("price"), g::Value::string("note"),
                                         g::Value::string("new")}))
      << "the previous header's order, new fields at the end";
  EXPECT_EQ(v[1][0], g::Value::string("003"));
  EXPECT_EQ(v[1][1], g::Value::num(3));
  EXPECT_TRUE(v[1][2].empty());
  EXPECT_EQ(v[1][3], g::Value::boolean_value(true));
}

TEST_F(GsheetsReplaceTest, AnEmptySuccessfulRunLeavesTheHeaderAndAFailedRunWritesNothing) {
  start(replace_conf("    columns: [id, name]\n"));
  const RunInfo full = add_run();
  fake_.add_dataset(full.dataset_id, {R"({"id":1,"name":"a"})", R"({"id":2,"name":"b"})"});
  post(full);
  ASSERT_TRUE(reaches(full.run_id, "sheet", "done"));
  const std::size_t writes = google_.count(g::Op::BatchUpdate);
  for (const char* type : {"ACTOR.RUN.FAILED", "ACTOR.RUN.ABORTED", "ACTOR.RUN.TIMED_OUT"}) {
    const RunInfo failed = add_run(type);
    fake_.add_dataset(failed.dataset_id, {R"({"id":9,"name":"never"})"});
    post(failed);
    EXPECT_TRUE(reaches(failed.run_id, "sheet", "done")) << type;
  }
  EXPECT_EQ(google_.count(g::Op::BatchUpdate), writes) << "a failed run does not touch the tab";
  EXPECT_EQ(google_.values(kSheet, "Leads").size(), 3u);
  const RunInfo empty = add_run();
  fake_.add_dataset(empty.dataset_id, {});
  post(empty);
  ASSERT_TRUE(reaches(empty.run_id, "sheet", "done"));
  EXPECT_EQ(google_.values(kSheet, "Leads"),
            (Grid{{g::Value::string("id"), g::Value::string("name")}}))
      << "the tab mirrors the latest successful run, which had no items";
  EXPECT_EQ(staging_tabs(), 0u);
}

TEST_F(GsheetsReplaceTest, StagingTabsOfDeadDeliveriesAreDeletedByTheNextDeliveryToTheTab) {
  // A delivery dies after two staged batches (Google refuses the third for good): its hidden
  // staging tab stays behind, holding rows that count toward the 10M-cell cap.
  const int refuse = google_.add_fault(g::Fault::respond(g::Op::BatchUpdate, 400, -1).after(3));
  Conf c = replace_conf();
  c.delivery["max_attempts"] = "2";
  start(c);
  const RunInfo dead = generated_run(6000, 300);
  post(dead);
  ASSERT_TRUE(reaches(dead.run_id, "sheet", "dead", seconds(60)));
  EXPECT_GE(google_.fault_hits(refuse), 1);
  EXPECT_EQ(staging_tabs(), 1u);
  google_.clear_faults();
  replace_with(500);
  EXPECT_TRUE(holds_runs("Leads", {500}));
  EXPECT_EQ(staging_tabs(), 0u) << "the dead delivery's staging tab was deleted";
  EXPECT_EQ(metadata_with_key("sinkhub.staging"), 0u);
  EXPECT_NE(daemon().log().find("stale staging tab"), std::string::npos);
}

TEST_F(GsheetsReplaceTest, TwoRunsToTheSameTabAtOnceLeaveOneWholeRun) {
  start(replace_conf());
  const RunInfo a = keyed_run(0, 3000, "A", 300), b = keyed_run(0, 2000, "B", 300);
  post(a);
  post(b);
  ASSERT_TRUE(reaches(a.run_id, "sheet", "done", seconds(60)));
  ASSERT_TRUE(reaches(b.run_id, "sheet", "done", seconds(60)));
  const bool holds_a = holds_keys("Leads", 3000, [](std::int64_t i) { return "A " + std::to_string(i); });
  const bool holds_b = holds_keys("Leads", 2000, [](std::int64_t i) { return "B " + std::to_string(i); });
  EXPECT_TRUE(holds_a != holds_b) << "the tab holds one run, whole, never a mix";
  EXPECT_EQ(staging_tabs(), 0u);
}

struct ReplaceFault {
  const char* name;
  g::Fault fault;
  const char* hits;        // a sub-request the faulted request carried ("" = any)
  const char* logged = "";  // how the sink resolved it
};
void PrintTo(const ReplaceFault& c, std::ostream* os) { *os << c.name; }  // ctest names, not bytes


std::vector<ReplaceFault> replace_faults() {
  using F = g::Fault;
  using g::Op;
  // The staging tab's creation, several staged batches, the swap.
  return {
      {"StagingCreationAppliedThen500", F::apply_then(Op::BatchUpdate, 500).carrying("addSheet"), "addSheet"},
      {"StagedBatchAppliedThen503", F::apply_then(Op::BatchUpdate, 503).carrying("insertDimension").after(1),
       "insertDimension", "applied by Google although its answer was lost"},
      {"StagedBatchAppliedThenDropped", F::apply_then_drop(Op::BatchUpdate).carrying("insertDimension").after(2),
       "insertDimension", "applied by Google although its answer was lost"},
      {"SwapAppliedThen500", F::apply_then(Op::BatchUpdate, 500).carrying("copyPaste"), "copyPaste", "already holds"},
      {"SwapAppliedThenDropped", F::apply_then_drop(Op::BatchUpdate).carrying("copyPaste"), "copyPaste",
       "already holds"},
      {"SwapRefused503", F::respond(Op::BatchUpdate, 503, 2).carrying("copyPaste"), "copyPaste"},
      {"QuotaExceeded429", F::respond(Op::BatchUpdate, 429, 2).after(1), ""},
      {"SearchFails500", F::respond(Op::MetadataSearch, 500, 2).after(2), ""},
  };
}

class GsheetsReplaceFaultTest : public GsheetsReplaceTest, public ::testing::WithParamInterface<ReplaceFault> {};

TEST_P(GsheetsReplaceFaultTest, TheTabEndsWithExactlyTheRunsRows) {
  typed_rows("Leads", 0, 7000, "old");
  const std::int32_t sheet_id = google_.sheet(kSheet, "Leads").sheet_id;
  start(replace_conf());
  const int id = google_.add_fault(GetParam().fault);
  const RunInfo run = keyed_run(0, 6000, "new", 300);  // the staging tab, 5 staged batches, the swap
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(120)));
  EXPECT_GE(google_.fault_hits(id), 1) << "the fault was injected";
  bool hit = false;
  for (const auto& r : google_.requests())
    hit = hit || (!r.fault.empty() && r.body.find(GetParam().hits) != std::string::npos);
  EXPECT_TRUE(hit) << "the fault hit a request carrying " << GetParam().hits;
  EXPECT_NE(daemon().log().find(GetParam().logged), std::string::npos) << GetParam().logged;
  EXPECT_TRUE(holds_keys("Leads", 6000, [](std::int64_t i) { return "new " + std::to_string(i); }));
  EXPECT_EQ(google_.sheet(kSheet, "Leads").sheet_id, sheet_id);
  EXPECT_EQ(staging_tabs(), 0u);
  EXPECT_EQ(metadata_with_key("sinkhub.batch"), 0u);
}

INSTANTIATE_TEST_SUITE_P(Faults, GsheetsReplaceFaultTest, ::testing::ValuesIn(replace_faults()),
                         [](const ::testing::TestParamInfo<ReplaceFault>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace sinkhub::gst
