// Deliveries that go wrong: RETRY with retry_after, retry budget -> dead letter -> replay,
// FATAL suspension of one sink instance, Apify API faults.
#include "delivery_fixture.hpp"

namespace sinkhub::dt {
namespace {

TEST_F(DeliveryTest, RetryWaitsAtLeastRetryAfterThenCompletes) {
  Conf s;
  s.delivery["backoff_max"] = "5s";
  s.test_sink("busy", {{"mode", "retry_n"}, {"n", "2"}, {"retry_after_ms", "800"}}).route("ACTOR.RUN.SUCCEEDED", "busy");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{10, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "busy", "done", seconds(20)));
  const auto c = calls("busy");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].rc, SINKHUB_RETRY);
  EXPECT_EQ(c[1].rc, SINKHUB_RETRY);
  EXPECT_EQ(c[2].rc, SINKHUB_OK);
  for (unsigned i = 0; i < 3; ++i) {
    EXPECT_EQ(c[i].attempt, i + 1);
    EXPECT_EQ(c[i].offset, 0u);
    EXPECT_EQ(c[i].count, 10u);
    EXPECT_TRUE(c[i].flags & SINKHUB_CTX_FIRST_BATCH);
    EXPECT_TRUE(c[i].flags & SINKHUB_CTX_LAST_BATCH);
  }
  // Never before retry_after (the plugin logs when its call ends, so the gap between two
  // logged calls is at most the real wait), and not absurdly later either.
  for (int i = 1; i < 3; ++i) {
    const long long gap = c[static_cast<std::size_t>(i)].t - c[static_cast<std::size_t>(i - 1)].t;
    EXPECT_GE(gap, 800) << "attempt " << i + 1 << " came too early";
    EXPECT_LT(gap, 800 + scaled(milliseconds(3000)).count()) << "attempt " << i + 1 << " came very late";
  }
  const auto row = deliveries(run.run_id)["busy"];
  EXPECT_EQ(row.at("attempts"), "3");
  EXPECT_EQ(row.at("items_done"), "10");
  LedgerView v(daemon().ledger_path());
  const auto hist = v.query("SELECT outcome, started_at, finished_at FROM attempts WHERE delivery_id = ?1 ORDER BY id",
                            {row.at("id")});
  ASSERT_EQ(hist.size(), 3u);
  EXPECT_EQ(hist[0].at("outcome"), "retry");
  EXPECT_EQ(hist[1].at("outcome"), "retry");
  EXPECT_EQ(hist[2].at("outcome"), "ok");
  EXPECT_GE(std::stoll(hist[1].at("started_at")) - std::stoll(hist[0].at("finished_at")), 800);
  EXPECT_GE(std::stoll(hist[2].at("started_at")) - std::stoll(hist[1].at("finished_at")), 800);
}

TEST_F(DeliveryTest, ExhaustedBudgetIsDeadLetteredAndReplayDeliversIt) {
  Conf s;
  s.delivery["max_attempts"] = "2";
  s.test_sink("flaky", {{"mode", "fail_until_marker"}, {"marker", "{{DIR}}/flaky.ok"}})
      .route("ACTOR.RUN.SUCCEEDED", "flaky");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{1200, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "flaky", "dead"));
  auto row = deliveries(run.run_id)["flaky"];
  EXPECT_EQ(row.at("attempts"), "2");
  EXPECT_NE(row.at("last_error").find("retry budget exhausted"), std::string::npos) << row.at("last_error");
  EXPECT_NE(row.at("last_error").find("delivery-test is busy"), std::string::npos) << row.at("last_error");
  EXPECT_EQ(calls("flaky").size(), 2u);
  // Dead stays dead.
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_EQ(calls("flaky").size(), 2u);

  write_file(dir() + "/flaky.ok", "");
  const auto replay = cli({"replay", "--delivery", row.at("id")});
  ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  EXPECT_NE(replay.out.find("1 delivery queued"), std::string::npos) << replay.out;
  ASSERT_TRUE(reaches(run.run_id, "flaky", "done"));
  row = deliveries(run.run_id)["flaky"];
  EXPECT_EQ(row.at("items_done"), "1200");
  EXPECT_EQ(row.at("last_error"), "");
  const auto c = calls("flaky");
  ASSERT_EQ(c.size(), 4u) << "1200 items in pages of 1000: two batches after the replay";
  EXPECT_EQ(c[2].attempt, 1u) << "replay gives a fresh budget";
  EXPECT_FALSE(c[0].flags & SINKHUB_CTX_REPLAY);
  EXPECT_TRUE(c[2].flags & SINKHUB_CTX_REPLAY) << "the sink is told the delivery came back from the dead";
  EXPECT_EQ(c[2].offset, 0u);
  EXPECT_EQ(c[2].count, 1000u);
  EXPECT_EQ(c[3].offset, 1000u);
  EXPECT_EQ(c[3].count, 200u);
  EXPECT_EQ(c[3].cp, "cp-1000") << "the checkpoint of batch 1 comes back with batch 2";
  EXPECT_TRUE(c[3].flags & SINKHUB_CTX_LAST_BATCH);

  // A second replay of the same (now done) delivery starts over.
  const auto again = cli({"replay", "--run", run.run_id, "--sink", "flaky", "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("\"replayed\": 1"), std::string::npos) << again.out;
  ASSERT_TRUE(wait_until([&] { return calls("flaky").size() == 6u && state_of(run.run_id, "flaky") == "done"; },
                         seconds(20)));
  EXPECT_EQ(calls("flaky")[4].offset, 0u);
  EXPECT_EQ(calls("flaky")[4].cp, "-");
}

TEST_F(DeliveryTest, FatalSuspendsOnlyThatSinkAndKeepsItsDeliveriesQueued) {
  Conf s;
  s.test_sink("good").test_sink("broken", {{"mode", "fatal"}, {"message", "credentials revoked"}});
  s.route("ACTOR.RUN.SUCCEEDED", "good, broken");
  start(s);
  const RunInfo first = add_run();
  fake_.add_generated_dataset(first.dataset_id, GeneratedSpec{300, 100, 0, 0});
  post(first);
  ASSERT_TRUE(reaches(first.run_id, "good", "done"));
  ASSERT_TRUE(wait_until([&] { return calls("broken").size() == 1u; }, seconds(10)));
  ASSERT_TRUE(reaches(first.run_id, "broken", "retrying"));

  // Later events: the healthy sink keeps delivering, the suspended one is not called.
  std::vector<RunInfo> later;
  for (int i = 0; i < 3; ++i) {
    later.push_back(add_run());
    fake_.add_generated_dataset(later.back().dataset_id, GeneratedSpec{200, 100, 0, 0});
    post(later.back());
  }
  for (const auto& r : later) ASSERT_TRUE(reaches(r.run_id, "good", "done"));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(calls("broken").size(), 1u) << "a suspended sink gets no calls";
  for (const RunInfo* r : std::vector<const RunInfo*>{&first, &later[0], &later[1], &later[2]}) {
    const auto row = deliveries(r->run_id)["broken"];
    EXPECT_TRUE(row.at("state") == "retrying" || row.at("state") == "pending") << row.at("state");
    EXPECT_EQ(row.at("attempts"), "0") << "a FATAL attempt is not counted against the delivery";
  }
  EXPECT_NE(deliveries(first.run_id)["broken"].at("last_error").find("credentials revoked"), std::string::npos);

  const auto st = cli({"status", "--json"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  auto o = parse_json(st.out).extract<Poco::JSON::Object::Ptr>();
  auto sus = o->getArray("suspended_sinks");
  ASSERT_EQ(sus->size(), 1u) << st.out;
  EXPECT_EQ(sus->getObject(0)->getValue<std::string>("sink"), "broken");
  EXPECT_EQ(o->getObject("deliveries")->getValue<int>("done"), 4) << st.out;
  EXPECT_EQ(o->getObject("deliveries")->getValue<int>("dead"), 0) << st.out;

  const auto m = daemon().get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("sinkhub_sink_suspended{sink=\"broken\"} 1"), std::string::npos) << m.body;
  EXPECT_EQ(m.body.find("sinkhub_sink_suspended{sink=\"good\"}"), std::string::npos) << m.body;
  EXPECT_NE(daemon().log().find("credentials revoked"), std::string::npos);
}

// The suspension ends after fatal_backoff; the queued deliveries then complete.
TEST_F(DeliveryTest, SuspendedSinkResumesAfterFatalBackoff) {
  Conf s;
  s.delivery["fatal_backoff"] = "1s";
  s.test_sink("broken", {{"mode", "fatal_until_marker"}, {"marker", "{{DIR}}/fixed"}}).route("ACTOR.RUN.SUCCEEDED", "broken");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{50, 100, 0, 0});
  post(run);
  ASSERT_TRUE(wait_until([&] { return calls("broken").size() >= 1u; }, seconds(10)));
  const long long fatal_at = calls("broken")[0].t;
  write_file(dir() + "/fixed", "");
  ASSERT_TRUE(reaches(run.run_id, "broken", "done", seconds(15)));
  const auto c = calls("broken");
  ASSERT_GE(c.size(), 2u);
  EXPECT_GE(c[1].t - fatal_at, 1000) << "no call while suspended";
  EXPECT_EQ(c.back().rc, SINKHUB_OK);
  EXPECT_EQ(deliveries(run.run_id)["broken"].at("attempts"), "1") << "FATAL attempts are given back";
}

TEST_F(DeliveryTest, ApifyRateLimitServerErrorsAndCutBodiesDuringPagingStillEndByteExact) {
  Conf s;
  s.file_sink("files").route("ACTOR.RUN.SUCCEEDED", "files");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{40000, 100, 0, 0});
  fake_.set_delay(milliseconds(25));
  post(run);
  const std::string items = "/v2/datasets/" + run.dataset_id + "/items";
  // One fault at a time, each on a later page (several on one page would add up the
  // client's growing backoff).
  const std::vector<std::function<void()>> injections = {
      [&] { fake_.fail_next(1, 429, 1, items); }, [&] { fake_.fail_next(1, 500, -1, items); },
      [&] { fake_.fail_next(1, 503, -1, items); }, [&] { fake_.drop_next(1, items); }};
  std::size_t seen = 3;
  for (const auto& inject : injections) {
    ASSERT_TRUE(wait_until([&] { return fake_.request_count(items) >= seen; }, seconds(20)));
    inject();
    seen = fake_.request_count(items) + 3;
  }
  ASSERT_TRUE(reaches(run.run_id, "files", "done", seconds(40)));
  EXPECT_TRUE(SameBytes(file_of("files", run), jsonl(fake_.items(run.dataset_id))));
  EXPECT_EQ(deliveries(run.run_id)["files"].at("attempts"), "1") << "the client retried the page itself";
  const auto reqs = requests(items);
  int faults = 0;
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    if (reqs[i].status == 200 && !reqs[i].dropped) continue;
    ++faults;
    ASSERT_LT(i + 1, reqs.size());
    EXPECT_EQ(reqs[i + 1].uri, reqs[i].uri) << "the failed page is asked again";
  }
  EXPECT_EQ(faults, 4);
}

TEST_F(DeliveryTest, MissingDatasetIsDeadWithTheApifyErrorType) {
  Conf s;
  s.file_sink("files").route("ACTOR.RUN.SUCCEEDED", "files");
  start(s);
  const RunInfo run = add_run();  // no dataset in the fake
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "files", "dead"));
  const auto err = deliveries(run.run_id)["files"].at("last_error");
  EXPECT_NE(err.find("record-not-found"), std::string::npos) << err;
  EXPECT_NE(err.find("404"), std::string::npos) << err;
  EXPECT_EQ(requests("/v2/datasets/" + run.dataset_id + "/items").size(), 1u) << "a 404 is not retried";
}

TEST_F(DeliveryTest, WrongApifyTokenFailsClearlyAndTheTokenNeverLeaks) {
  Conf s;
  s.apify_token = "wrong-token-Zq7Xv93LmK";
  s.file_sink("files").route("ACTOR.RUN.SUCCEEDED", "files");
  fake_.set_token("the-right-token-0000000");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{100, 100, 0, 0});
  post(run);
  ASSERT_TRUE(wait_until(
      [&] {
        const auto st = state_of(run.run_id, "files");
        return st == "dead" || (st == "retrying" && !deliveries(run.run_id)["files"].at("last_error").empty());
      },
      seconds(20)));
  const auto err = deliveries(run.run_id)["files"].at("last_error");
  EXPECT_NE(err.find("401"), std::string::npos) << err;
  EXPECT_NE(err.find("invalid-token"), std::string::npos) << err;
  const auto reqs = requests("/v2/datasets/");
  ASSERT_GE(reqs.size(), 1u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.uri.find(s.apify_token), std::string::npos) << "token in the URL: " << r.uri;
    EXPECT_EQ(r.header("Authorization"), "Bearer " + s.apify_token);
  }
  ASSERT_EQ(daemon().stop(scaled(seconds(15))), 0);
  EXPECT_EQ(daemon().log().find(s.apify_token), std::string::npos) << daemon().log();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string bytes = read_file(daemon().ledger_path() + suffix);
    EXPECT_EQ(bytes.find(s.apify_token), std::string::npos) << "token in ledger.db" << suffix;
  }
  const auto shown = cli({"events", "show", run.run_id});
  EXPECT_EQ(shown.out.find(s.apify_token), std::string::npos);
}

// Each further FATAL doubles the suspension: fatal_backoff, 2x, 4x.
TEST_F(DeliveryTest, RepeatedFatalDoublesTheSuspension) {
  Conf s;
  s.delivery["fatal_backoff"] = "400ms";
  s.test_sink("broken", {{"mode", "fatal"}}).route("ACTOR.RUN.SUCCEEDED", "broken");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{5, 100, 0, 0});
  post(run);
  ASSERT_TRUE(wait_until([&] { return calls("broken").size() >= 4u; }, seconds(15)));
  const auto c = calls("broken");
  for (std::size_t k = 1; k < 4; ++k) {
    const long long pause = 400LL << (k - 1), gap = c[k].t - c[k - 1].t;
    EXPECT_GE(gap, pause) << "call " << k + 1 << " came during the suspension";
    EXPECT_LT(gap, pause + scaled(milliseconds(1500)).count()) << "call " << k + 1;
  }
  const auto row = deliveries(run.run_id)["broken"];
  EXPECT_NE(row.at("state"), "dead");
  EXPECT_EQ(row.at("attempts"), row.at("state") == "running" ? "1" : "0");
}

}  // namespace
}  // namespace sinkhub::dt
