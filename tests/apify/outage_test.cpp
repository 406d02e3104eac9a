// The daemon and the CLI end to end: `sinkhub apify sync` wires the fake Apify to a running
// sinkhub, sinkhub is down for a simulated 40 h (runs finish meanwhile, their webhooks are
// lost), and after the restart every run is delivered, once.
#include <thread>

#include "control_fixture.hpp"

namespace sinkhub::control::test {
namespace {

using fake::FakeRun;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kActor = "actScraper000001";

class OutageTest : public ::testing::Test {
 protected:
  OutageTest() : api_(FakeApify::Options{kToken, 0, 16, 20000}) {
    api_.add_actor({kActor, "scraper", "alice"});
    api_.set_dispatch_policy({1, milliseconds(50), milliseconds(3000)});
  }

  // The stock daemon config, with the fake Apify, a public URL on loopback and reconciliation.
  std::string config(const std::string& reconcile = "    interval: 1h\n") const {
    std::string y = testkit::stock_yaml();
    y = testkit::replace_all(y, "  base_url: \"http://127.0.0.1:9\"\n  token: \"test-token-not-used\"\n",
                             "  base_url: \"" + api_.base_url() + "\"\n  token: \"" + kToken +
                                 "\"\n  public_url: \"http://127.0.0.1:{{PORT}}/apify-webhook\"\n  reconcile:\n" +
                                 reconcile);
    // Only this Actor's SUCCEEDED runs, to the archive: one delivery per run.
    return y.substr(0, y.find("routes:\n")) + "routes:\n  - actors: [\"" + kActor +
           "\"]\n    events: [ACTOR.RUN.SUCCEEDED]\n    sinks: [archive]\n";
  }

  void add_run(const std::string& id, const std::string& status, double started_h, double finished_h) {
    const FakeRun r = run_of(id, status, started_h, finished_h, kActor);
    api_.add_dataset(r.default_dataset_id, {R"({"run":")" + id + R"(","n":1})", R"({"run":")" + id + R"(","n":2})"});
    api_.add_run(r);
  }

  // Waits (bounded) until every delivery of the ledger is done; false on timeout.
  static bool all_done(const testkit::Daemon& d, std::int64_t expected, seconds timeout = seconds(40)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      testkit::LedgerView v(d.ledger_path());
      if (v.scalar("SELECT COUNT(*) FROM deliveries WHERE state = 'done'") >= expected) return true;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return false;
  }

  FakeApify api_;
};

TEST_F(OutageTest, EveryRunFinishedDuringAFortyHourOutageIsDeliveredOnceAfterTheRestart) {
  testkit::Daemon d(config());
  d.start();
  const auto sync = testkit::run_cli({"apify", "sync", "--config", d.config_path()});
  ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
  ASSERT_EQ(api_.webhooks().size(), 1u);

  // Before the outage: the webhook arrives, as usual.
  add_run("before", "RUNNING", 41, -1);
  api_.finish_run("before", "SUCCEEDED", ago(40.5));
  ASSERT_TRUE(api_.wait_dispatches_settled(seconds(10)));
  ASSERT_TRUE(all_done(d, 1));

  ASSERT_EQ(d.stop(), 0);
  // 40 hours down: runs finish, Apify's dispatches fail, its retries run out.
  add_run("during-1", "SUCCEEDED", 39, 38);
  add_run("during-2", "SUCCEEDED", 20, 19.5);
  add_run("during-3", "RUNNING", 1, -1);
  add_run("still-running", "RUNNING", 2, -1);
  api_.finish_run("during-3", "SUCCEEDED");
  ASSERT_TRUE(api_.wait_dispatches_settled(seconds(10)));
  ASSERT_EQ(api_.dispatches().back().status, "FAILED");

  d.start();  // the startup pass finds what the webhooks could not bring
  ASSERT_TRUE(all_done(d, 4)) << d.log();
  testkit::LedgerView v(d.ledger_path());
  EXPECT_EQ(v.event_count(), 4);
  for (const char* id : {"before", "during-1", "during-2", "during-3"}) {
    const auto events = v.events_for_run(id);
    ASSERT_EQ(events.size(), 1u) << id;
    EXPECT_EQ(events[0].at("origin"), std::string(id) == "before" ? "webhook" : "reconciled") << id;
    const auto dels = v.deliveries_for_event(events[0].at("id"));
    ASSERT_EQ(dels.size(), 1u) << id;
    EXPECT_EQ(dels[0].at("state"), "done");
    EXPECT_EQ(dels[0].at("items_done"), "2");
  }
  EXPECT_TRUE(v.events_for_run("still-running").empty());

  // A late Apify retry of a lost webhook is a duplicate.
  const auto dup = api_.emit_run_event("during-1", "ACTOR.RUN.SUCCEEDED");
  ASSERT_TRUE(api_.wait_dispatches_settled(seconds(10)));
  EXPECT_EQ(api_.dispatch(dup.at(0))->status, "SUCCEEDED");
  EXPECT_EQ(testkit::LedgerView(d.ledger_path()).event_count(), 4);

  const auto shown = testkit::run_cli({"events", "show", "during-2", "--config", d.config_path()});
  EXPECT_EQ(shown.exit_code, 0);
  EXPECT_NE(shown.out.find("origin reconciled"), std::string::npos) << shown.out;
  const auto metrics = d.get("/metrics");
  EXPECT_NE(metrics.body.find("sinkhub_reconciled_runs_total 3"), std::string::npos) << metrics.body;
  EXPECT_EQ(d.stop(), 0);
}

TEST_F(OutageTest, TheCliPrintsPlansAndRefusesWhatItCannotDo) {
  testkit::Daemon d(config("    interval: 0\n"));
  d.start();
  auto r = testkit::run_cli({"apify", "sync", "--config", d.config_path(), "--dry-run", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"action\":\"create\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(testkit::kSecret), std::string::npos);
  EXPECT_EQ(api_.write_count(), 0u);

  r = testkit::run_cli({"apify", "test", "--config", d.config_path()});
  EXPECT_EQ(r.exit_code, 1) << "no managed webhook yet";
  EXPECT_NE(r.out.find("run sinkhub apify sync first"), std::string::npos) << r.out;
  ASSERT_EQ(testkit::run_cli({"apify", "sync", "--config", d.config_path()}).exit_code, 0);
  r = testkit::run_cli({"apify", "test", "--config", d.config_path()}, {}, seconds(40));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("recorded as event"), std::string::npos) << r.out;

  add_run("cli-run", "SUCCEEDED", 3, 2);
  r = testkit::run_cli({"apify", "reconcile", "--config", d.config_path(), "--since", "1h"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0 enqueued"), std::string::npos) << r.out;
  r = testkit::run_cli({"apify", "reconcile", "--config", d.config_path(), "--dry-run"});
  EXPECT_NE(r.out.find("would enqueue  run cli-run"), std::string::npos) << r.out;
  r = testkit::run_cli({"apify", "reconcile", "--config", d.config_path(), "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"enqueued\":1"), std::string::npos) << r.out;
  ASSERT_TRUE(all_done(d, 1)) << "the running daemon delivers what the CLI recorded";

  for (const auto& bad : std::vector<std::string>{"0", "soon", "99999d", "30s"}) {
    r = testkit::run_cli({"apify", "reconcile", "--config", d.config_path(), "--since", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--since must be a duration"), std::string::npos) << r.err;
  }
  EXPECT_EQ(testkit::run_cli({"apify", "frobnicate"}).exit_code, 2);
  EXPECT_EQ(testkit::run_cli({"apify"}).exit_code, 2);
  EXPECT_EQ(d.stop(), 0);
}

TEST_F(OutageTest, SyncWithoutAPublicUrlSaysWhatIsMissing) {
  testkit::TempDir dir;
  std::string y = testkit::render_config(config(), 9, dir.path());
  y = testkit::replace_all(y, "  public_url: \"http://127.0.0.1:9/apify-webhook\"\n", "");
  testkit::write_file(dir.file("c.yaml"), y);
  const auto r = testkit::run_cli({"apify", "sync", "--config", dir.file("c.yaml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("apify.public_url is not set"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sinkhub::control::test
