// The fake Apify API's run lists and lookups, as docs/apify-api.md §1 and §4 describe the real
// ones: sorted by startedAt, paged with offset/limit/desc (limit <= 1000), filtered by status
// and startedAfter/startedBefore, short run objects, 404 types per endpoint.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fake_client.hpp"

namespace sinkhub::fake {
namespace {

using namespace test;  // get, request, data, error_type, Got

FakeRun run(const std::string& id, const std::string& status, const std::string& started,
            const std::string& actor = "act1", const std::string& task = {}) {
  FakeRun r;
  r.id = id;
  r.act_id = actor;
  r.actor_task_id = task;
  r.status = status;
  r.default_dataset_id = "ds-" + id;
  r.started_at = started;
  const bool terminal = status == "SUCCEEDED" || status == "FAILED" || status == "ABORTED" || status == "TIMED-OUT";
  r.finished_at = terminal ? started.substr(0, 11) + "23:59:59.000Z" : "";
  return r;
}

std::vector<std::string> ids(const Got& g) {
  std::vector<std::string> out;
  const auto items = data(g)->getArray("items");
  for (std::size_t i = 0; i < items->size(); ++i) out.push_back(items->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
  return out;
}

class FakeApifyRuns : public ::testing::Test {
 protected:
  void SetUp() override {
    api_.add_actor({"act1", "scraper", "jane"});
    api_.add_task({"task1", "daily", "jane", "act1"});
    // Added out of order: the lists sort by startedAt, not by insertion or id.
    api_.add_run(run("r3", "RUNNING", "2026-03-03T10:00:00.000Z"));
    api_.add_run(run("r1", "SUCCEEDED", "2026-03-01T10:00:00.000Z"));
    api_.add_run(run("r2", "FAILED", "2026-03-02T10:00:00.000Z", "act1", "task1"));
    api_.add_run(run("r4", "TIMED-OUT", "2026-03-04T10:00:00.000Z", "act2"));
    api_.add_run(run("r5", "ABORTED", "2026-03-05T10:00:00.000Z", "act1", "task1"));
    api_.add_run(run("r0", "READY", "2026-03-05T10:00:00.000Z"));  // same start as r5: id decides
  }
  FakeApify api_{FakeApify::Options{"tok"}};
};

TEST_F(FakeApifyRuns, AccountListIsSortedByStartedAtAscendingWithThePaginationEnvelope) {
  const Got g = get(api_, "/v2/actor-runs");
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(ids(g), (std::vector<std::string>{"r1", "r2", "r3", "r4", "r0", "r5"}));
  const auto d = data(g);
  EXPECT_EQ(d->getValue<int>("total"), 6);
  EXPECT_EQ(d->getValue<int>("offset"), 0);
  EXPECT_EQ(d->getValue<int>("limit"), 1000);
  EXPECT_FALSE(d->getValue<bool>("desc"));
  EXPECT_EQ(d->getValue<int>("count"), 6);
}

TEST_F(FakeApifyRuns, DescOffsetAndLimitPageNewestFirst) {
  Got g = get(api_, "/v2/actor-runs?desc=1&limit=2");
  EXPECT_EQ(ids(g), (std::vector<std::string>{"r5", "r0"}));
  EXPECT_TRUE(data(g)->getValue<bool>("desc"));
  g = get(api_, "/v2/actor-runs?desc=true&offset=2&limit=2");
  EXPECT_EQ(ids(g), (std::vector<std::string>{"r4", "r3"}));
  EXPECT_EQ(data(g)->getValue<int>("total"), 6);
  EXPECT_EQ(data(g)->getValue<int>("count"), 2);
  g = get(api_, "/v2/actor-runs?desc=1&offset=6");
  EXPECT_TRUE(ids(g).empty());
  EXPECT_EQ(data(g)->getValue<int>("total"), 6);
}

TEST_F(FakeApifyRuns, LimitAboveTheMaximumGetsAThousand) {
  for (int i = 0; i < 1005; ++i) api_.add_run(run("bulk" + std::to_string(i), "SUCCEEDED", "2025-01-01T00:00:00.000Z"));
  const Got g = get(api_, "/v2/actor-runs?limit=5000");
  EXPECT_EQ(data(g)->getValue<int>("limit"), 1000);
  EXPECT_EQ(data(g)->getValue<int>("count"), 1000);
  EXPECT_EQ(data(g)->getValue<int>("total"), 1011);
}

TEST_F(FakeApifyRuns, StatusFilterTakesOneOrACommaListOfRunStatuses) {
  EXPECT_EQ(ids(get(api_, "/v2/actor-runs?status=RUNNING")), (std::vector<std::string>{"r3"}));
  EXPECT_EQ(ids(get(api_, "/v2/actor-runs?status=SUCCEEDED,TIMED-OUT")), (std::vector<std::string>{"r1", "r4"}));
  const Got bad = get(api_, "/v2/actor-runs?status=TIMED_OUT");  // the event's spelling, not the status's
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(error_type(bad), "invalid-parameter");
}

TEST_F(FakeApifyRuns, StartedAfterAndBeforeAreInclusive) {
  EXPECT_EQ(ids(get(api_, "/v2/actor-runs?startedAfter=2026-03-02T10:00:00.000Z&startedBefore=2026-03-04T10:00:00.000Z")),
            (std::vector<std::string>{"r2", "r3", "r4"}));
  EXPECT_EQ(ids(get(api_, "/v2/acts/act1/runs?startedAfter=2026-03-03T00:00:00Z")),
            (std::vector<std::string>{"r3", "r0", "r5"}));
  const Got bad = get(api_, "/v2/actor-runs?startedAfter=yesterday");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(error_type(bad), "invalid-parameter");
}

TEST_F(FakeApifyRuns, ActorAndTaskListsHoldTheirOwnRunsByIdOrName) {
  EXPECT_EQ(ids(get(api_, "/v2/acts/act1/runs")), (std::vector<std::string>{"r1", "r2", "r3", "r0", "r5"}));
  EXPECT_EQ(ids(get(api_, "/v2/acts/jane~scraper/runs?desc=1")), (std::vector<std::string>{"r5", "r0", "r3", "r2", "r1"}));
  EXPECT_EQ(ids(get(api_, "/v2/acts/act2/runs")), (std::vector<std::string>{"r4"}));  // known only from its run
  EXPECT_EQ(ids(get(api_, "/v2/actor-tasks/task1/runs")), (std::vector<std::string>{"r2", "r5"}));
  EXPECT_EQ(ids(get(api_, "/v2/actor-tasks/jane~daily/runs?status=ABORTED")), (std::vector<std::string>{"r5"}));
}

TEST_F(FakeApifyRuns, TaskListsIgnoreTheUndocumentedStartedFilters) {
  EXPECT_EQ(ids(get(api_, "/v2/actor-tasks/task1/runs?startedAfter=2026-03-04T00:00:00.000Z")),
            (std::vector<std::string>{"r2", "r5"}));
}

TEST_F(FakeApifyRuns, UnknownActorIsActorNotFoundButUnknownTaskIsRecordNotFound) {
  Got g = get(api_, "/v2/acts/nobody/runs");
  EXPECT_EQ(g.status, 404);
  EXPECT_EQ(error_type(g), "actor-not-found");
  g = get(api_, "/v2/actor-tasks/nothing/runs");
  EXPECT_EQ(g.status, 404);
  EXPECT_EQ(error_type(g), "record-not-found");
}

TEST_F(FakeApifyRuns, ListItemsAreShortRunObjects) {
  const auto item = data(get(api_, "/v2/actor-tasks/task1/runs"))->getArray("items")->getObject(0);
  EXPECT_EQ(item->getValue<std::string>("id"), "r2");
  EXPECT_EQ(item->getValue<std::string>("actId"), "act1");
  EXPECT_EQ(item->getValue<std::string>("actorTaskId"), "task1");
  EXPECT_EQ(item->getValue<std::string>("status"), "FAILED");
  EXPECT_EQ(item->getValue<std::string>("startedAt"), "2026-03-02T10:00:00.000Z");
  EXPECT_EQ(item->getValue<std::string>("finishedAt"), "2026-03-02T23:59:59.000Z");
  EXPECT_EQ(item->getValue<std::string>("defaultDatasetId"), "ds-r2");
  EXPECT_EQ(item->getObject("meta")->getValue<std::string>("origin"), "API");
  for (const char* absent : {"stats", "userId", "exitCode", "options", "statusMessage"})
    EXPECT_FALSE(item->has(absent)) << absent;
  const auto running = data(get(api_, "/v2/actor-runs?status=RUNNING"))->getArray("items")->getObject(0);
  EXPECT_TRUE(running->isNull("finishedAt"));
  EXPECT_TRUE(running->isNull("actorTaskId"));
}

TEST_F(FakeApifyRuns, TheRunDetailHasWhatTheListLeavesOut) {
  const auto d = data(get(api_, "/v2/actor-runs/r2"));
  EXPECT_EQ(d->getValue<std::string>("userId"), kFakeUserId);
  EXPECT_EQ(d->getObject("stats")->getValue<int>("resurrectCount"), 0);
  EXPECT_TRUE(d->has("exitCode"));
}

TEST_F(FakeApifyRuns, ActorAndTaskLookupsTakeAnIdOrUsernameTildeName) {
  Got g = get(api_, "/v2/acts/jane~scraper");
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(data(g)->getValue<std::string>("id"), "act1");
  EXPECT_EQ(data(g)->getValue<std::string>("username"), "jane");
  EXPECT_EQ(data(get(api_, "/v2/actors/act1"))->getValue<std::string>("name"), "scraper");  // the newer path
  g = get(api_, "/v2/actor-tasks/jane~daily");
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(data(g)->getValue<std::string>("id"), "task1");
  EXPECT_EQ(data(g)->getValue<std::string>("actId"), "act1");
  EXPECT_EQ(data(get(api_, "/v2/actor-tasks/task1"))->getValue<std::string>("name"), "daily");
  g = get(api_, "/v2/actor-tasks/act1");  // an Actor id is not a task
  EXPECT_EQ(g.status, 404);
  EXPECT_EQ(error_type(g), "record-not-found");
  EXPECT_EQ(get(api_, "/v2/acts/task1").status, 404);
}

TEST_F(FakeApifyRuns, ListsRefuseMalformedPagingAndWrites) {
  EXPECT_EQ(get(api_, "/v2/actor-runs?offset=-1").status, 400);
  EXPECT_EQ(get(api_, "/v2/actor-runs?limit=ten").status, 400);
  EXPECT_EQ(test::request(api_, "POST", "/v2/actor-runs", "{}").status, 405);
  EXPECT_EQ(get(api_, "/v2/actor-runs", "").status, 401);
}

TEST_F(FakeApifyRuns, FinishingARunMovesItBetweenStatusFilters) {
  api_.finish_run("r3", "SUCCEEDED", "2026-03-03T11:00:00.000Z");
  EXPECT_TRUE(ids(get(api_, "/v2/actor-runs?status=RUNNING")).empty());
  const auto d = data(get(api_, "/v2/actor-runs/r3"));
  EXPECT_EQ(d->getValue<std::string>("status"), "SUCCEEDED");
  EXPECT_EQ(d->getValue<std::string>("finishedAt"), "2026-03-03T11:00:00.000Z");
  api_.finish_run("r3", "RUNNING");  // resurrected: running again, finishedAt null
  EXPECT_TRUE(data(get(api_, "/v2/actor-runs/r3"))->isNull("finishedAt"));
  EXPECT_THROW(api_.finish_run("nope", "SUCCEEDED"), std::invalid_argument);
}

TEST(FakeApifyTime, IsoTimeHasApifysMillisecondFormat) {
  EXPECT_EQ(FakeApify::iso_time(std::chrono::system_clock::from_time_t(1767225600) + std::chrono::milliseconds(42)),
            "2026-01-01T00:00:00.042Z");
}

}  // namespace
}  // namespace sinkhub::fake
