// Applying a sync plan. Every write is idempotent (a create carries the target's
// idempotencyKey), so a sync that failed half-way is simply run again.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "control/sync.hpp"

namespace sinkhub::control {

namespace {

using apify::Webhook;
using apify::WebhookSpec;

bool token_refused(const apify::Error& e) { return e.status == 401 || e.status == 403; }

// A create with a known idempotencyKey returns the existing webhook unchanged
// (docs/apify-api.md §2): a webhook whose marker a person removed, or (where Apify keeps the
// keys of deleted webhooks) one that is gone. Then the key is derived anew from that
// webhook's id, which stays deterministic for a rerun.
bool create(apify::Client& client, const std::set<std::string>& unmanaged, SyncEntry& e, apify::Error& err) {
  WebhookSpec spec = e.spec;
  const std::string key = *spec.idempotency_key;
  for (int round = 0; round < 4; ++round) {
    auto made = client.create_webhook(spec);
    if (!made.ok) {
      err = made.error;
      return false;
    }
    if (unmanaged.count(made.value.id)) {
      spec.idempotency_key = key + "-" + made.value.id;
      continue;
    }
    // What came back may be an older webhook made with this key: bring it to the spec.
    WebhookSpec fix;
    if (made.value.request_url != *spec.request_url) fix.request_url = spec.request_url;
    auto got = made.value.event_types;
    std::sort(got.begin(), got.end());
    if (got != *spec.event_types) fix.event_types = spec.event_types;
    if (spec.headers_template && made.value.headers_template != spec.headers_template)
      fix.headers_template = spec.headers_template;
    if (made.value.description != spec.description) fix.description = spec.description;
    if (made.value.is_enabled && !*made.value.is_enabled) fix.is_enabled = true;
    if (fix.request_url || fix.event_types || fix.headers_template || fix.description || fix.is_enabled) {
      auto updated = client.update_webhook(made.value.id, fix);
      if (!updated.ok && updated.error.not_found()) {  // the key belongs to a deleted webhook
        spec.idempotency_key = key + "-" + made.value.id;
        continue;
      }
      if (!updated.ok) {
        err = updated.error;
        return false;
      }
    }
    e.webhook_id = made.value.id;
    return true;
  }
  err.type = "idempotency-conflict";
  err.message = "every idempotencyKey tried returned a webhook sinkhub does not manage";
  return false;
}

bool apply_one(apify::Client& client, const std::set<std::string>& unmanaged, SyncEntry& e, apify::Error& err) {
  switch (e.action) {
    case SyncEntry::Action::Create:
      return create(client, unmanaged, e, err);
    case SyncEntry::Action::Update: {
      auto r = client.update_webhook(e.webhook_id, e.spec);
      if (!r.ok) err = r.error;
      return r.ok;
    }
    case SyncEntry::Action::Delete: {
      auto r = client.delete_webhook(e.webhook_id);
      if (!r.ok) err = r.error;
      return r.ok;
    }
    default:
      return true;
  }
}

}  // namespace

void apply_sync(apify::Client& client, const config::Config& cfg, SyncPlan& plan) {
  if (!plan.fatal.empty()) return;
  for (const auto& s : cfg.auth.secrets) client.redact(s);
  std::set<std::string> unmanaged;  // ids a create must not adopt
  for (const auto& w : plan.unmanaged_ids) unmanaged.insert(w);
  bool stop = false;
  for (const auto order : {SyncEntry::Action::Delete, SyncEntry::Action::Update, SyncEntry::Action::Create}) {
    for (auto& e : plan.entries) {
      if (e.action != order) continue;
      if (stop) {
        e.result = SyncEntry::Result::NotAttempted;
        continue;
      }
      apify::Error err;
      if (apply_one(client, unmanaged, e, err)) {
        e.result = SyncEntry::Result::Applied;
        spdlog::info("apify sync: {} {} {} webhook {}", action_name(e.action), e.kind, e.target_id, e.webhook_id);
        continue;
      }
      e.result = SyncEntry::Result::Failed;
      e.error = explain(err);
      stop = token_refused(err);
    }
  }
}

}  // namespace sinkhub::control
