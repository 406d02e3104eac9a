// The delivery engine's writes on the SQLite ledger: claims with a lease, progress, the end
// of an attempt, run verification, sink suspension, and the operators' replay. Every one runs
// on the writer inside a group transaction (GroupCommit::write). The transitions they make
// are the table at the top of ledger.hpp.
#include <algorithm>
#include <stdexcept>

#include "ledger/sqlite_ledger.hpp"
#include "util/clock.hpp"

namespace sinkhub::ledger {

namespace {

constexpr const char* kClaimColumns =
    "d.id, d.event_id, d.sink, d.with_items, d.attempts, d.items_done, d.checkpoint, d.created_at, "
    "d.source_offset, d.source_items, "
    "e.event_type, e.run_id, e.actor_id, e.task_id, e.dataset_id, e.status, e.finished_at, e.body, e.received_at, "
    "COALESCE(e.verified, -1), d.replayed, d.crashes";

std::int64_t flag(bool b) { return b ? 1 : 0; }

// A running delivery whose lease expired is taken over: its attempt ended without a result
// (the owner died, most likely inside a plugin call), so it is kept in the history as
// "crashed" under its own number and counted (delivery.max_crashes, delivery/takeover.hpp).
void record_takeover(Db& db, std::int64_t id, std::int64_t now) {
  Stmt h(db,
         "INSERT INTO attempts (delivery_id, attempt, started_at, finished_at, outcome, items, message) "
         "SELECT id, attempts, updated_at, ?, ?, 0, 'ended without a result: its owner ' || "
         "COALESCE(lease_owner, '?') || ' died while the batch at item ' || items_done || ' was in flight' "
         "FROM deliveries WHERE id=?");
  h.bind(1, now).bind(2, std::string(to_string(AttemptOutcome::Crashed))).bind(3, id);
  h.step();
  Stmt u(db, "UPDATE deliveries SET crashes=crashes+1 WHERE id=?");
  u.bind(1, id);
  u.step();
}

}  // namespace

// Suspended sinks are skipped; their deliveries wait.
std::vector<std::string> SqliteLedger::unsuspended(const std::vector<std::string>& sinks, std::int64_t now) {
  Stmt q(db_, "SELECT sink FROM sink_suspensions WHERE until_ms > ?");
  q.bind(1, now);
  std::vector<std::string> suspended, usable;
  while (q.step()) suspended.push_back(q.column_text(0));
  for (const auto& s : sinks)
    if (std::find(suspended.begin(), suspended.end(), s) == suspended.end()) usable.push_back(s);
  return usable;
}

model::Event SqliteLedger::event_at(const Stmt& q, int first) {
  model::Event e;
  e.event_type = q.column_text(first);
  e.run_id = q.column_text(first + 1);
  e.actor_id = q.column_text(first + 2);
  e.task_id = q.column_text(first + 3);
  e.dataset_id = q.column_text(first + 4);
  e.status = q.column_text(first + 5);
  e.finished_at = q.column_text(first + 6);
  return e;
}

Claim SqliteLedger::load_claim(Stmt& load) {
  Claim c;
  c.id = load.column_int(0);
  c.event_id = load.column_int(1);
  c.sink = load.column_text(2);
  c.with_items = load.column_int(3) != 0;
  c.attempt = static_cast<int>(load.column_int(4));
  c.items_done = static_cast<std::uint64_t>(load.column_int(5));
  c.checkpoint = load.column_text(6);
  c.created_at = load.column_int(7);
  c.source_offset = load.column_int(8);
  c.source_items = static_cast<std::uint64_t>(load.column_int(9));
  c.event = event_at(load, 10);
  c.event_body = load.column_text(17);
  c.received_at = load.column_int(18);
  c.verified = static_cast<int>(load.column_int(19));
  c.replayed = load.column_int(20) != 0;
  c.crashes = static_cast<int>(load.column_int(21));
  return c;
}

std::vector<Claim> SqliteLedger::claim(const std::string& owner, std::int64_t lease_ms,
                                       const std::vector<std::string>& sinks, int limit) {
  std::vector<Claim> out;
  if (sinks.empty() || limit <= 0) return out;
  writer_->write([&] {
    const std::int64_t now = util::unix_ms();
    std::vector<std::pair<std::int64_t, bool>> ids;  // id, taken over
    for (const auto& sink : unsuspended(sinks, now)) {
      if (ids.size() >= static_cast<std::size_t>(limit)) break;
      due_of(sink, now, limit - static_cast<int>(ids.size()), ids);
    }
    out = lease(owner, lease_ms, ids, now);
  });
  return out;
}

std::optional<Claim> SqliteLedger::claim_id(const std::string& owner, std::int64_t lease_ms, std::int64_t id) {
  std::optional<Claim> out;
  writer_->write([&] {
    const std::int64_t now = util::unix_ms();
    Stmt pick(db_,
              "SELECT id, state = 'running' FROM deliveries WHERE id = ?1 AND ((state IN ('pending','retrying') AND "
              "next_attempt_at <= ?2) OR (state = 'running' AND lease_until < ?2)) AND sink NOT IN "
              "(SELECT sink FROM sink_suspensions WHERE until_ms > ?2)");
    pick.bind(1, id).bind(2, now);
    if (!pick.step()) return;
    auto got = lease(owner, lease_ms, {{pick.column_int(0), pick.column_int(1) != 0}}, now);
    if (!got.empty()) out = std::move(got[0]);
  });
  return out;
}

// Starts an attempt of each picked delivery for `owner` (on the writer, in its transaction).
std::vector<Claim> SqliteLedger::lease(const std::string& owner, std::int64_t lease_ms,
                                       const std::vector<std::pair<std::int64_t, bool>>& ids, std::int64_t now) {
  std::vector<Claim> out;
  Stmt lease(db_,
             "UPDATE deliveries SET state='running', lease_owner=?, lease_until=?, attempts=attempts+1, "
             "updated_at=? WHERE id=?");
  const std::string select =
      std::string("SELECT ") + kClaimColumns + " FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?";
  Stmt load(db_, select.c_str());
  for (const auto& [id, taken_over] : ids) {
    if (taken_over) record_takeover(db_, id, now);
    lease.reset();
    lease.bind(1, owner).bind(2, now + lease_ms).bind(3, now).bind(4, id);
    lease.step();
    load.reset();
    load.bind(1, id);
    if (!load.step()) continue;
    out.push_back(load_claim(load));
    out.back().taken_over = taken_over;
  }
  return out;
}

// Due deliveries of one sink, oldest first: pending or retrying whose time has come, or
// running with an expired lease. Two index ranges of deliveries_due_by_sink (a single OR lets
// the planner scan every row of the sink, done ones included, when the ledger has no stats).
void SqliteLedger::due_of(const std::string& sink, std::int64_t now, int limit,
                          std::vector<std::pair<std::int64_t, bool>>& ids) {
  Stmt pick(db_,
            "SELECT id, taken_over FROM (SELECT id, next_attempt_at, 0 AS taken_over FROM deliveries WHERE sink = ?1 "
            "AND state IN ('pending','retrying') AND next_attempt_at <= ?2 UNION ALL SELECT id, next_attempt_at, 1 "
            "FROM deliveries WHERE sink = ?1 AND state = 'running' AND lease_until < ?2) "
            "ORDER BY next_attempt_at, id LIMIT ?3");
  pick.bind(1, sink).bind(2, now).bind(3, static_cast<std::int64_t>(limit));
  while (pick.step()) ids.emplace_back(pick.column_int(0), pick.column_int(1) != 0);
}

bool SqliteLedger::save_progress(std::int64_t id, const std::string& owner, const Progress& p,
                                 const std::optional<std::string>& checkpoint, std::int64_t lease_ms) {
  bool owned = false;
  writer_->write([&] {
    const std::int64_t now = util::unix_ms();
    Stmt u(db_, checkpoint ? "UPDATE deliveries SET items_done=?, source_offset=?, source_items=?, lease_until=?, "
                             "updated_at=?, checkpoint=? WHERE id=? AND lease_owner=? AND state='running'"
                           : "UPDATE deliveries SET items_done=?, source_offset=?, source_items=?, lease_until=?, "
                             "updated_at=? WHERE id=? AND lease_owner=? AND state='running'");
    u.bind(1, static_cast<std::int64_t>(p.items_done)).bind(2, p.source_offset);
    u.bind(3, static_cast<std::int64_t>(p.source_items)).bind(4, now + lease_ms).bind(5, now);
    int i = 6;
    if (checkpoint) u.bind_blob(i++, *checkpoint);
    u.bind(i, id).bind(i + 1, owner);
    u.step();
    owned = db_.changes() == 1;
  });
  return owned;
}

bool SqliteLedger::extend_lease(std::int64_t id, const std::string& owner, std::int64_t lease_ms) {
  bool owned = false;
  writer_->write([&] {
    Stmt u(db_, "UPDATE deliveries SET lease_until=? WHERE id=? AND lease_owner=? AND state='running'");
    u.bind(1, util::unix_ms() + lease_ms).bind(2, id).bind(3, owner);
    u.step();
    owned = db_.changes() == 1;
  });
  return owned;
}

bool SqliteLedger::finish(std::int64_t id, const std::string& owner, const Finish& how, const AttemptRecord& a) {
  if (how.state != DeliveryState::Done && how.state != DeliveryState::Retrying && how.state != DeliveryState::Dead)
    throw std::invalid_argument(std::string("ledger: an attempt cannot end in state ") + to_string(how.state));
  bool owned = false;
  writer_->write([&] {
    const std::int64_t now = util::unix_ms();
    const bool done = how.state == DeliveryState::Done;
    const std::int64_t given_back = flag(!how.count_attempt);
    Stmt u(db_,
           "UPDATE deliveries SET state=?, next_attempt_at=?, lease_owner=NULL, lease_until=NULL, "
           "attempts=attempts-?, last_error=CASE WHEN ? THEN NULL WHEN ?='' THEN last_error ELSE ? END, "
           "checkpoint=CASE WHEN ? THEN NULL ELSE checkpoint END, updated_at=? "
           "WHERE id=? AND lease_owner=? AND state='running'");
    u.bind(1, std::string(to_string(how.state)));
    u.bind(2, how.state == DeliveryState::Retrying ? how.next_attempt_at : now).bind(3, given_back);
    u.bind(4, flag(done)).bind(5, how.error).bind(6, how.error);
    u.bind(7, flag(done)).bind(8, now).bind(9, id).bind(10, owner);
    u.step();
    owned = db_.changes() == 1;
    if (!owned || !how.record_attempt) return;
    Stmt h(db_,
           "INSERT INTO attempts (delivery_id, attempt, started_at, finished_at, outcome, items, message, dest_status) "
           "SELECT id, attempts + ?, ?, ?, ?, ?, ?, ? FROM deliveries WHERE id=?");
    h.bind(1, given_back).bind(2, a.started_at).bind(3, a.finished_at).bind(4, std::string(to_string(a.outcome)));
    h.bind(5, static_cast<std::int64_t>(a.items)).bind(6, a.message).bind(7, std::int64_t{a.dest_status}).bind(8, id);
    h.step();
  });
  return owned;
}

void SqliteLedger::set_verified(std::int64_t event_id, bool ok, const std::string& reason) {
  writer_->write([&] {
    Stmt u(db_, "UPDATE events SET verified=?, status_note=? WHERE id=?");
    u.bind(1, flag(ok)).bind(2, ok ? std::string() : reason).bind(3, event_id);
    u.step();
    if (ok) return;
    Stmt d(db_,
           "UPDATE deliveries SET state='dead', last_error=?1, lease_owner=NULL, lease_until=NULL, updated_at=?2, "
           "next_attempt_at=?2 WHERE event_id=?3 AND state IN ('pending','retrying','running')");
    d.bind(1, "rejected: " + reason).bind(2, util::unix_ms()).bind(3, event_id);
    d.step();
  });
}

bool SqliteLedger::bring_forward(std::int64_t id, std::int64_t due_at) {
  bool changed = false;
  writer_->write([&] {
    Stmt u(db_, "UPDATE deliveries SET next_attempt_at=?2 WHERE id=?1 AND state='retrying' AND next_attempt_at>?2");
    u.bind(1, id).bind(2, due_at);
    u.step();
    changed = db_.changes() > 0;
  });
  return changed;
}

void SqliteLedger::suspend_sink(const std::string& sink, std::int64_t until, const std::string& reason) {
  writer_->write([&] {
    Stmt u(db_,
           "INSERT INTO sink_suspensions (sink, until_ms, reason) VALUES (?, ?, ?) "
           "ON CONFLICT (sink) DO UPDATE SET until_ms=excluded.until_ms, reason=excluded.reason");
    u.bind(1, sink).bind(2, until).bind(3, reason);
    u.step();
  });
}

void SqliteLedger::set_configured_sinks(const std::vector<std::string>& sinks) {
  writer_->write([&] {
    Stmt(db_, "DELETE FROM configured_sinks").step();
    Stmt add(db_, "INSERT OR IGNORE INTO configured_sinks (sink) VALUES (?)");
    for (const auto& s : sinks) {
      add.reset();
      add.bind(1, s);
      add.step();
    }
  });
}

int SqliteLedger::replay(const ReplayRequest& r) {
  int changed = 0;
  writer_->write([&] {
    // A running delivery is left alone: its worker owns it.
    Stmt u(db_,
           "UPDATE deliveries SET state='pending', attempts=0, crashes=0, next_attempt_at=?1, lease_owner=NULL, "
           "lease_until=NULL, updated_at=?1, replayed=CASE WHEN state='dead' THEN 1 ELSE replayed END, "
           "items_done=CASE WHEN ?2 OR state='done' THEN 0 ELSE items_done END, "
           "source_offset=CASE WHEN ?2 OR state='done' THEN 0 ELSE source_offset END, "
           "source_items=CASE WHEN ?2 OR state='done' THEN 0 ELSE source_items END, "
           "checkpoint=CASE WHEN ?2 OR state='done' THEN NULL ELSE checkpoint END "
           "WHERE state IN ('dead','done','retrying','pending') "
           "AND (?3 < 0 OR id = ?3) "
           "AND (?4 = '' OR event_id IN (SELECT id FROM events WHERE dedup_key >= ?4 || '|' "
           "AND dedup_key < ?4 || '}' AND run_id = ?4)) "
           "AND (?5 = '' OR sink = ?5) "
           "AND event_id NOT IN (SELECT id FROM events WHERE verified = 0)");
    u.bind(1, util::unix_ms()).bind(2, flag(r.from_start));
    u.bind(3, r.delivery_id.value_or(-1)).bind(4, r.run_id.value_or("")).bind(5, r.sink.value_or(""));
    u.step();
    changed = db_.changes();
  });
  return changed;
}

}  // namespace sinkhub::ledger
