// Requests that are not webhooks, or not well-formed ones: each gets the right status and a
// JSON error, nothing is recorded, and the daemon stays healthy.
#include <Poco/String.h>

#include <thread>

#include "integration.hpp"

namespace sinkhub::it {
namespace {

using Clock = std::chrono::steady_clock;
using RequestValidation = DaemonTest;

Headers auth_json() { return {{"X-Webhook-Secret", kSecret}, {"Content-Type", "application/json"}}; }

// --- paths and methods ----------------------------------------------------------------

TEST_F(RequestValidation, UnknownPathIs404) {
  EXPECT_TRUE(IsJsonError(daemon().get("/"), 404));
  EXPECT_TRUE(IsJsonError(daemon().get("/apify-webhook/extra"), 404));
  EXPECT_TRUE(IsJsonError(http_request(daemon().port(), "POST", "/webhook", {{"X-Webhook-Secret", kSecret}},
                                       default_payload(new_run()), "application/json"),
                          404));
  EXPECT_EQ(ledger().event_count(), 0);
}

TEST_F(RequestValidation, OtherMethodsOnTheWebhookPathAre405WithAllowPost) {
  for (const char* method : {"GET", "PUT", "DELETE", "PATCH"}) {
    SCOPED_TRACE(method);
    const std::string body = std::string(method) == "GET" ? std::string() : default_payload(new_run());
    const auto r = http_request(daemon().port(), method, "/apify-webhook", {{"X-Webhook-Secret", kSecret}}, body,
                                body.empty() ? "" : "application/json");
    EXPECT_TRUE(IsJsonError(r, 405));
    EXPECT_EQ(r.header("Allow"), "POST");
  }
  EXPECT_EQ(ledger().event_count(), 0);
}

TEST_F(RequestValidation, UnknownPathIsCheckedBeforeMethodAndSecret) {
  EXPECT_TRUE(IsJsonError(http_request(daemon().port(), "PUT", "/elsewhere", {}, "x", "text/plain"), 404));
}

// --- content type -----------------------------------------------------------------------

TEST_F(RequestValidation, MissingContentTypeIs415) {
  const auto r = http_request(daemon().port(), "POST", "/apify-webhook", {{"X-Webhook-Secret", kSecret}},
                              default_payload(new_run()), /*content_type=*/"");
  EXPECT_TRUE(IsJsonError(r, 415));
  EXPECT_EQ(ledger().event_count(), 0);
}

TEST_F(RequestValidation, NonJsonContentTypesAre415) {
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "text/json-ish", "application/jsonp"}) {
    SCOPED_TRACE(type);
    const auto r = http_request(daemon().port(), "POST", "/apify-webhook", {{"X-Webhook-Secret", kSecret}},
                                default_payload(new_run()), type);
    EXPECT_TRUE(IsJsonError(r, 415));
  }
  EXPECT_EQ(ledger().event_count(), 0);
}

// --- body size ------------------------------------------------------------------------

TEST_F(RequestValidation, TenMebibyteBodyIsRejectedWith413BeforeItIsRead) {
  const std::string body(10u << 20, 'x');
  RawClient client(daemon().port());
  const auto start = Clock::now();
  std::size_t sent = 0;
  const std::string raw =
      client.send_watching_for_reply(raw_request("POST", "/apify-webhook", auth_json(), body), &sent,
                                     std::chrono::seconds(10));
  const auto took = elapsed_ms(start);
  const auto r = parse_http_response(raw);
  EXPECT_TRUE(IsJsonError(r, 413)) << "raw answer: " << raw.substr(0, 300);
  EXPECT_LT(took, 1000) << "413 must come from Content-Length, not after reading 10 MiB";
  // (How much of the body the client got to push is not checked: on loopback the server's
  // lingering close can drain all 10 MiB in a few milliseconds.)
  EXPECT_TRUE(Poco::icompare(r.header("Connection"), "close") == 0) << r.header("Connection");
  bool eof = false;
  client.read_until_close(std::chrono::seconds(5), &eof);
  EXPECT_TRUE(eof) << "the server closes the connection after a 413";

  // Still healthy and still accepting.
  EXPECT_EQ(daemon().get("/healthz").status, 200);
  EXPECT_EQ(daemon().post_webhook(default_payload(new_run())).status, 200);
  EXPECT_EQ(ledger().event_count(), 1);
}

TEST_F(RequestValidation, ContentTypeIsCheckedBeforeTheBodySize) {
  RawClient client(daemon().port());
  ASSERT_TRUE(client.send_all(raw_request("POST", "/apify-webhook", {{"X-Webhook-Secret", kSecret}}, "", 50u << 20)));
  EXPECT_TRUE(IsJsonError(parse_http_response(client.read_response(std::chrono::seconds(5))), 415));
}

TEST_F(RequestValidation, ChunkedBodyOverTheLimitIs413) {
  RawClient client(daemon().port());
  Headers h = auth_json();
  h.emplace_back("Transfer-Encoding", "chunked");
  std::string chunk(64 * 1024, ' ');
  std::string stream;
  std::string hex;
  {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%zx", chunk.size());
    hex = buf;
  }
  for (int i = 0; i < 40; ++i) stream += hex + "\r\n" + chunk + "\r\n";  // 2.5 MiB > 1 MiB
  stream += "0\r\n\r\n";
  std::size_t sent = 0;
  const std::string raw = client.send_watching_for_reply(raw_request("POST", "/apify-webhook", h, "") + stream, &sent,
                                                         std::chrono::seconds(10));
  EXPECT_TRUE(IsJsonError(parse_http_response(raw), 413)) << raw.substr(0, 300);
  EXPECT_EQ(daemon().get("/healthz").status, 200);
  EXPECT_EQ(ledger().event_count(), 0);
}

class SmallBodyLimit : public DaemonTest {
 protected:
  std::string config() override {
    StockConfig k;
    k.max_body_bytes = 4096;
    return stock_yaml(k);
  }
};

TEST_F(SmallBodyLimit, BodyOfExactlyMaxBodyBytesIsAcceptedAndOneMoreIsNot) {
  auto padded = [](const RunInfo& run, std::size_t size) {
    auto env = default_envelope(run);
    env->set("padding", "");
    const std::size_t base = to_json(env).size();
    env->set("padding", std::string(size - base, 'p'));
    return to_json(env);
  };
  const std::string exact = padded(new_run(), 4096);
  ASSERT_EQ(exact.size(), 4096u);
  const auto ok = daemon().post_webhook(exact);
  EXPECT_EQ(ok.status, 200) << ok.body;
  const std::string over = padded(new_run(), 4097);
  EXPECT_TRUE(IsJsonError(daemon().post_webhook(over), 413));
  EXPECT_EQ(ledger().event_count(), 1);
}

// --- slow clients -----------------------------------------------------------------------

class SlowClient : public DaemonTest {
 protected:
  std::string config() override {
    StockConfig k;
    k.read_timeout_ms = 500;
    return stock_yaml(k);
  }
};

TEST_F(SlowClient, HalfABodyThenSilenceIsCutAtReadTimeoutWith408) {
  const std::string body = default_payload(new_run());
  const std::string request = raw_request("POST", "/apify-webhook", auth_json(), body);
  RawClient client(daemon().port());
  const auto start = Clock::now();
  ASSERT_TRUE(client.send_all(request.substr(0, request.size() - body.size() / 2)));
  const std::string raw = client.read_response(std::chrono::seconds(5));
  const auto took = elapsed_ms(start);
  EXPECT_TRUE(IsJsonError(parse_http_response(raw), 408)) << "raw answer: " << raw.substr(0, 300);
  EXPECT_GE(took, 400) << "not before read_timeout_ms";
  EXPECT_LT(took, 2500) << "soon after read_timeout_ms (500 ms)";
  bool eof = false;
  client.read_until_close(std::chrono::seconds(3), &eof);
  EXPECT_TRUE(eof) << "the connection is closed after a 408";

  EXPECT_EQ(daemon().get("/healthz").status, 200);
  EXPECT_EQ(ledger().event_count(), 0);
}

TEST_F(SlowClient, TricklingBodyIsCutAtTheDeadlineToo) {
  const std::string body = default_payload(new_run());
  const std::string request = raw_request("POST", "/apify-webhook", auth_json(), body);
  const std::size_t head = request.size() - body.size();
  RawClient client(daemon().port());
  ASSERT_TRUE(client.send_all(request.substr(0, head)));
  const auto start = Clock::now();
  // One byte every 100 ms: never idle for read_timeout_ms, but far slower than allowed.
  std::string raw;
  for (std::size_t i = head; i < request.size() && elapsed_ms(start) < 4000; ++i) {
    if (!client.send_all(request.substr(i, 1), std::chrono::seconds(1))) break;
    raw = client.read_response(std::chrono::milliseconds(100));
    if (!raw.empty()) break;
  }
  if (raw.empty()) raw = client.read_response(std::chrono::seconds(2));
  const auto took = elapsed_ms(start);
  EXPECT_TRUE(IsJsonError(parse_http_response(raw), 408)) << "raw answer: " << raw.substr(0, 300);
  EXPECT_LT(took, 3000);
  EXPECT_EQ(ledger().event_count(), 0);
}

TEST_F(SlowClient, AStalledClientDoesNotBlockOthers) {
  RawClient stalled(daemon().port());
  const std::string body = default_payload(new_run());
  const std::string request = raw_request("POST", "/apify-webhook", auth_json(), body);
  ASSERT_TRUE(stalled.send_all(request.substr(0, request.size() - 10)));
  const auto start = Clock::now();
  const auto r = daemon().post_webhook(default_payload(new_run()));
  EXPECT_EQ(r.status, 200);
  EXPECT_LT(elapsed_ms(start), 400) << "another client is served while one stalls";
}

TEST_F(RequestValidation, BodyShorterThanContentLengthIs400WithoutWaitingForTheTimeout) {
  const std::string body = default_payload(new_run());
  RawClient client(daemon().port());
  const auto start = Clock::now();
  ASSERT_TRUE(client.send_all(raw_request("POST", "/apify-webhook", auth_json(), body.substr(0, 100),
                                          static_cast<long long>(body.size()))));
  client.shutdown_write();  // the client is done: the body will never be complete
  const auto r = parse_http_response(client.read_response(std::chrono::seconds(5)));
  EXPECT_TRUE(IsJsonError(r, 400));
  EXPECT_LT(elapsed_ms(start), 2000) << "read_timeout_ms is 3000 in the stock config";
  EXPECT_EQ(ledger().event_count(), 0);
}

// --- malformed bodies -----------------------------------------------------------------

TEST_F(RequestValidation, MalformedBodiesAre400WithAJsonError) {
  std::string deep_arrays(10000, '[');
  std::string deep_objects;
  for (int i = 0; i < 5000; ++i) deep_objects += "{\"a\":";
  std::string nested_33 = "{\"eventType\":\"TEST\",\"x\":";
  for (int i = 0; i < 33; ++i) nested_33 += "[";
  for (int i = 0; i < 33; ++i) nested_33 += "]";
  nested_33 += "}";
  RunInfo run = new_run();
  std::string valid = default_payload(run);
  const std::string bad_utf8_string = replace_all(valid, run.run_id, run.run_id + "\xC3\x28");
  const std::string overlong = replace_all(valid, run.run_id, run.run_id + "\xC0\xAF");
  const std::string surrogate = replace_all(valid, run.run_id, run.run_id + "\xED\xA0\x80");
  const std::string truncated_seq = valid.substr(0, valid.size() - 2) + "\xE2\x82" + "}";
  const std::string latin1 = replace_all(valid, "abf6vtB2nvQZ4nJzo", "M\xFCller");

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty body", ""},
      {"truncated object", valid.substr(0, valid.size() / 2)},
      {"not JSON", "this is not json"},
      {"trailing comma", "{\"runId\":\"r\",}"},
      {"single quotes", "{'runId':'r'}"},
      {"array", "[]"},
      {"array of envelopes", "[" + valid + "]"},
      {"string", "\"hello\""},
      {"number", "42"},
      {"null", "null"},
      {"true", "true"},
      {"10000 open brackets", deep_arrays},
      {"5000 nested objects", deep_objects},
      {"nesting deeper than 32", nested_33},
      {"invalid UTF-8 in a string", bad_utf8_string},
      {"overlong UTF-8", overlong},
      {"UTF-16 surrogate encoded in UTF-8", surrogate},
      {"truncated UTF-8 sequence", truncated_seq},
      {"Latin-1 byte", latin1},
      {"NUL byte", std::string("{\"runId\":\"a\0b\"}", sizeof("{\"runId\":\"a\0b\"}") - 1)},
  };
  for (const auto& [what, body] : cases) {
    SCOPED_TRACE(what);
    EXPECT_TRUE(IsJsonError(daemon().post_webhook(body), 400));
  }
  EXPECT_EQ(daemon().get("/healthz").status, 200);
  EXPECT_EQ(ledger().event_count(), 0);
}

TEST_F(RequestValidation, MissingOrMistypedRequiredFieldsAre400NamingTheField) {
  struct Case {
    std::string what, body, field;
  };
  auto with = [](auto&& mutate) {
    auto env = default_envelope(new_run());
    mutate(env);
    return to_json(env);
  };
  auto compact_with = [](auto&& mutate) {
    auto env = compact_envelope(new_run());
    mutate(env);
    return to_json(env);
  };
  using Obj = Poco::JSON::Object::Ptr;
  const std::vector<Case> cases = {
      {"no resource.defaultDatasetId", with([](Obj& e) { e->getObject("resource")->remove("defaultDatasetId"); }),
       "resource.defaultDatasetId"},
      {"null resource.defaultDatasetId",
       with([](Obj& e) { e->getObject("resource")->set("defaultDatasetId", Poco::Dynamic::Var()); }),
       "resource.defaultDatasetId"},
      {"numeric resource.defaultDatasetId", with([](Obj& e) { e->getObject("resource")->set("defaultDatasetId", 12); }),
       "resource.defaultDatasetId"},
      {"empty resource.defaultDatasetId", with([](Obj& e) { e->getObject("resource")->set("defaultDatasetId", ""); }),
       "resource.defaultDatasetId"},
      {"no eventType", with([](Obj& e) { e->remove("eventType"); }), "eventType"},
      {"numeric eventType", with([](Obj& e) { e->set("eventType", 7); }), "eventType"},
      {"no eventData", with([](Obj& e) { e->remove("eventData"); }), "eventData"},
      {"eventData is a string", with([](Obj& e) { e->set("eventData", "run"); }), "eventData"},
      {"eventData is an array", with([](Obj& e) { e->set("eventData", Poco::JSON::Array::Ptr(new Poco::JSON::Array)); }),
       "eventData"},
      {"no eventData.actorRunId", with([](Obj& e) { e->getObject("eventData")->remove("actorRunId"); }),
       "eventData.actorRunId"},
      {"numeric eventData.actorRunId", with([](Obj& e) { e->getObject("eventData")->set("actorRunId", 12345); }),
       "eventData.actorRunId"},
      {"boolean eventData.actorId", with([](Obj& e) { e->getObject("eventData")->set("actorId", true); }),
       "eventData.actorId"},
      {"object eventData.actorTaskId",
       with([](Obj& e) { e->getObject("eventData")->set("actorTaskId", Obj(new Poco::JSON::Object)); }),
       "eventData.actorTaskId"},
      {"no resource", with([](Obj& e) { e->remove("resource"); }), "resource"},
      {"no resource.status", with([](Obj& e) { e->getObject("resource")->remove("status"); }), "resource.status"},
      {"numeric resource.finishedAt", with([](Obj& e) { e->getObject("resource")->set("finishedAt", 1700000000); }),
       "resource.finishedAt"},
      {"resource.id differs from actorRunId", with([](Obj& e) { e->getObject("resource")->set("id", "another-run"); }),
       "resource.id"},
      {"compact without datasetId", compact_with([](Obj& e) { e->remove("datasetId"); }), "datasetId"},
      {"compact with numeric runId", compact_with([](Obj& e) { e->set("runId", 5); }), "runId"},
      {"compact without status", compact_with([](Obj& e) { e->remove("status"); }), "status"},
      {"compact with a running status and no eventType",
       compact_with([](Obj& e) {
         e->remove("eventType");
         e->set("status", "RUNNING");
       }),
       "status"},
      {"compact with numeric finishedAt", compact_with([](Obj& e) { e->set("finishedAt", 17); }), "finishedAt"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const auto r = daemon().post_webhook(c.body);
    EXPECT_TRUE(IsJsonError(r, 400));
    EXPECT_EQ(r.json_string("field"), c.field) << r.body;
  }
  EXPECT_EQ(ledger().event_count(), 0);
}

}  // namespace
}  // namespace sinkhub::it
