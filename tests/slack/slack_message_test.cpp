// What the Slack sink posts: the exact JSON of the success summary and the failure alert,
// the default messages, mrkdwn escaping of scraped text, Slack's size limits, and the item
// count (settling, and read from one small page of a large dataset).
#include "slack_fixture.hpp"

namespace sinkhub::st {
namespace {

const std::vector<std::string> kThreeItems = {
    R"({"url":"https://shop.example/1","title":"Lamp","price":10,"extra":"x"})",
    R"({"url":"https://shop.example/2","title":"Desk","price":99.5})",
    R"({"url":"https://shop.example/3","title":"Chair","price":45})"};

TEST_F(SlackTest, SuccessPostsTheExactSummaryWithAPreviewTable) {
  Conf s;
  slack_sink(s, "team-slack",
             "    on_success: \"New scrape: {itemCount} rows from {actorName}. First URL: {items[0].url}\"\n"
             "    preview_items: 2\n"
             "    fields: [url, title, price]\n")
      .route("ACTOR.RUN.SUCCEEDED", "team-slack");
  start(s);
  const RunInfo run = run_with_items(kThreeItems);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "team-slack", "done"));
  const auto posts = slack_.posts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].path, hook_path());
  EXPECT_EQ(posts[0].header("Content-Type"), "application/json; charset=utf-8");
  const std::string text = "New scrape: 3 rows from jane/my-scraper. First URL: https://shop.example/1";
  const std::string want = R"({"text":")" + text +
                           R"(","blocks":[)"
                           R"({"type":"section","text":{"type":"mrkdwn","text":")" +
                           text +
                           R"("}},)"
                           R"({"type":"context","elements":[{"type":"mrkdwn","text":"First 2 of 3 items"}]},)"
                           R"({"type":"section","fields":[{"type":"mrkdwn","text":"*url*\nhttps://shop.example/1"},)"
                           R"({"type":"mrkdwn","text":"*title*\nLamp"},{"type":"mrkdwn","text":"*price*\n10"}]},)"
                           R"({"type":"section","fields":[{"type":"mrkdwn","text":"*url*\nhttps://shop.example/2"},)"
                           R"({"type":"mrkdwn","text":"*title*\nDesk"},{"type":"mrkdwn","text":"*price*\n99.5"}]}]})";
  EXPECT_EQ(posts[0].body, want);
  // Only the two preview items were read, in one page of two.
  const auto reqs = requests("/v2/datasets/" + run.dataset_id + "/items");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_NE(reqs[0].uri.find("limit=2"), std::string::npos) << reqs[0].uri;
}

TEST_F(SlackTest, FailurePostsTheExactAlertWithoutReadingTheDataset) {
  Conf s;
  slack_sink(s, "team-slack", "    on_failure: \":warning: {actorName} run {runId} ended {status}. {consoleUrl}\"\n")
      .route("ACTOR.RUN.FAILED", "team-slack");
  start(s);
  const RunInfo run = run_with_items({}, "ACTOR.RUN.FAILED");
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "team-slack", "done"));
  const auto posts = slack_.posts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].body, R"({"text":":warning: jane/my-scraper run )" + run.run_id + " ended FAILED. " +
                               "https://console.apify.com/view/runs/" + run.run_id + R"("})");
  EXPECT_EQ(requests("/v2/datasets/").size(), 0u) << "a failure alert needs no items";
}

TEST_F(SlackTest, DefaultMessagesNameActorStatusCountAndLinkTheRun) {
  Conf s;
  slack_sink(s, "team-slack").route("ACTOR.RUN.SUCCEEDED, ACTOR.RUN.TIMED_OUT", "team-slack");
  start(s);
  const RunInfo ok = run_with_items(kThreeItems);
  post(ok);
  ASSERT_TRUE(reaches(ok.run_id, "team-slack", "done"));
  const RunInfo late = run_with_items({}, "ACTOR.RUN.TIMED_OUT");
  post(late);
  ASSERT_TRUE(reaches(late.run_id, "team-slack", "done"));
  const auto posts = slack_.posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].body, R"({"text":":white_check_mark: *jane/my-scraper* run )" + ok.run_id +
                               " SUCCEEDED: 3 items. <https://console.apify.com/view/runs/" + ok.run_id +
                               R"(|Open the run in Apify Console>"})");
  EXPECT_EQ(posts[1].body, R"({"text":":warning: *jane/my-scraper* run )" + late.run_id +
                               " ended TIMED-OUT. <https://console.apify.com/view/runs/" + late.run_id +
                               R"(|Open the run in Apify Console>"})");
}

TEST_F(SlackTest, UnknownActorNameFallsBackToTheActorId) {
  Conf s;
  slack_sink(s, "team-slack", "    on_failure: \"{actorName} {actorId} {taskId}|{durationSecs}|{startedAt}\"\n")
      .route("ACTOR.RUN.ABORTED", "team-slack");
  start(s);
  const RunInfo run = add_run("ACTOR.RUN.ABORTED");  // the fake API does not know the actor: 404
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "team-slack", "done"));
  ASSERT_EQ(slack_.count(), 1u);
  // default_envelope: startedAt 01:00:00.000Z, finishedAt 01:02:03.400Z -> 123 s.
  EXPECT_EQ(text_of(slack_.posts()[0]), run.actor_id + " " + run.actor_id + " |123|2026-11-27T01:00:00.000Z");
}

TEST_F(SlackTest, ScrapedTextCannotMentionOrLink) {
  Conf s;
  slack_sink(s, "team-slack",
             "    on_success: \"Top: {items[0].title} by {items[0].who}\"\n"
             "    preview_items: 1\n"
             "    fields: [title, who]\n")
      .route("ACTOR.RUN.SUCCEEDED", "team-slack");
  start(s);
  const RunInfo run =
      run_with_items({R"({"title":"<https://evil.example|click> & win","who":"<!channel> <@U123> <!here>"})"});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "team-slack", "done"));
  ASSERT_EQ(slack_.count(), 1u);
  const SlackPost p = slack_.posts()[0];
  EXPECT_EQ(text_of(p),
            "Top: &lt;https://evil.example|click&gt; &amp; win by &lt;!channel&gt; &lt;@U123&gt; &lt;!here&gt;");
  for (const char* raw : {"<!channel>", "<https://evil", "<@U123>", "<!here>", "& win"})
    EXPECT_EQ(p.body.find(raw), std::string::npos) << raw << " reached Slack unescaped: " << p.body;
  const auto cells = body_of(p)->getArray("blocks")->getObject(2)->getArray("fields");
  EXPECT_EQ(cells->getObject(0)->getValue<std::string>("text"),
            "*title*\n&lt;https://evil.example|click&gt; &amp; win");
}

TEST_F(SlackTest, LongTextIsCutToSlackLimitsWithAnEllipsis) {
  Conf s;
  slack_sink(s, "team-slack",
             "    on_success: \"{items[0].big}\"\n"
             "    preview_items: 1\n"
             "    fields: [big]\n")
      .route("ACTOR.RUN.SUCCEEDED", "team-slack");
  start(s);
  const std::string big(100000, 'x');
  const RunInfo run = run_with_items({R"({"big":")" + big + R"("})"});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "team-slack", "done"));
  ASSERT_EQ(slack_.count(), 1u);
  const auto body = body_of(slack_.posts()[0]);
  const std::string text = body->getValue<std::string>("text");
  EXPECT_EQ(chars(text), 39999u) << "below Slack's 40,000";
  EXPECT_EQ(text.substr(text.size() - 3), "\xE2\x80\xA6") << "ends with an ellipsis";
  const auto blocks = body->getArray("blocks");
  const std::string section = blocks->getObject(0)->getObject("text")->getValue<std::string>("text");
  EXPECT_EQ(chars(section), 3000u);
  EXPECT_EQ(section.substr(section.size() - 3), "\xE2\x80\xA6");
  const std::string cell = blocks->getObject(2)->getArray("fields")->getObject(0)->getValue<std::string>("text");
  EXPECT_EQ(chars(cell), 2000u);
}

TEST_F(SlackTest, APreviewNeverExceedsFiftyBlocks) {
  Conf s;
  slack_sink(s, "team-slack", "    preview_items: 100\n    fields: [n]\n").route("ACTOR.RUN.SUCCEEDED", "team-slack");
  start(s);
  std::vector<std::string> items;
  for (int i = 0; i < 200; ++i) items.push_back("{\"n\":" + std::to_string(i) + "}");
  const RunInfo run = run_with_items(items);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "team-slack", "done"));
  ASSERT_EQ(slack_.count(), 1u);
  const auto blocks = body_of(slack_.posts()[0])->getArray("blocks");
  ASSERT_EQ(blocks->size(), 50u);
  EXPECT_EQ(blocks->getObject(1)->getArray("elements")->getObject(0)->getValue<std::string>("text"),
            "First 48 of 200 items");
  EXPECT_EQ(blocks->getObject(49)->getArray("fields")->getObject(0)->getValue<std::string>("text"), "*n*\n47");
}

TEST_F(SlackTest, PreviewOfFiveReadsOnePageOfFiveFromAHugeDataset) {
  Conf s;
  slack_sink(s, "team-slack", "    preview_items: 5\n    fields: [i]\n").route("ACTOR.RUN.SUCCEEDED", "team-slack");
  start(s);
  RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{100000, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "team-slack", "done"));
  const auto reqs = requests("/v2/datasets/" + run.dataset_id + "/items");
  ASSERT_EQ(reqs.size(), 1u) << "only the page with the five items";
  EXPECT_NE(reqs[0].uri.find("limit=5"), std::string::npos) << reqs[0].uri;
  ASSERT_EQ(slack_.count(), 1u);
  const auto body = body_of(slack_.posts()[0]);
  EXPECT_NE(body->getValue<std::string>("text").find(": 100,000 items."), std::string::npos);
  EXPECT_EQ(body->getArray("blocks")->size(), 7u);
}

TEST_F(SlackTest, ACountReadRightAfterTheRunSaysItIsStillSettling) {
  Conf s;
  slack_sink(s, "team-slack", "    preview_items: 1\n    fields: [i]\n").route("ACTOR.RUN.SUCCEEDED", "team-slack");
  start(s);
  RunInfo run = add_run();
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char iso[32];
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  run.finished_at = iso;
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{5000, 100, 0, 0});
  fake_.set_reported_total(run.dataset_id, 1234);  // Apify's total lags right after a run
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "team-slack", "done"));
  ASSERT_EQ(slack_.count(), 1u);
  const auto body = body_of(slack_.posts()[0]);
  const std::string text = body->getValue<std::string>("text");
  EXPECT_NE(text.find("\xE2\x89\x88"
                      "1,234 items."),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("_(count still settling)_"), std::string::npos) << text;
  EXPECT_EQ(body->getArray("blocks")->getObject(1)->getArray("elements")->getObject(0)->getValue<std::string>("text"),
            "First 1 of \xE2\x89\x88"
            "1,234 items (count still settling)");
}

TEST_F(SlackTest, ATestDispatchPostsATestMessage) {
  Conf s;
  slack_sink(s, "team-slack").route("TEST", "team-slack");
  start(s);
  const auto resp = daemon().post_webhook(to_json(test_envelope()));
  ASSERT_EQ(resp.status, 200) << resp.body;
  ASSERT_TRUE(slack_.wait_for(1, scaled(seconds(10))));
  EXPECT_EQ(text_of(slack_.posts()[0]),
            ":information_source: sinkhub test event: Apify run notifications will be posted to this channel.");
}

TEST_F(SlackTest, UsernameAndIconAreSentWhenConfigured) {
  Conf s;
  slack_sink(s, "team-slack",
             "    on_failure: \"down\"\n    username: \"scraper-bot\"\n    icon_emoji: \":robot_face:\"\n")
      .route("ACTOR.RUN.FAILED", "team-slack");
  start(s);
  const RunInfo run = add_run("ACTOR.RUN.FAILED");
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "team-slack", "done"));
  ASSERT_EQ(slack_.count(), 1u);
  EXPECT_EQ(slack_.posts()[0].body, R"({"text":"down","username":"scraper-bot","icon_emoji":":robot_face:"})");
}

}  // namespace
}  // namespace sinkhub::st
