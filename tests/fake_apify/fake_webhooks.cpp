// Webhooks of the fake Apify API: GET|POST /v2/webhooks, GET|PUT|DELETE /v2/webhooks/{id},
// GET /v2/acts/{id}/webhooks and /v2/actor-tasks/{id}/webhooks, with idempotencyKey, the
// per-user limit and template validation. See docs/apify-api.md §2.
#include <Poco/JSON/Array.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "fake_internal.hpp"
#include "fake_template.hpp"

namespace sinkhub::fake {

namespace {

bool known_event_type(const std::string& t) {
  static const std::set<std::string> types = {
      "ACTOR.RUN.CREATED",   "ACTOR.RUN.SUCCEEDED",   "ACTOR.RUN.FAILED",    "ACTOR.RUN.ABORTED",
      "ACTOR.RUN.TIMED_OUT", "ACTOR.RUN.RESURRECTED", "ACTOR.BUILD.CREATED", "ACTOR.BUILD.SUCCEEDED",
      "ACTOR.BUILD.FAILED",  "ACTOR.BUILD.ABORTED",   "ACTOR.BUILD.TIMED_OUT", "TEST"};  // OAS WebhookEventType
  return types.count(t) > 0;
}

// A 4xx for a body the API refuses.
struct Refusal {
  int status = 400;
  std::string type = "invalid-input";
  std::string message;
};

bool refuse(Refusal& r, const std::string& message, const std::string& type = "invalid-input", int status = 400) {
  r = {status, type, message};
  return false;
}

bool read_bool(const Poco::JSON::Object::Ptr& body, const std::string& key, bool& out, Refusal& r) {
  if (!body->has(key) || body->isNull(key)) return true;
  const Poco::Dynamic::Var v = body->get(key);
  if (!v.isBoolean()) return refuse(r, "Field '" + key + "' must be a boolean");
  out = v.convert<bool>();
  return true;
}

// A nullable string field: absent leaves `out`, null clears it.
bool read_text(const Poco::JSON::Object::Ptr& body, const std::string& key, std::optional<std::string>& out,
               Refusal& r) {
  if (!body->has(key)) return true;
  if (body->isNull(key)) {
    out.reset();
    return true;
  }
  const Poco::Dynamic::Var v = body->get(key);
  if (!v.isString()) return refuse(r, "Field '" + key + "' must be a string");
  out = v.extract<std::string>();
  return true;
}

bool read_event_types(const Poco::JSON::Object::Ptr& body, FakeWebhook& w, Refusal& r) {
  if (!body->has("eventTypes")) return true;
  const auto arr = body->isNull("eventTypes") ? nullptr : body->getArray("eventTypes");
  if (!arr || arr->size() == 0) return refuse(r, "Field 'eventTypes' must be a non-empty array of event types");
  std::vector<std::string> types;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const Poco::Dynamic::Var v = arr->get(static_cast<unsigned>(i));
    if (!v.isString() || !known_event_type(v.extract<std::string>()))
      return refuse(r, "Field 'eventTypes' contains an unknown event type: " + v.toString());
    types.push_back(v.extract<std::string>());
  }
  w.event_types = std::move(types);
  return true;
}

// Exactly one of actorId, actorTaskId, actorRunId; an empty object on update keeps the old one.
bool read_condition(const Poco::JSON::Object::Ptr& body, FakeWebhook& w, bool create, Refusal& r) {
  if (!body->has("condition")) return true;
  const auto cond = body->isNull("condition") ? nullptr : body->getObject("condition");
  if (!cond) return refuse(r, "Field 'condition' must be an object");
  std::vector<std::string> names;
  cond->getNames(names);
  std::string key, id;
  int set = 0;
  for (const auto& n : names) {
    if (n != "actorId" && n != "actorTaskId" && n != "actorRunId")
      return refuse(r, "Field 'condition' has an unknown property: " + n);
    if (cond->isNull(n)) continue;
    const Poco::Dynamic::Var v = cond->get(n);
    if (!v.isString() || v.extract<std::string>().empty())
      return refuse(r, "Field 'condition." + n + "' must be a non-empty string");
    key = n;
    id = v.extract<std::string>();
    ++set;
  }
  if (set == 0 && !create) return true;
  if (set != 1) return refuse(r, "Field 'condition' must contain exactly one of actorId, actorTaskId, actorRunId");
  w.condition_key = key;
  w.condition_id = id;
  return true;
}

bool read_url(const Poco::JSON::Object::Ptr& body, FakeWebhook& w, Refusal& r) {
  if (!body->has("requestUrl")) return true;
  const Poco::Dynamic::Var v = body->get("requestUrl");
  if (body->isNull("requestUrl") || !v.isString()) return refuse(r, "Field 'requestUrl' must be a URL");
  const std::string url = v.extract<std::string>();
  try {
    const Poco::URI uri(url);
    if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty())
      return refuse(r, "Field 'requestUrl' must be an absolute http(s) URL");
  } catch (const std::exception&) {
    return refuse(r, "Field 'requestUrl' must be a URL");
  }
  w.request_url = url;
  return true;
}

// Applies a create or update body to `w`; the idempotency key goes to `key` (create only).
bool apply_body(const Poco::JSON::Object::Ptr& body, FakeWebhook& w, bool create, std::optional<std::string>& key,
                Refusal& r) {
  static const std::set<std::string> fields = {
      "eventTypes", "condition", "requestUrl", "payloadTemplate", "headersTemplate", "description",
      "idempotencyKey", "isAdHoc", "ignoreSslErrors", "doNotRetry", "shouldInterpolateStrings", "isEnabled",
      "isApifyIntegration", "actionType"};
  std::vector<std::string> names;
  body->getNames(names);
  for (const auto& n : names)
    if (!fields.count(n)) return refuse(r, "Property '" + n + "' is not allowed in a webhook");
  if (body->has("actionType") && body->get("actionType").toString() != "HTTP_REQUEST")
    return refuse(r, "The fake Apify API supports only actionType HTTP_REQUEST");
  if (body->has("idempotencyKey") && !body->isNull("idempotencyKey")) {
    if (!body->get("idempotencyKey").isString())
      return refuse(r, "Field 'idempotencyKey' must be a string", "invalid-idempotency-key");
    if (create) key = body->get("idempotencyKey").extract<std::string>();
  }
  if (!read_event_types(body, w, r) || !read_condition(body, w, create, r) || !read_url(body, w, r) ||
      !read_text(body, "payloadTemplate", w.payload_template, r) ||
      !read_text(body, "headersTemplate", w.headers_template, r) || !read_text(body, "description", w.description, r) ||
      !read_bool(body, "isAdHoc", w.is_ad_hoc, r) || !read_bool(body, "ignoreSslErrors", w.ignore_ssl_errors, r) ||
      !read_bool(body, "doNotRetry", w.do_not_retry, r) ||
      !read_bool(body, "shouldInterpolateStrings", w.should_interpolate_strings, r) ||
      !read_bool(body, "isEnabled", w.is_enabled, r))
    return false;
  if (w.event_types.empty()) return refuse(r, "Field 'eventTypes' is required");
  if (w.condition_id.empty()) return refuse(r, "Field 'condition' is required");
  if (w.request_url.empty()) return refuse(r, "Field 'requestUrl' is required");
  std::string why;
  if (w.payload_template && !w.payload_template->empty() &&
      !tmpl::validate(*w.payload_template, w.should_interpolate_strings, false, why))
    return refuse(r, "Invalid payloadTemplate: " + why);
  if (w.headers_template && !w.headers_template->empty() &&
      !tmpl::validate(*w.headers_template, w.should_interpolate_strings, true, why))
    return refuse(r, "Invalid headersTemplate: " + why);
  return true;
}

// The condition must name an existing Actor, task or run, by id.
bool target_exists_locked(const State& st, const FakeWebhook& w, Refusal& r) {
  std::string found;
  if (w.condition_key == "actorId" && !(find_actor_locked(st, w.condition_id, found) && found == w.condition_id))
    return refuse(r, "Actor was not found", "record-not-found", 404);
  if (w.condition_key == "actorTaskId" && !(find_task_locked(st, w.condition_id, found) && found == w.condition_id))
    return refuse(r, "Actor task was not found", "record-not-found", 404);
  if (w.condition_key == "actorRunId" && !st.runs.count(w.condition_id))
    return refuse(r, "Actor run was not found", "record-not-found", 404);
  return true;
}

void common_fields(const WebhookRec& rec, Poco::JSON::Object::Ptr d) {
  const FakeWebhook& w = rec.w;
  Poco::JSON::Array::Ptr types = new Poco::JSON::Array;
  for (const auto& t : w.event_types) types->add(t);
  auto cond = ordered_object();
  cond->set(w.condition_key, w.condition_id);
  d->set("eventTypes", types);
  d->set("condition", cond);
  d->set("ignoreSslErrors", w.ignore_ssl_errors);
  d->set("doNotRetry", w.do_not_retry);
  d->set("requestUrl", w.request_url);
}

void dispatch_fields(const WebhookRec& rec, Poco::JSON::Object::Ptr d) {
  if (rec.last_dispatch_status.empty()) {
    d->set("lastDispatch", Poco::Dynamic::Var());
  } else {
    auto last = ordered_object();
    last->set("status", rec.last_dispatch_status);
    last->set("finishedAt", or_null(rec.last_dispatch_finished));
    d->set("lastDispatch", last);
  }
  auto stats = ordered_object();
  stats->set("totalDispatches", rec.total_dispatches);
  d->set("stats", stats);
}

Poco::JSON::Object::Ptr head_fields(const FakeWebhook& w) {
  auto d = ordered_object();
  d->set("id", w.id);
  d->set("createdAt", w.created_at);
  d->set("modifiedAt", w.modified_at);
  d->set("userId", kFakeUserId);
  d->set("isAdHoc", w.is_ad_hoc);
  return d;
}

// GET /v2/webhooks/{id}: templates and description, but no isEnabled (OAS WebhookResource).
Poco::JSON::Object::Ptr detail_json(const WebhookRec& rec) {
  const FakeWebhook& w = rec.w;
  auto d = head_fields(w);
  d->set("shouldInterpolateStrings", w.should_interpolate_strings);
  common_fields(rec, d);
  d->set("payloadTemplate", w.payload_template ? Poco::Dynamic::Var(*w.payload_template) : Poco::Dynamic::Var());
  d->set("headersTemplate", w.headers_template ? Poco::Dynamic::Var(*w.headers_template) : Poco::Dynamic::Var());
  d->set("description", w.description ? Poco::Dynamic::Var(*w.description) : Poco::Dynamic::Var());
  dispatch_fields(rec, d);
  d->set("isApifyIntegration", false);
  return d;
}

// A list item: isEnabled and actionType, but no templates and no description (OAS WebhookShort).
Poco::JSON::Object::Ptr list_json(const WebhookRec& rec) {
  const FakeWebhook& w = rec.w;
  auto d = head_fields(w);
  d->set("isApifyIntegration", false);
  d->set("isEnabled", w.is_enabled);
  d->set("actionType", "HTTP_REQUEST");
  d->set("shouldInterpolateStrings", w.should_interpolate_strings);
  common_fields(rec, d);
  dispatch_fields(rec, d);
  return d;
}

bool json_body(const ApiRequest& req, Poco::JSON::Object::Ptr& body, Answer& err) {
  const std::string media = Poco::toLower(Poco::trim(req.content_type.substr(0, req.content_type.find(';'))));
  if (media != "application/json") {
    err = error(415, "unsupported-media-type", "The request body content type is not supported: use application/json");
    return false;
  }
  std::string why;
  if (!parse_object(req.body, body, why)) {
    err = error(400, "invalid-input", "The request body " + why);
    return false;
  }
  return true;
}

std::string store_locked(State& st, FakeWebhook w) {
  if (w.id.empty()) w.id = new_id();
  const std::string now = now_iso();
  if (w.created_at.empty()) w.created_at = now;
  if (w.modified_at.empty()) w.modified_at = w.created_at;
  WebhookRec& rec = st.webhooks[w.id];
  if (rec.w.id.empty()) rec.seq = st.next_seq++;
  if (w.idempotency_key) st.idempotency_keys[*w.idempotency_key] = w.id;
  rec.w = std::move(w);
  return rec.w.id;
}

// POST /v2/webhooks and add_webhook_json(): 201 with the new (or the idempotent) webhook.
Answer create_locked(State& st, const Poco::JSON::Object::Ptr& body) {
  FakeWebhook w;
  std::optional<std::string> key;
  Refusal r;
  if (!apply_body(body, w, true, key, r)) return error(r.status, r.type, r.message);
  if (key) {
    if (const auto k = st.idempotency_keys.find(*key); k != st.idempotency_keys.end()) {
      if (const auto it = st.webhooks.find(k->second); it != st.webhooks.end()) return data_answer(detail_json(it->second), 201);
      if (const auto gone = st.deleted.find(k->second); gone != st.deleted.end()) {
        WebhookRec stale;
        stale.w = gone->second;
        return data_answer(detail_json(stale), 201);
      }
    }
  }
  if (static_cast<int>(st.webhooks.size()) >= st.webhook_limit)
    return error(400, "too-many-webhooks",
                 "You have reached the maximum number of webhooks (" + std::to_string(st.webhook_limit) + ")");
  if (!target_exists_locked(st, w, r)) return error(r.status, r.type, r.message);
  w.idempotency_key = key;
  const std::string id = store_locked(st, std::move(w));
  Answer a = data_answer(detail_json(st.webhooks[id]), 201);
  a.headers.emplace_back("Location", "https://api.apify.com/v2/webhooks/" + id);
  return a;
}

Answer update_locked(State& st, WebhookRec& rec, const Poco::JSON::Object::Ptr& body) {
  FakeWebhook w = rec.w;
  std::optional<std::string> ignored_key;
  Refusal r;
  if (!apply_body(body, w, false, ignored_key, r)) return error(r.status, r.type, r.message);
  if ((w.condition_key != rec.w.condition_key || w.condition_id != rec.w.condition_id) &&
      !target_exists_locked(st, w, r))
    return error(r.status, r.type, r.message);
  w.modified_at = now_iso();
  rec.w = std::move(w);
  return data_answer(detail_json(rec));
}

bool remove_locked(State& st, const std::string& id) {
  const auto it = st.webhooks.find(id);
  if (it == st.webhooks.end()) return false;
  if (const auto& key = it->second.w.idempotency_key) {
    if (st.reserve_deleted_keys) st.deleted[id] = it->second.w;
    else st.idempotency_keys.erase(*key);
  }
  st.webhooks.erase(it);
  return true;
}

Answer list_locked(const State& st, const ApiRequest& req, const std::string& key, const std::string& id) {
  Paging paging;
  Answer err;
  if (!read_paging(req, paging, err)) return err;
  std::vector<const WebhookRec*> recs;
  for (const auto& [wid, rec] : st.webhooks)
    if (key.empty() || (rec.w.condition_key == key && rec.w.condition_id == id)) recs.push_back(&rec);
  // By createdAt ascending (creation order).
  std::sort(recs.begin(), recs.end(), [](const WebhookRec* a, const WebhookRec* b) { return a->seq < b->seq; });
  std::vector<Poco::Dynamic::Var> items;
  for (const WebhookRec* rec : recs) items.emplace_back(list_json(*rec));
  return list_answer(std::move(items), paging);
}

Answer forbidden_write() {
  return error(403, "insufficient-permissions", "The API token does not have permission to modify webhooks");
}

Answer one_webhook(State& st, const ApiRequest& req, const std::string& id) {
  if (!req.is("GET") && !req.is("PUT") && !req.is("DELETE")) return method_not_allowed("GET, PUT, DELETE");
  if (!req.is("GET") && req.read_only) return forbidden_write();
  Poco::JSON::Object::Ptr body;
  Answer err;
  if (req.is("PUT") && !json_body(req, body, err)) return err;
  std::lock_guard<std::mutex> lock(st.mu);
  const auto it = st.webhooks.find(id);
  if (it == st.webhooks.end()) return error(404, "record-not-found", "Webhook was not found");
  if (req.is("GET")) return data_answer(detail_json(it->second));
  if (req.is("PUT")) return update_locked(st, it->second, body);
  remove_locked(st, id);
  Answer a;
  a.status = 204;
  return a;
}

Answer collection(State& st, const ApiRequest& req) {
  if (!req.is("GET") && !req.is("POST")) return method_not_allowed("GET, POST");
  if (req.is("GET")) {
    std::lock_guard<std::mutex> lock(st.mu);
    return list_locked(st, req, {}, {});
  }
  if (req.read_only) return forbidden_write();
  Poco::JSON::Object::Ptr body;
  Answer err;
  if (!json_body(req, body, err)) return err;
  std::lock_guard<std::mutex> lock(st.mu);
  return create_locked(st, body);
}

// GET /v2/acts/{id}/webhooks, /v2/actor-tasks/{id}/webhooks.
Answer target_webhooks(State& st, const ApiRequest& req, bool actor, const std::string& id_or_name) {
  if (!req.is("GET")) return method_not_allowed("GET");
  std::lock_guard<std::mutex> lock(st.mu);
  std::string id;
  if (actor ? !find_actor_locked(st, id_or_name, id) : !find_task_locked(st, id_or_name, id))
    return error(404, "record-not-found", actor ? "Actor was not found" : "Actor task was not found");
  return list_locked(st, req, actor ? "actorId" : "actorTaskId", id);
}

}  // namespace

std::optional<Answer> route_webhooks(State& st, const ApiRequest& req) {
  const auto& seg = req.seg;
  if (seg.size() == 2 && seg[1] == "webhooks") return collection(st, req);
  if (seg.size() == 3 && seg[1] == "webhooks") return one_webhook(st, req, seg[2]);
  if (seg.size() == 4 && seg[3] == "webhooks" && (seg[1] == "acts" || seg[1] == "actors"))
    return target_webhooks(st, req, true, seg[2]);
  if (seg.size() == 4 && seg[3] == "webhooks" && seg[1] == "actor-tasks") return target_webhooks(st, req, false, seg[2]);
  return std::nullopt;
}

std::string FakeApify::add_webhook(FakeWebhook webhook) {
  std::lock_guard<std::mutex> lock(state_->mu);
  return store_locked(*state_, std::move(webhook));
}

std::string FakeApify::add_webhook_json(const std::string& body) {
  Poco::JSON::Object::Ptr obj;
  std::string why;
  if (!parse_object(body, obj, why)) throw std::invalid_argument("webhook JSON " + why);
  std::lock_guard<std::mutex> lock(state_->mu);
  const Answer a = create_locked(*state_, obj);
  Poco::JSON::Object::Ptr parsed;
  parse_object(a.body, parsed, why);
  if (a.status != 201) throw std::invalid_argument(parsed->getObject("error")->getValue<std::string>("message"));
  return parsed->getObject("data")->getValue<std::string>("id");
}

bool FakeApify::remove_webhook(const std::string& id) {
  std::lock_guard<std::mutex> lock(state_->mu);
  return remove_locked(*state_, id);
}

std::vector<FakeWebhook> FakeApify::webhooks() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  std::vector<const WebhookRec*> recs;
  for (const auto& [id, rec] : state_->webhooks) recs.push_back(&rec);
  std::sort(recs.begin(), recs.end(), [](const WebhookRec* a, const WebhookRec* b) { return a->seq < b->seq; });
  std::vector<FakeWebhook> out;
  for (const WebhookRec* rec : recs) out.push_back(rec->w);
  return out;
}

std::optional<FakeWebhook> FakeApify::webhook(const std::string& id) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  const auto it = state_->webhooks.find(id);
  if (it == state_->webhooks.end()) return std::nullopt;
  return it->second.w;
}

void FakeApify::set_webhook_limit(int limit) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->webhook_limit = limit;
}

void FakeApify::set_deleted_keys_reserved(bool reserved) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->reserve_deleted_keys = reserved;
}

}  // namespace sinkhub::fake
