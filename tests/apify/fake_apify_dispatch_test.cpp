// The fake Apify API's dispatches, as docs/apify-api.md §2-§3 and §5 describe the real ones:
// TEST and run events are really POSTed to the webhook's URL (loopback) with the rendered
// templates and Apify's system headers, retried, and listed as dispatches; the default payload
// is what sinkhub's own envelope parser reads.
#include <gtest/gtest.h>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fake_client.hpp"
#include "loopback_server.hpp"
#include "webhook/envelope.hpp"

namespace sinkhub::fake {
namespace {

using std::chrono::milliseconds;
using namespace test;  // get, request, data, error_type, Got

// A webhook receiver on 127.0.0.1 that records every POST and answers `status`.
struct Receiver {
  struct Hit {
    std::string uri, body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string header(const std::string& name) const {
      for (const auto& [k, v] : headers)
        if (Poco::icompare(k, name) == 0) return v;
      return {};
    }
  };
  struct State {
    std::mutex mu;
    std::vector<Hit> hits;
    std::atomic<int> status{200};
    std::atomic<int> fail_first{0};  // the first n POSTs answer 503 whatever `status` says
  };
  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(std::shared_ptr<State> st) : st_(std::move(st)) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
      Hit h;
      h.uri = req.getURI();
      for (const auto& [k, v] : req) h.headers.emplace_back(k, v);
      Poco::StreamCopier::copyToString(req.stream(), h.body);
      {
        std::lock_guard<std::mutex> lock(st_->mu);
        st_->hits.push_back(std::move(h));
      }
      const int status = st_->fail_first.fetch_sub(1) > 0 ? 503 : st_->status.load();
      resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
      resp.setContentType("application/json");
      resp.send() << "{\"status\":\"accepted\"}";
    }

   private:
    std::shared_ptr<State> st_;
  };

  Receiver() : state(std::make_shared<State>()) { server = testkit::start_loopback_server<Handler>(state, &port); }
  ~Receiver() { server->stopAll(true); }
  std::string url(const std::string& path = "/apify-webhook") const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  std::vector<Hit> hits() {
    std::lock_guard<std::mutex> lock(state->mu);
    return state->hits;
  }

  std::shared_ptr<State> state;
  unsigned short port = 0;
  std::unique_ptr<Poco::Net::HTTPServer> server;
};

class FakeApifyDispatch : public ::testing::Test {
 protected:
  void SetUp() override {
    api_.add_actor({"act1", "scraper", "jane"});
    api_.add_task({"task1", "daily", "jane", "act1"});
    DispatchPolicy fast;
    fast.retries = 2;
    fast.first_retry_delay = milliseconds(20);
    fast.timeout = milliseconds(5000);
    api_.set_dispatch_policy(fast);
  }
  std::string webhook(const std::string& condition, const std::string& events, const std::string& extra = {}) {
    const Got g = request(api_, "POST", "/v2/webhooks",
                          R"({"eventTypes":)" + events + R"(,"condition":)" + condition + R"(,"requestUrl":")" +
                              rx_.url() + "\"" + (extra.empty() ? "" : "," + extra) + "}");
    EXPECT_EQ(g.status, 201) << g.body;
    return data(g)->getValue<std::string>("id");
  }
  void settle() { ASSERT_TRUE(api_.wait_dispatches_settled(milliseconds(10000))); }

  Receiver rx_;
  FakeApify api_{FakeApify::Options{"tok"}};
};

// A loopback port nobody listens on (bound once, then closed).
unsigned short unused_port() {
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  return s.address().port();
}

const std::string kSecret = R"("headersTemplate":"{\"X-Webhook-Secret\":\"s3cr3t\",\"X-Apify-Webhook-Dispatch-Id\":\"forged\",\"Host\":\"evil\"}")";

TEST_F(FakeApifyDispatch, TestPostsTheDummyPayloadWithTheHeaderTemplateAndSystemHeaders) {
  const std::string id = webhook(R"({"actorId":"act1"})", R"(["ACTOR.RUN.SUCCEEDED"])", kSecret);
  const Got g = request(api_, "POST", "/v2/webhooks/" + id + "/test", "");
  ASSERT_EQ(g.status, 201) << g.body;
  const auto d = data(g);
  const std::string dispatch_id = d->getValue<std::string>("id");
  EXPECT_EQ(d->getValue<std::string>("eventType"), "TEST");
  EXPECT_EQ(d->getValue<std::string>("webhookId"), id);
  EXPECT_EQ(d->getValue<std::string>("status"), "ACTIVE");  // sent after the answer
  EXPECT_TRUE(d->isNull("eventData"));
  settle();

  const auto hits = rx_.hits();
  ASSERT_EQ(hits.size(), 1u);
  const auto& hit = hits[0];
  EXPECT_EQ(hit.uri, "/apify-webhook");
  EXPECT_EQ(hit.header("X-Webhook-Secret"), "s3cr3t");
  EXPECT_EQ(hit.header("X-Apify-Webhook-Dispatch-Id"), dispatch_id);  // the template cannot forge it
  EXPECT_EQ(hit.header("Host"), "127.0.0.1:" + std::to_string(rx_.port));
  EXPECT_EQ(hit.header("X-Apify-Request-Origin"), "WEBHOOK");
  EXPECT_FALSE(hit.header("X-Apify-Webhook").empty());
  EXPECT_EQ(hit.header("Content-Type"), "application/json");
  const auto payload = test::json(hit.body);
  EXPECT_EQ(payload->getValue<std::string>("eventType"), "TEST");
  EXPECT_EQ(payload->getValue<std::string>("userId"), kFakeUserId);
  EXPECT_TRUE(payload->isNull("eventData"));
  EXPECT_TRUE(payload->getObject("resource")->has("placeholder"));

  // sinkhub reads it as a TEST event without a run: it dedups on the dispatch id header.
  model::Event ev;
  webhook::EnvelopeError err;
  ASSERT_TRUE(webhook::parse_envelope(hit.body, ev, err)) << err.message;
  EXPECT_EQ(ev.event_type, "TEST");
  EXPECT_TRUE(ev.run_id.empty());

  const auto done = data(get(api_, "/v2/webhook-dispatches/" + dispatch_id));
  EXPECT_EQ(done->getValue<std::string>("status"), "SUCCEEDED");
  const auto call = done->getArray("calls")->getObject(0);
  EXPECT_EQ(call->getValue<int>("responseStatus"), 200);
  EXPECT_TRUE(call->isNull("errorMessage"));
  EXPECT_EQ(call->getValue<std::string>("responseBody"), "{\"status\":\"accepted\"}");
  EXPECT_EQ(done->getObject("webhook")->getValue<std::string>("requestUrl"), rx_.url());
  const auto w = data(get(api_, "/v2/webhooks/" + id));
  EXPECT_EQ(w->getObject("lastDispatch")->getValue<std::string>("status"), "SUCCEEDED");
  EXPECT_EQ(w->getObject("stats")->getValue<int>("totalDispatches"), 1);
}

TEST_F(FakeApifyDispatch, TheTestResourceCanBeChanged) {
  api_.set_test_resource(R"({"id":"dummyRunId","status":"SUCCEEDED"})");
  const std::string id = webhook(R"({"actorId":"act1"})", R"(["ACTOR.RUN.SUCCEEDED"])");
  ASSERT_EQ(request(api_, "POST", "/v2/webhooks/" + id + "/test", "").status, 201);
  settle();
  model::Event ev;
  webhook::EnvelopeError err;
  ASSERT_TRUE(webhook::parse_envelope(rx_.hits().at(0).body, ev, err));
  EXPECT_EQ(ev.run_id, "dummyRunId");  // why a constant dummy id would turn later TESTs into duplicates
  EXPECT_THROW(api_.set_test_resource("{broken"), std::exception);
}

TEST_F(FakeApifyDispatch, AFailingReceiverIsRetriedThenTheDispatchFails) {
  rx_.state->status = 500;
  const std::string id = webhook(R"({"actorId":"act1"})", R"(["ACTOR.RUN.SUCCEEDED"])");
  const std::string dispatch_id = data(request(api_, "POST", "/v2/webhooks/" + id + "/test", ""))->getValue<std::string>("id");
  settle();
  EXPECT_EQ(rx_.hits().size(), 3u);  // one call and two retries
  const auto d = api_.dispatch(dispatch_id);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, "FAILED");
  ASSERT_EQ(d->calls.size(), 3u);
  EXPECT_EQ(d->calls[2].response_status, 500);
  EXPECT_EQ(d->calls[2].error_message, "Endpoint responded with HTTP status code 500");
  // Every retry of one dispatch carries the same dispatch id.
  for (const auto& hit : rx_.hits()) EXPECT_EQ(hit.header("X-Apify-Webhook-Dispatch-Id"), dispatch_id);
  EXPECT_EQ(data(get(api_, "/v2/webhooks/" + id))->getObject("lastDispatch")->getValue<std::string>("status"), "FAILED");
}

TEST_F(FakeApifyDispatch, ARecoveringReceiverSucceedsOnARetryAndDoNotRetryMeansOneCall) {
  rx_.state->fail_first = 2;
  const std::string id = webhook(R"({"actorId":"act1"})", R"(["ACTOR.RUN.SUCCEEDED"])");
  request(api_, "POST", "/v2/webhooks/" + id + "/test", "");
  settle();
  EXPECT_EQ(api_.dispatches().back().status, "SUCCEEDED");
  ASSERT_EQ(api_.dispatches().back().calls.size(), 3u);
  EXPECT_EQ(api_.dispatches().back().calls[0].response_status, 503);
  EXPECT_EQ(api_.dispatches().back().calls[2].response_status, 200);

  rx_.state->status = 500;
  const std::string once = webhook(R"({"actorId":"act1"})", R"(["ACTOR.RUN.SUCCEEDED"])", R"("doNotRetry":true)");
  request(api_, "POST", "/v2/webhooks/" + once + "/test", "");
  settle();
  EXPECT_EQ(api_.dispatches().back().status, "FAILED");
  EXPECT_EQ(api_.dispatches().back().calls.size(), 1u);
}

TEST_F(FakeApifyDispatch, UnreachableAndNonLoopbackUrlsFailWithoutTraffic) {
  const std::string down = "http://127.0.0.1:" + std::to_string(unused_port()) + "/x";
  const Got a = request(api_, "POST", "/v2/webhooks",
                        R"({"eventTypes":["ACTOR.RUN.SUCCEEDED"],"condition":{"actorId":"act1"},"requestUrl":")" + down + "\"}");
  const Got b = request(api_, "POST", "/v2/webhooks",
                        R"({"eventTypes":["ACTOR.RUN.SUCCEEDED"],"condition":{"actorId":"act1"},"requestUrl":"https://sinkhub.example.com/h"})");
  request(api_, "POST", "/v2/webhooks/" + data(a)->getValue<std::string>("id") + "/test", "");
  request(api_, "POST", "/v2/webhooks/" + data(b)->getValue<std::string>("id") + "/test", "");
  settle();
  const auto ds = api_.dispatches();
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].status, "FAILED");
  EXPECT_EQ(ds[0].calls.size(), 3u);  // refused connections are retried
  EXPECT_EQ(ds[0].calls[0].response_status, 0);
  EXPECT_FALSE(ds[0].calls[0].error_message.empty());
  EXPECT_EQ(ds[1].status, "FAILED");
  EXPECT_EQ(ds[1].calls.size(), 1u);  // the fake never leaves loopback
  EXPECT_NE(ds[1].calls[0].error_message.find("loopback"), std::string::npos);
}

TEST_F(FakeApifyDispatch, AFinishedRunIsDispatchedToEveryMatchingEnabledWebhook) {
  const std::string actor_hook = webhook(R"({"actorId":"act1"})", R"(["ACTOR.RUN.SUCCEEDED","ACTOR.RUN.FAILED"])", kSecret);
  const std::string task_hook = webhook(R"({"actorTaskId":"task1"})", R"(["ACTOR.RUN.SUCCEEDED"])");
  webhook(R"({"actorId":"act1"})", R"(["ACTOR.RUN.ABORTED"])");                       // other event
  webhook(R"({"actorId":"act1"})", R"(["ACTOR.RUN.SUCCEEDED"])", R"("isEnabled":false)");  // disabled
  FakeRun run;
  run.id = "run1";
  run.act_id = "act1";
  run.actor_task_id = "task1";
  run.status = "RUNNING";
  run.default_dataset_id = "ds1";
  run.started_at = "2026-04-01T10:00:00.000Z";
  run.finished_at = "";
  api_.add_run(run);

  const auto ids = api_.finish_run("run1", "SUCCEEDED", "2026-04-01T10:05:00.123Z");
  ASSERT_EQ(ids.size(), 2u);  // the Actor's webhook and the task's webhook: two dispatches for one run
  settle();
  const auto hits = rx_.hits();
  ASSERT_EQ(hits.size(), 2u);
  for (const auto& hit : hits) {
    model::Event ev;
    webhook::EnvelopeError err;
    ASSERT_TRUE(webhook::parse_envelope(hit.body, ev, err)) << err.message << "\n" << hit.body;
    EXPECT_EQ(ev.event_type, "ACTOR.RUN.SUCCEEDED");
    EXPECT_EQ(ev.run_id, "run1");
    EXPECT_EQ(ev.actor_id, "act1");
    EXPECT_EQ(ev.task_id, "task1");
    EXPECT_EQ(ev.dataset_id, "ds1");
    EXPECT_EQ(ev.status, "SUCCEEDED");
    EXPECT_EQ(ev.finished_at, "2026-04-01T10:05:00.123Z");
    EXPECT_EQ(ev.created_at, "2026-04-01T10:05:00.123Z");  // the event time of a terminal event
    EXPECT_EQ(ev.user_id, kFakeUserId);
    EXPECT_EQ(ev.dedup_key({}), "run1|ACTOR.RUN.SUCCEEDED|2026-04-01T10:05:00.123Z");
  }
  EXPECT_NE(hits[0].header("X-Apify-Webhook-Dispatch-Id"), hits[1].header("X-Apify-Webhook-Dispatch-Id"));
  // The resource is the run as GET /v2/actor-runs/{id} returns it.
  const auto resource = test::json(hits[0].body)->getObject("resource");
  EXPECT_EQ(test::json(hits[0].body)->getObject("eventData")->getValue<std::string>("actorRunId"), "run1");
  EXPECT_EQ(test::json(get(api_, "/v2/actor-runs/run1").body)->getObject("data")->size(), resource->size());

  const auto listed = data(get(api_, "/v2/webhook-dispatches"));
  EXPECT_EQ(listed->getValue<int>("total"), 2);
  const auto first = listed->getArray("items")->getObject(0);
  EXPECT_EQ(first->getValue<std::string>("webhookId"), actor_hook);
  EXPECT_EQ(first->getObject("eventData")->getValue<std::string>("actorTaskId"), "task1");
  EXPECT_EQ(first->getObject("webhook")->getObject("condition")->getValue<std::string>("actorId"), "act1");
  EXPECT_EQ(data(get(api_, "/v2/webhooks/" + task_hook + "/dispatches"))->getValue<int>("total"), 1);
  EXPECT_EQ(data(get(api_, "/v2/webhook-dispatches?desc=1&limit=1"))->getArray("items")->getObject(0)->getValue<std::string>("webhookId"),
            task_hook);
  EXPECT_EQ(get(api_, "/v2/webhook-dispatches/nope").status, 404);
  EXPECT_EQ(get(api_, "/v2/webhooks/nope/dispatches").status, 404);

  // Non-terminal transitions emit nothing; an explicit event can be emitted.
  EXPECT_TRUE(api_.finish_run("run1", "RUNNING").empty());
  EXPECT_EQ(api_.emit_run_event("run1", "ACTOR.RUN.FAILED").size(), 1u);
}

TEST_F(FakeApifyDispatch, ARunOfAnotherTaskOrActorReachesOnlyItsOwnWebhooks) {
  webhook(R"({"actorTaskId":"task1"})", R"(["ACTOR.RUN.SUCCEEDED"])");
  api_.add_run({"plain", "act1", "", "RUNNING", "ds"});  // the Actor run directly, not through task1
  EXPECT_TRUE(api_.finish_run("plain", "SUCCEEDED").empty());
  api_.add_run({"other", "act2", "", "RUNNING", "ds"});
  EXPECT_TRUE(api_.finish_run("other", "SUCCEEDED").empty());
  EXPECT_TRUE(api_.dispatches().empty());
}

TEST_F(FakeApifyDispatch, AnAdHocWebhookFiresOnce) {
  api_.add_run({"run9", "act1", "", "RUNNING", "ds"});
  webhook(R"({"actorRunId":"run9"})", R"(["ACTOR.RUN.SUCCEEDED"])", R"("isAdHoc":true)");
  EXPECT_EQ(api_.finish_run("run9", "SUCCEEDED").size(), 1u);
  EXPECT_TRUE(api_.finish_run("run9", "SUCCEEDED").empty());
}

TEST_F(FakeApifyDispatch, CustomTemplatesAreRendered) {
  webhook(R"({"actorId":"act1"})", R"(["ACTOR.RUN.SUCCEEDED"])",
          R"("payloadTemplate":"{\"runId\": {{resource.id}}, \"datasetId\": {{resource.defaultDatasetId}}, \"status\": {{resource.status}}, \"inString\": \"{{resource.id}}\", \"missing\": {{resource.nope}}}",)"
          R"("headersTemplate":"{\"X-Run\": {{eventData.actorRunId}}}")");
  webhook(R"({"actorId":"act1"})", R"(["ACTOR.RUN.SUCCEEDED"])",
          R"("shouldInterpolateStrings":true,"payloadTemplate":"{\"text\": \"Run {{resource.id}} is {{resource.status}}\", \"typed\": \"{{resource.stats}}\"}")");
  api_.add_run({"run7", "act1", "", "RUNNING", "ds7"});
  api_.finish_run("run7", "SUCCEEDED");
  settle();
  const auto hits = rx_.hits();
  ASSERT_EQ(hits.size(), 2u);
  const auto plain = test::json(hits[0].body);
  EXPECT_EQ(plain->getValue<std::string>("runId"), "run7");
  EXPECT_EQ(plain->getValue<std::string>("datasetId"), "ds7");
  EXPECT_EQ(plain->getValue<std::string>("inString"), "{{resource.id}}");  // literal without interpolation
  EXPECT_TRUE(plain->isNull("missing"));
  EXPECT_EQ(hits[0].header("X-Run"), "run7");
  // sinkhub's compact template shape parses too.
  model::Event ev;
  webhook::EnvelopeError err;
  EXPECT_TRUE(webhook::parse_envelope(hits[0].body, ev, err)) << err.message;
  const auto interpolated = test::json(hits[1].body);
  EXPECT_EQ(interpolated->getValue<std::string>("text"), "Run run7 is SUCCEEDED");
  EXPECT_TRUE(interpolated->getObject("typed")->has("resurrectCount"));
}

}  // namespace
}  // namespace sinkhub::fake
