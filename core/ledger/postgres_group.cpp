// The PostgreSQL ledger's group insert: every webhook of a group commit in one statement, sent
// and committed in one round trip (the statement is its own transaction; synchronous_commit
// stays on, so the answer means the WAL is flushed). Columns travel as arrays (unnest), the
// raw bodies as one binary parameter cut by offsets, so nothing is escaped twice. The unique
// index on the dedup key still decides (ON CONFLICT DO NOTHING, in key order, so two daemons
// holding the same keys wait for each other in one order); the planned deliveries of the
// events it inserted are inserted by the same statement, and NOTIFY goes with its commit when
// there is new work.
#include <spdlog/spdlog.h>

#include <map>

#include "ledger/postgres_ledger.hpp"
#include "util/clock.hpp"

namespace sinkhub::ledger {

namespace {

// One statement carries at most this many bytes of bodies (PostgreSQL refuses a value above
// 1 GB; a webhook body is at most 64 MiB): a group of huge bodies takes more statements.
constexpr std::size_t kMaxStatementBodies = std::size_t{64} << 20;

constexpr const char* kInsertGroup =
    "WITH i AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
    "$7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::int[], $13::int[]) WITH ORDINALITY AS "
    "i(dedup_key, event_type, run_id, actor_id, task_id, dataset_id, status, finished_at, dispatch_id, headers, origin, "
    "body_at, body_len, n)), "
    "e AS (INSERT INTO events (dedup_key, event_type, run_id, actor_id, task_id, dataset_id, status, finished_at, "
    "dispatch_id, headers, origin, body, received_at) SELECT dedup_key, event_type, run_id, actor_id, task_id, "
    "dataset_id, status, finished_at, dispatch_id, headers, origin, substring($14::bytea FROM body_at + 1 FOR body_len), "
    "$15 FROM i "
    "ORDER BY n ON CONFLICT (dedup_key) DO NOTHING RETURNING id, dedup_key), "
    "d AS (INSERT INTO deliveries (event_id, sink, with_items, state, next_attempt_at, created_at, updated_at) "
    "SELECT e.id, p.sink, p.with_items, 'pending', $15, $15, $15 FROM e JOIN unnest($16::text[], $17::text[], "
    "$18::boolean[]) WITH ORDINALITY AS p(dedup_key, sink, with_items, k) ON p.dedup_key = e.dedup_key COLLATE \"C\" "
    "ORDER BY p.k RETURNING event_id), "
    "w AS (SELECT pg_notify('sinkhub_work', '') FROM (SELECT 1 FROM d LIMIT 1) AS new_work) "
    "SELECT e.dedup_key, e.id, (SELECT COUNT(*) FROM w) FROM e";

// The columns of one statement, as PostgreSQL array literals.
struct Columns {
  static constexpr int kText = 11;  // dedup_key .. headers, origin
  pg::Array text[kText], body_at, body_len, plan_key, plan_sink, plan_items;
  std::string bodies;
  std::size_t events = 0;

  void add(const IncomingEvent& in, const std::string& key) {
    const model::Event& e = in.event;
    const std::string* values[kText] = {&key, &e.event_type, &e.run_id, &e.actor_id, &e.task_id, &e.dataset_id,
                                        &e.status, &e.finished_at, &in.dispatch_id, &in.headers_json, &in.origin};
    for (int c = 0; c < kText; ++c) text[c].text(*values[c]);
    body_at.number(static_cast<std::int64_t>(bodies.size()));
    body_len.number(static_cast<std::int64_t>(in.body.size()));
    bodies += in.body;
    for (const auto& d : in.deliveries) {
      plan_key.text(key);
      plan_sink.text(d.sink);
      plan_items.boolean(d.with_items);
    }
    ++events;
  }
  void fill(pg::Params& p, std::int64_t now) const {
    for (const auto& c : text) p.text(c.literal());
    p.text(body_at.literal()).text(body_len.literal()).bytes(bodies).integer(now);
    p.text(plan_key.literal()).text(plan_sink.literal()).text(plan_items.literal());
  }
};

// One statement for the events `sent` (indexes into out and keys). False when its outcome is
// unknown (the connection was lost): every one of them is then Failed. A statement refused as
// a whole wrote nothing: its events stay undecided, to go through savepoints of their own.
bool run_group(pg::Conn& conn, const Columns& cols, const std::vector<std::size_t>& sent,
               const std::vector<std::string>& keys, std::vector<std::optional<RecordOutcome>>& out) {
  pg::Result r;
  pg::Params params;
  cols.fill(params, util::unix_ms());
  try {
    r = conn.exec(kInsertGroup, params);
  } catch (const pg::StatementError& e) {
    spdlog::warn("ledger: PostgreSQL refused a group of {} webhooks as a whole ({}); recording them one by one",
                 sent.size(), e.what());
    return true;
  } catch (const std::exception& e) {
    for (std::size_t i : sent) out[i] = RecordOutcome{RecordOutcome::Kind::Failed, 0, e.what()};
    return false;
  }
  std::map<std::string, std::int64_t> inserted;
  for (int row = 0; row < r.rows(); ++row) inserted.emplace(r.text(row, 0), r.integer(row, 1));
  for (std::size_t i : sent) {
    const auto it = inserted.find(keys[i]);
    out[i] = it == inserted.end() ? RecordOutcome{RecordOutcome::Kind::Duplicate, 0, {}}
                                  : RecordOutcome{RecordOutcome::Kind::Accepted, it->second, {}};
  }
  return true;
}

}  // namespace

std::vector<std::optional<RecordOutcome>> PostgresLedger::insert_group(const std::vector<const IncomingEvent*>& events) {
  std::vector<std::optional<RecordOutcome>> out(events.size());
  // The key each event has in the table (text made valid), and the first event holding it:
  // the others are duplicates of it, whatever becomes of it.
  std::vector<std::string> keys(events.size());
  std::vector<std::size_t> first(events.size());
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < events.size(); ++i) {
    keys[i] = pg::pg_text(events[i]->dedup_key);
    first[i] = seen.emplace(keys[i], i).first->second;
  }
  for (std::size_t from = 0, to = 0; from < events.size(); from = to) {
    Columns cols;
    std::vector<std::size_t> sent;
    for (to = from; to < events.size(); ++to) {
      if (first[to] != to) continue;
      if (cols.events && cols.bodies.size() + events[to]->body.size() > kMaxStatementBodies) break;
      cols.add(*events[to], keys[to]);
      sent.push_back(to);
    }
    if (!sent.empty() && !run_group(writer_conn_, cols, sent, keys, out)) {
      for (std::size_t i = to; i < events.size(); ++i) out[i] = out[sent.front()];  // the rest cannot go either
      break;
    }
  }
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (first[i] == i || !out[first[i]] || out[i]) continue;
    out[i] = out[first[i]]->kind == RecordOutcome::Kind::Failed ? out[first[i]]
                                                                 : RecordOutcome{RecordOutcome::Kind::Duplicate, 0, {}};
  }
  return out;
}

}  // namespace sinkhub::ledger
