// ABI 1.1 additions to the run context: dataset_item_count when max_items stopped the read
// (the dataset's X-Apify-Pagination-Total, flagged COUNT_SETTLING right after the run),
// actor_name resolved through the Apify API and cached, and a plugin built against the
// frozen 1.0 header still working.
#include <ctime>

#include "delivery_fixture.hpp"

namespace sinkhub::dt {
namespace {

// ISO 8601 UTC time `ago` before now, as Apify writes finishedAt.
std::string iso_ago(seconds ago) {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - ago);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

class CountTest : public DeliveryTest {
 protected:
  // A run whose dataset has `items` generated items, finished `ago` before now.
  RunInfo run_with(std::int64_t items, seconds ago) {
    RunInfo r = add_run();
    r.finished_at = iso_ago(ago);
    fake_.add_generated_dataset(r.dataset_id, GeneratedSpec{items, 100, 0, 0});
    return r;
  }
};

TEST_F(CountTest, MaxItemsReadGivesTheDatasetTotalOfThePage) {
  Conf s;
  s.test_sink("chat", {{"max_items", "10"}}).route("ACTOR.RUN.SUCCEEDED", "chat");
  start(s);
  const RunInfo run = run_with(5000, seconds(3600));
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "chat", "done"));
  const auto c = calls("chat");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].count, 10u);
  EXPECT_EQ(c[0].total, 5000) << "X-Apify-Pagination-Total of the one page read";
  EXPECT_EQ(c[0].flags, static_cast<unsigned>(SINKHUB_CTX_FIRST_BATCH | SINKHUB_CTX_LAST_BATCH))
      << "an hour after the run the total is settled";
}

TEST_F(CountTest, TotalReadRightAfterTheRunIsFlaggedSettling) {
  Conf s;
  s.test_sink("chat", {{"max_items", "10"}}).route("ACTOR.RUN.SUCCEEDED", "chat");
  start(s);
  const RunInfo run = run_with(5000, seconds(0));
  fake_.set_reported_total(run.dataset_id, 4200);  // Apify's total still lags the pushes
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "chat", "done"));
  const auto c = calls("chat");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].total, 4200);
  EXPECT_EQ(c[0].flags,
            static_cast<unsigned>(SINKHUB_CTX_FIRST_BATCH | SINKHUB_CTX_LAST_BATCH | SINKHUB_CTX_COUNT_SETTLING));
}

TEST_F(CountTest, NoTotalHeaderMeansUnknownCount) {
  Conf s;
  s.test_sink("chat", {{"max_items", "10"}}).route("ACTOR.RUN.SUCCEEDED", "chat");
  start(s);
  const RunInfo run = run_with(5000, seconds(0));
  fake_.set_reported_total(run.dataset_id, -1);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "chat", "done"));
  const auto c = calls("chat");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].total, -1);
  EXPECT_EQ(c[0].flags & SINKHUB_CTX_COUNT_SETTLING, 0u) << "no count, nothing settling";
}

TEST_F(CountTest, ATotalBelowTheItemsReadIsRaisedToThem) {
  Conf s;
  s.test_sink("chat", {{"max_items", "10"}}).route("ACTOR.RUN.SUCCEEDED", "chat");
  start(s);
  const RunInfo run = run_with(5000, seconds(3600));
  fake_.set_reported_total(run.dataset_id, 3);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "chat", "done"));
  EXPECT_EQ(calls("chat").at(0).total, 10);
}

TEST_F(CountTest, AWholeDatasetReadIsCountedExactlyAndNeverSettling) {
  Conf s;
  s.test_sink("rec").route("ACTOR.RUN.SUCCEEDED", "rec");
  start(s);
  const RunInfo run = run_with(50, seconds(0));
  fake_.set_reported_total(run.dataset_id, 7);  // ignored: the host counted the items itself
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "rec", "done"));
  const auto c = calls("rec");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].total, 50);
  EXPECT_EQ(c[0].flags, static_cast<unsigned>(SINKHUB_CTX_FIRST_BATCH | SINKHUB_CTX_LAST_BATCH));
}

TEST_F(CountTest, ActorNameIsResolvedOnceAndCached) {
  Conf s;
  s.test_sink("rec", {}, {}, "delivery-test-names").test_sink("plain").route("ACTOR.RUN.SUCCEEDED", "rec, plain");
  start(s);
  const RunInfo a = run_with(3, seconds(60));
  fake_.add_actor({a.actor_id, "my-scraper", "jane"});
  post(a);
  ASSERT_TRUE(reaches(a.run_id, "rec", "done"));
  const RunInfo b = run_with(3, seconds(60));
  post(b);
  ASSERT_TRUE(reaches(b.run_id, "rec", "done"));
  ASSERT_TRUE(reaches(b.run_id, "plain", "done"));
  const auto c = calls("rec");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].actor, "jane/my-scraper");
  EXPECT_EQ(c[1].actor, "jane/my-scraper");
  EXPECT_EQ(requests("/v2/acts/" + a.actor_id).size(), 1u) << "the second delivery used the cache";
  for (const auto& call : calls("plain"))
    EXPECT_EQ(call.actor, "-") << "a sink without SINKHUB_CAP_ACTOR_NAME gets no name";
}

TEST_F(CountTest, UnknownActorGivesAnEmptyNameAndTheFailureIsCached) {
  Conf s;
  s.test_sink("rec", {}, {}, "delivery-test-names").route("ACTOR.RUN.SUCCEEDED", "rec");
  start(s);
  const RunInfo a = run_with(3, seconds(60));  // no such actor in the fake API: 404
  post(a);
  ASSERT_TRUE(reaches(a.run_id, "rec", "done"));
  const RunInfo b = run_with(3, seconds(60));
  post(b);
  ASSERT_TRUE(reaches(b.run_id, "rec", "done"));
  const auto c = calls("rec");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].actor, "-");
  EXPECT_EQ(c[1].actor, "-");
  EXPECT_EQ(requests("/v2/acts/" + a.actor_id).size(), 1u) << "a failed lookup is not repeated at once";
}

TEST_F(CountTest, ActorLookupFailingFastNeverBlocksTheDelivery) {
  Conf s;
  s.test_sink("rec", {}, {}, "delivery-test-names").route("ACTOR.RUN.SUCCEEDED", "rec");
  start(s);
  const RunInfo a = run_with(3, seconds(60));
  fake_.add_actor({a.actor_id, "my-scraper", "jane"});
  fake_.fail_next(1, 500, -1, "/v2/acts/");  // one try only: no retry loop for a name
  post(a);
  ASSERT_TRUE(reaches(a.run_id, "rec", "done", seconds(10)));
  EXPECT_EQ(calls("rec").at(0).actor, "-");
  EXPECT_EQ(requests("/v2/acts/").size(), 1u);
}

// A plugin compiled against the frozen 1.0 header (tests/plugin_host/abi-1.0) loads, gets
// its deliveries with the same counts and flags, and costs no actor lookup (it cannot
// declare SINKHUB_CAP_ACTOR_NAME).
TEST_F(CountTest, PluginBuiltAgainstAbi10KeepsWorking) {
  Conf s;
  s.test_sink("old", {{"max_items", "10"}}, {}, "delivery-test-abi10").route("ACTOR.RUN.SUCCEEDED", "old");
  start(s);
  const RunInfo run = run_with(5000, seconds(3600));
  fake_.add_actor({run.actor_id, "my-scraper", "jane"});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "old", "done"));
  const auto c = calls("old");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].count, 10u);
  EXPECT_EQ(c[0].total, 5000);
  EXPECT_EQ(c[0].actor, "-");
  EXPECT_EQ(requests("/v2/acts/").size(), 0u) << "nobody needs the name: not resolved";
  // `sinkhub plugins` shows each plugin's own ABI version, old and new side by side.
  const auto p = cli({"plugins", "--json"});
  std::map<std::string, std::string> abi;
  const auto list = parse_json(p.out).extract<Poco::JSON::Array::Ptr>();
  for (unsigned i = 0; i < list->size(); ++i) {
    const auto o = list->getObject(i);
    if (o->has("id")) abi[o->getValue<std::string>("id")] = o->getValue<std::string>("abi");
  }
  EXPECT_EQ(abi["delivery-test-abi10"], "1.0") << p.out;
  EXPECT_EQ(abi["delivery-test"], "1." + std::to_string(SINKHUB_ABI_VERSION_MINOR)) << p.out;
}

}  // namespace
}  // namespace sinkhub::dt
