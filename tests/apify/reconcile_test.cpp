// Reconciliation: a pass finds exactly the finished runs that have no event, records them as
// their webhook would have (origin reconciled, routed the same way), and never twice.
#include <atomic>
#include <regex>

#include "control/reconciler.hpp"
#include "control_fixture.hpp"
#include "ledger/ledger.hpp"
#include "model/event.hpp"
#include "observe/metrics.hpp"
#include "webhook/intake.hpp"

namespace sinkhub::control::test {
namespace {

using fake::FakeRun;
using std::chrono::hours;

constexpr const char* kActor = "actScraper000001";
constexpr const char* kTask = "taskNightly00001";
constexpr const char* kOther = "actOther00000001";

FakeRun run(const std::string& id, const std::string& status, double started_h, double finished_h,
            const std::string& actor = kActor, const std::string& task = {}) {
  return run_of(id, status, started_h, finished_h, actor, task);
}

double metric(const std::string& name) {
  const std::string text = observe::Metrics::instance().prometheus_text();
  std::smatch m;
  if (!std::regex_search(text, m, std::regex("\n" + name + " ([0-9.e+]+)"))) return -1;
  return std::stod(m[1]);
}

class ReconcileTest : public ControlTest {
 protected:
  void SetUp() override {
    api_.add_actor({kActor, "scraper", "alice"});
    api_.add_actor({kOther, "other", "alice"});
    api_.add_task({kTask, "nightly", "alice", kActor});
    cfg_ = load({{kActor, "ACTOR.RUN.SUCCEEDED, ACTOR.RUN.FAILED", "files"}, {kTask, "\"*\"", "archive"}});
    ledger_ = ledger::open_sqlite(cfg_.ledger);
    options_.client.min_retry_delay = std::chrono::milliseconds(5);
    options_.client.max_retry_delay = std::chrono::milliseconds(20);
    options_.client.max_attempts = 3;
  }
  void TearDown() override { ledger_->close(); }

  // The event Apify's webhook brings for the run as the fake holds it now.
  ledger::IncomingEvent webhook_event(const std::string& run_id) {
    const auto r = *api_.run(run_id);
    testkit::RunInfo info;
    info.event_type = model::run_event_for_status(r.status);
    info.actor_id = r.act_id;
    info.task_id = r.actor_task_id;
    info.run_id = r.id;
    info.dataset_id = r.default_dataset_id;
    info.status = r.status;
    info.finished_at = r.finished_at;
    info.created_at = r.finished_at;
    ledger::IncomingEvent in;
    webhook::EnvelopeError err;
    EXPECT_TRUE(webhook::Intake(cfg_).admit({testkit::default_payload(info), "dispatch-" + run_id, "{}"}, in, err))
        << err.message;
    return in;
  }

  std::vector<std::string> found(const ReconcileReport& r) {
    std::vector<std::string> ids;
    for (const auto& f : r.found) ids.push_back(f.run_id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  config::Config cfg_;
  std::unique_ptr<ledger::Ledger> ledger_;
  ReconcileOptions options_;
};

TEST_F(ReconcileTest, FindsExactlyTheFinishedRunsWithoutAnEventAndRoutesThemLikeWebhooks) {
  api_.add_run(run("has-event", "SUCCEEDED", 3, 2));
  api_.add_run(run("missing", "SUCCEEDED", 5, 4));
  api_.add_run(run("running", "RUNNING", 1, -1));
  api_.add_run(run("too-old", "FAILED", 90, 89));         // listed, finished before the lookback
  api_.add_run(run("long-run", "SUCCEEDED", 80, 70));     // started before the lookback, finished inside
  api_.add_run(run("ancient", "SUCCEEDED", 200, 199));    // beyond the horizon: never looked at
  api_.add_run(run("task-run", "TIMED-OUT", 10, 9, kActor, kTask));
  api_.add_run(run("not-routed", "SUCCEEDED", 2, 1, kOther));
  api_.add_run(run("aborted", "ABORTED", 4, 3));          // the Actor's routes want no ABORTED
  ASSERT_EQ(ledger_->record(webhook_event("has-event")).kind, ledger::RecordOutcome::Kind::Accepted);
  const double before = metric("sinkhub_reconciled_runs_total");

  Reconciler reconciler(cfg_, *ledger_, options_);
  const auto report = reconciler.pass();
  EXPECT_TRUE(report.errors.empty()) << report.errors.front();
  EXPECT_EQ(found(report), (std::vector<std::string>{"long-run", "missing", "task-run"}));
  EXPECT_EQ(report.enqueued, 3);
  EXPECT_EQ(report.with_event, 1);
  EXPECT_EQ(report.outside, 1);
  EXPECT_EQ(metric("sinkhub_reconciled_runs_total") - std::max(before, 0.0), 3);
  EXPECT_GT(metric("sinkhub_reconcile_last_pass_timestamp_seconds"), 0);

  const auto missing = ledger_->events_for_run("missing");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].origin, ledger::kOriginReconciled);
  EXPECT_EQ(missing[0].event.event_type, "ACTOR.RUN.SUCCEEDED");
  EXPECT_EQ(missing[0].event.dataset_id, "ds-missing");
  EXPECT_EQ(missing[0].event.finished_at, api_.run("missing")->finished_at);
  const auto body = parse(missing[0].body);
  EXPECT_EQ(body->getObject("eventData")->getValue<std::string>("actorRunId"), "missing");
  EXPECT_EQ(body->getObject("resource")->getValue<std::string>("id"), "missing");
  EXPECT_EQ(body->getValue<std::string>("createdAt"), missing[0].event.finished_at);
  const auto task_run = ledger_->events_for_run("task-run");
  ASSERT_EQ(task_run.size(), 1u);
  EXPECT_EQ(task_run[0].event.event_type, "ACTOR.RUN.TIMED_OUT");
  EXPECT_EQ(task_run[0].event.task_id, kTask);
  const auto to = [&](const std::string& run_id) {
    std::vector<std::string> sinks;
    for (const auto& d : ledger_->deliveries(std::nullopt, run_id, 100)) sinks.push_back(d.sink);
    return sinks;
  };
  EXPECT_EQ(to("missing"), (std::vector<std::string>{"files"}));
  EXPECT_EQ(to("task-run"), (std::vector<std::string>{"archive"}));
  EXPECT_TRUE(ledger_->events_for_run("running").empty());
  EXPECT_TRUE(ledger_->events_for_run("too-old").empty());
  EXPECT_TRUE(ledger_->events_for_run("not-routed").empty());
  EXPECT_TRUE(ledger_->events_for_run("aborted").empty());
  EXPECT_EQ(report.not_routed, 1);

  // The webhook that arrives later is a duplicate; a second pass finds nothing.
  EXPECT_EQ(ledger_->record(webhook_event("missing")).kind, ledger::RecordOutcome::Kind::Duplicate);
  const auto again = reconciler.pass();
  EXPECT_TRUE(again.found.empty());
  EXPECT_EQ(again.with_event, 4);
}

TEST_F(ReconcileTest, AWebhookArrivingDuringThePassIsRecordedOnce) {
  api_.add_run(run("raced", "SUCCEEDED", 2, 1));
  // The webhook lands while the reconciler fetches the run it found without an event.
  std::atomic<int> landed{0};
  api_.set_request_hook([&](const std::string& method, const std::string& uri) {
    if (method == "GET" && uri == "/v2/actor-runs/raced" && landed++ == 0) {
      EXPECT_EQ(ledger_->record(webhook_event("raced")).kind, ledger::RecordOutcome::Kind::Accepted);
    }
  });
  Reconciler reconciler(cfg_, *ledger_, options_);
  const auto report = reconciler.pass();
  api_.set_request_hook({});
  EXPECT_EQ(landed.load(), 1);
  ASSERT_EQ(report.found.size(), 1u);
  EXPECT_EQ(report.found[0].outcome.rfind("duplicate", 0), 0u) << report.found[0].outcome;
  EXPECT_EQ(report.enqueued, 0);
  const auto events = ledger_->events_for_run("raced");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].origin, ledger::kOriginWebhook);
  EXPECT_EQ(ledger_->deliveries(std::nullopt, "raced", 100).size(), 1u);
}

TEST_F(ReconcileTest, PagesNewestFirstAndBoundsTheCallsOfAPass) {
  for (int i = 0; i < 25; ++i) api_.add_run(run("p" + std::to_string(100 + i), "SUCCEEDED", 30 - i, 29 - i));
  cfg_ = load({{kActor, "ACTOR.RUN.SUCCEEDED"}});
  options_.page_limit = 10;
  options_.max_details = 20;
  Reconciler reconciler(cfg_, *ledger_, options_);
  api_.clear_requests();
  auto report = reconciler.pass();
  EXPECT_EQ(report.enqueued, 20);
  EXPECT_EQ(report.found.size(), 25u);
  EXPECT_EQ(report.api_calls, 1 + 3 + 20) << "lookup, 3 pages, one detail per recorded run";
  EXPECT_EQ(api_.request_count("/v2/acts/" + std::string(kActor) + "/runs"), 3u);
  for (const auto& r : api_.requests())
    if (r.path() == "/v2/acts/" + std::string(kActor) + "/runs") {
      EXPECT_NE(r.uri.find("desc=1"), std::string::npos);
      EXPECT_NE(r.uri.find("limit=10"), std::string::npos);
    }
  report = reconciler.pass();
  EXPECT_EQ(report.enqueued, 5) << "what the budget deferred comes next pass";
  EXPECT_EQ(report.api_calls, 3 + 5) << "the lookup is remembered";
}

TEST_F(ReconcileTest, AListingFailureIsReportedAndTheNextPassRecovers) {
  api_.add_run(run("later", "SUCCEEDED", 2, 1));
  api_.add_run(run("task-ok", "SUCCEEDED", 3, 2, kActor, kTask));
  api_.inject(fault(500, 1000, "/v2/acts/" + std::string(kActor) + "/runs"));
  Reconciler reconciler(cfg_, *ledger_, options_);
  auto report = reconciler.pass();
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].find("cannot list the runs of " + std::string(kActor)), std::string::npos);
  EXPECT_EQ(found(report), (std::vector<std::string>{"task-ok"})) << "the other scopes go on";
  api_.clear_faults();
  report = reconciler.pass();
  EXPECT_TRUE(report.errors.empty());
  EXPECT_EQ(found(report), (std::vector<std::string>{"later"}));
}

TEST_F(ReconcileTest, EveryActorRoutesListTheAccountsRuns) {
  api_.add_run(run("any-actor", "FAILED", 2, 1, kOther));
  cfg_ = load({{"\"*\"", "ACTOR.RUN.FAILED"}, {kActor, "ACTOR.RUN.SUCCEEDED"}});
  Reconciler reconciler(cfg_, *ledger_, options_);
  api_.clear_requests();
  const auto report = reconciler.pass();
  EXPECT_EQ(found(report), (std::vector<std::string>{"any-actor"}));
  EXPECT_EQ(report.scopes, 1);
  EXPECT_EQ(api_.request_count("/v2/actor-runs"), 2u) << "one account list page, one run detail";
  EXPECT_EQ(api_.request_count("/v2/acts/"), 0u);
}

TEST_F(ReconcileTest, DryRunRecordsNothingAndReconfigureTakesNewRoutes) {
  api_.add_run(run("r1", "SUCCEEDED", 2, 1, kOther));
  Reconciler reconciler(cfg_, *ledger_, options_);
  EXPECT_TRUE(reconciler.pass().found.empty()) << "kOther is not routed yet";
  reconciler.reconfigure(load({{kOther, "ACTOR.RUN.SUCCEEDED"}}));
  const auto dry = reconciler.pass({}, /*dry_run=*/true);
  ASSERT_EQ(dry.found.size(), 1u);
  EXPECT_EQ(dry.found[0].outcome, "would enqueue");
  EXPECT_TRUE(ledger_->events_for_run("r1").empty());
  EXPECT_EQ(reconciler.pass().enqueued, 1);
}

TEST_F(ReconcileTest, ARunOutsideAShorterSinceIsLeftAlone) {
  api_.add_run(run("five-hours", "SUCCEEDED", 6, 5));
  Reconciler reconciler(cfg_, *ledger_, options_);
  EXPECT_TRUE(reconciler.pass(hours(4)).found.empty());
  EXPECT_EQ(reconciler.pass(hours(6)).enqueued, 1);
}

}  // namespace
}  // namespace sinkhub::control::test
