// The one internal shape of an Apify event, whichever payload template sent it, and the facts
// that follow from its type. A leaf: config, the webhook intake, the ledger and the delivery
// engine all read it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sinkhub::model {

// Every event type Apify documents (apify-shared-js WEBHOOK_EVENT_TYPES, plus TEST).
const std::vector<std::string>& known_event_types();
bool is_known_event_type(std::string_view type);
bool is_run_event(std::string_view type);  // ACTOR.RUN.*
// Only a succeeded run's dataset is exported; other events reach sinks as notifications.
bool carries_dataset(std::string_view type);
// The terminal run event a run status stands for ("TIMED-OUT" -> "ACTOR.RUN.TIMED_OUT"); ""
// when the status is not terminal.
std::string run_event_for_status(std::string_view status);

struct Event {
  std::string event_type;  // e.g. ACTOR.RUN.SUCCEEDED
  std::string run_id;      // run (or build) id; empty for a TEST event without one
  std::string actor_id;
  std::string task_id;     // empty unless started through a task
  std::string dataset_id;  // the run's defaultDatasetId; empty when not a run
  std::string status;      // resource.status, e.g. SUCCEEDED, TIMED-OUT
  std::string finished_at;
  std::string created_at;
  std::string user_id;

  // run id | event type | finishedAt: a resurrected run finishes again under a new key,
  // while Apify's retries and double deliveries of one dispatch collapse onto one.
  // Events without a run id (TEST) use the caller-supplied fallback (dispatch id or body
  // hash): "|type|fallback|finishedAt". The run id leads so that the ledger's one unique
  // index also finds a run's events (a prefix range), without a second index to update.
  std::string dedup_key(const std::string& fallback) const;

  // The run status the event type claims ("SUCCEEDED" for ACTOR.RUN.SUCCEEDED, "TIMED-OUT"
  // for ACTOR.RUN.TIMED_OUT); "" for events that claim none (auth.verify_with_api).
  std::string implied_run_status() const;

  // When the run finished (Unix ms): finished_at (resource.finishedAt, or the compact
  // template's top-level finishedAt) as ISO 8601; `fallback` when absent or unparsable.
  std::int64_t finished_at_unix_ms(std::int64_t fallback) const;
};

}  // namespace sinkhub::model
