// How the Slack sink delivers: Slack's answers mapped to OK / RETRY / REJECT / FATAL,
// Retry-After honoured, one post per second per webhook under concurrent runs, no second
// post when a delivery comes again, and the webhook URL kept out of logs and the CLI.
#include "slack_fixture.hpp"

namespace sinkhub::st {
namespace {

TEST_F(SlackTest, RejectedPayloadsAreDeadLetteredWithSlacksCode) {
  const std::vector<std::string> codes = {"invalid_payload", "no_text", "too_many_attachments"};
  start_one_sink_per_error(codes);
  const RunInfo run = add_run("ACTOR.RUN.FAILED");
  post(run);
  for (const auto& c : codes) {
    ASSERT_TRUE(reaches(run.run_id, "s-" + c, "dead")) << c;
    const auto row = deliveries(run.run_id)["s-" + c];
    EXPECT_NE(row.at("last_error").find("Slack answered 400 " + c), std::string::npos) << row.at("last_error");
    EXPECT_EQ(slack_.posts_to(hook_path(c)).size(), 1u) << "REJECT is not retried: " << c;
  }
}

TEST_F(SlackTest, ADeadWebhookSuspendsTheInstanceForEveryFatalCode) {
  const std::vector<std::string> codes = {"no_service",        "channel_not_found", "channel_is_archived",
                                          "action_prohibited", "invalid_token",     "team_disabled"};
  start_one_sink_per_error(codes);
  const RunInfo first = add_run("ACTOR.RUN.FAILED");
  post(first);
  ASSERT_TRUE(wait_until([&] { return slack_.count() == codes.size(); }, seconds(15)));
  for (const auto& c : codes) {
    EXPECT_TRUE(reaches(first.run_id, "s-" + c, "retrying")) << "FATAL keeps the delivery queued: " << c;
    EXPECT_NE(deliveries(first.run_id)["s-" + c].at("last_error").find(c), std::string::npos);
  }
  const auto st = cli({"status", "--json"});
  const auto sus = parse_json(st.out).extract<Poco::JSON::Object::Ptr>()->getArray("suspended_sinks");
  ASSERT_TRUE(sus) << st.out;
  EXPECT_EQ(sus->size(), codes.size()) << st.out;
  // While suspended (fatal_backoff 30 s) the instances post nothing, whatever comes in.
  const RunInfo second = add_run("ACTOR.RUN.FAILED");
  post(second);
  EXPECT_FALSE(wait_until([&] { return slack_.count() > codes.size(); }, seconds(2)));
  EXPECT_EQ(state_of(second.run_id, "s-no_service"), "pending");
}

TEST_F(SlackTest, ASuspendedInstanceIsRecreatedAndPostsOnceTheWebhookWorksAgain) {
  Conf s;
  s.delivery["fatal_backoff"] = "2s";
  slack_sink(s, "team-slack", "    on_failure: \"x\"\n").route("ACTOR.RUN.FAILED", "team-slack");
  slack_.script({SlackAnswer::error("no_service")});
  start(s);
  const RunInfo run = add_run("ACTOR.RUN.FAILED");
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "team-slack", "done", seconds(20)));
  const auto posts = slack_.posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].status, 404);
  EXPECT_GE(posts[1].at_ms - posts[0].at_ms, 1900) << "nothing posted while suspended";
}

TEST_F(SlackTest, RateLimitedPostIsRetriedNoSoonerThanRetryAfter) {
  Conf s;
  slack_sink(s, "team-slack", "    on_failure: \"x\"\n").route("ACTOR.RUN.FAILED", "team-slack");
  slack_.script({SlackAnswer::rate_limited(2)});
  start(s);
  const RunInfo run = add_run("ACTOR.RUN.FAILED");
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "team-slack", "done"));
  const auto posts = slack_.posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].status, 429);
  EXPECT_GE(posts[1].at_ms - posts[0].at_ms, 1950) << "Retry-After: 2";
  EXPECT_EQ(attempts(run.run_id, "team-slack", "retry"), 1);
}

TEST_F(SlackTest, ServerErrorsAndDroppedConnectionsAreRetried) {
  Conf s;
  slack_sink(s, "team-slack", "    on_failure: \"x\"\n").route("ACTOR.RUN.FAILED", "team-slack");
  slack_.script({SlackAnswer::server_error(), SlackAnswer::dropped(), {503, "", -1, false}});
  start(s);
  const RunInfo run = add_run("ACTOR.RUN.FAILED");
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "team-slack", "done"));
  EXPECT_EQ(slack_.count(), 4u);
  // (the host's HTTP client may resend once on a dropped keep-alive connection: 2 or 3)
  EXPECT_GE(attempts(run.run_id, "team-slack", "retry"), 2);
  EXPECT_EQ(attempts(run.run_id, "team-slack", "ok"), 1);
}

TEST_F(SlackTest, ConcurrentRunsPostAtMostOncePerSecondPerWebhook) {
  Conf s;
  s.delivery["workers"] = "5";
  slack_sink(s, "team-slack", "    on_failure: \"{runId}\"\n").route("ACTOR.RUN.FAILED", "team-slack");
  start(s);
  std::vector<RunInfo> runs;
  for (int i = 0; i < 5; ++i) runs.push_back(add_run("ACTOR.RUN.FAILED"));
  for (const auto& r : runs) post(r);
  for (const auto& r : runs) ASSERT_TRUE(reaches(r.run_id, "team-slack", "done", seconds(30)));
  auto posts = slack_.posts();
  ASSERT_EQ(posts.size(), 5u) << "queued, none dropped, none doubled";
  std::set<std::string> texts;
  for (const auto& p : posts) texts.insert(text_of(p));
  EXPECT_EQ(texts.size(), 5u);
  for (std::size_t i = 1; i < posts.size(); ++i)
    EXPECT_GE(posts[i].at_ms - posts[i - 1].at_ms, 950) << "posts " << i - 1 << " and " << i;
  // Every run got its own attempt without a rate-limit retry: they queued in the sink.
  for (const auto& r : runs) EXPECT_EQ(attempts(r.run_id, "team-slack", "ok"), 1);
}

// A queue longer than a call may wait: the call does not sleep past its deadline but
// answers RETRY with the wait as retry-after; nothing is dropped, the spacing holds.
TEST_F(SlackTest, AQueueLongerThanTheCallDeadlineRetriesInsteadOfOversleeping) {
  Conf s;
  s.delivery["workers"] = "5";
  s.delivery["batch_timeout"] = "1200ms";  // half of it is kept for the POST: at most 600 ms of queue
  s.delivery["max_attempts"] = "10";
  slack_sink(s, "team-slack", "    on_failure: \"{runId}\"\n").route("ACTOR.RUN.FAILED", "team-slack");
  start(s);
  std::vector<RunInfo> runs;
  for (int i = 0; i < 5; ++i) runs.push_back(add_run("ACTOR.RUN.FAILED"));
  for (const auto& r : runs) post(r);
  for (const auto& r : runs) ASSERT_TRUE(reaches(r.run_id, "team-slack", "done", seconds(30)));
  const auto posts = slack_.posts();
  ASSERT_EQ(posts.size(), 5u);
  for (std::size_t i = 1; i < posts.size(); ++i) EXPECT_GE(posts[i].at_ms - posts[i - 1].at_ms, 950);
  long long retries = 0;
  for (const auto& r : runs) retries += attempts(r.run_id, "team-slack", "retry");
  EXPECT_GE(retries, 1) << "some runs could not wait within their deadline";
  LedgerView v(daemon().ledger_path());
  EXPECT_GE(v.scalar("SELECT COUNT(*) FROM attempts WHERE outcome = 'retry' AND message LIKE '%rate limit%'"), 1);
  EXPECT_EQ(daemon().log().find("overran its deadline"), std::string::npos) << "no call slept past its deadline";
}

TEST_F(SlackTest, TwoInstancesOnOneWebhookShareItsRateLimit) {
  Conf s;
  slack_sink(s, "a", "    on_failure: \"a\"\n");
  slack_sink(s, "b", "    on_failure: \"b\"\n").route("ACTOR.RUN.FAILED", "a, b");
  start(s);
  const RunInfo run = add_run("ACTOR.RUN.FAILED");
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "a", "done"));
  ASSERT_TRUE(reaches(run.run_id, "b", "done"));
  const auto posts = slack_.posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_GE(posts[1].at_ms - posts[0].at_ms, 950);
}

TEST_F(SlackTest, AReplayedDeliveryIsNotPostedTwice) {
  Conf s;
  slack_sink(s, "team-slack", "    on_failure: \"once\"\n").route("ACTOR.RUN.FAILED", "team-slack");
  start(s);
  const RunInfo run = add_run("ACTOR.RUN.FAILED");
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "team-slack", "done"));
  ASSERT_EQ(slack_.count(), 1u);
  // The delivery is done (its checkpoint dropped); replaying it finds it in posted.log.
  const auto r = cli({"replay", "--run", run.run_id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(wait_until([&] { return attempts(run.run_id, "team-slack", "ok") == 2; }, seconds(10)));
  EXPECT_EQ(slack_.count(), 1u) << "no second post";
  EXPECT_NE(deliveries(run.run_id)["team-slack"].at("state"), "dead");
  // Also after a restart of the daemon (posted.log lives in the instance's data_dir).
  ASSERT_EQ(daemon().stop(scaled(seconds(15))), 0);
  daemon().start();
  ASSERT_EQ(cli({"replay", "--run", run.run_id, "--from-start"}).exit_code, 0);
  ASSERT_TRUE(wait_until([&] { return attempts(run.run_id, "team-slack", "ok") == 3; }, seconds(10)));
  EXPECT_EQ(slack_.count(), 1u);
  // A different run of the same actor is of course posted.
  const RunInfo next = add_run("ACTOR.RUN.FAILED");
  post(next);
  ASSERT_TRUE(reaches(next.run_id, "team-slack", "done"));
  EXPECT_EQ(slack_.count(), 2u);
}

TEST_F(SlackTest, TheWebhookUrlNeverShowsInLogsOrTheCli) {
  Conf s;
  slack_sink(s, "gone", "    on_failure: \"x\"\n", "gone");
  slack_sink(s, "bad", "    on_failure: \"x\"\n", "bad");
  slack_sink(s, "flaky", "    on_failure: \"x\"\n", "flaky").route("ACTOR.RUN.FAILED", "gone, bad, flaky");
  slack_.script_for(hook_path("gone"), {SlackAnswer::error("no_service")});
  slack_.script_for(hook_path("bad"), {SlackAnswer::error("invalid_payload")});
  slack_.script_for(hook_path("flaky"), {SlackAnswer::dropped(), SlackAnswer::rate_limited(1)});
  start(s);
  const RunInfo run = add_run("ACTOR.RUN.FAILED");
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "bad", "dead"));
  ASSERT_TRUE(reaches(run.run_id, "flaky", "done"));
  ASSERT_TRUE(reaches(run.run_id, "gone", "retrying"));
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"deliveries", "--json"}, {"deliveries"}, {"status", "--json"}, {"events", "show", run.run_id, "--json"}}) {
    const auto r = cli(args);
    EXPECT_EQ(r.out.find(kSecret), std::string::npos) << args[0] << ":\n" << r.out;
    EXPECT_EQ(r.err.find(kSecret), std::string::npos) << args[0] << ":\n" << r.err;
  }
  ASSERT_EQ(daemon().stop(scaled(seconds(15))), 0);
  EXPECT_EQ(daemon().log().find(kSecret), std::string::npos) << daemon().log();
  EXPECT_EQ(daemon().log().find("T0FAKE"), std::string::npos);
}

}  // namespace
}  // namespace sinkhub::st
