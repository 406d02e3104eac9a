// Planning a sync: what the routes want against what the account holds. Reads only.
#include <Poco/DigestEngine.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/SHA2Engine.h>
#include <Poco/String.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "control/sync.hpp"
#include "control/targets.hpp"

namespace sinkhub::control {

namespace {

using apify::Webhook;

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "(none)" : out;
}

// {"<header>": "<secret>"}: the headers template that makes Apify send the secret.
std::string headers_template(const config::Config& cfg) {
  Poco::JSON::Object o;
  o.set(cfg.auth.header, cfg.auth.secrets.front());
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

// The secret a headers template sends in `header`, "" when it sends none (or is no JSON).
std::string template_secret(const std::optional<std::string>& tmpl, const std::string& header, bool& only_that) {
  only_that = false;
  if (!tmpl) return {};
  try {
    Poco::JSON::Parser parser;
    const auto o = parser.parse(*tmpl).extract<Poco::JSON::Object::Ptr>();
    if (!o) return {};
    std::string value;
    for (const auto& [name, v] : *o)
      if (Poco::icompare(name, header) == 0 && v.isString()) value = v.extract<std::string>();
    only_that = o->size() == 1 && !value.empty();
    return value;
  } catch (const std::exception&) {
    return {};
  }
}

std::string shown_header(const std::string& header, const std::string& secret) {
  return secret.empty() ? "(no " + header + ")" : header + ": " + masked(secret);
}

// The fields of `have` that differ from what `cfg` wants for `target`, as an update spec.
void diff(const config::Config& cfg, const Target& target, const Webhook& have, SyncEntry& e) {
  const auto& a = cfg.apify;
  if (have.request_url != a.public_url) {
    e.changes.push_back({"requestUrl", have.request_url, a.public_url});
    e.spec.request_url = a.public_url;
  }
  std::vector<std::string> events = have.event_types;
  std::sort(events.begin(), events.end());
  events.erase(std::unique(events.begin(), events.end()), events.end());
  if (events != target.events) {
    e.changes.push_back({"eventTypes", join(events), join(target.events)});
    e.spec.event_types = target.events;
  }
  if (!cfg.auth.secrets.empty()) {
    bool only = false;
    const std::string secret = template_secret(have.headers_template, cfg.auth.header, only);
    if (secret != cfg.auth.secrets.front() || !only) {
      e.changes.push_back({"headersTemplate", have.headers_template ? shown_header(cfg.auth.header, secret) : "(none)",
                           shown_header(cfg.auth.header, cfg.auth.secrets.front())});
      e.spec.headers_template = headers_template(cfg);
    }
  }
  if (have.payload_template) {
    e.changes.push_back({"payloadTemplate", "(custom)", "(Apify's default)"});
    e.spec.payload_template_default = true;
  }
  if (have.is_enabled && !*have.is_enabled) {
    e.changes.push_back({"isEnabled", "false", "true"});
    e.spec.is_enabled = true;
  }
}

SyncEntry create_entry(const config::Config& cfg, const Target& t) {
  SyncEntry e;
  e.action = SyncEntry::Action::Create;
  const char* key = t.task ? "actorTaskId" : "actorId";
  e.spec.event_types = t.events;
  e.spec.condition = std::make_pair(std::string(key), t.id);
  e.spec.request_url = cfg.apify.public_url;
  e.spec.description = managed_description(cfg.apify);
  e.spec.is_enabled = true;
  e.spec.idempotency_key = idempotency_key(cfg.apify, key, t.id);
  e.changes.push_back({"requestUrl", "", cfg.apify.public_url});
  e.changes.push_back({"eventTypes", "", join(t.events)});
  if (!cfg.auth.secrets.empty()) {
    e.spec.headers_template = headers_template(cfg);
    e.changes.push_back({"headersTemplate", "", shown_header(cfg.auth.header, cfg.auth.secrets.front())});
  }
  return e;
}

// The account's webhooks this instance manages, each as its detail says (plus isEnabled from
// the list); the ids of all others go to plan.unmanaged_ids. False with plan.fatal on failure.
bool managed_webhooks(apify::Client& client, const config::Config& cfg, SyncPlan& plan, std::vector<Webhook>& out) {
  auto list = client.list_webhooks();
  if (!list.ok) {
    plan.fatal = "cannot list the account's webhooks: " + explain(list.error);
    return false;
  }
  const std::string marker = managed_description(cfg.apify);
  for (auto& w : list.value) {
    if (w.is_ad_hoc || w.condition_key == "actorRunId") {
      plan.unmanaged_ids.push_back(w.id);
      continue;
    }
    if (w.description && *w.description != marker) {  // the list said enough: not ours
      plan.unmanaged_ids.push_back(w.id);
      continue;
    }
    // A candidate: its detail decides (the list leaves out description and templates).
    auto detail = client.get_webhook(w.id);
    if (!detail.ok && detail.error.not_found()) continue;  // deleted meanwhile
    if (!detail.ok) {
      plan.fatal = "cannot read webhook " + w.id + ": " + explain(detail.error);
      return false;
    }
    detail.value.is_enabled = w.is_enabled;  // only the list says whether it is enabled
    w = std::move(detail.value);
    if (w.description && *w.description == marker)
      out.push_back(std::move(w));
    else
      plan.unmanaged_ids.push_back(w.id);
  }
  std::stable_sort(out.begin(), out.end(), [](const Webhook& a, const Webhook& b) { return a.created_at < b.created_at; });
  return true;
}

// The entry for one resolved target: create, or update/unchanged for the oldest managed
// webhook of it, and a delete for every further one (Apify would call sinkhub twice).
void plan_target(const config::Config& cfg, const Target& t, const std::vector<Webhook>& managed,
                 std::set<std::string>& used, SyncPlan& plan) {
  const std::string key = t.task ? "actorTaskId" : "actorId";
  SyncEntry e = create_entry(cfg, t);
  for (const auto& w : managed) {
    if (w.condition_key != key || w.condition_id != t.id || used.count(w.id)) continue;
    used.insert(w.id);
    if (e.action == SyncEntry::Action::Create) {
      e = SyncEntry{};
      e.webhook_id = w.id;
      diff(cfg, t, w, e);
      e.action = e.changes.empty() ? SyncEntry::Action::Unchanged : SyncEntry::Action::Update;
    } else {
      SyncEntry dup;
      dup.action = SyncEntry::Action::Delete;
      dup.kind = t.task ? "task" : "actor";
      dup.target = t.named;
      dup.target_id = t.id;
      dup.webhook_id = w.id;
      dup.why = "a second managed webhook for the same " + dup.kind + " (Apify would call sinkhub twice)";
      plan.entries.push_back(std::move(dup));
    }
  }
  e.kind = t.task ? "task" : "actor";
  e.target = t.named;
  e.target_id = t.id;
  plan.entries.push_back(std::move(e));
}

}  // namespace

bool SyncPlan::ok() const {
  if (!fatal.empty()) return false;
  return std::none_of(entries.begin(), entries.end(), [](const SyncEntry& e) {
    return e.action == SyncEntry::Action::Failed || e.result == SyncEntry::Result::Failed ||
           e.result == SyncEntry::Result::NotAttempted;
  });
}

std::string managed_description(const config::ApifyConfig& cfg) {
  return cfg.webhook_description + " [managed by sinkhub apify sync]";
}

std::string idempotency_key(const config::ApifyConfig& cfg, const std::string& condition_key, const std::string& id) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(managed_description(cfg) + "\n" + condition_key + "\n" + id);
  return "sinkhub-" + Poco::DigestEngine::digestToHex(sha.digest()).substr(0, 40);
}

std::string masked(const std::string& secret) {
  return secret.size() < 12 ? "****" : "****" + secret.substr(secret.size() - 4);
}

SyncPlan plan_sync(apify::Client& client, const config::Config& cfg, bool prune) {
  SyncPlan plan;
  Targets targets = targets_of(cfg.routes);
  if (!targets.wildcard_routes.empty())
    plan.warnings.push_back("route(s) " + join(targets.wildcard_routes) +
                            " name every Actor (\"*\"), which an Apify webhook cannot express: no webhook is made "
                            "for them; reconciliation (apify.reconcile) covers them");
  if (cfg.auth.secrets.empty())
    plan.warnings.push_back("auth.secrets is empty (allow_unauthenticated): webhooks are made without a secret header");
  for (auto& t : targets.named) {
    apify::Error err;
    if (resolve(client, t, err)) continue;
    if (err.status == 401 || err.status == 403) {
      plan.fatal = "cannot look up '" + t.named + "': " + explain(err);
      return plan;
    }
    SyncEntry e;
    e.action = SyncEntry::Action::Failed;
    e.target = t.named;
    e.why = "cannot look up '" + t.named + "' (route " + join(t.routes) + "): " + explain(err);
    plan.entries.push_back(std::move(e));
  }
  std::vector<Webhook> managed;
  if (!managed_webhooks(client, cfg, plan, managed)) return plan;
  std::set<std::string> used;
  for (const auto& t : targets.named)
    if (!t.id.empty()) plan_target(cfg, t, managed, used, plan);
  for (const auto& w : managed) {
    if (used.count(w.id)) continue;
    SyncEntry e;
    e.action = prune ? SyncEntry::Action::Delete : SyncEntry::Action::Unneeded;
    e.kind = w.condition_key == "actorTaskId" ? "task" : "actor";
    e.target_id = w.condition_id;
    e.webhook_id = w.id;
    e.why = prune ? "no route needs it" : "no route needs it (--prune deletes it)";
    plan.entries.push_back(std::move(e));
  }
  return plan;
}

const char* action_name(SyncEntry::Action a) {
  switch (a) {
    case SyncEntry::Action::Create: return "create";
    case SyncEntry::Action::Update: return "update";
    case SyncEntry::Action::Delete: return "delete";
    case SyncEntry::Action::Unchanged: return "unchanged";
    case SyncEntry::Action::Unneeded: return "unneeded";
    case SyncEntry::Action::Failed: return "error";
  }
  return "?";
}

const char* result_name(SyncEntry::Result r) {
  switch (r) {
    case SyncEntry::Result::Planned: return "planned";
    case SyncEntry::Result::Applied: return "applied";
    case SyncEntry::Result::Failed: return "failed";
    case SyncEntry::Result::NotAttempted: return "not attempted";
  }
  return "?";
}

std::string explain(const apify::Error& e) {
  const std::string what = e.describe();
  if (e.type == "too-many-webhooks")
    return what + " -- Apify's limit of webhooks per user is reached: delete webhooks you no longer need "
                  "(`sinkhub apify sync --prune` deletes the ones sinkhub manages and no route needs) or ask Apify "
                  "to raise the limit";
  if (e.status == 401) return what + " -- Apify refused the token: check apify.token";
  if (e.status == 403)
    return what + " -- the token lacks a permission: sync needs a token that may read Actors, tasks and runs and "
                  "write webhooks";
  if (e.not_found()) return what + " -- not found (deleted, renamed, or not visible to this token)";
  if (e.status == 429 || e.status >= 500 || e.type == "network-error")
    return what + " -- Apify is unavailable or rate-limiting after the client's retries: run sync again later";
  return what;
}

}  // namespace sinkhub::control
