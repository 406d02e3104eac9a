// The delivery engine's writes on the PostgreSQL ledger: claims with a lease, progress, the
// end of an attempt, run verification, sink suspension, and the operators' replay. Each is one
// statement on a pooled connection (its own transaction), so every daemon sees it at once.
// The transitions they make are the table at the top of ledger.hpp, as in SQLite.
#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "ledger/postgres_ledger.hpp"
#include "observe/metrics.hpp"
#include "util/clock.hpp"

namespace sinkhub::ledger {

namespace {

// A text[] literal of sink names.
std::string sink_array(const std::vector<std::string>& sinks) {
  std::string out = "{";
  for (std::size_t i = 0; i < sinks.size(); ++i) {
    out += i ? ",\"" : "\"";
    for (char c : sinks[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

int claim_histogram() {
  static const int id = observe::Metrics::instance().define(
      observe::Metrics::Kind::Histogram, "sinkhub_ledger_claim_seconds",
      "Time one claim of due deliveries takes on the ledger (PostgreSQL: FOR UPDATE SKIP LOCKED)", {});
  return id;
}

// Due deliveries that no other daemon holds (SKIP LOCKED: a row another transaction is
// claiming is passed over, not waited for), leased in the same statement. A running one whose
// lease expired is a takeover: its lost attempt goes into the history as "crashed" (the same
// words as SQLite's) and counts in crashes (delivery/takeover.hpp). `which` picks by $1: a
// sink or a delivery id. $2 now, $3 limit, $4 owner, $5 lease_ms, $6 the
// outcome name "crashed".
std::string claim_sql(const char* which) {
  return std::string("WITH picked AS (SELECT id, next_attempt_at, state = 'running' AS taken_over, lease_owner AS "
                     "old_owner, attempts AS old_attempt, items_done AS old_items, updated_at AS old_updated FROM "
                     "deliveries WHERE ") +
         which +
         " AND ((state IN ('pending','retrying') AND next_attempt_at <= $2) OR "
         "(state = 'running' AND lease_until < $2)) "
         "AND sink NOT IN (SELECT sink FROM sink_suspensions WHERE until_ms > $2) "
         "ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED), "
         "lost AS (INSERT INTO attempts (delivery_id, attempt, started_at, finished_at, outcome, items, message) "
         "SELECT id, old_attempt, old_updated, $2, $6, 0, 'ended without a result: its owner ' || "
         "COALESCE(old_owner, '?') || ' died while the batch at item ' || old_items || ' was in flight' FROM picked "
         "WHERE taken_over) "
         "UPDATE deliveries d SET state='running', lease_owner=$4, lease_until=$2 + $5, attempts=d.attempts+1, "
         "crashes=d.crashes + CASE WHEN picked.taken_over THEN 1 ELSE 0 END, "
         "updated_at=$2 FROM picked, events e WHERE d.id = picked.id AND e.id = d.event_id "
         "RETURNING d.id, d.event_id, d.sink, d.with_items, d.attempts, d.items_done, d.checkpoint, d.created_at, "
         "d.source_offset, d.source_items, e.event_type, e.run_id, e.actor_id, e.task_id, e.dataset_id, e.status, "
         "e.finished_at, e.body, e.received_at, COALESCE(e.verified, -1), d.replayed, picked.next_attempt_at, "
         "d.crashes, picked.taken_over";
}
const std::string kClaimOfSink = claim_sql("sink = $1");
const std::string kClaimOfId = claim_sql("id = $1");

Claim claim_at(const pg::Result& r, int i) {
  Claim c;
  c.id = r.integer(i, 0);
  c.event_id = r.integer(i, 1);
  c.sink = r.text(i, 2);
  c.with_items = r.text(i, 3) == "t";
  c.attempt = static_cast<int>(r.integer(i, 4));
  c.items_done = static_cast<std::uint64_t>(r.integer(i, 5));
  c.checkpoint = r.bytes(i, 6);
  c.created_at = r.integer(i, 7);
  c.source_offset = r.integer(i, 8);
  c.source_items = static_cast<std::uint64_t>(r.integer(i, 9));
  c.event = postgres_event_at(r, i, 10);
  c.event_body = r.bytes(i, 17);
  c.received_at = r.integer(i, 18);
  c.verified = static_cast<int>(r.integer(i, 19));
  c.replayed = r.text(i, 20) == "t";
  c.crashes = static_cast<int>(r.integer(i, 22));
  c.taken_over = r.text(i, 23) == "t";
  return c;
}

}  // namespace

std::vector<Claim> PostgresLedger::claim(const std::string& owner, std::int64_t lease_ms,
                                         const std::vector<std::string>& sinks, int limit) {
  std::vector<Claim> out;
  const auto start = std::chrono::steady_clock::now();
  // One statement per sink, in the order given (each its own transaction: what one picked is
  // leased before the next looks).
  for (const auto& sink : sinks) {
    if (out.size() >= static_cast<std::size_t>(limit)) break;
    const pg::Result r = run(kClaimOfSink.c_str(), pg::Params()
                                         .text(sink)
                                         .integer(util::unix_ms())
                                         .integer(limit - static_cast<int>(out.size()))
                                         .text(owner)
                                         .integer(lease_ms)
                                         .text(to_string(AttemptOutcome::Crashed)));
    std::vector<std::pair<std::int64_t, int>> order;  // oldest first, as picked
    for (int i = 0; i < r.rows(); ++i) order.emplace_back(r.integer(i, 21), i);
    std::sort(order.begin(), order.end(), [&](const auto& x, const auto& y) {
      return x.first != y.first ? x.first < y.first : r.integer(x.second, 0) < r.integer(y.second, 0);
    });
    for (const auto& [due, i] : order) out.push_back(claim_at(r, i));
  }
  observe::Metrics::instance().record(
      claim_histogram(), std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return out;
}

std::optional<Claim> PostgresLedger::claim_id(const std::string& owner, std::int64_t lease_ms, std::int64_t id) {
  const pg::Result r = run(kClaimOfId.c_str(), pg::Params().integer(id).integer(util::unix_ms()).integer(1).text(owner)
                                                 .integer(lease_ms).text(to_string(AttemptOutcome::Crashed)));
  if (r.rows() == 0) return std::nullopt;
  return claim_at(r, 0);
}

bool PostgresLedger::save_progress(std::int64_t id, const std::string& owner, const Progress& p,
                                   const std::optional<std::string>& checkpoint, std::int64_t lease_ms) {
  const std::int64_t now = util::unix_ms();
  pg::Params params;
  params.integer(static_cast<std::int64_t>(p.items_done)).integer(p.source_offset);
  params.integer(static_cast<std::int64_t>(p.source_items)).integer(now + lease_ms).integer(now);
  params.boolean(checkpoint.has_value());
  if (checkpoint) params.bytes(*checkpoint);
  else params.null();
  params.integer(id).text(owner);
  return run("UPDATE deliveries SET items_done=$1, source_offset=$2, source_items=$3, lease_until=$4, updated_at=$5, "
             "checkpoint=CASE WHEN $6 THEN $7::bytea ELSE checkpoint END "
             "WHERE id=$8 AND lease_owner=$9 AND state='running'",
             params)
             .affected() == 1;
}

bool PostgresLedger::extend_lease(std::int64_t id, const std::string& owner, std::int64_t lease_ms) {
  return run("UPDATE deliveries SET lease_until=$1 WHERE id=$2 AND lease_owner=$3 AND state='running'",
             pg::Params().integer(util::unix_ms() + lease_ms).integer(id).text(owner))
             .affected() == 1;
}

bool PostgresLedger::finish(std::int64_t id, const std::string& owner, const Finish& how, const AttemptRecord& a) {
  if (how.state != DeliveryState::Done && how.state != DeliveryState::Retrying && how.state != DeliveryState::Dead)
    throw std::invalid_argument(std::string("ledger: an attempt cannot end in state ") + to_string(how.state));
  const std::int64_t now = util::unix_ms();
  const bool done = how.state == DeliveryState::Done;
  const int given_back = how.count_attempt ? 0 : 1;
  pg::Params p;
  p.text(to_string(how.state)).integer(how.state == DeliveryState::Retrying ? how.next_attempt_at : now);
  p.integer(given_back).boolean(done).text(how.error).integer(now).integer(id).text(owner);
  p.integer(a.started_at).integer(a.finished_at).text(to_string(a.outcome));
  p.integer(static_cast<std::int64_t>(a.items)).text(a.message).boolean(how.record_attempt).integer(a.dest_status);
  // The delivery and its history in one statement: both or neither.
  const pg::Result r = run(
      "WITH u AS (UPDATE deliveries SET state=$1, next_attempt_at=$2, lease_owner=NULL, lease_until=NULL, "
      "attempts=attempts-$3, last_error=CASE WHEN $4 THEN NULL WHEN $5='' THEN last_error ELSE $5 END, "
      "checkpoint=CASE WHEN $4 THEN NULL ELSE checkpoint END, updated_at=$6 "
      "WHERE id=$7 AND lease_owner=$8 AND state='running' RETURNING id, attempts), "
      "h AS (INSERT INTO attempts (delivery_id, attempt, started_at, finished_at, outcome, items, message, "
      "dest_status) SELECT id, attempts + $3, $9, $10, $11, $12, $13, $15 FROM u WHERE $14) "
      "SELECT id FROM u",
      p);
  return r.rows() == 1;
}

void PostgresLedger::set_verified(std::int64_t event_id, bool ok, const std::string& reason) {
  run("WITH e AS (UPDATE events SET verified=$1, status_note=$2 WHERE id=$3 RETURNING id) "
      "UPDATE deliveries SET state='dead', last_error=$4, lease_owner=NULL, lease_until=NULL, updated_at=$5, "
      "next_attempt_at=$5 "
      "WHERE NOT $6 AND event_id IN (SELECT id FROM e) AND state IN ('pending','retrying','running')",
      pg::Params().integer(ok ? 1 : 0).text(ok ? std::string() : reason).integer(event_id).text("rejected: " + reason)
          .integer(util::unix_ms()).boolean(ok));
}

bool PostgresLedger::bring_forward(std::int64_t id, std::int64_t due_at) {
  return run("UPDATE deliveries SET next_attempt_at=$2 WHERE id=$1 AND state='retrying' AND next_attempt_at>$2",
             pg::Params().integer(id).integer(due_at))
             .affected() > 0;
}

void PostgresLedger::suspend_sink(const std::string& sink, std::int64_t until, const std::string& reason) {
  run("INSERT INTO sink_suspensions (sink, until_ms, reason) VALUES ($1, $2, $3) "
      "ON CONFLICT (sink) DO UPDATE SET until_ms=excluded.until_ms, reason=excluded.reason",
      pg::Params().text(sink).integer(until).text(reason));
}

// Two statements, the new set added before the old one's extra names go: a read in between sees
// a sink configured rather than one wrongly waiting.
void PostgresLedger::set_configured_sinks(const std::vector<std::string>& sinks) {
  run("INSERT INTO configured_sinks (sink) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING",
      pg::Params().text(sink_array(sinks)));
  run("DELETE FROM configured_sinks WHERE sink <> ALL($1::text[])", pg::Params().text(sink_array(sinks)));
}

int PostgresLedger::replay(const ReplayRequest& r) {
  // A running delivery is left alone: its worker owns it. The NOTIFY goes out with the
  // update's commit, to every daemon.
  const pg::Result res = run(
      "WITH u AS (UPDATE deliveries SET state='pending', attempts=0, crashes=0, next_attempt_at=$1, lease_owner=NULL, "
      "lease_until=NULL, updated_at=$1, replayed=CASE WHEN state='dead' THEN true ELSE replayed END, "
      "items_done=CASE WHEN $2 OR state='done' THEN 0 ELSE items_done END, "
      "source_offset=CASE WHEN $2 OR state='done' THEN 0 ELSE source_offset END, "
      "source_items=CASE WHEN $2 OR state='done' THEN 0 ELSE source_items END, "
      "checkpoint=CASE WHEN $2 OR state='done' THEN NULL ELSE checkpoint END "
      "WHERE state IN ('dead','done','retrying','pending') AND ($3 < 0 OR id = $3) "
      "AND ($4 = '' OR event_id IN (SELECT id FROM events WHERE dedup_key >= $4 || '|' "
      "AND dedup_key < $4 || '}' AND run_id = $4)) AND ($5 = '' OR sink = $5) "
      "AND event_id NOT IN (SELECT id FROM events WHERE verified = 0) RETURNING 1) "
      "SELECT COUNT(*), pg_notify('sinkhub_work', '') FROM u",
      pg::Params().integer(util::unix_ms()).boolean(r.from_start).integer(r.delivery_id.value_or(-1))
          .text(r.run_id.value_or("")).text(r.sink.value_or("")));
  return static_cast<int>(res.integer(0, 0));
}

}  // namespace sinkhub::ledger
