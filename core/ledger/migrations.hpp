// Versioned schema. A migration is never edited once released: add a new one at the end.
// The SQL stays portable (no SQLite-only types) where that costs nothing.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace sinkhub::ledger {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// A ledger migrated by a newer sinkhub is refused, never modified.
inline void refuse_newer_schema(int current, const std::vector<Migration>& known) {
  if (current > known.back().version)
    throw std::runtime_error("ledger schema version " + std::to_string(current) +
                             " is newer than this sinkhub understands (" + std::to_string(known.back().version) +
                             "); refusing to touch it");
}

// The first two versions' SQL, by name (the list below stays short).
inline constexpr const char* kMigration1Sql = R"SQL(
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
)SQL";

inline constexpr const char* kMigration2Sql = R"SQL(
ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
ALTER TABLE deliveries ADD COLUMN replayed INTEGER NOT NULL DEFAULT 0;  -- an operator replayed it from dead
-- Where to resume reading the dataset: a raw Apify offset and how many delivered items lie
-- before it (they differ when `clean` filters items out).
ALTER TABLE deliveries ADD COLUMN source_offset INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN source_items INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN verified INTEGER;      -- auth.verify_with_api: NULL unknown, 1 ok, 0 rejected
ALTER TABLE events ADD COLUMN status_note TEXT;      -- why an event was rejected after acceptance
CREATE TABLE attempts (
  id           INTEGER PRIMARY KEY,
  delivery_id  INTEGER NOT NULL REFERENCES deliveries(id),
  attempt      INTEGER NOT NULL,
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER NOT NULL,
  outcome      TEXT    NOT NULL,                     -- ok | retry | reject | fatal | error | interrupted
  items        INTEGER NOT NULL,
  message      TEXT    NOT NULL
);
CREATE INDEX attempts_by_delivery ON attempts(delivery_id);
CREATE TABLE sink_suspensions (
  sink         TEXT    PRIMARY KEY,
  until_ms     INTEGER NOT NULL,
  reason       TEXT    NOT NULL
);
CREATE INDEX deliveries_by_event ON deliveries(event_id);
)SQL";

inline const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, "events and planned deliveries", kMigration1Sql},
      {2, "delivery engine: leases, attempt history, sink suspension, run verification", kMigration2Sql},
      // Every webhook insert updated two random B-tree leaves (dedup key, run id); with the
      // run id leading the dedup key, its unique index serves both (~12% more durable
      // webhooks per second). Keys become "run|type|finishedAt", or "|type|fallback|finishedAt".
      {3, "events: the dedup key leads with the run id and replaces the run-id index", R"SQL(
UPDATE events SET dedup_key = run_id || '|' || event_type || '|' || finished_at WHERE run_id <> '';
UPDATE events SET dedup_key = '|' || dedup_key WHERE run_id = '';
DROP INDEX events_by_run;
)SQL"},
      // The running config's sinks (start, reload): the operators' reads mark deliveries to others.
      {4, "the sinks the running daemon serves", "CREATE TABLE configured_sinks (sink TEXT PRIMARY KEY);"},
      {5, "deliveries: takeovers of attempts whose owner died (delivery.max_crashes)", R"SQL(
ALTER TABLE deliveries ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;  -- since planned or replayed
)SQL"},
      // How an event reached the ledger: 'webhook' (POSTed by Apify, every event before this
      // version) or 'reconciled' (the reconciler found a finished run whose webhook never came).
      {6, "events: origin (webhook | reconciled)", R"SQL(
ALTER TABLE events ADD COLUMN origin TEXT NOT NULL DEFAULT 'webhook';
)SQL"},
      // What the destination answered (sink.h dest_status, e.g. an HTTP status) to an attempt's
      // last plugin call; 0: none, and for every attempt recorded before this version.
      {7, "attempts: the destination's status (dest_status)", R"SQL(
ALTER TABLE attempts ADD COLUMN dest_status INTEGER NOT NULL DEFAULT 0;
)SQL"},
      // ledger.retention: an event whose deliveries were pruned keeps its row (its dedup key) for
      // dedup_keys with its body emptied; the partial index finds those rows by age without
      // costing the insert of a webhook anything (a new event is never in it).
      {8, "events: pruned_at (ledger.retention)", R"SQL(
ALTER TABLE events ADD COLUMN pruned_at INTEGER;  -- unix ms: body emptied, deliveries gone, dedup key kept
CREATE INDEX events_pruned ON events(received_at) WHERE pruned_at IS NOT NULL;
)SQL"},
      // Delivery names were "d<id>": a new ledger (a reinstall, a second daemon's) reused the
      // names an earlier one had given a destination (a gsheets done marker, an s3 spool), and
      // a plugin took a new delivery for one it had finished. A ledger with unfinished
      // deliveries keeps no identity, so the names its plugins hold stay valid.
      {9, "the ledger's identity (delivery names unique across ledgers)", R"SQL(
CREATE TABLE ledger_identity (id TEXT NOT NULL);
INSERT INTO ledger_identity (id) SELECT CASE WHEN EXISTS (SELECT 1 FROM deliveries WHERE state <> 'done')
  THEN '' ELSE lower(hex(randomblob(6))) END;
)SQL"},
      // Claims serve the sinks in turn (Ledger::claim): each sink's due deliveries are an index
      // range. deliveries_by_event goes: UNIQUE (event_id, sink) already leads with event_id.
      {10, "deliveries: due deliveries by sink (claims serve the sinks in turn)", R"SQL(
CREATE INDEX deliveries_due_by_sink ON deliveries(sink, state, next_attempt_at);
DROP INDEX deliveries_by_event;
)SQL"},
  };
  return all;
}

}  // namespace sinkhub::ledger
