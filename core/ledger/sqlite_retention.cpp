// ledger.retention on the SQLite ledger: each prune() is one job of the writer's group
// transaction (never a second writer waiting on the first), bounded to PrunePlan::limit rows
// of each table; release_space() gives free pages back with PRAGMA incremental_vacuum.
#include <string>
#include <vector>

#include "ledger/sqlite_ledger.hpp"
#include "util/clock.hpp"

namespace sinkhub::ledger {

namespace {

// Ids as an SQL list: they come from the database as integers, so they need no binding.
std::string id_list(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (const std::int64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

std::int64_t run(Db& db, const std::string& sql) {
  Stmt(db, sql.c_str()).step();
  return db.changes();
}

// The events of `ids` that have no delivery left: deleted if they arrived before keys_before,
// else emptied (the body goes, the row stays for its dedup key until then).
void finish_events(Db& db, const std::vector<std::int64_t>& ids, const PrunePlan& plan, std::int64_t now,
                   PruneResult& out) {
  if (ids.empty()) return;
  const std::string in = "id IN (" + id_list(ids) + ") AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id)";
  out.events += run(db, "DELETE FROM events WHERE " + in + " AND received_at < " + std::to_string(plan.keys_before));
  out.bodies += run(db, "UPDATE events SET body = '', pruned_at = " + std::to_string(now) + " WHERE " + in +
                            " AND pruned_at IS NULL");
}

// Finished deliveries past their age: their attempts first (at most `limit`), then, once none is
// left, the deliveries and what that leaves of their events. True if there were any.
bool prune_deliveries(Db& db, const PrunePlan& plan, std::int64_t now, PruneResult& out) {
  Stmt pick(db,
            "SELECT id, event_id FROM deliveries WHERE state = 'done' AND next_attempt_at < ?1 UNION ALL "
            "SELECT id, event_id FROM deliveries WHERE state = 'dead' AND next_attempt_at < ?2 LIMIT ?3");
  pick.bind(1, plan.done_before).bind(2, plan.dead_before).bind(3, std::int64_t{plan.limit});
  std::vector<std::int64_t> ids, events;
  while (pick.step()) {
    ids.push_back(pick.column_int(0));
    events.push_back(pick.column_int(1));
  }
  if (ids.empty()) return false;
  const std::string of = "delivery_id IN (" + id_list(ids) + ")";
  out.attempts = run(db, "DELETE FROM attempts WHERE id IN (SELECT id FROM attempts WHERE " + of + " LIMIT " +
                             std::to_string(plan.limit) + ")");
  out.more = true;
  Stmt left(db, ("SELECT EXISTS (SELECT 1 FROM attempts WHERE " + of + ")").c_str());
  if (left.step() && left.column_int(0)) return true;  // the rest of their history next time
  out.deliveries = run(db, "DELETE FROM deliveries WHERE id IN (" + id_list(ids) + ")");
  finish_events(db, events, plan, now, out);
  return true;
}

// Events emptied earlier whose dedup key is now past keys_before.
bool prune_kept_keys(Db& db, const PrunePlan& plan, PruneResult& out) {
  Stmt del(db,
           "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE pruned_at IS NOT NULL AND received_at < ?1 "
           "LIMIT ?2)");
  del.bind(1, plan.keys_before).bind(2, std::int64_t{plan.limit});
  del.step();
  out.events = db.changes();
  out.more = out.events > 0;
  return out.more;
}

// The next `limit` events in id order (ids grow with arrival): those that planned no delivery and
// arrived before idle_before are finished. The walk stops at the first younger event.
void walk_idle_events(Db& db, const PrunePlan& plan, std::int64_t now, PruneResult& out) {
  Stmt q(db,
         "SELECT e.id, e.received_at, EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id), "
         "e.pruned_at IS NOT NULL FROM events e WHERE e.id > ?1 ORDER BY e.id LIMIT ?2");
  q.bind(1, plan.walked_to).bind(2, std::int64_t{plan.limit});
  std::vector<std::int64_t> idle;
  int seen = 0;
  bool young = false;
  while (q.step()) {
    if (q.column_int(1) >= plan.idle_before) {
      young = true;
      break;
    }
    ++seen;
    out.walked_to = q.column_int(0);
    if (!q.column_int(2) && !q.column_int(3)) idle.push_back(out.walked_to);
  }
  finish_events(db, idle, plan, now, out);
  out.more = !young && seen == plan.limit;
}

}  // namespace

PruneResult SqliteLedger::prune(const PrunePlan& plan) {
  PruneResult out;
  writer_->write([&] {
    out = PruneResult{};
    out.walked_to = plan.walked_to;
    const std::int64_t now = util::unix_ms();
    if (prune_deliveries(db_, plan, now, out) || prune_kept_keys(db_, plan, out)) return;
    walk_idle_events(db_, plan, now, out);
  });
  return out;
}

std::int64_t SqliteLedger::release_space(int pages) {
  if (!incremental_vacuum_ || pages <= 0) return 0;
  std::int64_t released = 0;
  writer_->write([&] {
    const auto free_pages = [this] {
      Stmt q(db_, "PRAGMA freelist_count");
      return q.step() ? q.column_int(0) : 0;
    };
    const std::int64_t before = free_pages();
    if (before == 0) return;
    db_.exec(("PRAGMA incremental_vacuum(" + std::to_string(pages) + ")").c_str());
    released = before - free_pages();
  });
  return released;
}

}  // namespace sinkhub::ledger
