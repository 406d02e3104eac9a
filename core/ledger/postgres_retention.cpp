// ledger.retention on the PostgreSQL ledger: each prune() is one short transaction on a pooled
// connection, bounded to PrunePlan::limit rows of each table. One daemon prunes at a time
// (a transaction-level advisory lock; the others find nothing to do); the deliveries it removes
// are locked first (FOR UPDATE), so a concurrent replay waits and then finds them gone.
// Deleted rows become reusable once autovacuum has seen them: no explicit vacuum is needed.
#include <string>
#include <vector>

#include "ledger/postgres_ledger.hpp"
#include "util/clock.hpp"

namespace sinkhub::ledger {

namespace {

// pg_try_advisory_xact_lock key of pruning: the migration lock's ("sinkhub" in ASCII) + 1.
constexpr const char* kPruneLock = "SELECT pg_try_advisory_xact_lock(32496501012170851)";

// A bigint[] literal of ids (integers read from the database).
std::string id_array(const std::vector<std::int64_t>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out + "}";
}

// The events of `ids` that have no delivery left: deleted if they arrived before keys_before,
// else emptied (the body goes, the row stays for its dedup key until then).
void finish_events(pg::Conn& db, const std::vector<std::int64_t>& ids, const PrunePlan& plan, std::int64_t now,
                   PruneResult& out) {
  if (ids.empty()) return;
  const std::string ids_text = id_array(ids);
  out.events += db.exec("DELETE FROM events e WHERE id = ANY($1::bigint[]) AND received_at < $2 "
                        "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)",
                        pg::Params().text(ids_text).integer(plan.keys_before))
                    .affected();
  out.bodies += db.exec("UPDATE events e SET body = ''::bytea, pruned_at = $2 WHERE id = ANY($1::bigint[]) "
                        "AND pruned_at IS NULL AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)",
                        pg::Params().text(ids_text).integer(now))
                    .affected();
}

bool prune_deliveries(pg::Conn& db, const PrunePlan& plan, std::int64_t now, PruneResult& out) {
  const pg::Result picked = db.exec(
      "SELECT id, event_id FROM deliveries WHERE (state = 'done' AND next_attempt_at < $1) OR "
      "(state = 'dead' AND next_attempt_at < $2) LIMIT $3 FOR UPDATE SKIP LOCKED",
      pg::Params().integer(plan.done_before).integer(plan.dead_before).integer(plan.limit));
  if (picked.rows() == 0) return false;
  std::vector<std::int64_t> ids, events;
  for (int i = 0; i < picked.rows(); ++i) {
    ids.push_back(picked.integer(i, 0));
    events.push_back(picked.integer(i, 1));
  }
  const std::string ids_text = id_array(ids);
  out.attempts = db.exec("DELETE FROM attempts WHERE id IN (SELECT id FROM attempts WHERE delivery_id = "
                         "ANY($1::bigint[]) LIMIT $2)",
                         pg::Params().text(ids_text).integer(plan.limit))
                     .affected();
  out.more = true;
  const pg::Result left =
      db.exec("SELECT EXISTS (SELECT 1 FROM attempts WHERE delivery_id = ANY($1::bigint[]))", pg::Params().text(ids_text));
  if (left.text(0, 0) == "t") return true;  // the rest of their history next time
  out.deliveries = db.exec("DELETE FROM deliveries WHERE id = ANY($1::bigint[]) AND state IN ('done', 'dead')",
                           pg::Params().text(ids_text))
                       .affected();
  finish_events(db, events, plan, now, out);
  return true;
}

bool prune_kept_keys(pg::Conn& db, const PrunePlan& plan, PruneResult& out) {
  out.events = db.exec("DELETE FROM events WHERE id IN (SELECT id FROM events WHERE pruned_at IS NOT NULL AND "
                       "received_at < $1 LIMIT $2)",
                       pg::Params().integer(plan.keys_before).integer(plan.limit))
                   .affected();
  out.more = out.events > 0;
  return out.more;
}

void walk_idle_events(pg::Conn& db, const PrunePlan& plan, std::int64_t now, PruneResult& out) {
  const pg::Result q = db.exec(
      "SELECT e.id, e.received_at, EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id), "
      "e.pruned_at IS NOT NULL FROM events e WHERE e.id > $1 ORDER BY e.id LIMIT $2",
      pg::Params().integer(plan.walked_to).integer(plan.limit));
  std::vector<std::int64_t> idle;
  int seen = 0;
  bool young = false;
  for (int i = 0; i < q.rows(); ++i) {
    if (q.integer(i, 1) >= plan.idle_before) {
      young = true;
      break;
    }
    ++seen;
    out.walked_to = q.integer(i, 0);
    if (q.text(i, 2) == "f" && q.text(i, 3) == "f") idle.push_back(out.walked_to);
  }
  finish_events(db, idle, plan, now, out);
  out.more = !young && seen == plan.limit;
}

}  // namespace

PruneResult PostgresLedger::prune(const PrunePlan& plan) {
  PruneResult out;
  out.walked_to = plan.walked_to;
  auto conn = pool_.acquire();
  conn->exec_script("BEGIN");
  try {
    if (conn->exec(kPruneLock).text(0, 0) == "t") {  // else another daemon prunes right now
      const std::int64_t now = util::unix_ms();
      if (!prune_deliveries(*conn, plan, now, out) && !prune_kept_keys(*conn, plan, out))
        walk_idle_events(*conn, plan, now, out);
    }
    conn->exec_script("COMMIT");
  } catch (...) {
    conn->drop();  // the server rolls the transaction back with the connection
    throw;
  }
  return out;
}

void PostgresLedger::store_status(Status& s) {
  const pg::Result r = run(
      "SELECT pg_total_relation_size('events') + pg_total_relation_size('deliveries') + "
      "pg_total_relation_size('attempts') + pg_total_relation_size('sink_suspensions') + "
      "pg_total_relation_size('configured_sinks') + pg_total_relation_size('schema_migrations'), "
      "(SELECT received_at FROM events ORDER BY id LIMIT 1)",
      {});
  s.store_bytes = r.integer(0, 0);
  s.oldest_event_at = r.integer(0, 1);
  s.space_reuse = "pruned rows are reused for new ones once autovacuum has seen them (PostgreSQL)";
}

}  // namespace sinkhub::ledger
