// Versioned schema. A migration is never edited once released: add a new one at the end.
// The SQL stays portable (no SQLite-only types) where that costs nothing.
#pragma once

#include <vector>

namespace sinkhub::ledger {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

inline const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, "events and planned deliveries", R"SQL(
CREATE TABLE events (
  id           INTEGER PRIMARY KEY,
  dedup_key    TEXT    NOT NULL UNIQUE,   -- event type | run id | finishedAt
  event_type   TEXT    NOT NULL,
  run_id       TEXT    NOT NULL,
  actor_id     TEXT    NOT NULL,
  task_id      TEXT    NOT NULL,
  dataset_id   TEXT    NOT NULL,
  status       TEXT    NOT NULL,
  finished_at  TEXT    NOT NULL,
  dispatch_id  TEXT    NOT NULL,          -- X-Apify-Webhook-Dispatch-Id
  headers      TEXT    NOT NULL,          -- JSON object, headers of interest only
  body         TEXT    NOT NULL,          -- raw request body
  received_at  INTEGER NOT NULL           -- unix milliseconds
);
CREATE INDEX events_by_run ON events(run_id);
CREATE TABLE deliveries (
  id              INTEGER PRIMARY KEY,
  event_id        INTEGER NOT NULL REFERENCES events(id),
  sink            TEXT    NOT NULL,
  with_items      INTEGER NOT NULL,       -- 1: export the dataset, 0: event only
  state           TEXT    NOT NULL,       -- pending | running | retrying | done | dead
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,       -- unix milliseconds
  lease_until     INTEGER,
  items_done      INTEGER NOT NULL DEFAULT 0,
  checkpoint      BLOB,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  UNIQUE (event_id, sink)
);
CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at);
)SQL"},
  };
  return all;
}

}  // namespace sinkhub::ledger
