// The ledger: the durable record of every accepted webhook and the deliveries it planned.
// Narrow on purpose (record; claim with a lease; progress; finish, retry or dead-letter;
// the reads the CLI needs) and free of SQLite-only ideas, so that a PostgreSQL
// implementation (claims with FOR UPDATE SKIP LOCKED) can sit behind the same interface.
//
// A delivery's states and every allowed transition; nothing else writes deliveries.state.
// "due": next_attempt_at has come and the sink is not suspended (suspend_sink). A pending or
// retrying delivery whose sink the running config lacks (set_configured_sinks: removed by a
// reload, or while sinkhub was stopped) keeps its state and is never claimed; the operators'
// reads mark it as waiting for its sink, and it is due again once a config declares the sink.
//
//   state              event                                           next      function
//   -----------------  ----------------------------------------------  --------  ------------------------------
//   (none)             an event is recorded and a route names the sink  pending   record_async (same transaction)
//   pending, retrying  due, and a worker with room for the sink claims  running   claim (attempt + 1, lease)
//   running            its lease expired (the worker or process died)  running   claim (new owner, attempt + 1;
//                                                                                  crashes + 1, the lost attempt
//                                                                                  kept as "crashed")
//   running            taken over at delivery.max_crashes, or past     dead      finish (no attempt row, not
//                        max_attempts (delivery/takeover.hpp)                      counted: Engine::bury_claim)
//   running            a plugin call is stuck past its deadline        retrying  finish (the stuck claim's token:
//                        (delivery/watchdog.hpp), budget left           (dead)    give_up_stuck_call; budget
//                                                                                  spent: dead)
//   running            a batch accepted; a long call goes on           running   save_progress, extend_lease
//   running            the last batch accepted                         done      finish
//   running            RETRY or a retryable error, budget left         retrying  finish (at next_attempt_at)
//   running            FATAL, shutdown, re-creation failed             retrying  finish (attempt given back;
//                                                                                  a call deaf to the shutdown:
//                                                                                  Engine::hand_back_in_flight)
//   running            REJECT, a permanent error, budget spent         dead      finish (last_error)
//   pending, retrying, verify_with_api: the run does not match         dead      set_verified (ok = false)
//     running
//   pending, retrying, an operator replays it (not if verify_with_api  pending   replay (budget and crashes reset; a done one,
//     done, dead         rejected the event)                                      or --from-start: from item 0)
//   done, dead         finished longer ago than ledger.retention says    (gone)    prune (with its attempts)
//
// Every transition into done or dead sets next_attempt_at to that moment: retention measures a
// finished delivery's age from it.
//
// finish() is only told where to go (the engine decides: delivery/retry_policy.hpp); it
// refuses any target but done, retrying and dead, and any delivery the caller no longer leases.
// A lease owner is one claim's token (unique per claim), so a late answer of a call that was
// given up (or of a worker that lost its lease) never overwrites newer progress.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "ledger/delivery_state.hpp"
#include "model/event.hpp"
#include "model/planned_delivery.hpp"

namespace sinkhub::ledger {

// How an event reached the ledger (events.origin).
inline constexpr const char* kOriginWebhook = "webhook";        // Apify POSTed it
inline constexpr const char* kOriginReconciled = "reconciled";  // built from the run by the reconciler

struct IncomingEvent {
  model::Event event;
  std::string origin = kOriginWebhook;
  std::string dedup_key;
  std::string dispatch_id;   // X-Apify-Webhook-Dispatch-Id, may be empty
  std::string headers_json;  // headers of interest, never the secret
  std::string body;          // the raw request body, byte for byte
  std::vector<model::PlannedDelivery> deliveries;
};

struct RecordOutcome {
  enum class Kind { Accepted, Duplicate, Failed };
  Kind kind = Kind::Failed;
  std::int64_t event_id = 0;  // Accepted only
  std::string error;          // Failed only; for logs, not for the HTTP client
};

// A delivery leased to a worker, with everything needed to run it.
struct Claim {
  std::int64_t id = 0;
  std::int64_t event_id = 0;
  std::string sink;
  bool with_items = false;
  int attempt = 0;  // this attempt's number (1-based)
  std::uint64_t items_done = 0;
  std::int64_t source_offset = 0;     // raw dataset offset to resume reading at
  std::uint64_t source_items = 0;     // items delivered before source_offset
  std::string checkpoint;  // empty = none
  std::int64_t created_at = 0;
  model::Event event;
  std::string event_body;
  std::int64_t received_at = 0;
  int verified = -1;  // auth.verify_with_api: -1 not yet, 1 confirmed
  bool replayed = false;  // an operator replayed it from the dead-letter state
  // This claim took over a running delivery whose lease had expired: its previous attempt
  // ended without a result (the process or worker died), now recorded as "crashed".
  bool taken_over = false;
  int crashes = 0;  // such takeovers since the delivery was planned or replayed, this one included
};

// One attempt's outcome, kept as the delivery's history.
struct AttemptRecord {
  std::int64_t started_at = 0, finished_at = 0;  // unix ms
  AttemptOutcome outcome = AttemptOutcome::Ok;
  std::uint64_t items = 0;                         // items accepted during the attempt
  std::string message;
  // What the destination answered to the attempt's last plugin call (sink.h dest_status, e.g.
  // an HTTP status), as the plugin reported it; 0: none (no call, or the plugin said nothing).
  std::int32_t dest_status = 0;
};

// Progress of a delivery after an accepted batch.
struct Progress {
  std::uint64_t items_done = 0;
  std::int64_t source_offset = 0;
  std::uint64_t source_items = 0;
};

// How an attempt ends, for finish().
struct Finish {
  DeliveryState state = DeliveryState::Done;  // Done, Retrying or Dead
  std::int64_t next_attempt_at = 0;  // retrying only (unix ms)
  bool count_attempt = true;      // false: the attempt is given back (shutdown, suspension)
  std::string error;              // last_error; empty keeps none
  bool record_attempt = true;     // false: no history row (the claim ended before it started)
};

struct DeliveryRow {
  std::int64_t id = 0, event_id = 0;
  std::string sink;
  DeliveryState state = DeliveryState::Pending;
  std::string event_type, run_id, actor_id, last_error;
  bool with_items = false;
  int attempts = 0;
  std::uint64_t items_done = 0;
  std::int64_t next_attempt_at = 0, created_at = 0, updated_at = 0;
  bool sink_configured = true;  // false: the running config has no such sink; the delivery waits for it
};

struct EventRow {
  std::int64_t id = 0;
  model::Event event;
  std::string origin = kOriginWebhook;
  std::string dispatch_id, headers_json, body, status_note;
  std::int64_t received_at = 0;
  std::int64_t pruned_at = 0;  // ledger.retention emptied its body and its deliveries went (unix ms); 0: not
};

struct Status {
  std::vector<std::pair<DeliveryState, std::int64_t>> deliveries_by_state;  // every state, in kDeliveryStates order
  std::int64_t events = 0;
  std::int64_t oldest_due_age_ms = 0;  // age of the oldest pending/retrying delivery that is due
  // The store: the bytes it takes (SQLite: the database file and its WAL; PostgreSQL: the
  // ledger's tables with their indexes and TOAST), of which free for reuse (SQLite's free pages;
  // -1 where unknown), and how freed space is reused (for the operator).
  std::int64_t store_bytes = 0, free_bytes = -1;
  std::string space_reuse;
  std::int64_t oldest_event_at = 0;  // when the oldest event still kept arrived (unix ms); 0: none
  std::vector<std::pair<std::string, std::int64_t>> suspended_sinks;       // sink -> until (unix ms)
  // Sinks the running config lacks -> their pending and retrying deliveries, which wait for them.
  std::vector<std::pair<std::string, std::int64_t>> unconfigured_sinks;
};

struct ReplayRequest {
  std::optional<std::int64_t> delivery_id;
  std::optional<std::string> run_id;
  std::optional<std::string> sink;
  bool from_start = false;  // forget progress and checkpoint
};

// Where record_async() reports outcomes. Called on the ledger's writer thread after each group
// commit: complete() once per event of the group, then flush() once per receiver that got any
// (so a receiver wakes its consumer once per group, not once per event). If the ledger is
// closed, both run at once on the calling thread. Both must be short and must not call the
// ledger. The event is handed back with its outcome, so that its memory is released by the
// thread that allocated it rather than by the writer (cross-thread frees cost the writer).
class RecordReceiver {
 public:
  virtual ~RecordReceiver() = default;
  virtual void complete(std::uint64_t token, RecordOutcome outcome, std::unique_ptr<IncomingEvent> event) = 0;
  virtual void flush() {}
};

// One event for record_async(), with the token its outcome is reported under. Submitting
// several at once queues them under one lock with at most one wake-up of the writer, so they
// land in the same group commit.
struct AsyncRecord {
  std::unique_ptr<IncomingEvent> event;
  std::uint64_t token = 0;
};

// One step of ledger.retention (ledger/pruner.hpp): what may go, as cutoffs in unix ms (0:
// nothing of that kind is old enough). A done or dead delivery "finished" at its
// next_attempt_at (every transition into done and dead sets it to that moment).
struct PrunePlan {
  std::int64_t done_before = 0;  // done deliveries that finished before this go, with their attempts
  std::int64_t dead_before = 0;  // the same for dead ones
  // An event none of whose deliveries is left goes if it arrived before this; otherwise only its
  // body goes and its row stays (its dedup key) until then.
  std::int64_t keys_before = 0;
  std::int64_t idle_before = 0;  // events that planned no delivery and arrived before this count as finished
  // The walk over events in id order that finds those that planned no delivery resumes after this
  // id (PruneResult::walked_to of the previous call; 0 at first).
  std::int64_t walked_to = 0;
  int limit = 64;  // at most this many rows of each table per call
};

struct PruneResult {
  std::int64_t attempts = 0, deliveries = 0, events = 0;  // rows deleted
  std::int64_t bodies = 0;                                // event bodies emptied (their rows stay)
  std::int64_t walked_to = 0;
  bool more = false;  // this call found work: call again (false: nothing is due now)
};

// Whether a webhook would be recorded now (/readyz), and if not, why (for the operator).
struct Readiness {
  bool ready = true;
  std::string reason;  // empty when ready
};

class Ledger {
 public:
  virtual ~Ledger() = default;

  // Inserts the event and its planned deliveries in one transaction, deduplicating on
  // dedup_key with the table's unique constraint, and reports the outcome to `to` (with
  // `token`) once that transaction is durable or failed. Never blocks on the commit. Safe
  // from any thread; concurrent callers share one commit.
  virtual void record_async(std::vector<AsyncRecord> records, std::shared_ptr<RecordReceiver> to) = 0;
  // One event.
  void record_async(std::unique_ptr<IncomingEvent> ev, std::shared_ptr<RecordReceiver> to, std::uint64_t token);

  // record_async() that blocks until the outcome is known (CLI, tests).
  RecordOutcome record(const IncomingEvent& ev);

  // True if a write transaction can be started and committed right now.
  virtual bool writable() = 0;
  // Whether an event of up to `event_bytes` would be recorded now: what /readyz answers. The
  // default is writable(); a backend adds what else it knows: SQLite whether the last record
  // failed and the free space beside the database, a server-based one whether the server is
  // reachable. Blocks briefly (one commit, a probe): never call it on an event loop.
  virtual Readiness readiness(std::uint64_t event_bytes);
  // `wake` is called (on a ledger thread) when another process recorded or replayed work,
  // so idle workers need not wait for their next poll; nullptr stops it. A ledger only this
  // process writes (SQLite) never calls it: the daemon's own intake wakes its engine.
  virtual void on_new_work(std::function<void()> wake) { (void)wake; }

  // --- delivery engine -------------------------------------------------------------
  // Leases up to `limit` due deliveries of the given sinks to `owner` for lease_ms: pending
  // or retrying ones whose time has come, and running ones whose lease expired (a crashed
  // worker or process: the lost attempt is recorded as "crashed" and counted in
  // Claim::crashes). The sinks are served in the order given: the first sink's due
  // deliveries oldest first, then the next sink's (the engine rotates the order, so one sink's
  // backlog never holds another's work back). Each claim starts a new attempt. `owner` must
  // be unique per claim (it fences every later write of this attempt).
  virtual std::vector<Claim> claim(const std::string& owner, std::int64_t lease_ms, const std::vector<std::string>& sinks,
                                   int limit) = 0;
  // Leases delivery `id` as claim() would, if it is due and its sink is not suspended (a sink's
  // turn holder, delivery/turn_queue.hpp); nullopt otherwise.
  virtual std::optional<Claim> claim_id(const std::string& owner, std::int64_t lease_ms, std::int64_t id) = 0;
  // Commits progress after a batch: items accepted so far and the sink's checkpoint
  // (nullopt: unchanged), and extends the lease. False if the lease was lost.
  virtual bool save_progress(std::int64_t id, const std::string& owner, const Progress& progress,
                             const std::optional<std::string>& checkpoint, std::int64_t lease_ms) = 0;
  // Keeps a lease alive while a long call runs. False if the lease was lost.
  virtual bool extend_lease(std::int64_t id, const std::string& owner, std::int64_t lease_ms) = 0;
  // Ends an attempt: done, retrying (at next_attempt_at) or dead; appends the attempt to the
  // history. False if the lease was lost.
  virtual bool finish(std::int64_t id, const std::string& owner, const Finish& how, const AttemptRecord& attempt) = 0;
  // Makes a retrying delivery due at `due_at` (unix ms) if it was due later: a sink's turn came
  // (the delivery waited for it, ABI 1.3 BUSY). Leaves every other state alone. True if changed.
  virtual bool bring_forward(std::int64_t id, std::int64_t due_at) = 0;
  // Marks an event's result of auth.verify_with_api; a failed check dead-letters every
  // delivery of the event that has not finished.
  virtual void set_verified(std::int64_t event_id, bool ok, const std::string& reason) = 0;
  // FATAL from a sink: its deliveries are not claimed until `until` (unix ms).
  virtual void suspend_sink(const std::string& sink, std::int64_t until, const std::string& reason) = 0;
  // The sink instances of the running config (at start and after every reload), replacing the
  // previous set. Only the operators' reads use it: the engine claims for the sinks it serves.
  virtual void set_configured_sinks(const std::vector<std::string>& sinks) = 0;

  // --- operators (CLI) ---------------------------------------------------------------
  virtual Status status() = 0;
  // Both filters are optional (nullopt, "" = any); newest first, at most `limit`.
  virtual std::vector<DeliveryRow> deliveries(std::optional<DeliveryState> state, const std::string& run_id,
                                              int limit) = 0;
  virtual std::vector<EventRow> events_for_run(const std::string& run_id) = 0;
  virtual std::vector<AttemptRecord> attempts(std::int64_t delivery_id) = 0;
  // Makes matching deliveries due now (attempt budget and crash count reset). Returns how many.
  virtual int replay(const ReplayRequest& r) = 0;

  // --- retention (ledger/pruner.hpp) -------------------------------------------------
  // One small transaction of pruning, whichever comes first: the attempts, then the rows of
  // finished deliveries past their age (and then their events: deleted past keys_before, else
  // their body emptied); events emptied earlier that are now past keys_before; the next `limit`
  // events of the walk. Never touches a delivery that is not done or dead, nor an event that
  // still has one. Safe beside every other call, and from several daemons at once.
  virtual PruneResult prune(const PrunePlan& plan) = 0;
  // Returns up to `pages` free pages of the store to the filesystem in one short transaction
  // (SQLite with auto_vacuum=incremental); how many. 0 where the store reuses freed space itself
  // (PostgreSQL's autovacuum) or cannot give it back (an SQLite ledger made before sinkhub set
  // auto_vacuum: `sinkhub ledger vacuum`).
  virtual std::int64_t release_space(int pages) {
    (void)pages;
    return 0;
  }

  // Finishes queued work and closes. Further record() calls fail.
  virtual void close() = 0;

  // The ledger's own name, drawn at random when its schema reached the version that has one
  // (empty for a ledger that had unfinished deliveries then: they keep the names plugins
  // already know). Part of every delivery's name (delivery_name), so a new ledger, or another
  // daemon's, never reuses a name an earlier one gave a destination or a plugin's data_dir.
  const std::string& identity() const { return identity_; }

 protected:
  std::string identity_;  // set by the backend once it has migrated; never changes afterwards
};

// What plugins know a delivery by (sink.h delivery_id, [A-Za-z0-9_-]+): "d<id>-<identity>",
// or "d<id>" in a ledger without an identity.
std::string delivery_name(const std::string& identity, std::int64_t id);

// Opens (creating and migrating as needed) the SQLite ledger at cfg.path. Throws
// std::runtime_error with a clear message on failure.
std::unique_ptr<Ledger> open_sqlite(const config::LedgerConfig& cfg);
// The same for the PostgreSQL ledger at cfg.url (the database must exist; its tables are
// created and migrated, once, however many daemons start together). The message never holds
// the password.
std::unique_ptr<Ledger> open_postgres(const config::LedgerConfig& cfg);
// The ledger the config names: PostgreSQL with ledger.url, else SQLite at ledger.path.
std::unique_ptr<Ledger> open(const config::LedgerConfig& cfg);

// `sinkhub ledger vacuum`: rewrites the store to give freed space back to the filesystem. SQLite:
// sets auto_vacuum=incremental (from then on the daemon gives pages back after every prune) and
// runs VACUUM, which needs the file's size again in free space and blocks writers while it runs;
// PostgreSQL: a plain VACUUM (ANALYZE) of the ledger's tables. `say` gets progress lines.
void vacuum(const config::LedgerConfig& cfg, const std::function<void(const std::string&)>& say);

}  // namespace sinkhub::ledger
