// mode: upsert through the real daemon: a row whose key cell matches an item is rewritten in
// place (only the cells the item carries; a person's own column stays), other items are
// appended; the key column is read once per delivery; duplicates in a run apply in order; and
// neither faults nor people inserting or deleting rows between batches make a row land twice
// or an update hit the wrong row.
#include "gsheets_fixture.hpp"

namespace sinkhub::gst {
namespace {

class GsheetsUpsertTest : public GsheetsTest {
 protected:
  Conf upsert_conf(const std::string& extra = {}) { return conf("Leads", "    mode: upsert\n    key: url\n" + extra); }

  // A run whose items are i = from..to-1, titled "<tag> i" (url as in generated items), each
  // about `bytes` long (the host's batches hold at most 768 KiB).
  RunInfo keyed_run(std::int64_t from, std::int64_t to, const std::string& tag, std::size_t bytes = 120) {
    const RunInfo run = add_run();
    std::vector<std::string> items;
    for (std::int64_t i = from; i < to; ++i) {
      const std::string n = std::to_string(i);
      items.push_back("{\"i\":" + n + ",\"url\":\"https://example.com/p/" + n + "\",\"title\":\"" + tag + " " + n +
                      "\",\"pad\":\"" + std::string(bytes > 90 ? bytes - 90 : 0, 'x') + "\"}");
    }
    fake_.add_dataset(run.dataset_id, items);
    return run;
  }

  // The tab holds each i in 0..count-1 exactly once, row i+1 (rows in the order first written), titled
  // by the run that wrote it last: "<newer> i" for i in [from, to), "<older> i" otherwise;
  // rows that are not items (a person's) are skipped and counted.
  ::testing::AssertionResult holds_keys(std::int64_t count, const std::string& older, const std::string& newer,
                                        std::int64_t from, std::int64_t to, std::size_t person_rows = 0) {
    const auto v = google_.values(kSheet, "Leads");
    std::int64_t next = 0;
    std::size_t others = 0;
    for (std::size_t r = 1; r < v.size(); ++r) {
      if (v[r].empty() || v[r][0].type != g::Value::Type::Number) {
        ++others;
        continue;
      }
      const auto i = static_cast<std::int64_t>(v[r][0].number);
      if (i != next) return ::testing::AssertionFailure() << "row " << r + 1 << " holds item " << i << ", expected " << next;
      const std::string n = std::to_string(i);
      const std::string want = (i >= from && i < to ? newer : older) + " " + n;
      if (v[r].size() < 3 || v[r][1] != g::Value::string("https://example.com/p/" + n) || v[r][2] != g::Value::string(want))
        return ::testing::AssertionFailure() << "row " << r + 1 << " (item " << i << ") is not \"" << want << "\"";
      ++next;
    }
    if (next != count) return ::testing::AssertionFailure() << "the tab ends at item " << next << ", expected " << count;
    if (others != person_rows) return ::testing::AssertionFailure() << others << " other rows, expected " << person_rows;
    return ::testing::AssertionSuccess();
  }

  std::size_t key_column_reads() {
    std::size_t n = 0;
    for (const auto& r : google_.requests(g::Op::ValuesGet))
      n += r.path.find("%21B:B") != std::string::npos || r.path.find("%21B%3AB") != std::string::npos ? 1 : 0;
    return n;
  }
};

TEST_F(GsheetsUpsertTest, MatchingRowsAreUpdatedInPlaceOthersAppendedAndAPersonsColumnStays) {
  const std::vector<std::vector<std::string>> typed = {
      {"url", "title", "price", "note"}, {"u1", "one", "1", "call back"}, {"u2", "two", "2", "vip"}, {"u3", "three", "3", ""}};
  google_.person_add_tab(kSheet, "Leads");
  for (std::size_t r = 0; r < typed.size(); ++r)
    for (std::size_t c = 0; c < typed[r].size(); ++c)
      if (!typed[r][c].empty()) google_.person_type(kSheet, "Leads", static_cast<int>(r), static_cast<int>(c), typed[r][c]);
  start(upsert_conf());
  const RunInfo run = add_run();
  fake_.add_dataset(run.dataset_id, {R"({"url":"u2","price":20})", R"({"url":"u4","title":"four","price":4})",
                                     R"({"url":"u1","title":null})", R"({"title":"no key"})",
                                     R"({"url":"u2","title":"two again"})", R"({"url":"u4","price":44})"});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done"));
  const auto v = google_.values(kSheet, "Leads");
  ASSERT_EQ(v.size(), 6u);
  using V = g::Value;
  EXPECT_EQ(v[1], (std::vector<V>{V::string("u1"), V{}, V::num(1), V::string("call back")})) << "null clears";
  EXPECT_EQ(v[2], (std::vector<V>{V::string("u2"), V::string("two again"), V::num(20), V::string("vip")}))
      << "both items applied in order, the person's note stays";
  EXPECT_EQ(v[3], (std::vector<V>{V::string("u3"), V::string("three"), V::num(3)})) << "untouched";
  EXPECT_EQ(v[4], (std::vector<V>{V::string("u4"), V::string("four"), V::num(44)})) << "new key appended once, last wins";
  EXPECT_EQ(v[5], (std::vector<V>{V{}, V::string("no key")})) << "an item without a key is appended";
  EXPECT_EQ(google_.count(g::Op::ValuesGet), 1u) << "one read: the whole tab (it had no sinkhub rows yet)";
}

TEST_F(GsheetsUpsertTest, ARerunUpdatesEveryKnownRowInPlaceAndReadsTheKeyColumnOncePerDelivery) {
  Conf c = upsert_conf();
  c.page_size = 2000;
  start(c);
  const RunInfo a = keyed_run(0, 12000, "A");
  post(a);
  ASSERT_TRUE(reaches(a.run_id, "sheet", "done", seconds(60)));
  ASSERT_TRUE(holds_keys(12000, "A", "A", 0, 0));
  google_.clear_requests();
  const RunInfo b = keyed_run(4000, 18000, "B");
  post(b);
  ASSERT_TRUE(reaches(b.run_id, "sheet", "done", seconds(60)));
  EXPECT_TRUE(holds_keys(18000, "A", "B", 4000, 18000));
  EXPECT_GE(google_.count(g::Op::BatchUpdate), 4u) << "several batches";
  EXPECT_EQ(key_column_reads(), 1u) << "the key column, once for the whole delivery";
  EXPECT_EQ(google_.count(g::Op::ValuesGet), 2u) << "and the header";
  EXPECT_EQ(metadata_with_key("sinkhub.batch"), 0u);
}

TEST_F(GsheetsUpsertTest, PeopleInsertingAndDeletingRowsBetweenBatchesNeverRedirectAnUpdate) {
  Conf c = upsert_conf();
  c.page_size = 1000;
  start(c);
  const RunInfo a = keyed_run(0, 6000, "A");
  post(a);
  ASSERT_TRUE(reaches(a.run_id, "sheet", "done", seconds(60)));
  google_.clear_requests();
  int searches = 0;
  google_.on_request([&](const g::LoggedRequest& r) {
    if (r.op != g::Op::MetadataSearch) return;
    ++searches;
    if (searches == 2) {  // above every row this delivery will update
      google_.person_insert_rows(kSheet, "Leads", 1, 2);
      google_.person_type(kSheet, "Leads", 1, 3, "a person's row");
      google_.person_type(kSheet, "Leads", 2, 3, "deleted later");
    }
    if (searches == 3) google_.person_delete_rows(kSheet, "Leads", 2, 1);
    if (searches == 4) {  // among them
      google_.person_insert_rows(kSheet, "Leads", 3001, 1);
      google_.person_type(kSheet, "Leads", 3001, 3, "another person's row");
    }
  });
  const RunInfo b = keyed_run(0, 9000, "B", 800);  // 6,000 updates, then 3,000 new rows; ~10 batches
  post(b);
  ASSERT_TRUE(reaches(b.run_id, "sheet", "done", seconds(60)));
  google_.on_request(nullptr);
  ASSERT_GE(searches, 5);
  EXPECT_TRUE(holds_keys(9000, "A", "B", 0, 9000, 2));
  EXPECT_EQ(google_.value(kSheet, "Leads", 1, 3), g::Value::string("a person's row"));
  EXPECT_EQ(google_.value(kSheet, "Leads", 3001, 3), g::Value::string("another person's row"));
  EXPECT_GE(key_column_reads(), 2u) << "moved rows were noticed and the key column read again";
}

struct UpsertFault {
  const char* name;
  g::Fault fault;
  bool ambiguous;
  const char* batch_timeout = "20s";
};

std::vector<UpsertFault> upsert_faults() {
  using F = g::Fault;
  using g::Op;
  return {
      {"AppliedThen500", F::apply_then(Op::BatchUpdate, 500, 2).after(1), true},
      {"AppliedThenDropped", F::apply_then_drop(Op::BatchUpdate).after(3), true},
      {"Unavailable503", F::respond(Op::BatchUpdate, 503, 2).after(2), false},
      {"QuotaExceeded429", F::respond(Op::BatchUpdate, 429, 1).after(1), false},
      {"ReadingTheTabFails500", F::respond(Op::ValuesGet, 500, 1), false},
      {"SlowerThanTheDeadline", F::slow(Op::BatchUpdate, milliseconds(4000), true, 1).after(2), true, "2500ms"},
  };
}

class GsheetsUpsertFaultTest : public GsheetsUpsertTest, public ::testing::WithParamInterface<UpsertFault> {};

TEST_P(GsheetsUpsertFaultTest, EveryKeyEndsInExactlyOneRowWithItsLatestValues) {
  Conf c = upsert_conf();
  c.page_size = 2000;
  c.delivery["batch_timeout"] = GetParam().batch_timeout;
  start(c);
  const RunInfo a = keyed_run(0, 5000, "A");
  post(a);
  ASSERT_TRUE(reaches(a.run_id, "sheet", "done", seconds(60)));
  const int id = google_.add_fault(GetParam().fault);
  const RunInfo b = keyed_run(2500, 10000, "B", 600);  // ~6 batches
  post(b);
  ASSERT_TRUE(reaches(b.run_id, "sheet", "done", seconds(90)));
  EXPECT_GE(google_.fault_hits(id), 1);
  EXPECT_TRUE(holds_keys(10000, "A", "B", 2500, 10000));
  EXPECT_EQ(metadata_with_key("sinkhub.batch"), 0u);
  if (GetParam().ambiguous) {
    EXPECT_NE(daemon().log().find("was applied by Google although its answer was lost"), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, GsheetsUpsertFaultTest, ::testing::ValuesIn(upsert_faults()),
                         [](const ::testing::TestParamInfo<UpsertFault>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace sinkhub::gst
