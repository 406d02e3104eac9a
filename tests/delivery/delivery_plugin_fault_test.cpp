// Plugins that crash or hang never take the daemon down for good nor stall it (issue 15):
// a plugin that kills the process in deliver() costs at most delivery.max_crashes restarts,
// then its delivery is dead-lettered and its sink suspended, while every restart acknowledges
// webhooks at once; the crash leaves one line on stderr naming the plugin, sink and
// delivery; a call that hangs past its deadline is logged, its delivery handed back, its sink
// suspended, and SIGTERM still ends the process within shutdown_grace + a few seconds.
#include <csignal>

#include "delivery_fixture.hpp"

namespace sinkhub::dt {
namespace {

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class PluginFaultTest : public DeliveryTest {
 protected:
  // Posts an event-only webhook (routed to the file sink) and expects it acknowledged.
  void acknowledged_webhook() {
    const RunInfo other = add_run("ACTOR.RUN.FAILED");
    const auto resp = daemon().post_webhook(default_payload(other));
    EXPECT_EQ(resp.status, 200) << resp.body;
    EXPECT_EQ(resp.json_string("status"), "accepted") << resp.body;
  }
  std::vector<Row> history(const std::string& delivery_id) {
    return LedgerView(daemon().ledger_path())
        .query("SELECT attempt, outcome, message FROM attempts WHERE delivery_id = ?1 ORDER BY id", {delivery_id});
  }
  std::vector<Row> suspension(const std::string& sink) {
    return LedgerView(daemon().ledger_path()).query("SELECT * FROM sink_suspensions WHERE sink = ?1", {sink});
  }
  // A daemon whose sink "crashy" segfaults in every deliver() (its FAILED events go to a file
  // sink), and a run of 10 items routed to it: the daemon is about to die.
  RunInfo start_crashing(int max_attempts, int max_crashes) {
    Conf s;
    s.delivery["max_attempts"] = std::to_string(max_attempts);
    s.delivery["max_crashes"] = std::to_string(max_crashes);
    s.delivery["lease"] = "1s";
    s.test_sink("crashy", {{"mode", "crash"}}).file_sink("files");
    s.route("ACTOR.RUN.SUCCEEDED", "crashy").route("ACTOR.RUN.FAILED", "files");
    start(s);
    const RunInfo run = add_run();
    fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{10, 50, 0, 0});
    post(run);
    return run;
  }
  // Restarts the daemon every time it dies, until `done` holds; returns how many times it died.
  int restart_until(const std::function<bool()>& done, int max_deaths) {
    int deaths = 0;
    for (int round = 0; round < 40 && !done(); ++round) {
      const auto code = daemon().wait_exit(scaled(milliseconds(500)));
      if (!code) continue;
      ++deaths;
      EXPECT_EQ(*code, 128 + SIGSEGV) << "the crash keeps its signal as the exit status";
      if (deaths > max_deaths) break;
      daemon().start();        // waits for /healthz
      acknowledged_webhook();  // at once: before the dead process's lease lets anything be claimed
    }
    return deaths;
  }
};

TEST_F(PluginFaultTest, APluginThatKillsTheDaemonIsDeadLetteredAfterMaxCrashesAndItsSinkSuspended) {
  const RunInfo run = start_crashing(3, 2);

  const int deaths = restart_until([&] { return state_of(run.run_id, "crashy") == "dead"; }, 4);
  ASSERT_TRUE(reaches(run.run_id, "crashy", "dead", seconds(10)));
  EXPECT_EQ(deaths, 2) << "the daemon died once per attempt, max_crashes times";

  const auto row = deliveries(run.run_id).at("crashy");
  EXPECT_EQ(row.at("last_error"), "the daemon died 2 times during this delivery in sink crashy (batch at item 0)");
  EXPECT_EQ(row.at("attempts"), "2") << "within max_attempts: the takeover that buried it called nothing";
  EXPECT_EQ(row.at("crashes"), "2");
  const auto calls_made = calls("crashy");
  ASSERT_EQ(calls_made.size(), 2u);
  EXPECT_EQ(calls_made[0].attempt, 1u);
  EXPECT_EQ(calls_made[1].attempt, 2u);
  const auto hist = history(row.at("id"));
  ASSERT_EQ(hist.size(), 2u);
  for (std::size_t i = 0; i < hist.size(); ++i) {
    EXPECT_EQ(hist[i].at("attempt"), std::to_string(i + 1));
    EXPECT_EQ(hist[i].at("outcome"), "crashed");
    EXPECT_NE(hist[i].at("message").find("died while the batch at item 0 was in flight"), std::string::npos);
  }
  const auto sus = suspension("crashy");
  ASSERT_EQ(sus.size(), 1u) << "the sink is suspended like after a FATAL";
  EXPECT_NE(sus[0].at("reason").find("the daemon died 2 times"), std::string::npos);

  // Each crash left its last words on stderr, after the log lines the logger held.
  const std::string log = daemon().log();
  EXPECT_EQ(count_of(log, "sinkhub: fatal signal SIGSEGV in a call to plugin delivery-test (deliver), sink instance "
                          "crashy, delivery " + row.at("id") + "; pid "),
            2u)
      << log;
  EXPECT_NE(log.find("dead letter: the daemon died 2 times"), std::string::npos);
  // The daemon lives on: webhooks are acknowledged and other sinks deliver.
  acknowledged_webhook();
}

TEST_F(PluginFaultTest, TheAttemptBudgetHoldsWhenADeliveryIsTakenOverAfterACrash) {
  const RunInfo run = start_crashing(1, 5);
  EXPECT_EQ(restart_until([&] { return state_of(run.run_id, "crashy") == "dead"; }, 2), 1);
  ASSERT_TRUE(reaches(run.run_id, "crashy", "dead", seconds(10)));
  const auto row = deliveries(run.run_id).at("crashy");
  EXPECT_EQ(row.at("attempts"), "1");
  EXPECT_EQ(row.at("last_error"),
            "retry budget exhausted after 1 attempts, the last ended without a result (the daemon died in sink "
            "crashy (batch at item 0))");
  EXPECT_EQ(calls("crashy").size(), 1u);
  EXPECT_TRUE(suspension("crashy").empty()) << "below max_crashes the sink is not suspended";
}

TEST_F(PluginFaultTest, AHungCallIsLoggedHandedBackItsSinkSuspendedAndSigtermStillExits) {
  Conf s;
  s.delivery["batch_timeout"] = "1s";  // stuck 1 s past that (slack), logged again every 2 s
  s.delivery["max_stuck_calls"] = "1";
  s.delivery["fatal_backoff"] = "2s";
  s.delivery["shutdown_grace"] = "2s";
  s.test_sink("stuck", {{"mode", "hang"}, {"marker", "{{DIR}}/release"}}).file_sink("files");
  s.route("ACTOR.RUN.SUCCEEDED", "stuck, files");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{10, 50, 0, 0});
  post(run);

  const std::string stuck_line = "plugin delivery-test: deliver() of sink stuck, delivery ";
  ASSERT_TRUE(wait_until([&] { return daemon().log().find("is still stuck after") != std::string::npos; }, seconds(15)))
      << daemon().log();
  const std::string log = daemon().log();
  EXPECT_NE(log.find(stuck_line), std::string::npos);
  EXPECT_NE(log.find("is stuck: running for"), std::string::npos);
  // The sink's other work is not stalled: the file sink on the same event is done.
  ASSERT_TRUE(reaches(run.run_id, "files", "done"));
  const auto row = deliveries(run.run_id).at("stuck");
  EXPECT_EQ(row.at("state"), "retrying") << "the delivery was handed back";
  EXPECT_EQ(row.at("lease_owner"), "");
  const auto hist = history(row.at("id"));
  ASSERT_EQ(hist.size(), 1u);
  EXPECT_EQ(hist[0].at("outcome"), "stuck");
  EXPECT_NE(hist[0].at("message").find("the deliver() call of plugin delivery-test hung"), std::string::npos);
  ASSERT_EQ(suspension("stuck").size(), 1u);
  EXPECT_NE(suspension("stuck")[0].at("reason").find("delivery.max_stuck_calls 1"), std::string::npos);
  const auto metrics = daemon().get("/metrics");
  EXPECT_NE(metrics.body.find("sinkhub_plugin_stuck_calls_total{sink=\"stuck\",plugin=\"delivery-test\"} 1"),
            std::string::npos)
      << metrics.body;

  // SIGTERM: the thread inside the plugin cannot be stopped; the daemon still exits within
  // shutdown_grace + a few seconds, with everything handed back.
  const auto t0 = std::chrono::steady_clock::now();
  daemon().signal(SIGTERM);
  const auto code = daemon().wait_exit(milliseconds(2000 + 5000));
  ASSERT_TRUE(code.has_value()) << "no exit within shutdown_grace + 5 s\n" << daemon().log();
  EXPECT_EQ(*code, 0);
  EXPECT_LE(elapsed_ms(t0), 7000);
  EXPECT_NE(daemon().log().find("abandoning threads stuck in plugin calls"), std::string::npos);
  EXPECT_EQ(state_of(run.run_id, "stuck"), "retrying");

  // A well-behaved plugin again (the marker lets the call through): the delivery completes.
  write_file(dir() + "/release", "");
  daemon().start();
  ASSERT_TRUE(reaches(run.run_id, "stuck", "done", seconds(30)));
  const auto last = calls("stuck").back();
  EXPECT_EQ(last.rc, SINKHUB_OK);
  EXPECT_EQ(last.count, 10u);
  EXPECT_EQ(deliveries(run.run_id).at("stuck").at("items_done"), "10");
}

// The stuck call returns late with an OK: its result is ignored (its claim token lost the
// delivery), and a fresh attempt delivers it once.
TEST_F(PluginFaultTest, TheLateResultOfAGivenUpCallIsFencedOff) {
  Conf s;
  s.delivery["batch_timeout"] = "1s";
  s.delivery["max_stuck_calls"] = "1";
  s.delivery["fatal_backoff"] = "500ms";
  s.test_sink("stuck", {{"mode", "hang"}, {"marker", "{{DIR}}/release"}});
  s.route("ACTOR.RUN.SUCCEEDED", "stuck");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{10, 50, 0, 0});
  post(run);
  ASSERT_TRUE(wait_until([&] { return daemon().log().find("is stuck: running for") != std::string::npos; },
                         seconds(15)));
  ASSERT_TRUE(reaches(run.run_id, "stuck", "retrying"));
  write_file(dir() + "/release", "");
  ASSERT_TRUE(reaches(run.run_id, "stuck", "done", seconds(30)));
  EXPECT_NE(daemon().log().find("stuck: its result is ignored"), std::string::npos);
  const auto row = deliveries(run.run_id).at("stuck");
  EXPECT_EQ(row.at("items_done"), "10") << "the late OK was not added to the progress";
  const auto hist = history(row.at("id"));
  ASSERT_EQ(hist.size(), 2u);
  EXPECT_EQ(hist[0].at("outcome"), "stuck");
  EXPECT_EQ(hist[1].at("outcome"), "ok");
  EXPECT_EQ(hist[1].at("attempt"), "2");
}

}  // namespace
}  // namespace sinkhub::dt
