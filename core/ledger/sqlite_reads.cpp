// The operators' reads on the SQLite ledger (CLI, /metrics): on the reader connection, beside
// the writer (WAL), one at a time.
#include <filesystem>
#include <stdexcept>

#include "ledger/sqlite_ledger.hpp"
#include "util/clock.hpp"

namespace sinkhub::ledger {

namespace {

DeliveryRow delivery_row(const Stmt& q) {
  DeliveryRow r;
  r.id = q.column_int(0);
  r.event_id = q.column_int(1);
  r.sink = q.column_text(2);
  const std::string state = q.column_text(3);
  r.state = stored_delivery_state(state);
  r.event_type = q.column_text(4);
  r.run_id = q.column_text(5);
  r.actor_id = q.column_text(6);
  r.last_error = q.column_text(7);
  r.with_items = q.column_int(8) != 0;
  r.attempts = static_cast<int>(q.column_int(9));
  r.items_done = static_cast<std::uint64_t>(q.column_int(10));
  r.next_attempt_at = q.column_int(11);
  r.created_at = q.column_int(12);
  r.updated_at = q.column_int(13);
  r.sink_configured = q.column_int(14) != 0;
  return r;
}

// 1 when the running config has the delivery's sink (d.sink), or no daemon has said which sinks it
// has (a ledger from before configured_sinks); 0 when the delivery waits for its sink.
constexpr const char* kSinkConfigured =
    "(NOT EXISTS (SELECT 1 FROM configured_sinks) OR d.sink IN (SELECT sink FROM configured_sinks))";

}  // namespace

EventRow SqliteLedger::event_row(const Stmt& q) {
  EventRow r;
  r.id = q.column_int(0);
  r.event = event_at(q, 1);
  r.dispatch_id = q.column_text(8);
  r.headers_json = q.column_text(9);
  r.body = q.column_text(10);
  r.received_at = q.column_int(11);
  r.status_note = q.column_text(12);
  r.origin = q.column_text(13);
  r.pruned_at = q.column_int(14);
  return r;
}

Status SqliteLedger::status() {
  std::lock_guard<std::mutex> lk(read_mu_);
  Status s;
  for (const DeliveryState state : kDeliveryStates) {
    Stmt q(reader_, "SELECT COUNT(*) FROM deliveries WHERE state=?");
    q.bind(1, std::string(to_string(state)));
    s.deliveries_by_state.emplace_back(state, q.step() ? q.column_int(0) : 0);
  }
  {
    Stmt q(reader_, "SELECT COUNT(*) FROM events");
    if (q.step()) s.events = q.column_int(0);
  }
  const std::int64_t now = util::unix_ms();
  {
    Stmt q(reader_,
           "SELECT MIN(next_attempt_at) FROM deliveries WHERE state IN ('pending','retrying') AND next_attempt_at <= ?");
    q.bind(1, now);
    if (q.step() && q.column_int(0) > 0) s.oldest_due_age_ms = now - q.column_int(0);
  }
  {
    Stmt q(reader_, "SELECT sink, until_ms FROM sink_suspensions WHERE until_ms > ? ORDER BY sink");
    q.bind(1, now);
    while (q.step()) s.suspended_sinks.emplace_back(q.column_text(0), q.column_int(1));
  }
  {
    const std::string sql = "SELECT d.sink, COUNT(*) FROM deliveries d WHERE d.state IN ('pending','retrying') AND NOT " +
                            std::string(kSinkConfigured) + " GROUP BY d.sink ORDER BY d.sink";
    Stmt q(reader_, sql.c_str());
    while (q.step()) s.unconfigured_sinks.emplace_back(q.column_text(0), q.column_int(1));
  }
  store_status(s);
  return s;
}

// The file, its free pages and the oldest event (ids grow with arrival: the first row is the oldest).
void SqliteLedger::store_status(Status& s) {
  std::error_code ec;
  for (const std::string& file : {path_, path_ + "-wal"}) {
    const auto bytes = std::filesystem::file_size(file, ec);
    if (!ec) s.store_bytes += static_cast<std::int64_t>(bytes);
  }
  Stmt free_pages(reader_, "SELECT (SELECT freelist_count FROM pragma_freelist_count) * "
                           "(SELECT page_size FROM pragma_page_size)");
  if (free_pages.step()) s.free_bytes = free_pages.column_int(0);
  s.space_reuse = incremental_vacuum_
                      ? "pruned space goes back to the filesystem after each prune (auto_vacuum=incremental)"
                      : "pruned space is reused for new rows, the file does not shrink (auto_vacuum=none: "
                        "`sinkhub ledger vacuum`, with the daemon stopped, changes that)";
  Stmt oldest(reader_, "SELECT received_at FROM events ORDER BY id LIMIT 1");
  if (oldest.step()) s.oldest_event_at = oldest.column_int(0);
}

std::vector<DeliveryRow> SqliteLedger::deliveries(std::optional<DeliveryState> state, const std::string& run_id,
                                                  int limit) {
  std::lock_guard<std::mutex> lk(read_mu_);
  const std::string sql =
      "SELECT d.id, d.event_id, d.sink, d.state, e.event_type, e.run_id, e.actor_id, COALESCE(d.last_error,''), "
      "d.with_items, d.attempts, d.items_done, d.next_attempt_at, d.created_at, d.updated_at, " +
      std::string(kSinkConfigured) +
      " FROM deliveries d JOIN events e ON e.id = d.event_id "
      "WHERE (?1 = '' OR d.state = ?1) AND (?2 = '' OR e.run_id = ?2) ORDER BY d.id DESC LIMIT ?3";
  Stmt q(reader_, sql.c_str());
  q.bind(1, std::string(state ? to_string(*state) : "")).bind(2, run_id).bind(3, static_cast<std::int64_t>(limit));
  std::vector<DeliveryRow> out;
  while (q.step()) out.push_back(delivery_row(q));
  return out;
}

// A run's events are found through the unique dedup-key index: the prefix "run|" ('}' is
// the byte after '|'), then the exact run id (a run id containing '|' shares the prefix).
std::vector<EventRow> SqliteLedger::events_for_run(const std::string& run_id) {
  std::lock_guard<std::mutex> lk(read_mu_);
  Stmt q(reader_,
         "SELECT id, event_type, run_id, actor_id, task_id, dataset_id, status, finished_at, dispatch_id, headers, "
         "body, received_at, COALESCE(status_note,''), origin, COALESCE(pruned_at, 0) FROM events "
         "WHERE dedup_key >= ?1 || '|' AND dedup_key < ?1 || '}' AND run_id = ?1 ORDER BY id");
  q.bind(1, run_id);
  std::vector<EventRow> out;
  while (q.step()) out.push_back(event_row(q));
  return out;
}

std::vector<AttemptRecord> SqliteLedger::attempts(std::int64_t delivery_id) {
  std::lock_guard<std::mutex> lk(read_mu_);
  Stmt q(reader_,
         "SELECT started_at, finished_at, outcome, items, message, dest_status FROM attempts WHERE delivery_id=? "
         "ORDER BY id");
  q.bind(1, delivery_id);
  std::vector<AttemptRecord> out;
  while (q.step()) {
    const std::string outcome = q.column_text(2);
    out.push_back({q.column_int(0), q.column_int(1), stored_attempt_outcome(outcome),
                   static_cast<std::uint64_t>(q.column_int(3)), q.column_text(4),
                   static_cast<std::int32_t>(q.column_int(5))});
  }
  return out;
}

}  // namespace sinkhub::ledger
