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

  // Items 0..count-1 once each, in order, titled "<newer> i" for i in [from, to), else "<older> i".
  ::testing::AssertionResult holds_keys(std::int64_t count, const std::string& older, const std::string& newer,
                                        std::int64_t from, std::int64_t to, std::size_t person_rows = 0) {
    return GsheetsTest::holds_keys(
        "Leads", count, [&](std::int64_t i) { return (i >= from && i < to ? newer : older) + " " + std::to_string(i); },
        person_rows);
  }

  // Starts the daemon (batches of `page_size` items) and lets a first run write keys 0..n-1,
  // titled "A i"; then forgets the requests so far.
  void start_after_run_a(int page_size, std::int64_t n) {
    Conf c = upsert_conf();
    c.page_size = page_size;
    start(c);
    const RunInfo a = keyed_run(0, n, "A");
    post(a);
    ASSERT_TRUE(reaches(a.run_id, "sheet", "done", seconds(60)));
    ASSERT_TRUE(holds_keys(n, "A", "A", 0, 0));
    google_.clear_requests();
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
  ASSERT_NO_FATAL_FAILURE(start_after_run_a(2000, 8000));
  const RunInfo b = keyed_run(3000, 12000, "B", 250);  // 6 batches
  post(b);
  ASSERT_TRUE(reaches(b.run_id, "sheet", "done", seconds(60)));
  EXPECT_TRUE(holds_keys(12000, "A", "B", 3000, 12000));
  EXPECT_GE(google_.count(g::Op::BatchUpdate), 4u) << "several batches";
  EXPECT_EQ(key_column_reads(), 1u) << "the key column, once for the whole delivery";
  EXPECT_EQ(google_.count(g::Op::ValuesGet), 2u) << "and the header";
  EXPECT_EQ(metadata_with_key("sinkhub.batch"), 0u);
  // Each run's done marker on a row, none on the tab (Google allows 30,000 characters per location).
  EXPECT_EQ(metadata_with_key("sinkhub.done"), 2u);
  for (const auto& m : google_.developer_metadata(kSheet)) EXPECT_EQ(m.type, g::LocationType::Row) << m.key;
}

TEST_F(GsheetsUpsertTest, PeopleInsertingAndDeletingRowsBetweenBatchesNeverRedirectAnUpdate) {
  ASSERT_NO_FATAL_FAILURE(start_after_run_a(1000, 3000));
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
      google_.person_insert_rows(kSheet, "Leads", 1501, 1);
      google_.person_type(kSheet, "Leads", 1501, 3, "another person's row");
    }
  });
  const RunInfo b = keyed_run(0, 4500, "B", 800);  // 3,000 updates, then 1,500 new rows; 10 batches
  post(b);
  ASSERT_TRUE(reaches(b.run_id, "sheet", "done", seconds(60)));
  google_.on_request(nullptr);
  ASSERT_GE(searches, 5);
  EXPECT_TRUE(holds_keys(4500, "A", "B", 0, 4500, 2));
  EXPECT_EQ(google_.value(kSheet, "Leads", 1, 3), g::Value::string("a person's row"));
  EXPECT_EQ(google_.value(kSheet, "Leads", 1501, 3), g::Value::string("another person's row"));
  EXPECT_GE(key_column_reads(), 2u) << "moved rows were noticed and the key column read again";
}

struct UpsertFault {
  const char* name;
  g::Fault fault;
  bool ambiguous;
  const char* batch_timeout = "20s";
};
void PrintTo(const UpsertFault& c, std::ostream* os) { *os << c.name; }  // ctest names, not bytes


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
  c.delivery["batch_timeout"] = GetParam().batch_timeout;
  start(c);
  typed_rows("Leads", 0, 4000, "A");
  const int id = google_.add_fault(GetParam().fault);
  const RunInfo b = keyed_run(2000, 6000, "B", 600);  // 2,000 updates, 2,000 new rows; 6 batches
  post(b);
  ASSERT_TRUE(reaches(b.run_id, "sheet", "done", seconds(90)));
  EXPECT_GE(google_.fault_hits(id), 1);
  EXPECT_TRUE(holds_keys(6000, "A", "B", 2000, 6000));
  EXPECT_EQ(metadata_with_key("sinkhub.batch"), 0u);
  if (GetParam().ambiguous) {
    EXPECT_NE(daemon().log().find("was applied by Google although its answer was lost"), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, GsheetsUpsertFaultTest, ::testing::ValuesIn(upsert_faults()),
                         [](const ::testing::TestParamInfo<UpsertFault>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace sinkhub::gst
