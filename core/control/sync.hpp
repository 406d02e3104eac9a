// `sinkhub apify sync`: one Apify webhook per Actor and task the routes name, managed by this
// instance (description marker + deterministic idempotencyKey), created, repaired or (with
// prune) deleted so that Apify calls apify.public_url with the secret header for exactly the
// events the routes want. A webhook sinkhub does not manage is never touched.
#pragma once

#include <string>
#include <vector>

#include "apify/client.hpp"
#include "config/config.hpp"

namespace sinkhub::control {

// One changed field, as it may be shown: secrets are "****" plus their last 4 characters.
struct Change {
  std::string field, from, to;
};

struct SyncEntry {
  enum class Action { Create, Update, Delete, Unchanged, Unneeded, Failed };
  Action action = Action::Unchanged;
  std::string kind;         // "actor" | "task"
  std::string target;       // as the routes name it; "" for a webhook no route needs
  std::string target_id;    // Actor or task id
  std::string webhook_id;   // "" until created
  std::vector<Change> changes;
  std::string why;          // Delete: why (no route needs it, duplicate); Failed: the problem
  enum class Result { Planned, Applied, Failed, NotAttempted };
  Result result = Result::Planned;
  std::string error;        // when result is Failed (no secret in it)
  apify::WebhookSpec spec;  // what create/update sends
};

struct SyncPlan {
  std::vector<SyncEntry> entries;
  std::vector<std::string> warnings;
  std::string fatal;  // set when nothing could be planned (token refused, list failed)
  std::vector<std::string> unmanaged_ids;  // the account's other webhooks: never touched
  bool ok() const;    // no fatal, no Failed entry or result
};

// The description marking a webhook as managed by this instance, and the idempotencyKey of the
// webhook for one Actor/task (the same inputs always give the same key).
std::string managed_description(const config::ApifyConfig& cfg);
std::string idempotency_key(const config::ApifyConfig& cfg, const std::string& condition_key,
                            const std::string& id);
// "****" plus the last 4 characters (only "****" for anything shorter than 12).
std::string masked(const std::string& secret);

// Reads the account (routes' targets, webhooks and their details) and decides. No write.
SyncPlan plan_sync(apify::Client& client, const config::Config& cfg, bool prune);
// Applies the plan: deletes first (freeing room under Apify's webhook limit), then updates,
// then creates; a refused token stops it (the rest is NotAttempted).
void apply_sync(apify::Client& client, const config::Config& cfg, SyncPlan& plan);

const char* action_name(SyncEntry::Action a);
const char* result_name(SyncEntry::Result r);
// What a failed call means for the person running sync (permission, limit, not found, ...).
std::string explain(const apify::Error& e);

}  // namespace sinkhub::control
