// SQLite ledger with group commit: request threads queue their record and wait; one writer
// thread takes everything queued, writes it in one transaction and commits (one fsync under
// synchronous=FULL), then wakes every waiter with its own outcome. Under load, one commit
// carries many events, so durability does not cost throughput.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "ledger/ledger.hpp"
#include "ledger/migrations.hpp"
#include "ledger/sqlite_db.hpp"

namespace sinkhub::ledger {

namespace {

constexpr std::size_t kMaxBatch = 1024;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void migrate(Db& db) {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
          "applied_at INTEGER NOT NULL)");
  int current = 0;
  {
    Stmt q(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (q.step()) current = static_cast<int>(q.column_int(0));
  }
  const auto& all = migrations();
  if (current > all.back().version)
    throw std::runtime_error("ledger schema version " + std::to_string(current) +
                             " is newer than this sinkhub understands (" + std::to_string(all.back().version) +
                             "); refusing to touch it");
  for (const auto& m : all) {
    if (m.version <= current) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(m.sql);
      Stmt ins(db, "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)");
      ins.bind(1, static_cast<std::int64_t>(m.version)).bind(2, std::string(m.description)).bind(3, now_ms());
      ins.step();
      db.exec("COMMIT");
    } catch (...) {
      db.exec("ROLLBACK");
      throw;
    }
  }
}

class SqliteLedger final : public Ledger {
 public:
  explicit SqliteLedger(const config::LedgerConfig& cfg) : db_(open(cfg)) {
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec(cfg.synchronous == "normal" ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
    db_.exec("PRAGMA foreign_keys=ON");
    db_.exec("PRAGMA busy_timeout=5000");
    migrate(db_);
    insert_event_ = std::make_unique<Stmt>(
        db_,
        "INSERT INTO events (dedup_key, event_type, run_id, actor_id, task_id, dataset_id, status, finished_at, "
        "dispatch_id, headers, body, received_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (dedup_key) DO NOTHING");
    insert_delivery_ = std::make_unique<Stmt>(
        db_,
        "INSERT INTO deliveries (event_id, sink, with_items, state, next_attempt_at, created_at, updated_at) "
        "VALUES (?, ?, ?, 'pending', ?, ?, ?)");
    writer_ = std::thread([this] { run(); });
  }

  ~SqliteLedger() override { close(); }

  RecordOutcome record(const IncomingEvent& ev) override {
    Job job;
    job.ev = &ev;  // the caller blocks until done, so the event outlives the job
    auto fut = job.done.get_future();
    if (!enqueue(job)) return {RecordOutcome::Kind::Failed, 0, "ledger is closed"};
    return fut.get();
  }

  bool writable() override {
    Job job;
    job.ping = true;
    auto fut = job.done.get_future();
    if (!enqueue(job)) return false;
    return fut.get().kind != RecordOutcome::Kind::Failed;
  }

  void close() override {
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (closed_) return;
      closed_ = true;
    }
    cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    insert_event_.reset();
    insert_delivery_.reset();
  }

 private:
  struct Job {
    const IncomingEvent* ev = nullptr;
    bool ping = false;
    std::promise<RecordOutcome> done;
    RecordOutcome out;
  };

  static Db open(const config::LedgerConfig& cfg) {
    const auto parent = std::filesystem::path(cfg.path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    return Db(cfg.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  }

  bool enqueue(Job& job) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (closed_) return false;
      queue_.push_back(&job);
    }
    cv_.notify_one();
    return true;
  }

  void run() {
    std::vector<Job*> batch;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [this] { return closed_ || !queue_.empty(); });
        if (queue_.empty()) return;  // closed and drained
        while (!queue_.empty() && batch.size() < kMaxBatch) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      commit(batch);
      for (Job* j : batch) j->done.set_value(std::move(j->out));
      batch.clear();
    }
  }

  void commit(std::vector<Job*>& batch) {
    try {
      db_.exec("BEGIN IMMEDIATE");
      const std::int64_t now = now_ms();
      for (Job* j : batch) {
        if (j->ping) {
          j->out.kind = RecordOutcome::Kind::Accepted;
          continue;
        }
        write(*j, now);
      }
      db_.exec("COMMIT");
    } catch (const std::exception& e) {
      // One failed statement fails the whole batch: nobody gets a 2xx for work that might
      // not be on disk, and Apify retries.
      if (!sqlite3_get_autocommit(db_.handle())) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
      insert_event_->reset();
      insert_delivery_->reset();
      for (Job* j : batch) j->out = {RecordOutcome::Kind::Failed, 0, e.what()};
    }
  }

  void write(Job& j, std::int64_t now) {
    const IncomingEvent& in = *j.ev;
    const webhook::Event& e = in.event;
    Stmt& s = *insert_event_;
    s.reset();
    s.bind(1, in.dedup_key).bind(2, e.event_type).bind(3, e.run_id).bind(4, e.actor_id).bind(5, e.task_id);
    s.bind(6, e.dataset_id).bind(7, e.status).bind(8, e.finished_at).bind(9, in.dispatch_id);
    s.bind(10, in.headers_json).bind(11, in.body).bind(12, now);
    s.step();
    s.reset();
    // ON CONFLICT DO NOTHING: no row changed means the unique key already exists, in an
    // earlier commit or earlier in this very batch.
    if (sqlite3_changes(db_.handle()) == 0) {
      j.out = {RecordOutcome::Kind::Duplicate, 0, {}};
      return;
    }
    const std::int64_t id = sqlite3_last_insert_rowid(db_.handle());
    Stmt& d = *insert_delivery_;
    for (const auto& p : in.deliveries) {
      d.reset();
      d.bind(1, id).bind(2, p.sink).bind(3, static_cast<std::int64_t>(p.with_items ? 1 : 0));
      d.bind(4, now).bind(5, now).bind(6, now);
      d.step();
    }
    d.reset();
    j.out = {RecordOutcome::Kind::Accepted, id, {}};
  }

  Db db_;
  std::unique_ptr<Stmt> insert_event_, insert_delivery_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job*> queue_;
  bool closed_ = false;
  std::thread writer_;
};

}  // namespace

std::unique_ptr<Ledger> open_sqlite(const config::LedgerConfig& cfg) {
  try {
    return std::make_unique<SqliteLedger>(cfg);
  } catch (const SqliteError& e) {
    throw std::runtime_error(std::string("ledger: ") + e.what());
  }
}

}  // namespace sinkhub::ledger
