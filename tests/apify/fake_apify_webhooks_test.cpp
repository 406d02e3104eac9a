// The fake Apify API's webhooks, as docs/apify-api.md §2 describes the real ones: CRUD, what
// the list omits, idempotencyKey, the per-user limit, validation, permissions.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "fake_client.hpp"

namespace sinkhub::fake {
namespace {

using namespace test;  // get, request, data, error_type, Got

const std::string kSecretHeaders = R"({"X-Webhook-Secret":"s3cr3t-value"})";

// A create body for `target` ({"actorId":"..."} etc.), with optional extra members.
std::string body(const std::string& condition = R"({"actorId":"act1"})", const std::string& extra = {},
                 const std::string& url = "https://sinkhub.example.com/apify-webhook") {
  return R"({"eventTypes":["ACTOR.RUN.SUCCEEDED","ACTOR.RUN.FAILED"],"condition":)" + condition +
         R"(,"requestUrl":")" + url + "\"" + (extra.empty() ? "" : "," + extra) + "}";
}

class FakeApifyWebhooks : public ::testing::Test {
 protected:
  void SetUp() override {
    api_.add_actor({"act1", "scraper", "jane"});
    api_.add_actor({"act2", "other", "jane"});
    api_.add_task({"task1", "daily", "jane", "act1"});
  }
  std::string create(const std::string& b) {
    const Got g = request(api_, "POST", "/v2/webhooks", b);
    EXPECT_EQ(g.status, 201) << g.body;
    return data(g)->getValue<std::string>("id");
  }
  FakeApify api_{FakeApify::Options{"tok"}};
};

TEST_F(FakeApifyWebhooks, CreateAnswers201WithTheFullWebhookAndALocation) {
  const std::string full = body(R"({"actorId":"act1"})",
                                R"("headersTemplate":"{\"X-Webhook-Secret\":\"s3cr3t-value\"}",)"
                                R"("description":"sinkhub:prod","idempotencyKey":"sinkhub-prod-act1","doNotRetry":false)");
  const Got g = request(api_, "POST", "/v2/webhooks", full);
  ASSERT_EQ(g.status, 201) << g.body;
  const auto w = data(g);
  const std::string id = w->getValue<std::string>("id");
  EXPECT_EQ(id.size(), 17u);
  EXPECT_EQ(g.head.get("Location"), "https://api.apify.com/v2/webhooks/" + id);
  EXPECT_EQ(w->getValue<std::string>("userId"), kFakeUserId);
  EXPECT_EQ(w->getObject("condition")->getValue<std::string>("actorId"), "act1");
  EXPECT_EQ(w->getArray("eventTypes")->size(), 2u);
  EXPECT_EQ(w->getValue<std::string>("requestUrl"), "https://sinkhub.example.com/apify-webhook");
  EXPECT_EQ(w->getValue<std::string>("headersTemplate"), kSecretHeaders);
  EXPECT_EQ(w->getValue<std::string>("description"), "sinkhub:prod");
  EXPECT_TRUE(w->isNull("payloadTemplate"));  // Apify's default payload
  EXPECT_EQ(w->getValue<std::string>("createdAt"), w->getValue<std::string>("modifiedAt"));
  EXPECT_FALSE(w->has("idempotencyKey"));  // write-only
  EXPECT_FALSE(w->has("isEnabled"));       // only the list has it
  EXPECT_TRUE(w->isNull("lastDispatch"));
  EXPECT_EQ(w->getObject("stats")->getValue<int>("totalDispatches"), 0);
  // The fake keeps what the API does not show.
  const auto stored = api_.webhook(id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->idempotency_key.value_or(""), "sinkhub-prod-act1");
  EXPECT_TRUE(stored->is_enabled);
}

TEST_F(FakeApifyWebhooks, TheListOmitsTemplatesAndDescriptionButHasIsEnabled) {
  create(body(R"({"actorId":"act1"})", R"("description":"d","headersTemplate":"{\"A\":\"b\"}","payloadTemplate":"{\"e\":{{eventType}}}")"));
  const Got g = get(api_, "/v2/webhooks");
  ASSERT_EQ(g.status, 200);
  const auto d = data(g);
  EXPECT_EQ(d->getValue<int>("total"), 1);
  const auto item = d->getArray("items")->getObject(0);
  for (const char* absent : {"payloadTemplate", "headersTemplate", "description", "idempotencyKey"})
    EXPECT_FALSE(item->has(absent)) << absent;
  EXPECT_TRUE(item->getValue<bool>("isEnabled"));
  EXPECT_EQ(item->getValue<std::string>("actionType"), "HTTP_REQUEST");
  EXPECT_EQ(item->getObject("condition")->getValue<std::string>("actorId"), "act1");
  EXPECT_EQ(item->getValue<std::string>("requestUrl"), "https://sinkhub.example.com/apify-webhook");
}

TEST_F(FakeApifyWebhooks, ListsPageByCreatedAtAndFilterPerActorAndTask) {
  const std::string a = create(body(R"({"actorId":"act1"})"));
  const std::string b = create(body(R"({"actorTaskId":"task1"})"));
  const std::string c = create(body(R"({"actorId":"act2"})"));
  auto ids = [](const Got& g) {
    std::vector<std::string> out;
    const auto items = data(g)->getArray("items");
    for (std::size_t i = 0; i < items->size(); ++i) out.push_back(items->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
    return out;
  };
  EXPECT_EQ(ids(get(api_, "/v2/webhooks")), (std::vector<std::string>{a, b, c}));
  EXPECT_EQ(ids(get(api_, "/v2/webhooks?desc=1&limit=2")), (std::vector<std::string>{c, b}));
  EXPECT_EQ(ids(get(api_, "/v2/webhooks?offset=1&limit=1")), (std::vector<std::string>{b}));
  EXPECT_EQ(ids(get(api_, "/v2/acts/act1/webhooks")), (std::vector<std::string>{a}));  // not the task's
  EXPECT_EQ(ids(get(api_, "/v2/acts/jane~other/webhooks")), (std::vector<std::string>{c}));
  EXPECT_EQ(ids(get(api_, "/v2/actor-tasks/jane~daily/webhooks")), (std::vector<std::string>{b}));
  EXPECT_EQ(get(api_, "/v2/acts/ghost/webhooks").status, 404);
}

TEST_F(FakeApifyWebhooks, ARepeatedIdempotencyKeyReturnsTheExistingWebhookUnchanged) {
  const std::string first = create(body(R"({"actorId":"act1"})", R"("idempotencyKey":"k1")"));
  const Got again = request(api_, "POST", "/v2/webhooks",
                            body(R"({"actorId":"act1"})", R"("idempotencyKey":"k1")", "https://changed.example.com/x"));
  ASSERT_EQ(again.status, 201);
  EXPECT_EQ(data(again)->getValue<std::string>("id"), first);
  EXPECT_EQ(data(again)->getValue<std::string>("requestUrl"), "https://sinkhub.example.com/apify-webhook");
  EXPECT_EQ(api_.webhooks().size(), 1u);
  // Keys are per user, across conditions: another target with the same key gets the same webhook.
  EXPECT_EQ(data(request(api_, "POST", "/v2/webhooks", body(R"({"actorId":"act2"})", R"("idempotencyKey":"k1")")))
                ->getValue<std::string>("id"),
            first);
  EXPECT_NE(create(body(R"({"actorId":"act1"})", R"("idempotencyKey":"k2")")), first);
}

TEST_F(FakeApifyWebhooks, DeletingFreesTheKeyUnlessTheFakeIsToldOtherwise) {
  const std::string first = create(body(R"({"actorId":"act1"})", R"("idempotencyKey":"k1")"));
  EXPECT_EQ(request(api_, "DELETE", "/v2/webhooks/" + first).status, 204);
  const std::string second = create(body(R"({"actorId":"act1"})", R"("idempotencyKey":"k1")"));
  EXPECT_NE(second, first);

  api_.set_deleted_keys_reserved(true);
  EXPECT_EQ(request(api_, "DELETE", "/v2/webhooks/" + second).status, 204);
  const Got ghost = request(api_, "POST", "/v2/webhooks", body(R"({"actorId":"act1"})", R"("idempotencyKey":"k1")"));
  EXPECT_EQ(ghost.status, 201);
  EXPECT_EQ(data(ghost)->getValue<std::string>("id"), second);  // a webhook that no longer exists
  EXPECT_EQ(get(api_, "/v2/webhooks/" + second).status, 404);
  EXPECT_TRUE(api_.webhooks().empty());
}

TEST_F(FakeApifyWebhooks, TheHundredthWebhookIsTheLast) {
  for (int i = 0; i < 100; ++i) create(body(R"({"actorId":"act1"})", R"("idempotencyKey":"k)" + std::to_string(i) + "\""));
  const Got g = request(api_, "POST", "/v2/webhooks", body());
  EXPECT_EQ(g.status, 400);
  EXPECT_EQ(error_type(g), "too-many-webhooks");
  EXPECT_NE(test::json(g.body)->getObject("error")->getValue<std::string>("message").find("100"), std::string::npos);
  // A repeat with a known key still answers: it creates nothing.
  EXPECT_EQ(request(api_, "POST", "/v2/webhooks", body(R"({"actorId":"act1"})", R"("idempotencyKey":"k7")")).status, 201);
  EXPECT_EQ(api_.webhooks().size(), 100u);
  EXPECT_EQ(request(api_, "DELETE", "/v2/webhooks/" + api_.webhooks().front().id).status, 204);
  EXPECT_EQ(request(api_, "POST", "/v2/webhooks", body()).status, 201);
  api_.set_webhook_limit(3);
  EXPECT_EQ(error_type(request(api_, "POST", "/v2/webhooks", body())), "too-many-webhooks");
}

TEST_F(FakeApifyWebhooks, PutUpdatesOnlyWhatItSendsAndNullClears) {
  const std::string id = create(body(R"({"actorId":"act1"})", R"("description":"sinkhub:prod","headersTemplate":"{\"A\":\"b\"}")"));
  const std::string created = api_.webhook(id)->modified_at;
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Got g = request(api_, "PUT", "/v2/webhooks/" + id,
                  R"({"requestUrl":"https://new.example.com/h","eventTypes":["ACTOR.RUN.ABORTED"],"isEnabled":false})");
  ASSERT_EQ(g.status, 200) << g.body;
  auto w = data(g);
  EXPECT_EQ(w->getValue<std::string>("requestUrl"), "https://new.example.com/h");
  EXPECT_EQ(w->getArray("eventTypes")->getElement<std::string>(0), "ACTOR.RUN.ABORTED");
  EXPECT_EQ(w->getValue<std::string>("description"), "sinkhub:prod");  // not sent: kept
  EXPECT_EQ(w->getValue<std::string>("headersTemplate"), "{\"A\":\"b\"}");
  EXPECT_NE(w->getValue<std::string>("modifiedAt"), created);
  EXPECT_FALSE(api_.webhook(id)->is_enabled);
  EXPECT_FALSE(data(get(api_, "/v2/webhooks"))->getArray("items")->getObject(0)->getValue<bool>("isEnabled"));

  g = request(api_, "PUT", "/v2/webhooks/" + id, R"({"headersTemplate":null,"condition":{}})");
  ASSERT_EQ(g.status, 200) << g.body;
  w = data(g);
  EXPECT_TRUE(w->isNull("headersTemplate"));
  EXPECT_EQ(w->getObject("condition")->getValue<std::string>("actorId"), "act1");  // {} keeps it
  g = request(api_, "PUT", "/v2/webhooks/" + id, R"({"condition":{"actorTaskId":"task1"}})");
  EXPECT_EQ(data(g)->getObject("condition")->getValue<std::string>("actorTaskId"), "task1");
  for (const char* cleared : {R"({"eventTypes":null})", R"({"eventTypes":[]})", R"({"requestUrl":null})", R"({"condition":null})"})
    EXPECT_EQ(request(api_, "PUT", "/v2/webhooks/" + id, cleared).status, 400) << cleared;
  EXPECT_EQ(request(api_, "PUT", "/v2/webhooks/nope", "{}").status, 404);
}

TEST_F(FakeApifyWebhooks, DeleteAnswers204ThenTheWebhookIsGone) {
  const std::string id = create(body());
  const Got del = request(api_, "DELETE", "/v2/webhooks/" + id);
  EXPECT_EQ(del.status, 204);
  EXPECT_TRUE(del.body.empty());
  const Got g = get(api_, "/v2/webhooks/" + id);
  EXPECT_EQ(g.status, 404);
  EXPECT_EQ(error_type(g), "record-not-found");
  EXPECT_EQ(request(api_, "DELETE", "/v2/webhooks/" + id).status, 404);
  EXPECT_EQ(request(api_, "PATCH", "/v2/webhooks/" + id, "{}").status, 405);
}

TEST_F(FakeApifyWebhooks, CreateRefusesWhatTheApiRefuses) {
  const std::vector<std::string> bad = {
      R"({"condition":{"actorId":"act1"},"requestUrl":"https://x.example/h"})",                        // no eventTypes
      R"({"eventTypes":["ACTOR.RUN.SUCCEEDED"],"requestUrl":"https://x.example/h"})",                  // no condition
      R"({"eventTypes":["ACTOR.RUN.SUCCEEDED"],"condition":{"actorId":"act1"}})",                      // no requestUrl
      body(R"({"actorId":"act1","actorTaskId":"task1"})"),                                             // two targets
      body(R"({})"),                                                                                   // none
      body(R"({"actorId":"act1","userId":"x"})"),                                                      // unknown key
      body(R"({"actorId":""})"),                                                                       // empty id
      R"({"eventTypes":["ACTOR.RUN.DONE"],"condition":{"actorId":"act1"},"requestUrl":"https://x.example/h"})",
      R"({"eventTypes":"ACTOR.RUN.SUCCEEDED","condition":{"actorId":"act1"},"requestUrl":"https://x.example/h"})",
      body(R"({"actorId":"act1"})", {}, "ftp://x.example/h"),
      body(R"({"actorId":"act1"})", {}, "not a url"),
      body(R"({"actorId":"act1"})", R"("headerTemplate":"{}")"),                                       // typo
      body(R"({"actorId":"act1"})", R"("payloadTemplate":"{\"a\": {{secrets.X}}}")"),                  // unknown variable
      body(R"({"actorId":"act1"})", R"("payloadTemplate":"{\"a\": {{resource}")"),                     // not JSON
      body(R"({"actorId":"act1"})", R"("headersTemplate":"{\"X-Count\": 1}")"),                        // header not a string
      body(R"({"actorId":"act1"})", R"("headersTemplate":"[\"a\"]")"),                                 // not an object
      body(R"({"actorId":"act1"})", R"("doNotRetry":"yes")"),
      body(R"({"actorId":"act1"})", R"("actionType":"SLACK")"),
      "[1,2]",
      "{not json",
  };
  for (const auto& b : bad) {
    const Got g = request(api_, "POST", "/v2/webhooks", b);
    EXPECT_EQ(g.status, 400) << b << " -> " << g.body;
    EXPECT_EQ(error_type(g), "invalid-input") << b;
  }
  const Got key = request(api_, "POST", "/v2/webhooks", body(R"({"actorId":"act1"})", R"("idempotencyKey":42)"));
  EXPECT_EQ(key.status, 400);
  EXPECT_EQ(error_type(key), "invalid-idempotency-key");
  EXPECT_TRUE(api_.webhooks().empty());
  EXPECT_EQ(api_.write_count("/v2/webhooks"), bad.size() + 1);
}

TEST_F(FakeApifyWebhooks, TemplatesWithKnownVariablesAreAccepted) {
  create(body(R"({"actorId":"act1"})",
              R"("payloadTemplate":"{\"run\": {{resource.id}}, \"ds\": {{resource.defaultDatasetId}}, \"at\": {{globals.dateISO}}}")"));
  create(body(R"({"actorId":"act1"})", R"("headersTemplate":"{\"X-Run\": {{eventData.actorRunId}}}")"));
  create(body(R"({"actorId":"act1"})", R"("shouldInterpolateStrings":true,"payloadTemplate":"{\"text\": \"Run {{resource.id}} done\"}")"));
}

TEST_F(FakeApifyWebhooks, EveryEventTypeOfTheEnumIsAcceptedTestIncluded) {
  const std::string id = create(
      R"({"eventTypes":["ACTOR.RUN.CREATED","ACTOR.RUN.SUCCEEDED","ACTOR.RUN.FAILED","ACTOR.RUN.ABORTED",)"
      R"("ACTOR.RUN.TIMED_OUT","ACTOR.RUN.RESURRECTED","ACTOR.BUILD.CREATED","ACTOR.BUILD.SUCCEEDED",)"
      R"("ACTOR.BUILD.FAILED","ACTOR.BUILD.ABORTED","ACTOR.BUILD.TIMED_OUT","TEST"],)"
      R"("condition":{"actorId":"act1"},"requestUrl":"https://x.example/h"})");
  EXPECT_EQ(api_.webhook(id)->event_types.size(), 12u);
}

TEST_F(FakeApifyWebhooks, TheConditionMustNameAnExistingTargetById) {
  Got g = request(api_, "POST", "/v2/webhooks", body(R"({"actorId":"ghost"})"));
  EXPECT_EQ(g.status, 404);
  EXPECT_EQ(error_type(g), "record-not-found");
  EXPECT_EQ(request(api_, "POST", "/v2/webhooks", body(R"({"actorId":"jane~scraper"})")).status, 404);  // names: resolve first
  EXPECT_EQ(request(api_, "POST", "/v2/webhooks", body(R"({"actorTaskId":"ghost"})")).status, 404);
  EXPECT_EQ(request(api_, "POST", "/v2/webhooks", body(R"({"actorRunId":"ghost"})")).status, 404);
  api_.add_run({"run1", "act1", "", "RUNNING", "ds1"});
  create(body(R"({"actorRunId":"run1"})", R"("isAdHoc":true)"));
  const std::string id = create(body());
  EXPECT_EQ(request(api_, "PUT", "/v2/webhooks/" + id, R"({"condition":{"actorId":"ghost"}})").status, 404);
}

TEST_F(FakeApifyWebhooks, WritesNeedJsonAndAWritableToken) {
  Got g = request(api_, "POST", "/v2/webhooks", body(), "tok", "text/plain");
  EXPECT_EQ(g.status, 415);
  EXPECT_EQ(error_type(g), "unsupported-media-type");
  EXPECT_EQ(request(api_, "POST", "/v2/webhooks", body(), "tok", "application/json; charset=utf-8").status, 201);

  api_.set_read_only_token("readonly");
  const std::string id = api_.webhooks().front().id;
  EXPECT_EQ(get(api_, "/v2/webhooks", "readonly").status, 200);
  EXPECT_EQ(get(api_, "/v2/webhooks/" + id, "readonly").status, 200);
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/v2/webhooks"}, {"PUT", "/v2/webhooks/" + id}, {"DELETE", "/v2/webhooks/" + id},
           {"POST", "/v2/webhooks/" + id + "/test"}}) {
    g = request(api_, method, target, method == "DELETE" ? "" : body(), "readonly");
    EXPECT_EQ(g.status, 403) << method << " " << target;
    EXPECT_EQ(error_type(g), "insufficient-permissions");
  }
  EXPECT_EQ(api_.webhooks().size(), 1u);
  EXPECT_EQ(request(api_, "POST", "/v2/webhooks", body(), "wrong").status, 401);
  EXPECT_EQ(request(api_, "POST", "/v2/webhooks", body(), "").status, 401);
}

TEST_F(FakeApifyWebhooks, SeededWebhooksLookLikeCreatedOnes) {
  FakeWebhook manual;  // one a person made in Console: no key, no marker
  manual.event_types = {"ACTOR.RUN.SUCCEEDED"};
  manual.condition_id = "act1";
  manual.request_url = "https://elsewhere.example.com/hook";
  const std::string id = api_.add_webhook(manual);
  const auto d = data(get(api_, "/v2/webhooks/" + id));
  EXPECT_EQ(d->getValue<std::string>("requestUrl"), "https://elsewhere.example.com/hook");
  EXPECT_TRUE(d->isNull("description"));
  EXPECT_FALSE(d->getValue<std::string>("createdAt").empty());
  const std::string via_json = api_.add_webhook_json(body(R"({"actorTaskId":"task1"})"));
  EXPECT_EQ(api_.webhook(via_json)->condition_key, "actorTaskId");
  EXPECT_THROW(api_.add_webhook_json(body(R"({"actorId":"ghost"})")), std::invalid_argument);
  EXPECT_THROW(api_.add_webhook_json("nope"), std::invalid_argument);
  EXPECT_TRUE(api_.remove_webhook(id));
  EXPECT_FALSE(api_.remove_webhook(id));
  EXPECT_EQ(api_.webhooks().size(), 1u);
}

}  // namespace
}  // namespace sinkhub::fake
