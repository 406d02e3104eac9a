// `sinkhub apify sync`: the plan and its application against the fake Apify API.
#include <sstream>

#include "cli/apify_print.hpp"
#include "control/sync.hpp"
#include "control_fixture.hpp"

namespace sinkhub::control::test {
namespace {

using Action = SyncEntry::Action;
using Result = SyncEntry::Result;

class SyncTest : public ControlTest {
 protected:
  void SetUp() override {
    api_.add_actor({"actScraper000001", "scraper", "alice"});
    api_.add_actor({"actMailer0000001", "mailer", "alice"});
    api_.add_task({"taskNightly00001", "nightly", "alice", "actScraper000001"});
  }

  // alice/scraper by name (two routes: events merged), mailer by id, a task by id.
  config::Config routed(const std::string& secrets = std::string("[\"") + kSecret + "\"]") {
    return load({{"\"alice/scraper\"", "ACTOR.RUN.SUCCEEDED"},
                 {"\"alice/scraper\"", "ACTOR.RUN.FAILED, ACTOR.RUN.SUCCEEDED", "archive"},
                 {"actMailer0000001", "\"*\""},
                 {"taskNightly00001", "ACTOR.RUN.TIMED_OUT"}},
                {}, secrets);
  }

  SyncPlan sync(const config::Config& cfg, bool prune = false, bool dry_run = false) {
    auto c = client(cfg);
    auto plan = plan_sync(*c, cfg, prune);
    if (!dry_run) apply_sync(*c, cfg, plan);
    return plan;
  }

  static std::string printed(const SyncPlan& plan, bool dry_run, bool json) {
    std::ostringstream out;
    cli::print_sync(out, plan, dry_run, json);
    return out.str();
  }
};

TEST_F(SyncTest, FromAnEmptyAccountCreatesOneWebhookPerActorAndTask) {
  const auto cfg = routed();
  const auto plan = sync(cfg);
  ASSERT_TRUE(plan.ok()) << printed(plan, false, false);
  ASSERT_EQ(api_.webhooks().size(), 3u);

  const auto scraper = webhooks_for("actScraper000001");
  ASSERT_EQ(scraper.size(), 1u);
  EXPECT_EQ(scraper[0].condition_key, "actorId");
  EXPECT_EQ(scraper[0].event_types, (std::vector<std::string>{"ACTOR.RUN.FAILED", "ACTOR.RUN.SUCCEEDED"}));
  EXPECT_EQ(scraper[0].request_url, kPublicUrl);
  ASSERT_TRUE(scraper[0].headers_template);
  EXPECT_EQ(parse(*scraper[0].headers_template)->getValue<std::string>("X-Webhook-Secret"), kSecret);
  EXPECT_FALSE(scraper[0].payload_template) << "Apify's default payload";
  EXPECT_EQ(scraper[0].description, managed_description(cfg.apify));
  EXPECT_EQ(scraper[0].idempotency_key, idempotency_key(cfg.apify, "actorId", "actScraper000001"));
  EXPECT_TRUE(scraper[0].is_enabled);

  const auto mailer = webhooks_for("actMailer0000001");
  ASSERT_EQ(mailer.size(), 1u);
  EXPECT_EQ(mailer[0].event_types.size(), 6u) << "\"*\" is every ACTOR.RUN.* event";
  const auto task = webhooks_for("taskNightly00001");
  ASSERT_EQ(task.size(), 1u);
  EXPECT_EQ(task[0].condition_key, "actorTaskId");
  EXPECT_EQ(task[0].event_types, (std::vector<std::string>{"ACTOR.RUN.TIMED_OUT"}));
}

TEST_F(SyncTest, ASecondSyncWithNothingChangedWritesNothing) {
  const auto cfg = routed();
  ASSERT_TRUE(sync(cfg).ok());
  api_.clear_requests();
  const auto plan = sync(cfg);
  EXPECT_TRUE(plan.ok());
  EXPECT_EQ(api_.write_count(), 0u);
  ASSERT_EQ(plan.entries.size(), 3u);
  for (const auto& e : plan.entries) EXPECT_EQ(e.action, Action::Unchanged) << e.target;
}

TEST_F(SyncTest, DriftIsRepairedAndOnlyTheDriftedFieldsAreSent) {
  const auto cfg = routed();
  ASSERT_TRUE(sync(cfg).ok());
  auto w = webhooks_for("actScraper000001").at(0);
  w.request_url = "https://old.example.com/hook";
  w.event_types = {"ACTOR.RUN.SUCCEEDED"};
  w.headers_template = R"({"X-Webhook-Secret": "an-old-secret-value"})";
  w.payload_template = R"({"custom": {{resource}}})";
  w.is_enabled = false;
  api_.add_webhook(w);
  api_.clear_requests();

  const auto plan = sync(cfg);
  ASSERT_TRUE(plan.ok()) << printed(plan, false, false);
  const auto fixed = api_.webhook(w.id);
  ASSERT_TRUE(fixed);
  EXPECT_EQ(fixed->request_url, kPublicUrl);
  EXPECT_EQ(fixed->event_types, (std::vector<std::string>{"ACTOR.RUN.FAILED", "ACTOR.RUN.SUCCEEDED"}));
  EXPECT_EQ(parse(*fixed->headers_template)->getValue<std::string>("X-Webhook-Secret"), kSecret);
  EXPECT_FALSE(fixed->payload_template);
  EXPECT_TRUE(fixed->is_enabled);
  EXPECT_EQ(api_.write_count(), 1u) << "one PUT for the drifted webhook, nothing for the others";
  const std::string text = printed(plan, false, false);
  EXPECT_NE(text.find("requestUrl: https://old.example.com/hook -> https://sinkhub.example.com"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("an-old-secret-value"), std::string::npos) << "no secret is printed, old or new";
  EXPECT_EQ(text.find(kSecret), std::string::npos);
}

TEST_F(SyncTest, PruneDeletesOnlyManagedWebhooksNoRouteNeeds) {
  auto cfg = routed();
  ASSERT_TRUE(sync(cfg).ok());
  FakeWebhook made_by_hand;
  made_by_hand.event_types = {"ACTOR.RUN.SUCCEEDED"};
  made_by_hand.condition_id = "actMailer0000001";
  made_by_hand.request_url = "https://elsewhere.example.com";
  made_by_hand.description = "made in Console";
  const std::string console = api_.add_webhook(made_by_hand);
  // A person took the marker off the task's webhook: it is theirs now.
  auto taken = webhooks_for("taskNightly00001").at(0);
  taken.description = "mine now";
  api_.add_webhook(taken);
  // The routes no longer name alice/scraper nor the task.
  cfg = load({{"actMailer0000001", "\"*\""}});

  auto plan = sync(cfg);
  EXPECT_TRUE(plan.ok());
  EXPECT_EQ(webhooks_for("actScraper000001").size(), 1u) << "without --prune nothing is deleted";
  EXPECT_NE(printed(plan, false, false).find("--prune deletes it"), std::string::npos);

  plan = sync(cfg, /*prune=*/true);
  ASSERT_TRUE(plan.ok()) << printed(plan, false, false);
  EXPECT_TRUE(webhooks_for("actScraper000001").empty()) << "managed and unneeded: deleted";
  EXPECT_TRUE(api_.webhook(console)) << "a webhook sinkhub does not manage is never touched";
  EXPECT_TRUE(api_.webhook(taken.id)) << "nor one whose marker a person removed";
  EXPECT_EQ(api_.webhook(taken.id)->description, "mine now");
  EXPECT_EQ(webhooks_for("actMailer0000001").size(), 2u);
}

TEST_F(SyncTest, DryRunPrintsThePlanAndWritesNothing) {
  const auto cfg = routed();
  const auto plan = sync(cfg, false, /*dry_run=*/true);
  EXPECT_EQ(api_.write_count(), 0u);
  EXPECT_TRUE(api_.webhooks().empty());
  ASSERT_EQ(plan.entries.size(), 3u);
  for (const auto& e : plan.entries) EXPECT_EQ(e.action, Action::Create);
  const auto doc = parse(printed(plan, true, true));
  EXPECT_TRUE(doc->getValue<bool>("dry_run"));
  const auto targets = doc->getArray("targets");
  ASSERT_EQ(targets->size(), 3u);
  EXPECT_EQ(targets->getObject(0)->getValue<std::string>("action"), "create");
  EXPECT_EQ(targets->getObject(0)->getValue<std::string>("target"), "alice/scraper");
  EXPECT_EQ(targets->getObject(0)->getValue<std::string>("target_id"), "actScraper000001");
  EXPECT_EQ(targets->getObject(0)->getValue<std::string>("result"), "planned");
  const std::string json = printed(plan, true, true);
  EXPECT_EQ(json.find(kSecret), std::string::npos);
  EXPECT_NE(json.find("****WXYZ"), std::string::npos) << json;
}

TEST_F(SyncTest, ASecretRotationUpdatesTheHeaders) {
  ASSERT_TRUE(sync(routed()).ok());
  const std::string next = "second-secret-abcdefghijk-NEW1";
  const auto cfg = routed("[\"" + next + "\", \"" + std::string(kSecret) + "\"]");
  const auto plan = sync(cfg);
  ASSERT_TRUE(plan.ok());
  for (const auto& w : api_.webhooks())
    EXPECT_EQ(parse(*w.headers_template)->getValue<std::string>("X-Webhook-Secret"), next);
  const std::string text = printed(plan, false, false);
  EXPECT_NE(text.find("headersTemplate: X-Webhook-Secret: ****WXYZ -> X-Webhook-Secret: ****NEW1"), std::string::npos)
      << text;
  EXPECT_EQ(text.find(next), std::string::npos);
}

TEST_F(SyncTest, RoutesForEveryActorWarnAndSayReconciliationCoversThem) {
  const auto cfg = load({{"\"*\"", "ACTOR.RUN.SUCCEEDED"}});
  const auto plan = sync(cfg);
  EXPECT_TRUE(plan.ok());
  EXPECT_TRUE(plan.entries.empty());
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_NE(plan.warnings[0].find("reconciliation"), std::string::npos);
  EXPECT_EQ(api_.write_count(), 0u);
}

TEST_F(SyncTest, AWebhookWhoseMarkerWasRemovedIsLeftAloneAndReplaced) {
  const auto cfg = load({{"actMailer0000001", "ACTOR.RUN.SUCCEEDED"}});
  ASSERT_TRUE(sync(cfg).ok());
  auto old = webhooks_for("actMailer0000001").at(0);
  old.description = "kept by hand";
  api_.add_webhook(old);  // still holds sinkhub's idempotencyKey
  const auto plan = sync(cfg);
  ASSERT_TRUE(plan.ok()) << printed(plan, false, false);
  const auto now = webhooks_for("actMailer0000001");
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(api_.webhook(old.id)->description, "kept by hand");
  EXPECT_EQ(api_.webhook(old.id)->idempotency_key, old.idempotency_key);
  EXPECT_EQ(now[1].description, managed_description(cfg.apify));
  // And the next sync sees the new one as managed: nothing to write.
  api_.clear_requests();
  EXPECT_TRUE(sync(cfg).ok());
  EXPECT_EQ(api_.write_count(), 0u);
}

// ---- errors: a clear message, a non-zero exit, and what was and was not applied ---------

TEST_F(SyncTest, ATokenThatMayNotWriteStopsWithPermissionMessage) {
  api_.set_token("another-token-that-is-not-used");
  api_.set_read_only_token(kToken);
  const auto plan = sync(routed());
  EXPECT_FALSE(plan.ok());
  EXPECT_TRUE(api_.webhooks().empty());
  int failed = 0, not_attempted = 0;
  for (const auto& e : plan.entries) {
    failed += e.result == Result::Failed;
    not_attempted += e.result == Result::NotAttempted;
  }
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(not_attempted, 2);
  const std::string text = printed(plan, false, false);
  EXPECT_NE(text.find("403"), std::string::npos) << text;
  EXPECT_NE(text.find("lacks a permission"), std::string::npos) << text;
  EXPECT_NE(text.find("not everything was applied"), std::string::npos) << text;
}

TEST_F(SyncTest, ARefusedTokenChangesNothing) {
  api_.set_token("the-token-apify-knows-000000");
  const auto plan = sync(routed());
  EXPECT_FALSE(plan.ok());
  EXPECT_NE(plan.fatal.find("401"), std::string::npos) << plan.fatal;
  EXPECT_NE(plan.fatal.find("apify.token"), std::string::npos) << plan.fatal;
  EXPECT_NE(printed(plan, false, false).find("nothing was changed"), std::string::npos);
  EXPECT_EQ(plan.fatal.find(kToken), std::string::npos);
}

TEST_F(SyncTest, AnUnknownActorFailsAloneAndTheOthersAreApplied) {
  const auto cfg = load({{"actGone000000001", "ACTOR.RUN.SUCCEEDED"}, {"actMailer0000001", "ACTOR.RUN.SUCCEEDED"}});
  const auto plan = sync(cfg);
  EXPECT_FALSE(plan.ok());
  EXPECT_EQ(webhooks_for("actMailer0000001").size(), 1u);
  const std::string text = printed(plan, false, false);
  EXPECT_NE(text.find("actGone000000001"), std::string::npos);
  EXPECT_NE(text.find("404"), std::string::npos) << text;
  EXPECT_NE(text.find("no Actor or task"), std::string::npos) << text;
}

TEST_F(SyncTest, ApifysWebhookLimitIsReportedWithWhatWasCreated) {
  api_.set_webhook_limit(2);
  const auto plan = sync(routed());
  EXPECT_FALSE(plan.ok());
  EXPECT_EQ(api_.webhooks().size(), 2u);
  int applied = 0;
  for (const auto& e : plan.entries) applied += e.result == Result::Applied;
  EXPECT_EQ(applied, 2);
  const std::string text = printed(plan, false, false);
  EXPECT_NE(text.find("limit of webhooks per user"), std::string::npos) << text;
  EXPECT_NE(text.find("2 created"), std::string::npos) << text;
  EXPECT_NE(text.find("1 failed"), std::string::npos) << text;
}

TEST_F(SyncTest, RateLimitsAndServerErrorsAreRetriedWithBackoff) {
  api_.fail_next(2, 429, -1, "/v2/webhooks");
  api_.inject(fault(503, 1, "/v2/webhooks", "POST"));
  const auto plan = sync(routed());
  EXPECT_TRUE(plan.ok()) << printed(plan, false, false);
  EXPECT_EQ(api_.webhooks().size(), 3u) << "a retried create (same idempotencyKey) makes one webhook";
}

TEST_F(SyncTest, AnApiThatKeepsFailingIsReportedAsUnavailable) {
  api_.inject(fault(500, 1000, "/v2/webhooks", "POST"));
  const auto plan = sync(routed());
  EXPECT_FALSE(plan.ok());
  EXPECT_TRUE(api_.webhooks().empty());
  const std::string text = printed(plan, false, false);
  EXPECT_NE(text.find("run sync again later"), std::string::npos) << text;
  EXPECT_NE(text.find("3 failed"), std::string::npos) << text;
}

}  // namespace
}  // namespace sinkhub::control::test
