// Append through the real daemon: every item lands once, in order, typed, under the header;
// a failed run writes nothing; a tab per run; typed cells as the issue lists them.
#include <set>

#include "gsheets_fixture.hpp"

namespace sinkhub::gst {
namespace {

TEST_F(GsheetsTest, HundredThousandItemsAppendInOrderExactlyOnceWithTheHeader) {
  start(conf());
  const RunInfo run = generated_run(100000);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(240)));
  EXPECT_TRUE(holds_runs("Leads", {100000}));
  EXPECT_EQ(google_.value(kSheet, "Leads", 1, 0), g::Value::num(0)) << "numbers stay numbers";
  EXPECT_EQ(metadata_with_key("sinkhub.batch"), 0u) << "per-batch markers are removed at the end";
  EXPECT_EQ(metadata_with_key("sinkhub.done"), 1u);
  EXPECT_EQ(metadata_with_key("sinkhub.tail"), 1u);
  EXPECT_EQ(google_.count(g::Op::Token), 1u) << "one token for the whole delivery";
  for (const auto& r : google_.requests(g::Op::BatchUpdate))
    EXPECT_EQ(r.body.find("USER_ENTERED"), std::string::npos);
}

TEST_F(GsheetsTest, TypedCellsArriveExactlyAsWritten) {
  start(conf());
  const RunInfo run = add_run();
  fake_.add_dataset(run.dataset_id,
                    {R"J({"id":"001","price":1.10,"text":"1.10","date":"2024-03-01","f":"=HYPERLINK(\"x\")",)J"
                     R"("big":9007199254740993,"zero":0,"no":false,"nil":null,"nested":{"a":[1,2]}})",
                     R"({"id":"002","extra":"new column at the end"})", "{\"id\":\"" + std::string(60000, 'x') + "\"}"});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(30)));
  const auto v = google_.values(kSheet, "Leads");
  ASSERT_EQ(v.size(), 4u);
  const std::vector<std::string> header = {"id", "price", "text", "date", "f", "big", "zero", "no", "nil", "nested", "extra"};
  for (std::size_t c = 0; c < header.size(); ++c) EXPECT_EQ(v[0][c], g::Value::string(header[c])) << c;
  EXPECT_EQ(v[1][0], g::Value::string("001"));
  EXPECT_EQ(v[1][1], g::Value::num(1.10));
  EXPECT_EQ(v[1][2], g::Value::string("1.10"));
  EXPECT_EQ(v[1][3], g::Value::string("2024-03-01"));
  EXPECT_EQ(v[1][4], g::Value::string("=HYPERLINK(\"x\")")) << "text, not a formula";
  EXPECT_EQ(v[1][5], g::Value::string("9007199254740993"));
  EXPECT_EQ(v[1][6], g::Value::num(0));
  EXPECT_EQ(v[1][7], g::Value::boolean_value(false));
  EXPECT_TRUE(v[1][8].empty());
  EXPECT_EQ(v[1][9], g::Value::string("{\"a\":[1,2]}"));
  EXPECT_EQ(v[2][10], g::Value::string("new column at the end"));
  EXPECT_EQ(v[3][0].text.size(), 50000u);
  EXPECT_EQ(v[3][0].text.substr(49986), "...[TRUNCATED]");
}

TEST_F(GsheetsTest, AFailedRunWritesNothingAndIsDone) {
  start(conf());
  for (const char* type : {"ACTOR.RUN.FAILED", "ACTOR.RUN.ABORTED", "ACTOR.RUN.TIMED_OUT"}) {
    const RunInfo run = add_run(type);
    fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{50, 100, 0, 0});
    post(run);
    EXPECT_TRUE(reaches(run.run_id, "sheet", "done")) << type;
  }
  EXPECT_EQ(google_.sheets(kSheet).size(), 1u) << "not even the tab was created";
  EXPECT_EQ(google_.count(g::Op::BatchUpdate), 0u);
  EXPECT_EQ(google_.count(g::Op::Any), 0u) << "nothing was asked of Google";
}

TEST_F(GsheetsTest, ATemplateGivesOneTabPerRunCreatedWhenMissing) {
  start(conf("run {runId}"));
  const RunInfo a = generated_run(300), b = generated_run(200);
  post(a);
  post(b);
  ASSERT_TRUE(reaches(a.run_id, "sheet", "done"));
  ASSERT_TRUE(reaches(b.run_id, "sheet", "done"));
  EXPECT_TRUE(holds_runs("run " + a.run_id, {300}));
  EXPECT_TRUE(holds_runs("run " + b.run_id, {200}));
  const auto tab = google_.sheet(kSheet, "run " + a.run_id);
  EXPECT_LE(tab.row_count, 302) << "a new tab's grid is not padded with empty rows";
  EXPECT_EQ(tab.column_count, 3);
}

TEST_F(GsheetsTest, AnotherDeliveryLaterAppendsBelowWithTheSameColumns) {
  start(conf("Leads", "    provenance_column: true\n"));
  const RunInfo a = add_run(), b = add_run();
  fake_.add_dataset(a.dataset_id, {R"({"x":1})", R"({"x":2})"});
  fake_.add_dataset(b.dataset_id, {R"({"y":"new","x":3})"});
  post(a);
  ASSERT_TRUE(reaches(a.run_id, "sheet", "done"));
  post(b);
  ASSERT_TRUE(reaches(b.run_id, "sheet", "done"));
  const auto v = google_.values(kSheet, "Leads");
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0], (std::vector<g::Value>{g::Value::string("_sinkhub"), g::Value::string("x"), g::Value::string("y")}));
  EXPECT_EQ(v[1][0], g::Value::string(a.run_id + ":0"));
  EXPECT_EQ(v[3][0], g::Value::string(b.run_id + ":0"));
  EXPECT_EQ(v[3][1], g::Value::num(3));
  EXPECT_EQ(v[3][2], g::Value::string("new"));
}

}  // namespace
}  // namespace sinkhub::gst

namespace sinkhub::gst {
namespace {

// config/examples/gsheets.yaml passes check-config as shipped (create() reads no file).
TEST_F(GsheetsTest, TheShippedExampleIsValid) {
  std::string text = read_file(std::string(SINKHUB_SOURCE_DIR) + "/config/examples/gsheets.yaml");
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"[./build/plugins]", "[\"{{PLUGINS}}\"]"}, {"./var/sinkhub.db", "{{DIR}}/ledger.db"}}) {
    ASSERT_NE(text.find(from), std::string::npos) << from;
    text.replace(text.find(from), from.size(), to);
  }
  const std::string path = key_dir_.file("gsheets.yaml");
  write_file(path, render_config(text, 8787, key_dir_.path()));
  const auto r = run_cli({"check-config", "--config", path},
                         {{"SINKHUB_WEBHOOK_SECRET", "a-webhook-secret-0123456789"}, {"APIFY_TOKEN", "apify-token"}},
                         scaled(seconds(20)));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// Google caps the developer metadata of one location (the tab, the spreadsheet) at 30,000
// characters: a marker per run on the tab refused every write after ~700 runs (soak run 7). So
// nothing that grows with the runs stays on the tab: each done marker sits on its run's last row.
TEST_F(GsheetsTest, RunsIntoOneTabLeaveTheirDoneMarkersOnRowsNotOnTheTab) {
  start(conf("Leads", "    provenance_column: true\n"));
  std::vector<RunInfo> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(generated_run(5 + i));
    post(runs.back());
    ASSERT_TRUE(reaches(runs.back().run_id, "sheet", "done"));
  }
  const auto v = google_.values(kSheet, "Leads");
  ASSERT_EQ(v.size(), 1u + 5 + 6 + 7);
  std::set<std::string> last_rows, expected;
  for (std::size_t r = 0; r < runs.size(); ++r) expected.insert(runs[r].run_id + ":" + std::to_string(4 + r));
  for (const auto& m : google_.developer_metadata(kSheet)) {
    EXPECT_EQ(m.type, g::LocationType::Row) << m.key << " = " << m.value << " is not on a row";
    if (m.key != "sinkhub.done") continue;
    ASSERT_LT(static_cast<std::size_t>(m.index), v.size());
    last_rows.insert(v[static_cast<std::size_t>(m.index)][0].text);
  }
  EXPECT_EQ(last_rows, expected) << "one done marker per run, on the run's last row";
}

}  // namespace
}  // namespace sinkhub::gst
