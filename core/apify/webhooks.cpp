// Webhooks and dispatches: GET/POST /v2/webhooks, GET/PUT/DELETE /v2/webhooks/{id},
// POST /v2/webhooks/{id}/test, GET /v2/webhook-dispatches/{id} (docs/apify-api.md §2, §3).
// The list omits description and templates, the detail omits isEnabled: a Webhook keeps what
// an answer lacked as nullopt, and the caller merges.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "apify/client.hpp"
#include "apify/client_internal.hpp"

namespace sinkhub::apify {

namespace {

using detail::data_of;
using detail::json_int;
using detail::json_string;
using Poco::JSON::Object;

std::optional<std::string> optional_string(const Object::Ptr& o, const std::string& key) {
  if (!o->has(key) || o->isNull(key)) return std::nullopt;
  return json_string(o, key);
}

bool read_webhook(const Object::Ptr& d, Webhook& w) {
  if (!d) return false;
  w = Webhook{};
  w.id = json_string(d, "id");
  w.created_at = json_string(d, "createdAt");
  w.request_url = json_string(d, "requestUrl");
  if (const auto cond = d->getObject("condition"))
    for (const char* key : {"actorId", "actorTaskId", "actorRunId"})
      if (!json_string(cond, key).empty()) {
        w.condition_key = key;
        w.condition_id = json_string(cond, key);
        break;
      }
  if (const auto types = d->getArray("eventTypes"))
    for (std::size_t i = 0; i < types->size(); ++i) w.event_types.push_back(types->getElement<std::string>(i));
  w.description = optional_string(d, "description");
  w.headers_template = optional_string(d, "headersTemplate");
  w.payload_template = optional_string(d, "payloadTemplate");
  if (d->has("isEnabled") && !d->isNull("isEnabled")) w.is_enabled = d->getValue<bool>("isEnabled");
  w.is_ad_hoc = d->has("isAdHoc") && !d->isNull("isAdHoc") && d->getValue<bool>("isAdHoc");
  return !w.id.empty();
}

std::string body_of(const WebhookSpec& spec) {
  Object body(Poco::JSON_PRESERVE_KEY_ORDER);
  if (spec.event_types) {
    Poco::JSON::Array types;
    for (const auto& t : *spec.event_types) types.add(t);
    body.set("eventTypes", types);
  }
  if (spec.condition) {
    Object cond;
    cond.set(spec.condition->first, spec.condition->second);
    body.set("condition", cond);
  }
  if (spec.request_url) body.set("requestUrl", *spec.request_url);
  if (spec.headers_template) body.set("headersTemplate", *spec.headers_template);
  if (spec.payload_template_default) body.set("payloadTemplate", Poco::Dynamic::Var());
  if (spec.description) body.set("description", *spec.description);
  if (spec.is_enabled) body.set("isEnabled", *spec.is_enabled);
  if (spec.idempotency_key) body.set("idempotencyKey", *spec.idempotency_key);
  std::ostringstream out;
  body.stringify(out);
  return out.str();
}

bool read_dispatch(const std::string& body, Dispatch& out) {
  const auto d = data_of(body);
  if (!d) return false;
  out = Dispatch{};
  out.id = json_string(d, "id");
  out.webhook_id = json_string(d, "webhookId");
  out.event_type = json_string(d, "eventType");
  out.created_at = json_string(d, "createdAt");
  out.status = json_string(d, "status");
  if (const auto calls = d->getArray("calls"); calls && calls->size() > 0) {
    out.calls = static_cast<int>(calls->size());
    const auto last = calls->getObject(static_cast<unsigned>(calls->size() - 1));
    out.last_status = static_cast<int>(json_int(last, "responseStatus", 0));
    out.last_error = json_string(last, "errorMessage");
  }
  return !out.id.empty();
}

}  // namespace

Fetched<std::vector<Webhook>> Client::list_webhooks(const CancelFn& cancelled) {
  constexpr int kLimit = 1000;  // the API's maximum page
  constexpr int kMaxPages = 100;
  Fetched<std::vector<Webhook>> all;
  all.ok = true;
  for (int page = 0; page < kMaxPages; ++page) {
    const std::string target = "/v2/webhooks?offset=" + std::to_string(page * kLimit) +
                               "&limit=" + std::to_string(kLimit);
    std::int64_t total = 0;
    auto got = call_json<std::vector<Webhook>>({"GET", target, {}}, cancelled,
                                               [&total](const std::string& body, std::vector<Webhook>& out) {
                                                 const auto d = data_of(body);
                                                 const auto items = d ? d->getArray("items") : nullptr;
                                                 if (!items) return false;
                                                 out.clear();
                                                 for (std::size_t i = 0; i < items->size(); ++i) {
                                                   Webhook w;
                                                   if (!read_webhook(items->getObject(static_cast<unsigned>(i)), w))
                                                     return false;
                                                   out.push_back(std::move(w));
                                                 }
                                                 total = json_int(d, "total", 0);
                                                 return true;
                                               });
    if (!got.ok) return got;
    const std::size_t n = got.value.size();
    for (auto& w : got.value) all.value.push_back(std::move(w));
    if (n < static_cast<std::size_t>(kLimit) || static_cast<std::int64_t>(all.value.size()) >= total) break;
  }
  return all;
}

Fetched<Webhook> Client::get_webhook(const std::string& id, const CancelFn& cancelled) {
  if (id.empty()) return invalid<Webhook>("empty webhook id");
  return call_json<Webhook>({"GET", "/v2/webhooks/" + encode_component(id, true), {}}, cancelled,
                            [](const std::string& body, Webhook& w) { return read_webhook(data_of(body), w); });
}

Fetched<Webhook> Client::create_webhook(const WebhookSpec& spec, const CancelFn& cancelled) {
  return call_json<Webhook>({"POST", "/v2/webhooks", body_of(spec)}, cancelled,
                            [](const std::string& body, Webhook& w) { return read_webhook(data_of(body), w); });
}

Fetched<Webhook> Client::update_webhook(const std::string& id, const WebhookSpec& spec, const CancelFn& cancelled) {
  if (id.empty()) return invalid<Webhook>("empty webhook id");
  return call_json<Webhook>({"PUT", "/v2/webhooks/" + encode_component(id, true), body_of(spec)}, cancelled,
                            [](const std::string& body, Webhook& w) { return read_webhook(data_of(body), w); });
}

Fetched<bool> Client::delete_webhook(const std::string& id, const CancelFn& cancelled) {
  if (id.empty()) return invalid<bool>("empty webhook id");
  Fetched<bool> f;
  Response resp;
  Error e = request({"DELETE", "/v2/webhooks/" + encode_component(id, true), {}}, resp, cancelled,
                    options_.max_json_bytes, {});
  if (e.type.empty() || e.not_found()) {
    f.ok = true;
    f.value = e.type.empty();
    return f;
  }
  f.error = std::move(e);
  return f;
}

Fetched<Dispatch> Client::test_webhook(const std::string& id, const CancelFn& cancelled) {
  if (id.empty()) return invalid<Dispatch>("empty webhook id");
  return call_json<Dispatch>({"POST", "/v2/webhooks/" + encode_component(id, true) + "/test", {}}, cancelled,
                             read_dispatch);
}

Fetched<Dispatch> Client::get_dispatch(const std::string& id, const CancelFn& cancelled) {
  if (id.empty()) return invalid<Dispatch>("empty dispatch id");
  return call_json<Dispatch>({"GET", "/v2/webhook-dispatches/" + encode_component(id, true), {}}, cancelled,
                             read_dispatch);
}

}  // namespace sinkhub::apify
