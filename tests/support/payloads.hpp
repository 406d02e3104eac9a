// Webhook bodies as Apify sends them (its default payload template and the compact one from
// its integration guides), built as JSON objects so a test can remove or mistype one field
// before serialising.
#pragma once

#include <Poco/JSON/Object.h>

#include <string>

namespace sinkhub::testkit {

// A unique id with a prefix, e.g. unique_id("run") -> "run-3f2a...-7".
std::string unique_id(const std::string& prefix);

struct RunInfo {
  std::string event_type = "ACTOR.RUN.SUCCEEDED";
  std::string user_id = "abf6vtB2nvQZ4nJzo";
  std::string created_at = "2026-11-27T01:02:03.456Z";
  std::string actor_id = "fW4MyDhgwtMLrB987";
  std::string task_id;  // empty: not started through a task (field omitted)
  std::string run_id;
  std::string dataset_id;
  std::string status = "SUCCEEDED";
  std::string finished_at = "2026-11-27T01:02:03.400Z";
};

// A run with fresh run and dataset ids; everything else as in RunInfo's defaults.
RunInfo new_run(const std::string& event_type = "ACTOR.RUN.SUCCEEDED");

// {"userId","createdAt","eventType","eventData":{actorId,actorTaskId?,actorRunId},
//  "resource":{id,actId,userId,startedAt,finishedAt,status,defaultDatasetId,...}}
Poco::JSON::Object::Ptr default_envelope(const RunInfo& run);
// {"runId","datasetId","status"} plus "actorId","eventType","finishedAt" when `with_optional`.
Poco::JSON::Object::Ptr compact_envelope(const RunInfo& run, bool with_optional = true);
// TEST dispatch: eventData null, placeholder resource.
Poco::JSON::Object::Ptr test_envelope();
// ACTOR.BUILD.* event: eventData {actorId, actorBuildId}, resource = the build.
Poco::JSON::Object::Ptr build_envelope(const std::string& event_type, const std::string& build_id,
                                       const std::string& actor_id = "fW4MyDhgwtMLrB987");

std::string to_json(const Poco::JSON::Object::Ptr& obj);

inline std::string default_payload(const RunInfo& run) { return to_json(default_envelope(run)); }
inline std::string compact_payload(const RunInfo& run, bool with_optional = true) {
  return to_json(compact_envelope(run, with_optional));
}

}  // namespace sinkhub::testkit
