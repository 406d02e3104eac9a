// The one internal shape of an Apify webhook, whichever payload template sent it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sinkhub::webhook {

// Every event type Apify documents (apify-shared-js WEBHOOK_EVENT_TYPES, plus TEST).
const std::vector<std::string>& known_event_types();
bool is_known_event_type(std::string_view type);
bool is_run_event(std::string_view type);  // ACTOR.RUN.*
// Only a succeeded run's dataset is exported; other events reach sinks as notifications.
bool carries_dataset(std::string_view type);

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
};

struct EnvelopeError {
  std::string field;    // JSON path of the offending field, e.g. "resource.defaultDatasetId"
  std::string message;  // safe to return to the caller
};

// Parses the default Apify payload ({userId, createdAt, eventType, eventData, resource})
// or the compact template ({runId, datasetId, status} + optional actorId, eventType,
// finishedAt). Returns false and fills err on malformed JSON, a non-object, or a missing
// or mistyped required field.
bool parse_envelope(const std::string& body, Event& out, EnvelopeError& err);

}  // namespace sinkhub::webhook
