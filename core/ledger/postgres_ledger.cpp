// Opening the PostgreSQL ledger (connect, migrate under an advisory lock), its side of group
// commit (the transaction verbs, the insert of an event with its planned deliveries, NOTIFY
// with the commit) and the listener that turns other daemons' NOTIFY into wake-ups.
#include "ledger/postgres_ledger.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "ledger/postgres_schema.hpp"
#include "util/clock.hpp"

namespace sinkhub::ledger {

namespace {

// pg_advisory_xact_lock key of migrations: "sinkhub" in ASCII, as a number.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(32496501012170850)";
constexpr const char* kWorkChannel = "sinkhub_work";

// N daemons starting together: the first takes the lock and migrates, the others wait for it
// and then find nothing to do. DDL is transactional: a failed migration leaves no trace.
void migrate(pg::Conn& db) {
  db.exec_script("BEGIN");
  try {
    db.exec(kMigrationLock);
    db.exec_script(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
        "applied_at BIGINT NOT NULL)");
    const int current = static_cast<int>(db.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").integer(0, 0));
    const auto& all = postgres_migrations();
    refuse_newer_schema(current, all);
    for (const auto& m : all) {
      if (m.version <= current) continue;
      db.exec_script(m.sql);
      db.exec("INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)",
              pg::Params().integer(m.version).text(m.description).integer(util::unix_ms()));
      spdlog::info("ledger: PostgreSQL schema migrated to version {} ({})", m.version, m.description);
    }
    db.exec_script("COMMIT");
  } catch (...) {
    if (db.healthy()) {
      try {
        db.exec_script("ROLLBACK");
      } catch (...) {
      }
    }
    throw;
  }
}

}  // namespace

PostgresLedger::PostgresLedger(const config::LedgerConfig& cfg)
    : settings_(std::make_shared<pg::Settings>(cfg.url)),
      pool_(settings_, cfg.pool),
      writer_conn_(settings_),
      listen_conn_(settings_) {
  writer_conn_.count_round_trips_as("writer");
  listen_conn_.count_round_trips_as("listener");
  migrate(writer_conn_);
  const pg::Result id = writer_conn_.exec("SELECT id FROM ledger_identity");
  if (id.rows() > 0) identity_ = id.text(0, 0);
  // Listening before the constructor returns: no NOTIFY after it is missed.
  listen_conn_.exec_script(std::string("LISTEN ") + kWorkChannel);
  writer_ = std::make_unique<GroupCommit>(static_cast<GroupCommit::Backend&>(*this));
  listener_ = std::thread([this] { listen_loop(); });
}

PostgresLedger::~PostgresLedger() { close(); }

void PostgresLedger::record_async(std::vector<AsyncRecord> records, std::shared_ptr<RecordReceiver> to) {
  writer_->record_async(std::move(records), to);
}

bool PostgresLedger::writable() { return writer_->writable(); }

void PostgresLedger::on_new_work(std::function<void()> wake) {
  std::lock_guard<std::mutex> lk(wake_mu_);
  wake_ = std::move(wake);
}

void PostgresLedger::close() {
  writer_->close();
  closing_ = true;
  if (listener_.joinable()) listener_.join();
  on_new_work(nullptr);
}

pg::Result PostgresLedger::run(const char* sql, const pg::Params& params) {
  auto conn = pool_.acquire();
  return conn->exec(sql, params);
}

void PostgresLedger::begin() {
  writer_conn_.exec_script("BEGIN");
  accepted_in_group_ = false;
}

void PostgresLedger::commit() {
  // Delivered by PostgreSQL with the commit, to every daemon listening (this one included).
  if (accepted_in_group_) writer_conn_.exec("SELECT pg_notify($1, '')", pg::Params().text(kWorkChannel));
  writer_conn_.exec_script("COMMIT");
}

void PostgresLedger::rollback() noexcept {
  try {
    if (writer_conn_.healthy()) writer_conn_.exec_script("ROLLBACK");
  } catch (...) {
    writer_conn_.drop();  // the server forgets the transaction with the connection
  }
}

void PostgresLedger::savepoint() { writer_conn_.exec_script("SAVEPOINT job"); }

void PostgresLedger::release() { writer_conn_.exec_script("RELEASE job"); }

void PostgresLedger::rollback_to() { writer_conn_.exec_script("ROLLBACK TO job"); }

// One statement: the event, unless its dedup key exists (in an earlier commit, in another
// daemon's commit, earlier in this group), and its planned deliveries. Two daemons inserting
// the same key at once: the unique index makes the second wait for the first's commit, then
// DO NOTHING; both answer 200.
RecordOutcome PostgresLedger::insert(const IncomingEvent& in) {
  static constexpr const char* kInsert =
      "WITH e AS (INSERT INTO events (dedup_key, event_type, run_id, actor_id, task_id, dataset_id, status, "
      "finished_at, dispatch_id, headers, body, received_at, origin) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$15) "
      "ON CONFLICT (dedup_key) DO NOTHING RETURNING id), "
      "d AS (INSERT INTO deliveries (event_id, sink, with_items, state, next_attempt_at, created_at, updated_at) "
      "SELECT e.id, p.sink, p.with_items, 'pending', $12, $12, $12 FROM e, "
      "unnest($13::text[], $14::boolean[]) AS p(sink, with_items)) "
      "SELECT id FROM e";
  const model::Event& e = in.event;
  pg::Params p;
  p.text(in.dedup_key).text(e.event_type).text(e.run_id).text(e.actor_id).text(e.task_id).text(e.dataset_id);
  p.text(e.status).text(e.finished_at).text(in.dispatch_id).text(in.headers_json).bytes(in.body);
  pg::Array sinks, with_items;
  for (const auto& d : in.deliveries) {
    sinks.text(d.sink);
    with_items.boolean(d.with_items);
  }
  p.integer(util::unix_ms()).text(sinks.literal()).text(with_items.literal());
  p.text(in.origin);
  const pg::Result r = writer_conn_.exec(kInsert, p);
  if (r.rows() == 0) return {RecordOutcome::Kind::Duplicate, 0, {}};
  if (!in.deliveries.empty()) accepted_in_group_ = true;
  return {RecordOutcome::Kind::Accepted, r.integer(0, 0), {}};
}

// LISTEN on a connection of its own; reconnects (with the connection's backoff) when lost.
// Between notifications it wakes twice a second to see whether the ledger is closing.
void PostgresLedger::listen_loop() {
  bool listening = true;
  while (!closing_) {
    try {
      if (!listening) {
        listen_conn_.exec_script(std::string("LISTEN ") + kWorkChannel);
        listening = true;
        spdlog::info("ledger: PostgreSQL notification channel back");
        wake();  // work may have been recorded while nobody listened
      }
      pollfd pfd{listen_conn_.socket(), POLLIN, 0};
      if (::poll(&pfd, 1, 500) > 0 && !listen_conn_.notifications().empty()) wake();
    } catch (const std::exception& e) {
      if (listening) spdlog::warn("ledger: lost the PostgreSQL notification channel: {}", e.what());
      listening = false;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

void PostgresLedger::wake() {
  std::lock_guard<std::mutex> lk(wake_mu_);
  if (wake_) wake_();
}

std::unique_ptr<Ledger> open_postgres(const config::LedgerConfig& cfg) {
  const config::PostgresUrl url(cfg.url);
  if (const std::string why = url.problem(); !why.empty()) throw std::runtime_error("ledger: " + why);
  try {
    return std::make_unique<PostgresLedger>(cfg);
  } catch (const std::exception& e) {
    // pg:: messages are scrubbed already; a message from elsewhere is scrubbed here.
    throw std::runtime_error("ledger: cannot open PostgreSQL ledger " + url.redacted() + ": " + url.scrub(e.what()));
  }
}

}  // namespace sinkhub::ledger
