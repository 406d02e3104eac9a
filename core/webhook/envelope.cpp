#include "webhook/envelope.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <set>
#include <stdexcept>
#include <vector>

#include "util/text.hpp"

namespace sinkhub::webhook {

namespace {

struct DuplicateKey : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Refuses a key repeated within one object: the parser would keep the last, while another
// reader of the same bytes (a proxy, an audit tool) might take the first.
class UniqueKeys final : public Poco::JSON::ParseHandler {
 public:
  void reset() override {
    keys_.clear();
    ParseHandler::reset();
  }
  void startObject() override {
    keys_.emplace_back();
    ParseHandler::startObject();
  }
  void endObject() override {
    keys_.pop_back();
    ParseHandler::endObject();
  }
  void key(const std::string& k) override {
    if (!keys_.back().insert(k).second)
      throw DuplicateKey("duplicate key '" + util::printable(k) + "' in a JSON object");
    ParseHandler::key(k);
  }

 private:
  std::vector<std::set<std::string>> keys_;
};

enum class Need { Required, Optional };

// Reads obj[key] as a string. Absent or null is fine when optional; anything else is an error.
bool get_string(const Poco::JSON::Object::Ptr& obj, const std::string& key, const std::string& path, Need need,
                std::string& out, EnvelopeError& err) {
  if (!obj || !obj->has(key) || obj->isNull(key)) {
    if (need == Need::Optional) return true;
    err = {path, "missing required field '" + path + "'"};
    return false;
  }
  const Poco::Dynamic::Var v = obj->get(key);
  if (!v.isString()) {
    err = {path, "field '" + path + "' must be a string"};
    return false;
  }
  out = v.extract<std::string>();
  // An escape can spell what the raw bytes may not (\ud800, a lone surrogate).
  if (!util::valid_utf8(out)) {
    err = {path, "field '" + path + "' is not valid UTF-8"};
    return false;
  }
  // Ids end up in file names, log lines and sink requests; no envelope needs a control byte.
  if (util::has_control_character(out)) {
    err = {path, "field '" + path + "' contains a control character"};
    return false;
  }
  if (need == Need::Required && out.empty()) {
    err = {path, "field '" + path + "' must not be empty"};
    return false;
  }
  return true;
}

bool get_object(const Poco::JSON::Object::Ptr& obj, const std::string& key, const std::string& path, Need need,
                Poco::JSON::Object::Ptr& out, EnvelopeError& err) {
  if (!obj->has(key) || obj->isNull(key)) {
    if (need == Need::Optional) return true;
    err = {path, "missing required field '" + path + "'"};
    return false;
  }
  out = obj->getObject(key);
  if (!out) {
    err = {path, "field '" + path + "' must be an object"};
    return false;
  }
  return true;
}

bool parse_default(const Poco::JSON::Object::Ptr& root, model::Event& ev, EnvelopeError& err) {
  Poco::JSON::Object::Ptr data, resource;
  if (!get_string(root, "eventType", "eventType", Need::Required, ev.event_type, err) ||
      !get_string(root, "userId", "userId", Need::Optional, ev.user_id, err) ||
      !get_string(root, "createdAt", "createdAt", Need::Optional, ev.created_at, err))
    return false;
  // TEST dispatches carry eventData: null and a placeholder resource: take what is there.
  const Need need = model::is_run_event(ev.event_type) ? Need::Required : Need::Optional;
  if (!get_object(root, "eventData", "eventData", need, data, err) ||
      !get_object(root, "resource", "resource", need, resource, err))
    return false;
  if (model::is_run_event(ev.event_type)) {
    if (!get_string(data, "actorId", "eventData.actorId", Need::Required, ev.actor_id, err) ||
        !get_string(data, "actorRunId", "eventData.actorRunId", Need::Required, ev.run_id, err) ||
        !get_string(data, "actorTaskId", "eventData.actorTaskId", Need::Optional, ev.task_id, err) ||
        !get_string(resource, "defaultDatasetId", "resource.defaultDatasetId", Need::Required, ev.dataset_id, err) ||
        !get_string(resource, "status", "resource.status", Need::Required, ev.status, err) ||
        !get_string(resource, "finishedAt", "resource.finishedAt", Need::Optional, ev.finished_at, err))
      return false;
    std::string resource_id;
    if (!get_string(resource, "id", "resource.id", Need::Optional, resource_id, err)) return false;
    if (!resource_id.empty() && resource_id != ev.run_id) {
      err = {"resource.id", "field 'resource.id' does not match 'eventData.actorRunId'"};
      return false;
    }
    return true;
  }
  // Build and TEST events: recorded for the audit trail, no dataset.
  if (data) {
    if (!get_string(data, "actorId", "eventData.actorId", Need::Optional, ev.actor_id, err) ||
        !get_string(data, "actorBuildId", "eventData.actorBuildId", Need::Optional, ev.run_id, err))
      return false;
  }
  if (resource) {
    std::string id;
    if (!get_string(resource, "id", "resource.id", Need::Optional, id, err) ||
        !get_string(resource, "status", "resource.status", Need::Optional, ev.status, err) ||
        !get_string(resource, "finishedAt", "resource.finishedAt", Need::Optional, ev.finished_at, err))
      return false;
    if (ev.run_id.empty()) ev.run_id = id;
  }
  return true;
}

bool parse_compact(const Poco::JSON::Object::Ptr& root, model::Event& ev, EnvelopeError& err) {
  if (!get_string(root, "runId", "runId", Need::Required, ev.run_id, err) ||
      !get_string(root, "datasetId", "datasetId", Need::Required, ev.dataset_id, err) ||
      !get_string(root, "status", "status", Need::Required, ev.status, err) ||
      !get_string(root, "actorId", "actorId", Need::Optional, ev.actor_id, err) ||
      !get_string(root, "actorTaskId", "actorTaskId", Need::Optional, ev.task_id, err) ||
      !get_string(root, "eventType", "eventType", Need::Optional, ev.event_type, err) ||
      !get_string(root, "finishedAt", "finishedAt", Need::Optional, ev.finished_at, err))
    return false;
  if (ev.event_type.empty()) {
    ev.event_type = model::run_event_for_status(ev.status);
    if (ev.event_type.empty()) {
      err = {"status", "field 'status' must be a terminal run status (SUCCEEDED, FAILED, ABORTED, TIMED-OUT) "
                       "when 'eventType' is absent"};
      return false;
    }
  }
  return true;
}

}  // namespace

bool parse_envelope(const std::string& body, model::Event& ev, EnvelopeError& err) {
  // Poco's parser would pass invalid bytes through into the ledger and on to every sink.
  if (!util::valid_utf8(body)) {
    err = {"", "body is not valid UTF-8"};
    return false;
  }
  Poco::Dynamic::Var parsed;
  try {
    Poco::JSON::Parser parser(new UniqueKeys);
    parser.setDepth(32);  // an envelope is shallow; deep nesting is an attack, not data
    parsed = parser.parse(body);
  } catch (const DuplicateKey& e) {
    err = {"", e.what()};
    return false;
  } catch (const Poco::Exception& e) {
    err = {"", "malformed JSON: " + util::printable(e.message())};  // it may quote the offending bytes
    return false;
  } catch (const std::exception&) {
    err = {"", "malformed JSON"};
    return false;
  }
  if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
    err = {"", "body must be a JSON object"};
    return false;
  }
  const auto root = parsed.extract<Poco::JSON::Object::Ptr>();
  ev = model::Event{};
  const bool ok = root->has("runId") && !root->has("eventData") ? parse_compact(root, ev, err)
                                                                 : parse_default(root, ev, err);
  if (!ok) return false;
  if (ev.event_type.size() > 64 || ev.run_id.size() > 128 || ev.actor_id.size() > 128 || ev.task_id.size() > 128 ||
      ev.dataset_id.size() > 128 || ev.finished_at.size() > 64 || ev.status.size() > 64) {
    err = {"", "an id or type field is implausibly long"};
    return false;
  }
  return true;
}

}  // namespace sinkhub::webhook
