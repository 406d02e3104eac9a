#include "payloads.hpp"

#include <Poco/JSON/Stringifier.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <sstream>

namespace sinkhub::testkit {

std::string unique_id(const std::string& prefix) {
  static std::atomic<unsigned> counter{0};
  static const unsigned long long salt = [] {
    std::random_device rd;
    return (static_cast<unsigned long long>(rd()) << 20) ^
           static_cast<unsigned long long>(std::chrono::steady_clock::now().time_since_epoch().count());
  }();
  std::ostringstream out;
  out << prefix << '-' << std::hex << (salt & 0xffffffffffULL) << '-' << ::getpid() << '-' << std::dec
      << counter.fetch_add(1);
  return out.str();
}

RunInfo new_run(const std::string& event_type) {
  RunInfo r;
  r.event_type = event_type;
  r.run_id = unique_id("run");
  r.dataset_id = unique_id("ds");
  if (event_type == "ACTOR.RUN.FAILED") r.status = "FAILED";
  else if (event_type == "ACTOR.RUN.ABORTED") r.status = "ABORTED";
  else if (event_type == "ACTOR.RUN.TIMED_OUT") r.status = "TIMED-OUT";
  return r;
}

Poco::JSON::Object::Ptr default_envelope(const RunInfo& run) {
  Poco::JSON::Object::Ptr root = new Poco::JSON::Object;
  root->set("userId", run.user_id);
  root->set("createdAt", run.created_at);
  root->set("eventType", run.event_type);
  Poco::JSON::Object::Ptr data = new Poco::JSON::Object;
  data->set("actorId", run.actor_id);
  if (!run.task_id.empty()) data->set("actorTaskId", run.task_id);
  data->set("actorRunId", run.run_id);
  root->set("eventData", data);
  Poco::JSON::Object::Ptr res = new Poco::JSON::Object;
  res->set("id", run.run_id);
  res->set("actId", run.actor_id);
  res->set("userId", run.user_id);
  if (!run.task_id.empty()) res->set("actorTaskId", run.task_id);
  res->set("startedAt", "2026-11-27T01:00:00.000Z");
  res->set("finishedAt", run.finished_at);
  res->set("status", run.status);
  res->set("buildId", "HG7ML7M8z78YcAPEB");
  res->set("exitCode", 0);
  res->set("defaultKeyValueStoreId", "sfAjeR4QmeJCQzTfe");
  res->set("defaultDatasetId", run.dataset_id);
  res->set("defaultRequestQueueId", "FL35cSF7jrxr3BY39");
  Poco::JSON::Object::Ptr stats = new Poco::JSON::Object;
  stats->set("resurrectCount", 0);
  stats->set("computeUnits", 0.0125);
  res->set("stats", stats);
  root->set("resource", res);
  return root;
}

Poco::JSON::Object::Ptr compact_envelope(const RunInfo& run, bool with_optional) {
  Poco::JSON::Object::Ptr root = new Poco::JSON::Object;
  root->set("runId", run.run_id);
  root->set("datasetId", run.dataset_id);
  root->set("status", run.status);
  if (with_optional) {
    root->set("actorId", run.actor_id);
    root->set("eventType", run.event_type);
    root->set("finishedAt", run.finished_at);
  }
  return root;
}

Poco::JSON::Object::Ptr test_envelope() {
  Poco::JSON::Object::Ptr root = new Poco::JSON::Object;
  root->set("userId", "abf6vtB2nvQZ4nJzo");
  root->set("createdAt", "2026-11-27T01:02:03.456Z");
  root->set("eventType", "TEST");
  root->set("eventData", Poco::Dynamic::Var());  // null
  Poco::JSON::Object::Ptr res = new Poco::JSON::Object;
  res->set("placeholder", "This is a test webhook dispatch");
  root->set("resource", res);
  return root;
}

Poco::JSON::Object::Ptr build_envelope(const std::string& event_type, const std::string& build_id,
                                       const std::string& actor_id) {
  Poco::JSON::Object::Ptr root = new Poco::JSON::Object;
  root->set("userId", "abf6vtB2nvQZ4nJzo");
  root->set("createdAt", "2026-11-27T01:02:03.456Z");
  root->set("eventType", event_type);
  Poco::JSON::Object::Ptr data = new Poco::JSON::Object;
  data->set("actorId", actor_id);
  data->set("actorBuildId", build_id);
  root->set("eventData", data);
  Poco::JSON::Object::Ptr res = new Poco::JSON::Object;
  res->set("id", build_id);
  res->set("actId", actor_id);
  res->set("status", "SUCCEEDED");
  res->set("startedAt", "2026-11-27T01:00:00.000Z");
  res->set("finishedAt", "2026-11-27T01:01:00.000Z");
  root->set("resource", res);
  return root;
}

std::string to_json(const Poco::JSON::Object::Ptr& obj) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(obj, out);
  return out.str();
}

}  // namespace sinkhub::testkit
