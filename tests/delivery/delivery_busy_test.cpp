// A sink busy with another delivery (ABI 1.3, RETRY flagged SINKHUB_RESULT_BUSY), e.g. the
// gsheets sink's one writer per tab: waiting for its turn is no failure of the destination, so
// it spends none of delivery.max_attempts and leaves no attempt-history row; last_error says
// what the delivery waits for; only delivery.max_age ends the wait. Real failures still count.
#include <algorithm>
#include <fstream>
#include <map>
#include <vector>

#include "delivery_fixture.hpp"

namespace sinkhub::dt {
namespace {

constexpr const char* kWaiting = "tab 'Leads' is being written by another delivery";

std::vector<Row> history(Daemon& d, const std::string& delivery_id) {
  LedgerView v(d.ledger_path());
  return v.query("SELECT attempt, outcome, message FROM attempts WHERE delivery_id = ?1 ORDER BY id", {delivery_id});
}

TEST_F(DeliveryTest, ThirtyBusyAnswersSpendNoneOfThreeAttempts) {
  Conf s;
  s.delivery["max_attempts"] = "3";
  s.test_sink("sheet", {{"busy", "30"}, {"message", kWaiting}}).route("ACTOR.RUN.SUCCEEDED", "sheet");
  start(s);
  const RunInfo run = post_generated(10);

  // While it waits: nothing spent (at most the claim in flight), no history, the reason shown.
  ASSERT_TRUE(wait_until([&] { return calls("sheet").size() >= 3; }, seconds(30)));
  auto row = deliveries(run.run_id)["sheet"];
  EXPECT_LE(std::stoi(row.at("attempts")), 1) << "a claim in flight counts until it ends";
  EXPECT_EQ(row.at("last_error"), kWaiting);
  EXPECT_EQ(row.at("items_done"), "0");
  EXPECT_TRUE(history(daemon(), row.at("id")).empty());
  const auto shown = cli({"deliveries", "--run", run.run_id});
  EXPECT_NE(shown.out.find(kWaiting), std::string::npos) << shown.out;

  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(60)));
  row = deliveries(run.run_id)["sheet"];
  EXPECT_EQ(row.at("attempts"), "1");
  EXPECT_EQ(row.at("items_done"), "10");
  EXPECT_EQ(row.at("last_error"), "");
  const auto c = calls("sheet");
  ASSERT_EQ(c.size(), 31u);
  for (std::size_t i = 0; i < 30; ++i) {
    EXPECT_EQ(c[i].rc, SINKHUB_RETRY) << "call " << i;
    EXPECT_TRUE(c[i].busy) << "call " << i;
    EXPECT_EQ(c[i].attempt, 1u) << "call " << i << ": a wait is not an attempt";
    EXPECT_EQ(c[i].offset, 0u);
  }
  EXPECT_EQ(c[30].rc, SINKHUB_OK);
  EXPECT_FALSE(c[30].busy);
  EXPECT_EQ(c[30].attempt, 1u);
  const auto hist = history(daemon(), row.at("id"));
  ASSERT_EQ(hist.size(), 1u);
  EXPECT_EQ(hist[0].at("attempt"), "1");
  EXPECT_EQ(hist[0].at("outcome"), "ok");

  const auto m = daemon().get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(metric(m.body, "sinkhub_delivery_busy_total{sink=\"sheet\"}"), 30) << m.body;
  EXPECT_EQ(metric(m.body, "sinkhub_delivery_attempts_total{sink=\"sheet\",outcome=\"retry\"}"), 0) << m.body;
  EXPECT_EQ(metric(m.body, "sinkhub_delivery_attempts_total{sink=\"sheet\",outcome=\"ok\"}"), 1) << m.body;
}

// Between waits, a real RETRY still spends an attempt and keeps its history row.
TEST_F(DeliveryTest, ARealRetryAmongBusyAnswersStillCounts) {
  Conf s;
  s.delivery["max_attempts"] = "3";
  // Calls 1-3 busy, call 4 a plain RETRY (retry_n counts every call of the instance), call 5 OK.
  s.test_sink("sheet", {{"busy", "3"}, {"mode", "retry_n"}, {"n", "4"}}).route("ACTOR.RUN.SUCCEEDED", "sheet");
  start(s);
  const RunInfo run = post_generated(10);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(30)));
  const auto c = calls("sheet");
  ASSERT_EQ(c.size(), 5u);
  const unsigned attempts[] = {1, 1, 1, 1, 2};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(c[i].busy, i < 3) << "call " << i;
    EXPECT_EQ(c[i].attempt, attempts[i]) << "call " << i;
  }
  const auto row = deliveries(run.run_id)["sheet"];
  EXPECT_EQ(row.at("attempts"), "2");
  const auto hist = history(daemon(), row.at("id"));
  ASSERT_EQ(hist.size(), 2u);
  EXPECT_EQ(hist[0].at("outcome"), "retry");
  EXPECT_EQ(hist[0].at("message"), "delivery-test is busy");
  EXPECT_EQ(hist[1].at("outcome"), "ok");
  EXPECT_EQ(hist[1].at("attempt"), "2");
}

// A delivery that never gets its turn does not wait forever: delivery.max_age dead-letters it,
// although not one of its max_attempts was spent.
TEST_F(DeliveryTest, AnAlwaysBusySinkIsDeadLetteredByMaxAge) {
  Conf s;
  s.delivery["max_attempts"] = "2";
  s.delivery["max_age"] = "3s";
  s.test_sink("sheet", {{"busy", "1000000"}, {"message", kWaiting}}).route("ACTOR.RUN.SUCCEEDED", "sheet");
  start(s);
  const RunInfo run = post_generated(10);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "dead", seconds(30)));
  const auto row = deliveries(run.run_id)["sheet"];
  EXPECT_EQ(row.at("attempts"), "0");
  EXPECT_NE(row.at("last_error").find("delivery.max_age (3 s)"), std::string::npos) << row.at("last_error");
  EXPECT_NE(row.at("last_error").find(kWaiting), std::string::npos) << row.at("last_error");
  EXPECT_TRUE(history(daemon(), row.at("id")).empty());
  const auto c = calls("sheet");
  EXPECT_GT(c.size(), 2u) << "more answers than max_attempts: waiting spent none of them";
  for (const auto& call : c) {
    EXPECT_TRUE(call.busy);
    EXPECT_EQ(call.attempt, 1u);
  }
  const auto m = daemon().get("/metrics");
  EXPECT_EQ(metric(m.body, "sinkhub_delivery_busy_total{sink=\"sheet\"}"), static_cast<double>(c.size())) << m.body;
  // Dead stays dead.
  std::this_thread::sleep_for(milliseconds(600));
  EXPECT_EQ(calls("sheet").size(), c.size());
}

// When a delivery of the sink ends, the destination it held may be free: the delivery that has
// waited longest goes next at once (turn_queue.hpp), not when its timer runs out (here the
// sink's retry_after of 30 s), and the waiters take their turns in the order they first waited.
TEST_F(DeliveryTest, WhenTheWriterEndsTheLongestWaiterGoesNextWithoutWaitingForItsTimer) {
  Conf s;
  s.delivery["workers"] = "4";
  s.delivery["backoff_initial"] = "1s";
  s.delivery["backoff_max"] = "10m";
  s.test_sink("sheet",
              {{"one_writer", "1"},
               {"retry_after_ms", "30000"},
               {"delay_ms", std::to_string(scaled(milliseconds(300)).count())},
               {"batch_items", "2"},
               {"message", kWaiting}},
              {}, "delivery-test-wide")
      .route("ACTOR.RUN.SUCCEEDED", "sheet");
  start(s);
  std::vector<RunInfo> runs;
  for (int i = 0; i < 3; ++i) runs.push_back(post_generated(6));
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& run : runs) ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(25))) << run.run_id;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, seconds(25)) << "a waiter's own timer is 30 s";

  // Per delivery: when it first waited, and its first and last call that wrote.
  struct Turn {
    long long waited = -1, first = -1, last = -1;
  };
  std::map<std::string, Turn> turns;
  int busy = 0;
  for (const auto& c : calls("sheet")) {
    Turn& t = turns[c.id];
    if (c.busy) {
      ++busy;
      if (t.waited < 0) t.waited = c.t;
      continue;
    }
    ASSERT_EQ(c.rc, SINKHUB_OK);
    if (t.first < 0) t.first = c.t;
    t.last = c.t;
  }
  ASSERT_EQ(turns.size(), 3u);
  std::vector<Turn> by_turn;
  for (const auto& [id, t] : turns) by_turn.push_back(t);
  std::sort(by_turn.begin(), by_turn.end(), [](const Turn& a, const Turn& b) { return a.first < b.first; });
  EXPECT_LT(by_turn[0].waited, 0) << "the first writer never waited";
  ASSERT_GE(by_turn[1].waited, 0);
  ASSERT_GE(by_turn[2].waited, 0);
  EXPECT_LE(by_turn[1].waited, by_turn[2].waited) << "turns in the order of waiting";
  for (int i = 1; i < 3; ++i) {
    EXPECT_GT(by_turn[i].first, by_turn[i - 1].last) << "never two writers at once";
    EXPECT_LT(by_turn[i].first - by_turn[i - 1].last, 10000) << "turn " << i << " came when the writer before ended";
  }
  for (const auto& run : runs) EXPECT_EQ(deliveries(run.run_id)["sheet"].at("attempts"), "1");
  const auto m = daemon().get("/metrics");
  EXPECT_EQ(metric(m.body, "sinkhub_delivery_busy_total{sink=\"sheet\"}"), busy) << m.body;
}

// The delivery that holds the sink's turn and must retry (a transient failure) goes first when
// its retry is due, not behind every delivery that came meanwhile, each claimed only to hear
// BUSY while the destination sits idle (soak run 6: about a minute per holder retry).
TEST_F(DeliveryTest, ARetryingTurnHolderGoesBeforeTheDeliveriesThatCameMeanwhile) {
  Conf s;
  s.delivery["workers"] = "1";  // one worker: the order of claims is the order of calls
  s.delivery["backoff_initial"] = "10ms";
  s.delivery["backoff_max"] = "10ms";
  s.test_sink("sheet",
              {{"one_writer", "1"},
               {"retry_every", "2"},  // the holder's every second call fails
               {"delay_ms", std::to_string(scaled(milliseconds(500)).count())},
               {"marker", "{{DIR}}/fast"},
               {"batch_items", "1"},
               {"message", kWaiting}},
              {}, "delivery-test-wide")
      .route("ACTOR.RUN.SUCCEEDED", "sheet");
  start(s);
  std::vector<RunInfo> runs{post_generated(3)};  // A: calls 1 ok, 2 retry, 3 ok, 4 retry, 5 ok
  ASSERT_TRUE(wait_until([&] { return !calls("sheet").empty(); }, seconds(20)));
  const std::string holder = calls("sheet")[0].id;
  // B: claimed while A waits for its first retry, they hear BUSY: the sink takes turns.
  for (int i = 0; i < 5; ++i) runs.push_back(post_generated(1));
  const auto busy_calls = [&] {
    const auto c = calls("sheet");
    return std::count_if(c.begin(), c.end(), [](const Call& x) { return x.busy; });
  };
  ASSERT_TRUE(wait_until([&] { return busy_calls() >= 5; }, seconds(20)));
  // C: they come while A has its turn again, and are due before A's second retry.
  for (int i = 0; i < 20; ++i) runs.push_back(post_generated(1));
  const long long c_posted = std::chrono::duration_cast<milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch()).count();
  ASSERT_TRUE(reaches(runs[0].run_id, "sheet", "done", seconds(30)));
  std::ofstream(dir() + "/fast").put('\n');  // the waiters' calls need no delay

  const auto c = calls("sheet");
  std::vector<std::size_t> mine;
  for (std::size_t i = 0; i < c.size(); ++i)
    if (c[i].id == holder) mine.push_back(i);
  ASSERT_EQ(mine.size(), 5u);
  const Call& second_retry = c[mine[3]];
  ASSERT_EQ(second_retry.rc, SINKHUB_RETRY);
  ASSERT_FALSE(second_retry.busy);
  ASSERT_LT(c_posted, second_retry.t) << "the C runs must be waiting when A retries (a slow machine?)";
  long long busy_between = 0;
  for (std::size_t i = mine[3] + 1; i < mine[4]; ++i) busy_between += c[i].busy ? 1 : 0;
  EXPECT_LE(busy_between, 8) << "A's retry waited behind the 20 runs that came meanwhile (those claimed in its 10 ms "
                                "backoff are fine)";
  for (const auto& run : runs) ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(60))) << run.run_id;
}

}  // namespace
}  // namespace sinkhub::dt
