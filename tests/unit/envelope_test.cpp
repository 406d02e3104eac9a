// Both payload shapes Apify can send map to one Event; anything else is a 400 naming the field.
#include <gtest/gtest.h>

#include "webhook/envelope.hpp"

namespace sinkhub::webhook {
namespace {

const char* kDefault = R"({"userId":"abf6vtB2nvQZ4nJzo","createdAt":"2019-01-09T15:59:56.408Z",
 "eventType":"ACTOR.RUN.SUCCEEDED",
 "eventData":{"actorId":"fW4MyDhgwtMLrB987","actorRunId":"uPBN9qaKd2iLs5naZ"},
 "resource":{"id":"uPBN9qaKd2iLs5naZ","actId":"fW4MyDhgwtMLrB987","userId":"abf6vtB2nvQZ4nJzo",
  "startedAt":"2019-01-09T15:59:40.750Z","finishedAt":"2019-01-09T15:59:56.408Z","status":"SUCCEEDED",
  "defaultDatasetId":"wmKPijuyDnPZAPRMk"}})";

struct Parsed {
  bool ok;
  model::Event ev;
  EnvelopeError err;
};

Parsed parse(const std::string& body) {
  Parsed p{};
  p.ok = parse_envelope(body, p.ev, p.err);
  return p;
}

TEST(Envelope, DefaultPayloadFromTheApifyDocs) {
  const auto p = parse(kDefault);
  ASSERT_TRUE(p.ok) << p.err.message;
  EXPECT_EQ(p.ev.event_type, "ACTOR.RUN.SUCCEEDED");
  EXPECT_EQ(p.ev.run_id, "uPBN9qaKd2iLs5naZ");
  EXPECT_EQ(p.ev.actor_id, "fW4MyDhgwtMLrB987");
  EXPECT_EQ(p.ev.dataset_id, "wmKPijuyDnPZAPRMk");
  EXPECT_EQ(p.ev.status, "SUCCEEDED");
  EXPECT_EQ(p.ev.finished_at, "2019-01-09T15:59:56.408Z");
  EXPECT_EQ(p.ev.task_id, "");
  EXPECT_EQ(p.ev.dedup_key("x"), "uPBN9qaKd2iLs5naZ|ACTOR.RUN.SUCCEEDED|2019-01-09T15:59:56.408Z");
}

TEST(Envelope, TaskRunsCarryTheTaskId) {
  const auto p = parse(R"({"eventType":"ACTOR.RUN.FAILED","eventData":{"actorId":"a","actorTaskId":"t","actorRunId":"r"},
    "resource":{"id":"r","status":"FAILED","finishedAt":null,"defaultDatasetId":"d"}})");
  ASSERT_TRUE(p.ok) << p.err.message;
  EXPECT_EQ(p.ev.task_id, "t");
  EXPECT_EQ(p.ev.finished_at, "");
}

TEST(Envelope, CompactTemplateFromApifyGuides) {
  const auto p = parse(R"({"runId":"r1","datasetId":"d1","status":"SUCCEEDED"})");
  ASSERT_TRUE(p.ok) << p.err.message;
  EXPECT_EQ(p.ev.event_type, "ACTOR.RUN.SUCCEEDED");
  EXPECT_EQ(p.ev.run_id, "r1");
  EXPECT_EQ(p.ev.dataset_id, "d1");
  const auto q = parse(R"({"runId":"r1","datasetId":"d1","status":"TIMED-OUT","actorId":"a"})");
  ASSERT_TRUE(q.ok);
  EXPECT_EQ(q.ev.event_type, "ACTOR.RUN.TIMED_OUT");
  EXPECT_EQ(q.ev.actor_id, "a");
  const auto r = parse(R"({"runId":"r1","datasetId":"d1","status":"RUNNING"})");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err.field, "status");
}

TEST(Envelope, TestAndBuildEventsNeedNoRunFields) {
  const auto t = parse(R"({"eventType":"TEST","eventData":null,"resource":{}})");
  ASSERT_TRUE(t.ok) << t.err.message;
  EXPECT_EQ(t.ev.run_id, "");
  EXPECT_EQ(t.ev.dedup_key("dispatch-1"), "|TEST|dispatch-1|");
  const auto b = parse(R"({"eventType":"ACTOR.BUILD.SUCCEEDED","eventData":{"actorId":"a","actorBuildId":"b1"},
    "resource":{"id":"b1","status":"SUCCEEDED","finishedAt":"2026-01-01T00:00:00Z"}})");
  ASSERT_TRUE(b.ok) << b.err.message;
  EXPECT_EQ(b.ev.run_id, "b1");
  EXPECT_FALSE(model::carries_dataset(b.ev.event_type));
}

TEST(Envelope, MissingOrMistypedFieldsAreNamed) {
  struct Case {
    const char* body;
    const char* field;
  } cases[] = {
      {R"({"eventData":{},"resource":{}})", "eventType"},
      {R"({"eventType":7,"eventData":{},"resource":{}})", "eventType"},
      {R"({"eventType":"ACTOR.RUN.SUCCEEDED","resource":{}})", "eventData"},
      {R"({"eventType":"ACTOR.RUN.SUCCEEDED","eventData":[],"resource":{}})", "eventData"},
      {R"({"eventType":"ACTOR.RUN.SUCCEEDED","eventData":{"actorId":"a","actorRunId":"r"}})", "resource"},
      {R"({"eventType":"ACTOR.RUN.SUCCEEDED","eventData":{"actorId":"a"},"resource":{}})", "eventData.actorRunId"},
      {R"({"eventType":"ACTOR.RUN.SUCCEEDED","eventData":{"actorId":"a","actorRunId":"r"},"resource":{"status":"SUCCEEDED"}})",
       "resource.defaultDatasetId"},
      {R"({"eventType":"ACTOR.RUN.SUCCEEDED","eventData":{"actorId":"a","actorRunId":"r"},"resource":{"status":"SUCCEEDED","defaultDatasetId":12}})",
       "resource.defaultDatasetId"},
      {R"({"eventType":"ACTOR.RUN.SUCCEEDED","eventData":{"actorId":"a","actorRunId":""},"resource":{}})",
       "eventData.actorRunId"},
      {R"({"eventType":"ACTOR.RUN.SUCCEEDED","eventData":{"actorId":"a","actorRunId":"r"},"resource":{"id":"other","status":"SUCCEEDED","defaultDatasetId":"d"}})",
       "resource.id"},
      {R"({"runId":"r","status":"SUCCEEDED"})", "datasetId"},
      {R"({"runId":["r"],"datasetId":"d","status":"SUCCEEDED"})", "runId"},
  };
  for (const auto& c : cases) {
    const auto p = parse(c.body);
    EXPECT_FALSE(p.ok) << c.body;
    EXPECT_EQ(p.err.field, c.field) << c.body;
    EXPECT_NE(p.err.message.find(c.field), std::string::npos) << p.err.message;
  }
}

TEST(Envelope, NotAnObjectOrNotJsonIsRefused) {
  for (const char* body : {"", "null", "[]", "[{\"runId\":\"r\"}]", "\"text\"", "42", "{", "{\"a\":}", "{} trailing"}) {
    const auto p = parse(body);
    EXPECT_FALSE(p.ok) << body;
    EXPECT_FALSE(p.err.message.empty());
  }
}

TEST(Envelope, HostileInputIsRefusedWithoutCrashing) {
  EXPECT_FALSE(parse(std::string(100000, '[') + std::string(100000, ']')).ok);
  std::string deep = R"({"eventType":"TEST","resource":)";
  for (int i = 0; i < 40; ++i) deep += R"({"a":)";
  deep += "1" + std::string(40, '}') + "}";
  EXPECT_FALSE(parse(deep).ok);
  // Invalid UTF-8: a lone continuation byte, an overlong '/', a UTF-16 surrogate.
  for (const char* bad : {"\x80", "\xC0\xAF", "\xED\xA0\x80"}) {
    const auto p = parse(std::string(R"({"runId":"r)") + bad + R"(","datasetId":"d","status":"SUCCEEDED"})");
    EXPECT_FALSE(p.ok);
    EXPECT_EQ(p.err.message, "body is not valid UTF-8");
  }
  // Valid multi-byte UTF-8 is fine.
  EXPECT_TRUE(parse(R"({"runId":"r","datasetId":"d","status":"SUCCEEDED","actorId":"žluťoučký 🐎"})").ok);
  EXPECT_FALSE(parse(R"({"runId":")" + std::string(1000, 'x') + R"(","datasetId":"d","status":"SUCCEEDED"})").ok);
}

TEST(EventTypes, KnownTypesAndClasses) {
  EXPECT_TRUE(model::is_known_event_type("ACTOR.RUN.TIMED_OUT"));
  EXPECT_TRUE(model::is_known_event_type("TEST"));
  EXPECT_FALSE(model::is_known_event_type("ACTOR.RUN.TIMED-OUT"));
  EXPECT_TRUE(model::is_run_event("ACTOR.RUN.CREATED"));
  EXPECT_FALSE(model::is_run_event("ACTOR.BUILD.SUCCEEDED"));
  EXPECT_TRUE(model::carries_dataset("ACTOR.RUN.SUCCEEDED"));
  EXPECT_FALSE(model::carries_dataset("ACTOR.RUN.FAILED"));
  EXPECT_EQ(model::run_event_for_status("TIMED-OUT"), "ACTOR.RUN.TIMED_OUT");
  EXPECT_EQ(model::run_event_for_status("RUNNING"), "");
}

TEST(EventFacts, TheRunStatusAnEventClaims) {
  model::Event e;
  for (const auto& [type, status] : {std::pair<const char*, const char*>{"ACTOR.RUN.SUCCEEDED", "SUCCEEDED"},
                                     {"ACTOR.RUN.FAILED", "FAILED"},
                                     {"ACTOR.RUN.ABORTED", "ABORTED"},
                                     {"ACTOR.RUN.TIMED_OUT", "TIMED-OUT"},
                                     {"ACTOR.RUN.CREATED", ""},
                                     {"ACTOR.BUILD.SUCCEEDED", ""},
                                     {"TEST", ""}}) {
    e.event_type = type;
    EXPECT_EQ(e.implied_run_status(), status) << type;
  }
}

TEST(EventFacts, WhenTheRunFinished) {
  model::Event e;
  e.finished_at = "2019-01-09T15:59:56.408Z";
  EXPECT_EQ(e.finished_at_unix_ms(7), 1547049596408);
  e.finished_at = "2019-01-09T16:59:56.408+01:00";  // the same instant in another zone
  EXPECT_EQ(e.finished_at_unix_ms(7), 1547049596408);
  for (const char* unusable : {"", "yesterday", "2019-13-45"}) {
    e.finished_at = unusable;
    EXPECT_EQ(e.finished_at_unix_ms(7), 7) << "'" << unusable << "' falls back to when the event arrived";
  }
}

}  // namespace
}  // namespace sinkhub::webhook
