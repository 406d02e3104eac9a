// The operators' reads on the PostgreSQL ledger (CLI, /metrics), on pooled connections: any
// daemon, or the CLI anywhere, sees what every daemon wrote.
#include <stdexcept>

#include "ledger/postgres_ledger.hpp"
#include "util/clock.hpp"

namespace sinkhub::ledger {

namespace {

DeliveryRow delivery_row(const pg::Result& q, int i) {
  DeliveryRow r;
  r.id = q.integer(i, 0);
  r.event_id = q.integer(i, 1);
  r.sink = q.text(i, 2);
  const std::string state = q.text(i, 3);
  r.state = stored_delivery_state(state);
  r.event_type = q.text(i, 4);
  r.run_id = q.text(i, 5);
  r.actor_id = q.text(i, 6);
  r.last_error = q.text(i, 7);
  r.with_items = q.text(i, 8) == "t";
  r.attempts = static_cast<int>(q.integer(i, 9));
  r.items_done = static_cast<std::uint64_t>(q.integer(i, 10));
  r.next_attempt_at = q.integer(i, 11);
  r.created_at = q.integer(i, 12);
  r.updated_at = q.integer(i, 13);
  r.sink_configured = q.text(i, 14) == "t";
  return r;
}

EventRow event_row(const pg::Result& q, int i) {
  EventRow r;
  r.id = q.integer(i, 0);
  r.event = postgres_event_at(q, i, 1);
  r.dispatch_id = q.text(i, 8);
  r.headers_json = q.text(i, 9);
  r.body = q.bytes(i, 10);
  r.received_at = q.integer(i, 11);
  r.status_note = q.text(i, 12);
  r.origin = q.text(i, 13);
  r.pruned_at = q.integer(i, 14);
  return r;
}

// As in SQLite: true when the running config has the delivery's sink (d.sink), or no daemon has
// said which sinks it has; false when the delivery waits for its sink.
constexpr const char* kSinkConfigured =
    "(NOT EXISTS (SELECT 1 FROM configured_sinks) OR d.sink IN (SELECT sink FROM configured_sinks))";

}  // namespace

model::Event postgres_event_at(const pg::Result& r, int row, int first) {
  model::Event e;
  e.event_type = r.text(row, first);
  e.run_id = r.text(row, first + 1);
  e.actor_id = r.text(row, first + 2);
  e.task_id = r.text(row, first + 3);
  e.dataset_id = r.text(row, first + 4);
  e.status = r.text(row, first + 5);
  e.finished_at = r.text(row, first + 6);
  return e;
}

Status PostgresLedger::status() {
  const std::int64_t now = util::unix_ms();
  const pg::Result counts = run("SELECT state, COUNT(*) FROM deliveries GROUP BY state", {});
  Status s;
  for (const DeliveryState state : kDeliveryStates) {
    std::int64_t n = 0;
    for (int i = 0; i < counts.rows(); ++i)
      if (counts.text(i, 0) == to_string(state)) n = counts.integer(i, 1);
    s.deliveries_by_state.emplace_back(state, n);
  }
  const pg::Result one = run(
      "SELECT (SELECT COUNT(*) FROM events), (SELECT MIN(next_attempt_at) FROM deliveries "
      "WHERE state IN ('pending','retrying') AND next_attempt_at <= $1)",
      pg::Params().integer(now));
  s.events = one.integer(0, 0);
  if (!one.null(0, 1) && one.integer(0, 1) > 0) s.oldest_due_age_ms = now - one.integer(0, 1);
  const pg::Result sus =
      run("SELECT sink, until_ms FROM sink_suspensions WHERE until_ms > $1 ORDER BY sink", pg::Params().integer(now));
  for (int i = 0; i < sus.rows(); ++i) s.suspended_sinks.emplace_back(sus.text(i, 0), sus.integer(i, 1));
  const std::string waiting_sql = "SELECT d.sink, COUNT(*) FROM deliveries d WHERE d.state IN ('pending','retrying') "
                                  "AND NOT " + std::string(kSinkConfigured) + " GROUP BY d.sink ORDER BY d.sink";
  const pg::Result waiting = run(waiting_sql.c_str(), {});
  for (int i = 0; i < waiting.rows(); ++i) s.unconfigured_sinks.emplace_back(waiting.text(i, 0), waiting.integer(i, 1));
  store_status(s);
  return s;
}

std::vector<DeliveryRow> PostgresLedger::deliveries(std::optional<DeliveryState> state, const std::string& run_id,
                                                    int limit) {
  const std::string sql =
      "SELECT d.id, d.event_id, d.sink, d.state, e.event_type, e.run_id, e.actor_id, COALESCE(d.last_error,''), "
      "d.with_items, d.attempts, d.items_done, d.next_attempt_at, d.created_at, d.updated_at, " +
      std::string(kSinkConfigured) +
      " FROM deliveries d JOIN events e ON e.id = d.event_id "
      "WHERE ($1 = '' OR d.state = $1) AND ($2 = '' OR e.run_id = $2) ORDER BY d.id DESC LIMIT $3";
  const pg::Result q = run(sql.c_str(), pg::Params().text(state ? to_string(*state) : "").text(run_id).integer(limit));
  std::vector<DeliveryRow> out;
  for (int i = 0; i < q.rows(); ++i) out.push_back(delivery_row(q, i));
  return out;
}

// As in SQLite: the dedup keys of a run are the range "run|" .. "run}" (bytewise, COLLATE
// "C"), then the exact run id.
std::vector<EventRow> PostgresLedger::events_for_run(const std::string& run_id) {
  const pg::Result q = run(
      "SELECT id, event_type, run_id, actor_id, task_id, dataset_id, status, finished_at, dispatch_id, headers, "
      "body, received_at, COALESCE(status_note,''), origin, COALESCE(pruned_at, 0) FROM events "
      "WHERE dedup_key >= $1 || '|' AND dedup_key < $1 || '}' AND run_id = $1 ORDER BY id",
      pg::Params().text(run_id));
  std::vector<EventRow> out;
  for (int i = 0; i < q.rows(); ++i) out.push_back(event_row(q, i));
  return out;
}

std::vector<AttemptRecord> PostgresLedger::attempts(std::int64_t delivery_id) {
  const pg::Result q = run(
      "SELECT started_at, finished_at, outcome, items, message, dest_status FROM attempts WHERE delivery_id=$1 "
      "ORDER BY id",
      pg::Params().integer(delivery_id));
  std::vector<AttemptRecord> out;
  for (int i = 0; i < q.rows(); ++i) {
    const std::string outcome = q.text(i, 2);
    out.push_back({q.integer(i, 0), q.integer(i, 1), stored_attempt_outcome(outcome),
                   static_cast<std::uint64_t>(q.integer(i, 3)), q.text(i, 4),
                   static_cast<std::int32_t>(q.integer(i, 5))});
  }
  return out;
}

}  // namespace sinkhub::ledger
