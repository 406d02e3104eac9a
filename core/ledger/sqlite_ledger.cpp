// Opening the SQLite ledger (create, configure, migrate) and its side of group commit: the
// transaction verbs and the insert of an event with its planned deliveries.
#include "ledger/sqlite_ledger.hpp"

#include <filesystem>
#include <stdexcept>

#include "ledger/migrations.hpp"
#include "util/clock.hpp"

namespace sinkhub::ledger {

namespace {

void migrate(Db& db) {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
          "applied_at INTEGER NOT NULL)");
  int current = 0;
  {
    Stmt q(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (q.step()) current = static_cast<int>(q.column_int(0));
  }
  const auto& all = migrations();
  refuse_newer_schema(current, all);
  for (const auto& m : all) {
    if (m.version <= current) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(m.sql);
      Stmt ins(db, "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)");
      ins.bind(1, static_cast<std::int64_t>(m.version)).bind(2, std::string(m.description)).bind(3, util::unix_ms());
      ins.step();
      db.exec("COMMIT");
    } catch (...) {
      db.exec("ROLLBACK");
      throw;
    }
  }
}

// A new file gets auto_vacuum=incremental, so that the space pruning frees can go back to the
// filesystem (release_space). SQLite takes it only before the first table and before WAL; an
// older ledger keeps auto_vacuum=none (freed pages are reused in place) until `sinkhub ledger
// vacuum` rewrites it.
bool prepare_vacuum(Db& db) {
  {
    Stmt pages(db, "PRAGMA page_count");
    if (pages.step() && pages.column_int(0) == 0) db.exec("PRAGMA auto_vacuum=INCREMENTAL");
  }
  Stmt mode(db, "PRAGMA auto_vacuum");
  return mode.step() && mode.column_int(0) == 2;
}

void configure(Db& db, const config::LedgerConfig& cfg) {
  db.exec("PRAGMA busy_timeout=5000");
  db.exec("PRAGMA journal_mode=WAL");
  db.exec(cfg.synchronous == "normal" ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
  db.exec("PRAGMA foreign_keys=ON");
}

Db open_db(const config::LedgerConfig& cfg) {
  const auto parent = std::filesystem::path(cfg.path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  return Db(cfg.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
}

// A prepared statement run for its effect alone.
void exec(Stmt& s) {
  s.reset();
  s.step();
  s.reset();
}

}  // namespace

SqliteLedger::SqliteLedger(const config::LedgerConfig& cfg)
    : path_(cfg.path), db_(open_db(cfg)), reader_(cfg.path, SQLITE_OPEN_READWRITE) {
  db_.exec("PRAGMA busy_timeout=5000");
  incremental_vacuum_ = prepare_vacuum(db_);
  configure(db_, cfg);
  migrate(db_);
  {
    Stmt q(db_, "SELECT id FROM ledger_identity");
    if (q.step()) identity_ = q.column_text(0);
  }
  configure(reader_, cfg);
  insert_event_ = std::make_unique<Stmt>(
      db_,
      "INSERT INTO events (dedup_key, event_type, run_id, actor_id, task_id, dataset_id, status, finished_at, "
      "dispatch_id, headers, body, received_at, origin) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
      "ON CONFLICT (dedup_key) DO NOTHING");
  insert_delivery_ = std::make_unique<Stmt>(
      db_,
      "INSERT INTO deliveries (event_id, sink, with_items, state, next_attempt_at, created_at, updated_at) "
      "VALUES (?, ?, ?, 'pending', ?, ?, ?)");
  savepoint_ = std::make_unique<Stmt>(db_, "SAVEPOINT job");
  release_ = std::make_unique<Stmt>(db_, "RELEASE job");
  rollback_to_ = std::make_unique<Stmt>(db_, "ROLLBACK TO job");
  writer_ = std::make_unique<GroupCommit>(static_cast<GroupCommit::Backend&>(*this));
}

SqliteLedger::~SqliteLedger() { close(); }

void SqliteLedger::record_async(std::vector<AsyncRecord> records, std::shared_ptr<RecordReceiver> to) {
  writer_->record_async(std::move(records), to);
}

bool SqliteLedger::writable() { return writer_->writable(); }

Readiness SqliteLedger::readiness(std::uint64_t event_bytes) {
  // A failed record is the surest sign; it stops counting after a while so that a ledger
  // nobody writes to (the load balancer took it out) can become ready again.
  constexpr std::int64_t kFailureCountsMs = 30000;
  if (const std::string failure = writer_->recent_record_failure(kFailureCountsMs); !failure.empty())
    return {false, "the last webhook could not be recorded: " + failure};
  if (!writer_->writable()) return {false, "ledger not writable: a write transaction does not commit"};
  // An event costs its bytes twice (the WAL, then the database at checkpoint) plus pages of
  // index and bookkeeping; an empty commit succeeds on a full disk, this does not.
  const std::uint64_t need = 2 * event_bytes + (1u << 20);
  std::error_code ec;
  auto dir = std::filesystem::path(path_).parent_path();
  const auto space = std::filesystem::space(dir.empty() ? "." : dir, ec);
  if (!ec && space.available < need)
    return {false, "the ledger's filesystem has " + std::to_string(space.available) + " bytes free; recording a " +
                       std::to_string(event_bytes) + "-byte webhook needs " + std::to_string(need)};
  return {};
}

void SqliteLedger::close() {
  writer_->close();
  insert_event_.reset();
  insert_delivery_.reset();
  savepoint_.reset();
  release_.reset();
  rollback_to_.reset();
}

void SqliteLedger::begin() { db_.exec("BEGIN IMMEDIATE"); }

void SqliteLedger::commit() { db_.exec("COMMIT"); }

void SqliteLedger::rollback() noexcept {
  if (db_.in_transaction()) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteLedger::savepoint() { exec(*savepoint_); }

void SqliteLedger::release() { exec(*release_); }

void SqliteLedger::rollback_to() { exec(*rollback_to_); }

void SqliteLedger::reset_statements() noexcept {
  insert_event_->reset();
  insert_delivery_->reset();
}

RecordOutcome SqliteLedger::insert(const IncomingEvent& in) {
  const model::Event& e = in.event;
  const std::int64_t now = util::unix_ms();
  Stmt& s = *insert_event_;
  s.reset();
  // `in` outlives the statement's reset below: no copies of the strings.
  s.bind_ref(1, in.dedup_key).bind_ref(2, e.event_type).bind_ref(3, e.run_id).bind_ref(4, e.actor_id);
  s.bind_ref(5, e.task_id).bind_ref(6, e.dataset_id).bind_ref(7, e.status).bind_ref(8, e.finished_at);
  s.bind_ref(9, in.dispatch_id).bind_ref(10, in.headers_json).bind_ref(11, in.body).bind(12, now);
  s.bind_ref(13, in.origin);
  s.step();
  s.reset();
  // ON CONFLICT DO NOTHING: no row changed means the unique key already exists, in an
  // earlier commit or earlier in this very batch.
  if (db_.changes() == 0) return {RecordOutcome::Kind::Duplicate, 0, {}};
  const std::int64_t id = db_.last_insert_rowid();
  Stmt& d = *insert_delivery_;
  for (const auto& p : in.deliveries) {
    d.reset();
    d.bind(1, id).bind(2, p.sink).bind(3, static_cast<std::int64_t>(p.with_items ? 1 : 0));
    d.bind(4, now).bind(5, now).bind(6, now);
    d.step();
  }
  d.reset();
  return {RecordOutcome::Kind::Accepted, id, {}};
}

std::unique_ptr<Ledger> open_sqlite(const config::LedgerConfig& cfg) {
  try {
    return std::make_unique<SqliteLedger>(cfg);
  } catch (const SqliteError& e) {
    throw std::runtime_error(std::string("ledger: ") + e.what());
  }
}

}  // namespace sinkhub::ledger
