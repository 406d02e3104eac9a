// Accepted webhooks: what the daemon answers and what it writes to the ledger.
#include <Poco/JSON/Parser.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "integration.hpp"

namespace sinkhub::it {
namespace {

using Accepting = DaemonTest;

long long now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Poco::JSON::Object::Ptr parse_object(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

TEST_F(Accepting, DefaultPayloadIsAnsweredAcceptedAndRecordedWithEveryField) {
  RunInfo run = new_run();
  run.task_id = "task-" + run.run_id;
  const std::string body = default_payload(run);
  const long long before = now_unix_ms();
  const auto r = daemon().post_webhook(body, {{"X-Apify-Webhook-Dispatch-Id", "dispatch-abc-123"}});

  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json_string("status"), "accepted") << r.body;
  ASSERT_TRUE(r.json() && r.json()->has("event")) << r.body;
  const std::string event_id = std::to_string(r.json()->getValue<long long>("event"));

  const auto rows = ledger().events_for_run(run.run_id);
  ASSERT_EQ(rows.size(), 1u);
  const Row& ev = rows.front();
  EXPECT_EQ(ev.at("id"), event_id);
  EXPECT_EQ(ev.at("dedup_key"), run.run_id + "|ACTOR.RUN.SUCCEEDED|" + run.finished_at);
  EXPECT_EQ(ev.at("event_type"), "ACTOR.RUN.SUCCEEDED");
  EXPECT_EQ(ev.at("actor_id"), run.actor_id);
  EXPECT_EQ(ev.at("task_id"), run.task_id);
  EXPECT_EQ(ev.at("dataset_id"), run.dataset_id);
  EXPECT_EQ(ev.at("status"), "SUCCEEDED");
  EXPECT_EQ(ev.at("finished_at"), run.finished_at);
  EXPECT_EQ(ev.at("dispatch_id"), "dispatch-abc-123");
  EXPECT_EQ(ev.at("body"), body) << "the raw body is stored byte for byte";
  const long long received = std::stoll(ev.at("received_at"));
  EXPECT_GE(received, before - 5000);
  EXPECT_LE(received, now_unix_ms() + 5000);
}

TEST_F(Accepting, StoredHeadersKeepTheDispatchIdButNeverTheSecret) {
  const RunInfo run = new_run();
  ASSERT_EQ(daemon().post_webhook(default_payload(run), {{"X-Apify-Webhook-Dispatch-Id", "dsp-777"}}).status, 200);

  const auto rows = ledger().events_for_run(run.run_id);
  ASSERT_EQ(rows.size(), 1u);
  const std::string headers = rows.front().at("headers");
  Poco::JSON::Object::Ptr obj;
  ASSERT_NO_THROW(obj = parse_object(headers)) << "headers column is not a JSON object: " << headers;
  ASSERT_TRUE(obj->has("X-Apify-Webhook-Dispatch-Id")) << headers;
  EXPECT_EQ(obj->getValue<std::string>("X-Apify-Webhook-Dispatch-Id"), "dsp-777");
  EXPECT_FALSE(obj->has("X-Webhook-Secret")) << headers;
  EXPECT_EQ(headers.find(kSecret), std::string::npos) << "the secret leaked into the ledger: " << headers;
  EXPECT_EQ(rows.front().at("body").find(kSecret), std::string::npos);
}

// A planned delivery not yet done: the engine may have claimed it the moment it was committed.
bool is_queued(const std::string& state) { return state == "pending" || state == "running" || state == "retrying"; }

TEST_F(Accepting, AcceptedSucceededRunPlansOneDeliveryWithItems) {
  const RunInfo run = new_run();
  const auto r = daemon().post_webhook(default_payload(run));
  ASSERT_EQ(r.status, 200) << r.body;

  auto db = ledger();
  const auto events = db.events_for_run(run.run_id);
  ASSERT_EQ(events.size(), 1u);
  const auto deliveries = db.deliveries_for_event(events.front().at("id"));
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].at("sink"), "local-files");
  EXPECT_EQ(deliveries[0].at("with_items"), "1");
  // Planned in the same transaction; the delivery engine may already have picked it up (its
  // Apify API is unreachable here, so it never finishes): it is queued, running or waiting.
  EXPECT_TRUE(is_queued(deliveries[0].at("state"))) << deliveries[0].at("state");
}

TEST_F(Accepting, CompactPayloadIsAcceptedAndRecorded) {
  RunInfo run = new_run();
  run.actor_id = "compact-actor";
  const std::string body = compact_payload(run);
  const auto r = daemon().post_webhook(body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json_string("status"), "accepted");

  auto db = ledger();
  const auto rows = db.events_for_run(run.run_id);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("event_type"), "ACTOR.RUN.SUCCEEDED");
  EXPECT_EQ(rows[0].at("actor_id"), "compact-actor");
  EXPECT_EQ(rows[0].at("dataset_id"), run.dataset_id);
  EXPECT_EQ(rows[0].at("status"), "SUCCEEDED");
  EXPECT_EQ(rows[0].at("finished_at"), run.finished_at);
  EXPECT_EQ(rows[0].at("body"), body);
  const auto deliveries = db.deliveries_for_event(rows[0].at("id"));
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].at("sink"), "local-files");
  EXPECT_EQ(deliveries[0].at("with_items"), "1");
}

TEST_F(Accepting, MinimalCompactPayloadTakesItsEventTypeFromTheStatus) {
  const RunInfo run = new_run();
  const auto r = daemon().post_webhook(compact_payload(run, /*with_optional=*/false));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto rows = ledger().events_for_run(run.run_id);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("event_type"), "ACTOR.RUN.SUCCEEDED");
  EXPECT_EQ(rows[0].at("dataset_id"), run.dataset_id);
}

TEST_F(Accepting, RoutesFanOutToEveryMatchingSinkOnce) {
  RunInfo run = new_run();
  run.actor_id = "fanout-actor";  // matched by both routes; local-files must appear once
  ASSERT_EQ(daemon().post_webhook(default_payload(run)).status, 200);

  auto db = ledger();
  const auto events = db.events_for_run(run.run_id);
  ASSERT_EQ(events.size(), 1u);
  const auto deliveries = db.deliveries_for_event(events[0].at("id"));
  ASSERT_EQ(deliveries.size(), 2u);
  EXPECT_EQ(deliveries[0].at("sink"), "archive");
  EXPECT_EQ(deliveries[1].at("sink"), "local-files");
  for (const auto& d : deliveries) {
    EXPECT_EQ(d.at("with_items"), "1");
    EXPECT_TRUE(is_queued(d.at("state"))) << d.at("state");
  }
}

TEST_F(Accepting, WildcardRouteTakesFailedRunsWithoutItems) {
  RunInfo fan = new_run("ACTOR.RUN.FAILED");
  fan.actor_id = "fanout-actor";
  RunInfo other = new_run("ACTOR.RUN.FAILED");
  ASSERT_EQ(daemon().post_webhook(default_payload(fan)).status, 200);
  ASSERT_EQ(daemon().post_webhook(default_payload(other)).status, 200);

  auto db = ledger();
  const auto fan_events = db.events_for_run(fan.run_id);
  ASSERT_EQ(fan_events.size(), 1u);
  EXPECT_EQ(fan_events[0].at("status"), "FAILED");
  const auto deliveries = db.deliveries_for_event(fan_events[0].at("id"));
  ASSERT_EQ(deliveries.size(), 2u);
  for (const auto& d : deliveries) EXPECT_EQ(d.at("with_items"), "0") << d.at("sink");

  const auto other_events = db.events_for_run(other.run_id);
  ASSERT_EQ(other_events.size(), 1u) << "a FAILED run no route names is still recorded";
  EXPECT_TRUE(db.deliveries_for_event(other_events[0].at("id")).empty());
}

TEST_F(Accepting, SameEventAgainIsAnsweredDuplicateAndNotRecordedTwice) {
  const RunInfo run = new_run();
  const std::string body = default_payload(run);
  const auto first = daemon().post_webhook(body);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.json_string("status"), "accepted");
  // Apify's retry (same dispatch) and a second webhook for the same run (new dispatch id).
  const auto again = daemon().post_webhook(body);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json_string("status"), "duplicate") << again.body;
  const auto compact = daemon().post_webhook(compact_payload(run));
  ASSERT_EQ(compact.status, 200) << compact.body;
  EXPECT_EQ(compact.json_string("status"), "duplicate") << "dedup key is eventType|runId|finishedAt, "
                                                            "whatever the envelope shape";

  auto db = ledger();
  EXPECT_EQ(db.event_count(), 1);
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM deliveries"), 1);
}

TEST_F(Accepting, SameRunWithAnotherFinishedAtIsANewEvent) {
  RunInfo run = new_run();
  ASSERT_EQ(daemon().post_webhook(default_payload(run)).json_string("status"), "accepted");
  run.finished_at = "2026-11-27T05:00:00.000Z";  // resurrected and finished again
  const auto r = daemon().post_webhook(default_payload(run));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json_string("status"), "accepted");
  EXPECT_EQ(ledger().events_for_run(run.run_id).size(), 2u);
}

TEST_F(Accepting, TwentyConcurrentCopiesOfOneRunMakeExactlyOneEvent) {
  const RunInfo run = new_run();
  const std::string body = default_payload(run);
  constexpr int kCopies = 20;
  std::vector<HttpResponse> responses(kCopies);
  std::mutex mu;
  std::condition_variable cv;
  bool go = false;
  std::vector<std::thread> threads;
  for (int i = 0; i < kCopies; ++i) {
    threads.emplace_back([&, i] {
      {
        std::unique_lock<std::mutex> lk(mu);
        cv.wait_for(lk, std::chrono::seconds(10), [&] { return go; });
      }
      responses[static_cast<std::size_t>(i)] = daemon().post_webhook(body);
    });
  }
  {
    std::lock_guard<std::mutex> lk(mu);
    go = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();

  int accepted = 0, duplicate = 0;
  for (const auto& r : responses) {
    EXPECT_EQ(r.status, 200) << r.body << r.error;
    const std::string status = r.json_string("status");
    accepted += status == "accepted";
    duplicate += status == "duplicate";
  }
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(duplicate, kCopies - 1);
  auto db = ledger();
  EXPECT_EQ(db.events_for_run(run.run_id).size(), 1u);
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM deliveries"), 1);
}

TEST_F(Accepting, TestEventIsRecordedButPlansNoDelivery) {
  const auto r = daemon().post_webhook(to_json(test_envelope()), {{"X-Apify-Webhook-Dispatch-Id", "test-dsp-1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json_string("status"), "accepted");
  auto db = ledger();
  const auto rows = db.query("SELECT * FROM events WHERE event_type = 'TEST'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("dispatch_id"), "test-dsp-1");
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM deliveries"), 0);

  // Apify retries a TEST dispatch with the same dispatch id: one event.
  const auto retry =
      daemon().post_webhook(to_json(test_envelope()), {{"X-Apify-Webhook-Dispatch-Id", "test-dsp-1"}});
  ASSERT_EQ(retry.status, 200);
  EXPECT_EQ(retry.json_string("status"), "duplicate");
  // A new TEST dispatch is a new event.
  const auto next = daemon().post_webhook(to_json(test_envelope()), {{"X-Apify-Webhook-Dispatch-Id", "test-dsp-2"}});
  EXPECT_EQ(next.json_string("status"), "accepted");
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM events WHERE event_type = 'TEST'"), 2);
}

TEST_F(Accepting, BuildSucceededIsRecordedButPlansNoDeliveryEvenForWildcardRoutes) {
  // fanout-actor's route has events ["*"]: the wildcard covers run events only.
  const std::string build_id = unique_id("build");
  const auto r = daemon().post_webhook(to_json(build_envelope("ACTOR.BUILD.SUCCEEDED", build_id, "fanout-actor")));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json_string("status"), "accepted");
  auto db = ledger();
  const auto rows = db.query("SELECT * FROM events WHERE event_type = 'ACTOR.BUILD.SUCCEEDED'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("run_id"), build_id);
  EXPECT_EQ(rows[0].at("actor_id"), "fanout-actor");
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM deliveries"), 0);
}

class AcceptingWithBuildAndTestRoutes : public DaemonTest {
 protected:
  std::string config() override {
    return replace_all(stock_yaml(), "events: [ACTOR.RUN.SUCCEEDED]",
                       "events: [ACTOR.RUN.SUCCEEDED, ACTOR.BUILD.SUCCEEDED, TEST]");
  }
};

TEST_F(AcceptingWithBuildAndTestRoutes, BuildAndTestEventsAreDeliveredWhenARouteNamesThem) {
  ASSERT_EQ(daemon().post_webhook(to_json(build_envelope("ACTOR.BUILD.SUCCEEDED", unique_id("build")))).status, 200);
  ASSERT_EQ(daemon().post_webhook(to_json(test_envelope())).status, 200);
  auto db = ledger();
  const auto rows = db.query(
      "SELECT e.event_type, d.sink, d.with_items FROM deliveries d JOIN events e ON e.id = d.event_id "
      "ORDER BY e.event_type");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("event_type"), "ACTOR.BUILD.SUCCEEDED");
  EXPECT_EQ(rows[1].at("event_type"), "TEST");
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("sink"), "local-files");
    EXPECT_EQ(row.at("with_items"), "0") << "only a SUCCEEDED run has a dataset to export";
  }
}

TEST_F(Accepting, QueryStringOnTheWebhookPathIsIgnored) {
  const RunInfo run = new_run();
  const auto r = http_request(daemon().port(), "POST", "/apify-webhook?source=apify", {{"X-Webhook-Secret", kSecret}},
                              default_payload(run), "application/json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json_string("status"), "accepted");
}

TEST_F(Accepting, JsonContentTypeWithCharsetIsAccepted) {
  const auto r = http_request(daemon().port(), "POST", "/apify-webhook", {{"X-Webhook-Secret", kSecret}},
                              default_payload(new_run()), "application/json; charset=utf-8");
  ASSERT_EQ(r.status, 200) << r.body;
}

TEST_F(Accepting, RouteActorsMatchTheTaskIdToo) {
  RunInfo run = new_run();
  run.actor_id = "some-other-actor";
  run.task_id = "fanout-actor";  // the route names the task, not the actor
  ASSERT_EQ(daemon().post_webhook(default_payload(run)).status, 200);
  auto db = ledger();
  const auto events = db.events_for_run(run.run_id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(db.deliveries_for_event(events[0].at("id")).size(), 2u);
}

TEST_F(Accepting, SeveralWebhooksOnOneKeepAliveConnection) {
  const Headers h = {{"X-Webhook-Secret", kSecret}, {"Content-Type", "application/json"}};
  RawClient client(daemon().port());
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(client.send_all(raw_request("POST", "/apify-webhook", h, default_payload(new_run()))));
    const auto r = parse_http_response(client.read_response(std::chrono::seconds(5)));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json_string("status"), "accepted") << r.body;
  }
  EXPECT_EQ(ledger().event_count(), 3);
}

TEST_F(Accepting, ChunkedBodyIsAccepted) {
  const RunInfo run = new_run();
  const std::string body = default_payload(run);
  Headers h = {{"X-Webhook-Secret", kSecret}, {"Content-Type", "application/json"}, {"Transfer-Encoding", "chunked"}};
  std::string chunked;
  for (std::size_t off = 0; off < body.size(); off += 100) {
    const std::string piece = body.substr(off, 100);
    char len[16];
    std::snprintf(len, sizeof len, "%zx", piece.size());
    chunked += std::string(len) + "\r\n" + piece + "\r\n";
  }
  chunked += "0\r\n\r\n";
  RawClient client(daemon().port());
  ASSERT_TRUE(client.send_all(raw_request("POST", "/apify-webhook", h, "") + chunked));
  const auto r = parse_http_response(client.read_response(std::chrono::seconds(5)));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto rows = ledger().events_for_run(run.run_id);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("body"), body);
}

class CustomSecretHeader : public DaemonTest {
 protected:
  std::string config() override {
    return replace_all(stock_yaml(), "header: X-Webhook-Secret", "header: X-Sinkhub-Token");
  }
};

TEST_F(CustomSecretHeader, SecretIsReadFromTheConfiguredHeaderOnly) {
  const auto ok = daemon().post_webhook(default_payload(new_run()), {{"-X-Webhook-Secret", ""}, {"X-Sinkhub-Token", kSecret}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  const auto r = daemon().post_webhook(default_payload(new_run()));  // secret in the default header name
  EXPECT_EQ(r.status, 401) << r.body;
  const auto rows = ledger().query("SELECT headers FROM events");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("headers").find(kSecret), std::string::npos) << rows[0].at("headers");
}

}  // namespace
}  // namespace sinkhub::it
