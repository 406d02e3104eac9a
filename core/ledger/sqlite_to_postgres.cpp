// `sinkhub ledger migrate`: an SQLite ledger copied into an empty PostgreSQL ledger, row for
// row with the same ids (events with their dedup keys, deliveries with state, progress,
// checkpoints and leases, attempts, sink suspensions), in one PostgreSQL transaction: the
// copy is complete or absent. Both schemas are brought to their newest version first.
#include "ledger/sqlite_to_postgres.hpp"

#include <filesystem>
#include <stdexcept>

#include "ledger/postgres_conn.hpp"
#include "ledger/sqlite_db.hpp"

namespace sinkhub::ledger {

namespace {

// One table: the SELECT on SQLite, the INSERT on PostgreSQL, and each column's kind.
struct TableCopy {
  const char* name;
  const char* select;
  const char* insert;
  const char* kinds;  // one letter per column: i integer, t text, b bytes, B boolean (NULL stays NULL)
};

// `column` of `table`, or `absent` (an SQL value) in a ledger from before the column: events.origin
// (SQLite schema 6: every older event came from a webhook), deliveries.crashes (schema 5).
std::string column_or(Db& db, const std::string& table, const std::string& column, const std::string& absent) {
  Stmt q(db, ("SELECT COUNT(*) FROM pragma_table_info('" + table + "') WHERE name='" + column + "'").c_str());
  return q.step() && q.column_int(0) > 0 ? column : absent;
}

bool has_table(Db& db, const std::string& table) {
  Stmt q(db, "SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name=?");
  q.bind(1, table);
  return q.step() && q.column_int(0) > 0;
}

void bind_column(pg::Params& p, const Stmt& q, int col, char kind) {
  if (q.column_null(col)) {
    p.null();
    return;
  }
  switch (kind) {
    case 'i': p.integer(q.column_int(col)); break;
    case 'B': p.boolean(q.column_int(col) != 0); break;
    case 'b': p.bytes(q.column_text(col)); break;
    default: p.text(q.column_text(col)); break;
  }
}

std::int64_t copy_table(Db& from, pg::Conn& to, const TableCopy& t) {
  Stmt q(from, t.select);
  std::int64_t rows = 0;
  const std::string kinds = t.kinds;
  while (q.step()) {
    pg::Params p;
    for (std::size_t c = 0; c < kinds.size(); ++c) bind_column(p, q, static_cast<int>(c), kinds[c]);
    to.exec(t.insert, p);
    ++rows;
  }
  return rows;
}

std::int64_t pg_count(pg::Conn& db, const char* table) {
  return db.exec((std::string("SELECT COUNT(*) FROM ") + table).c_str()).integer(0, 0);
}

}  // namespace

MigrationReport copy_sqlite_to_postgres(const std::string& sqlite_path, const std::string& url,
                                        const std::function<void(const std::string&)>& progress) {
  if (!std::filesystem::exists(sqlite_path)) throw std::runtime_error("no SQLite ledger at " + sqlite_path);
  config::LedgerConfig lc;
  lc.path = sqlite_path;
  open_sqlite(lc)->close();  // brings the source schema up to date
  lc.url = url;
  lc.pool = 1;
  open_postgres(lc)->close();  // creates or migrates the target schema
  Db from(sqlite_path, SQLITE_OPEN_READONLY);
  pg::Conn to(std::make_shared<pg::Settings>(url));
  if (pg_count(to, "events") > 0 || pg_count(to, "deliveries") > 0)
    throw std::runtime_error("the PostgreSQL ledger already holds events: migrate into an empty database only");
  const std::string events_select =
      "SELECT id, dedup_key, event_type, run_id, actor_id, task_id, dataset_id, status, finished_at, dispatch_id, "
      "headers, body, received_at, verified, status_note, " + column_or(from, "events", "origin", "'webhook'") +
      ", pruned_at FROM events ORDER BY id";
  const std::string deliveries_select =
      "SELECT id, event_id, sink, with_items, state, attempts, next_attempt_at, lease_owner, lease_until, items_done, "
      "source_offset, source_items, checkpoint, last_error, replayed, created_at, updated_at, " +
      column_or(from, "deliveries", "crashes", "0") + " FROM deliveries ORDER BY id";
  // Before schema 4 no daemon said which sinks it serves: nothing to copy.
  const char* configured_select =
      has_table(from, "configured_sinks") ? "SELECT sink FROM configured_sinks" : "SELECT '' WHERE 0";
  const TableCopy tables[] = {
      {"events", events_select.c_str(),
       "INSERT INTO events (id, dedup_key, event_type, run_id, actor_id, task_id, dataset_id, status, finished_at, "
       "dispatch_id, headers, body, received_at, verified, status_note, origin, pruned_at) "
       "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)",
       "ittttttttttbiitti"},
      {"deliveries", deliveries_select.c_str(),
       "INSERT INTO deliveries (id, event_id, sink, with_items, state, attempts, next_attempt_at, lease_owner, "
       "lease_until, items_done, source_offset, source_items, checkpoint, last_error, replayed, created_at, updated_at, "
       "crashes) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)",
       "iitBtiitiiiibtBiii"},
      {"attempts",
       "SELECT id, delivery_id, attempt, started_at, finished_at, outcome, items, message, dest_status FROM attempts "
       "ORDER BY id",
       "INSERT INTO attempts (id, delivery_id, attempt, started_at, finished_at, outcome, items, message, dest_status) "
       "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
       "iiiiititi"},
      {"sink_suspensions", "SELECT sink, until_ms, reason FROM sink_suspensions",
       "INSERT INTO sink_suspensions (sink, until_ms, reason) VALUES ($1,$2,$3)", "tit"},
      {"configured_sinks", configured_select, "INSERT INTO configured_sinks (sink) VALUES ($1)", "t"},
  };
  MigrationReport report;
  to.exec_script("BEGIN");
  try {
    for (const auto& t : tables) {
      const std::int64_t n = copy_table(from, to, t);
      report.rows.emplace_back(t.name, n);
      if (progress) progress(std::string(t.name) + ": " + std::to_string(n) + " rows");
    }
    // Deliveries keep their names (delivery_name), which plugins' markers and spools hold.
    std::string identity;
    {
      Stmt q(from, "SELECT id FROM ledger_identity");
      if (q.step()) identity = q.column_text(0);
    }
    to.exec("UPDATE ledger_identity SET id = $1", pg::Params().text(identity));
    // New rows continue after the copied ids.
    to.exec_script(
        "SELECT setval(pg_get_serial_sequence('events','id'), COALESCE(MAX(id), 0) + 1, false) FROM events; "
        "SELECT setval(pg_get_serial_sequence('deliveries','id'), COALESCE(MAX(id), 0) + 1, false) FROM deliveries; "
        "SELECT setval(pg_get_serial_sequence('attempts','id'), COALESCE(MAX(id), 0) + 1, false) FROM attempts");
    to.exec_script("COMMIT");
  } catch (...) {
    if (to.healthy()) to.drop();  // the server rolls the transaction back with the connection
    throw;
  }
  return report;
}

}  // namespace sinkhub::ledger
