// Both payload shapes Apify can send map to one Event; anything else is a 400 naming the field.
#include <gtest/gtest.h>

#include "util/text.hpp"
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

// Issue 15 item 14: ids with control characters, and keys given twice, are refused.
TEST(Envelope, ControlCharactersInAnyFieldAreRefusedNamingIt) {
  const std::string compact = R"({"runId":"RUN","datasetId":"d","status":"SUCCEEDED","actorId":"ACTOR"})";
  auto with = [&](const std::string& run, const std::string& actor = "a") {
    std::string s = compact;
    s.replace(s.find("RUN"), 3, run);
    s.replace(s.find("ACTOR"), 5, actor);
    return parse(s);
  };
  for (const char* run : {"a\\u0000b", "a\\u001fb", "a\\nb", "a\\u007fb", "a\\u0085b", "a\\u009fb"}) {
    SCOPED_TRACE(run);
    const auto p = with(run);
    EXPECT_FALSE(p.ok);
    EXPECT_EQ(p.err.field, "runId");
    EXPECT_EQ(p.err.message, "field 'runId' contains a control character");
  }
  const auto actor = with("r", "x\\u001b[31m");
  EXPECT_FALSE(actor.ok);
  EXPECT_EQ(actor.err.field, "actorId");
  const auto surrogate = with("r\\ud800");
  EXPECT_FALSE(surrogate.ok) << "a lone surrogate escape would decode to invalid UTF-8";
  const auto fine = with("r\\u00e9\\ud83d\\ude00", "a\\u00a0b");
  ASSERT_TRUE(fine.ok) << fine.err.message;
  EXPECT_EQ(fine.ev.run_id, "r\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(Envelope, DuplicateKeysAreRefusedAtAnyDepth) {
  const auto top = parse(R"({"runId":"a","runId":"b","datasetId":"d","status":"SUCCEEDED"})");
  EXPECT_FALSE(top.ok);
  EXPECT_EQ(top.err.message, "duplicate key 'runId' in a JSON object");
  std::string nested = kDefault;
  nested.replace(nested.find("\"actorRunId\""), 0, "\"actorRunId\":\"other\",");
  const auto inner = parse(nested);
  EXPECT_FALSE(inner.ok);
  EXPECT_EQ(inner.err.message, "duplicate key 'actorRunId' in a JSON object");
  EXPECT_TRUE(parse(kDefault).ok) << "the same key in two objects (resource.id, eventData) is fine";
  const auto hostile = parse("{\"a\\u001b\":1,\"a\\u001b\":2}");
  EXPECT_FALSE(hostile.ok);
  EXPECT_EQ(hostile.err.message, "duplicate key 'a\\x1B' in a JSON object") << "shown printable";
}

TEST(Envelope, ErrorMessagesNeverCarryRawBytesFromTheBody) {
  for (const std::string& body : {std::string("{\"runId\":\xc3\xa9}"), std::string("{\"runId\":\x01}"),
                                 std::string("{\"r\":\"a\"\xe2\x80\xa8}")}) {
    const auto p = parse(body);
    ASSERT_FALSE(p.ok);
    EXPECT_TRUE(util::valid_utf8(p.err.message)) << p.err.message;
    EXPECT_FALSE(util::has_control_character(p.err.message)) << p.err.message;
  }
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
