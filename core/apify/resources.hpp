// The Apify objects the client reads and writes, with the fields sinkhub uses
// (docs/apify-api.md has the full shapes and their sources).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sinkhub::apify {

// A run: the detail of GET /v2/actor-runs/{id}, or a short item of a run list (no stats, no
// json, user_id possibly empty: docs/apify-api.md §4).
struct Run {
  std::string id, act_id, actor_task_id, status, default_dataset_id, started_at, finished_at, user_id;
  std::int64_t resurrect_count = 0;
  std::string json;  // detail only: the whole "data" object, re-serialised in its key order
};

struct Actor {
  std::string id, name, username;
};

struct Task {
  std::string id, name, username, act_id;
};

// Whose runs a run list covers: the account's (GET /v2/actor-runs), an Actor's or a task's.
struct RunScope {
  enum class Kind { Account, Actor, Task };
  Kind kind = Kind::Account;
  std::string id;  // an id (not a name) for Actor and Task
};

struct RunPage {
  std::vector<Run> items;
  std::int64_t total = 0, offset = 0, limit = 0, count = 0;
};

// A webhook as the API returns it. The list leaves out description and templates; the detail
// leaves out isEnabled (docs/apify-api.md §2): what a reply lacked stays nullopt.
struct Webhook {
  std::string id, created_at, request_url;
  std::string condition_key;  // actorId | actorTaskId | actorRunId
  std::string condition_id;
  std::vector<std::string> event_types;
  std::optional<std::string> description, headers_template, payload_template;
  std::optional<bool> is_enabled;
  bool is_ad_hoc = false;
};

// What a create sends (every field that is set) or an update changes (only the set ones; a
// PUT is a partial update). idempotency_key is for creates only.
struct WebhookSpec {
  std::optional<std::vector<std::string>> event_types;
  std::optional<std::pair<std::string, std::string>> condition;  // {actorId|actorTaskId, id}
  std::optional<std::string> request_url, description, headers_template, idempotency_key;
  std::optional<bool> is_enabled;
  bool payload_template_default = false;  // send payloadTemplate: null (Apify's default payload)
};

// A webhook dispatch (GET /v2/webhook-dispatches/{id}, POST /v2/webhooks/{id}/test).
struct Dispatch {
  std::string id, webhook_id, event_type, created_at;
  std::string status;  // ACTIVE (still trying) | SUCCEEDED | FAILED
  int calls = 0;       // HTTP attempts so far
  int last_status = 0; // of the last attempt; 0 = no HTTP answer
  std::string last_error;
};

}  // namespace sinkhub::apify
