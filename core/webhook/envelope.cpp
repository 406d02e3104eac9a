#include "webhook/envelope.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace sinkhub::webhook {

namespace {

// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). Poco's parser would
// pass invalid bytes through into the ledger and on to every sink.
bool valid_utf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) { ++p; continue; }
    int n;
    unsigned cp;
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; if (c < 0xC2) return false; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; if (c > 0xF4) return false; }
    else return false;
    if (end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    p += n + 1;
  }
  return true;
}

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
  if (!valid_utf8(body)) {
    err = {"", "body is not valid UTF-8"};
    return false;
  }
  Poco::Dynamic::Var parsed;
  try {
    Poco::JSON::Parser parser;
    parser.setDepth(32);  // an envelope is shallow; deep nesting is an attack, not data
    parsed = parser.parse(body);
  } catch (const Poco::Exception& e) {
    err = {"", "malformed JSON: " + e.message()};
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
