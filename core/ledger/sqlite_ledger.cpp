// SQLite ledger with group commit: callers queue their write and wait (record_async: are
// called back); one writer thread takes everything queued, runs it in one transaction (each
// job in its own savepoint, so one failing job does not fail its neighbours) and commits — one
// fsync under synchronous=FULL — then gives every job its own outcome (waking a waiter, or
// reporting to a RecordReceiver). Under load one commit carries many webhooks,
// so durability does not cost throughput. Reads (CLI, metrics) use a second connection;
// WAL lets them run beside the writer.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "ledger/ledger.hpp"
#include "ledger/migrations.hpp"
#include "ledger/sqlite_db.hpp"
#include "util/clock.hpp"

namespace sinkhub::ledger {

namespace {

constexpr std::size_t kMaxBatch = 1024;

using util::unix_ms;

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
      ins.bind(1, static_cast<std::int64_t>(m.version)).bind(2, std::string(m.description)).bind(3, unix_ms());
      ins.step();
      db.exec("COMMIT");
    } catch (...) {
      db.exec("ROLLBACK");
      throw;
    }
  }
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

std::string placeholders(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += i ? ",?" : "?";
  return s;
}

const char* kClaimColumns =
    "d.id, d.event_id, d.sink, d.with_items, d.attempts, d.items_done, d.checkpoint, d.created_at, "
    "d.source_offset, d.source_items, "
    "e.event_type, e.run_id, e.actor_id, e.task_id, e.dataset_id, e.status, e.finished_at, e.body, e.received_at, "
    "COALESCE(e.verified, -1), d.replayed";

class SqliteLedger final : public Ledger {
 public:
  explicit SqliteLedger(const config::LedgerConfig& cfg) : db_(open_db(cfg)), reader_(cfg.path, SQLITE_OPEN_READWRITE) {
    configure(db_, cfg);
    migrate(db_);
    configure(reader_, cfg);
    insert_event_ = std::make_unique<Stmt>(
        db_,
        "INSERT INTO events (dedup_key, event_type, run_id, actor_id, task_id, dataset_id, status, finished_at, "
        "dispatch_id, headers, body, received_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (dedup_key) DO NOTHING");
    insert_delivery_ = std::make_unique<Stmt>(
        db_,
        "INSERT INTO deliveries (event_id, sink, with_items, state, next_attempt_at, created_at, updated_at) "
        "VALUES (?, ?, ?, 'pending', ?, ?, ?)");
    savepoint_ = std::make_unique<Stmt>(db_, "SAVEPOINT job");
    release_ = std::make_unique<Stmt>(db_, "RELEASE job");
    rollback_to_ = std::make_unique<Stmt>(db_, "ROLLBACK TO job");
    writer_ = std::thread([this] { run(); });
  }

  ~SqliteLedger() override { close(); }

  void record_async(std::vector<AsyncRecord> records, std::shared_ptr<RecordReceiver> to) override {
    if (records.empty()) return;
    std::vector<std::unique_ptr<Job>> jobs;
    jobs.reserve(records.size());
    for (auto& r : records) {
      auto job = std::make_unique<Job>();
      job->event = std::move(r.event);
      job->receiver = to;
      job->token = r.token;
      jobs.push_back(std::move(job));
    }
    if (!enqueue(jobs)) {
      // Closed: the jobs are dropped with their events; the receiver gets none back.
      for (auto& j : jobs) to->complete(j->token, {RecordOutcome::Kind::Failed, 0, "ledger is closed"}, nullptr);
      to->flush();
    }
  }

  bool writable() override {
    return write([](Db&) {}, [](const std::string&) {}) && last_commit_ok_;
  }

  std::vector<Claim> claim(const std::string& owner, std::int64_t lease_ms, const std::vector<std::string>& sinks,
                           int limit) override {
    std::vector<Claim> out;
    if (sinks.empty() || limit <= 0) return out;
    write_or_throw([&](Db& db) {
      const std::int64_t now = unix_ms();
      // Suspended sinks are skipped; their deliveries wait.
      std::vector<std::string> usable;
      {
        Stmt q(db, "SELECT sink FROM sink_suspensions WHERE until_ms > ?");
        q.bind(1, now);
        std::vector<std::string> suspended;
        while (q.step()) suspended.push_back(q.column_text(0));
        for (const auto& s : sinks)
          if (std::find(suspended.begin(), suspended.end(), s) == suspended.end()) usable.push_back(s);
      }
      if (usable.empty()) return;
      const std::string sql = "SELECT id FROM deliveries WHERE sink IN (" + placeholders(usable.size()) +
                              ") AND ((state IN ('pending','retrying') AND next_attempt_at <= ?) OR "
                              "(state = 'running' AND lease_until < ?)) ORDER BY next_attempt_at, id LIMIT ?";
      Stmt pick(db, sql.c_str());
      int i = 1;
      for (const auto& s : usable) pick.bind(i++, s);
      pick.bind(i, now);
      pick.bind(i + 1, now);
      pick.bind(i + 2, static_cast<std::int64_t>(limit));
      std::vector<std::int64_t> ids;
      while (pick.step()) ids.push_back(pick.column_int(0));
      Stmt lease(db,
                 "UPDATE deliveries SET state='running', lease_owner=?, lease_until=?, attempts=attempts+1, "
                 "updated_at=? WHERE id=?");
      const std::string select = std::string("SELECT ") + kClaimColumns +
                                 " FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?";
      Stmt load(db, select.c_str());
      for (auto id : ids) {
        lease.reset();
        lease.bind(1, owner).bind(2, now + lease_ms).bind(3, now).bind(4, id);
        lease.step();
        load.reset();
        load.bind(1, id);
        if (!load.step()) continue;
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
        c.event.event_type = load.column_text(10);
        c.event.run_id = load.column_text(11);
        c.event.actor_id = load.column_text(12);
        c.event.task_id = load.column_text(13);
        c.event.dataset_id = load.column_text(14);
        c.event.status = load.column_text(15);
        c.event.finished_at = load.column_text(16);
        c.event_body = load.column_text(17);
        c.received_at = load.column_int(18);
        c.verified = static_cast<int>(load.column_int(19));
        c.replayed = load.column_int(20) != 0;
        out.push_back(std::move(c));
      }
    });
    return out;
  }

  bool save_progress(std::int64_t id, const std::string& owner, const Progress& p,
                     const std::optional<std::string>& checkpoint, std::int64_t lease_ms) override {
    bool owned = false;
    write_or_throw([&](Db& db) {
      const std::int64_t now = unix_ms();
      Stmt u(db, checkpoint ? "UPDATE deliveries SET items_done=?, source_offset=?, source_items=?, lease_until=?, "
                              "updated_at=?, checkpoint=? WHERE id=? AND lease_owner=? AND state='running'"
                            : "UPDATE deliveries SET items_done=?, source_offset=?, source_items=?, lease_until=?, "
                              "updated_at=? WHERE id=? AND lease_owner=? AND state='running'");
      u.bind(1, static_cast<std::int64_t>(p.items_done));
      u.bind(2, p.source_offset);
      u.bind(3, static_cast<std::int64_t>(p.source_items));
      u.bind(4, now + lease_ms);
      u.bind(5, now);
      int i = 6;
      if (checkpoint) u.bind_blob(i++, *checkpoint);
      u.bind(i, id);
      u.bind(i + 1, owner);
      u.step();
      owned = sqlite3_changes(db.handle()) == 1;
    });
    return owned;
  }

  bool extend_lease(std::int64_t id, const std::string& owner, std::int64_t lease_ms) override {
    bool owned = false;
    write_or_throw([&](Db& db) {
      Stmt u(db, "UPDATE deliveries SET lease_until=? WHERE id=? AND lease_owner=? AND state='running'");
      u.bind(1, unix_ms() + lease_ms);
      u.bind(2, id);
      u.bind(3, owner);
      u.step();
      owned = sqlite3_changes(db.handle()) == 1;
    });
    return owned;
  }

  bool finish(std::int64_t id, const std::string& owner, const Finish& how, const AttemptRecord& a) override {
    bool owned = false;
    write_or_throw([&](Db& db) {
      const std::int64_t now = unix_ms();
      const bool done = how.state == "done";
      Stmt u(db,
             "UPDATE deliveries SET state=?, next_attempt_at=?, lease_owner=NULL, lease_until=NULL, "
             "attempts=attempts-?, last_error=CASE WHEN ? THEN NULL WHEN ?='' THEN last_error ELSE ? END, "
             "checkpoint=CASE WHEN ? THEN NULL ELSE checkpoint END, updated_at=? "
             "WHERE id=? AND lease_owner=? AND state='running'");
      u.bind(1, how.state).bind(2, how.state == "retrying" ? how.next_attempt_at : now);
      u.bind(3, static_cast<std::int64_t>(how.count_attempt ? 0 : 1));
      u.bind(4, static_cast<std::int64_t>(done)).bind(5, how.error).bind(6, how.error);
      u.bind(7, static_cast<std::int64_t>(done)).bind(8, now).bind(9, id).bind(10, owner);
      u.step();
      owned = sqlite3_changes(db.handle()) == 1;
      if (!owned) return;
      Stmt h(db,
             "INSERT INTO attempts (delivery_id, attempt, started_at, finished_at, outcome, items, message) "
             "SELECT id, attempts + ?, ?, ?, ?, ?, ? FROM deliveries WHERE id=?");
      h.bind(1, static_cast<std::int64_t>(how.count_attempt ? 0 : 1)).bind(2, a.started_at).bind(3, a.finished_at);
      h.bind(4, a.outcome).bind(5, static_cast<std::int64_t>(a.items)).bind(6, a.message).bind(7, id);
      h.step();
    });
    return owned;
  }

  void set_verified(std::int64_t event_id, bool ok, const std::string& reason) override {
    write_or_throw([&](Db& db) {
      Stmt u(db, "UPDATE events SET verified=?, status_note=? WHERE id=?");
      u.bind(1, static_cast<std::int64_t>(ok ? 1 : 0)).bind(2, ok ? std::string() : reason).bind(3, event_id);
      u.step();
      if (ok) return;
      Stmt d(db,
             "UPDATE deliveries SET state='dead', last_error=?, lease_owner=NULL, lease_until=NULL, updated_at=? "
             "WHERE event_id=? AND state IN ('pending','retrying','running')");
      d.bind(1, "rejected: " + reason).bind(2, unix_ms()).bind(3, event_id);
      d.step();
    });
  }

  void suspend_sink(const std::string& sink, std::int64_t until, const std::string& reason) override {
    write_or_throw([&](Db& db) {
      Stmt u(db,
             "INSERT INTO sink_suspensions (sink, until_ms, reason) VALUES (?, ?, ?) "
             "ON CONFLICT (sink) DO UPDATE SET until_ms=excluded.until_ms, reason=excluded.reason");
      u.bind(1, sink).bind(2, until).bind(3, reason);
      u.step();
    });
  }

  Status status() override {
    std::lock_guard<std::mutex> lk(read_mu_);
    Status s;
    for (const char* state : kDeliveryStates) {
      Stmt q(reader_, "SELECT COUNT(*) FROM deliveries WHERE state=?");
      q.bind(1, std::string(state));
      s.deliveries_by_state.emplace_back(state, q.step() ? q.column_int(0) : 0);
    }
    {
      Stmt q(reader_, "SELECT COUNT(*) FROM events");
      if (q.step()) s.events = q.column_int(0);
    }
    const std::int64_t now = unix_ms();
    {
      Stmt q(reader_,
             "SELECT MIN(next_attempt_at) FROM deliveries WHERE state IN ('pending','retrying') AND next_attempt_at <= ?");
      q.bind(1, now);
      if (q.step() && q.column_int(0) > 0) s.oldest_due_age_ms = now - q.column_int(0);
    }
    {
      Stmt q(reader_, "SELECT sink, until_ms FROM sink_suspensions WHERE until_ms > ? ORDER BY sink");
      q.bind(1, now);
      while (q.step()) s.suspended_sinks.emplace_back(q.column_text(0), q.column_int(1));
    }
    return s;
  }

  std::vector<DeliveryRow> deliveries(const std::string& state, const std::string& run_id, int limit) override {
    std::lock_guard<std::mutex> lk(read_mu_);
    Stmt q(reader_,
           "SELECT d.id, d.event_id, d.sink, d.state, e.event_type, e.run_id, e.actor_id, COALESCE(d.last_error,''), "
           "d.with_items, d.attempts, d.items_done, d.next_attempt_at, d.created_at, d.updated_at "
           "FROM deliveries d JOIN events e ON e.id = d.event_id "
           "WHERE (?1 = '' OR d.state = ?1) AND (?2 = '' OR e.run_id = ?2) ORDER BY d.id DESC LIMIT ?3");
    q.bind(1, state).bind(2, run_id).bind(3, static_cast<std::int64_t>(limit));
    std::vector<DeliveryRow> out;
    while (q.step()) {
      DeliveryRow r;
      r.id = q.column_int(0);
      r.event_id = q.column_int(1);
      r.sink = q.column_text(2);
      r.state = q.column_text(3);
      r.event_type = q.column_text(4);
      r.run_id = q.column_text(5);
      r.actor_id = q.column_text(6);
      r.last_error = q.column_text(7);
      r.with_items = q.column_int(8) != 0;
      r.attempts = static_cast<int>(q.column_int(9));
      r.items_done = static_cast<std::uint64_t>(q.column_int(10));
      r.next_attempt_at = q.column_int(11);
      r.created_at = q.column_int(12);
      r.updated_at = q.column_int(13);
      out.push_back(std::move(r));
    }
    return out;
  }

  // A run's events are found through the unique dedup-key index: the prefix "run|" ('}' is
  // the byte after '|'), then the exact run id (a run id containing '|' shares the prefix).
  std::vector<EventRow> events_for_run(const std::string& run_id) override {
    std::lock_guard<std::mutex> lk(read_mu_);
    Stmt q(reader_,
           "SELECT id, event_type, run_id, actor_id, task_id, dataset_id, status, finished_at, dispatch_id, headers, "
           "body, received_at, COALESCE(status_note,'') FROM events "
           "WHERE dedup_key >= ?1 || '|' AND dedup_key < ?1 || '}' AND run_id = ?1 ORDER BY id");
    q.bind(1, run_id);
    std::vector<EventRow> out;
    while (q.step()) {
      EventRow r;
      r.id = q.column_int(0);
      r.event.event_type = q.column_text(1);
      r.event.run_id = q.column_text(2);
      r.event.actor_id = q.column_text(3);
      r.event.task_id = q.column_text(4);
      r.event.dataset_id = q.column_text(5);
      r.event.status = q.column_text(6);
      r.event.finished_at = q.column_text(7);
      r.dispatch_id = q.column_text(8);
      r.headers_json = q.column_text(9);
      r.body = q.column_text(10);
      r.received_at = q.column_int(11);
      r.status_note = q.column_text(12);
      out.push_back(std::move(r));
    }
    return out;
  }

  std::vector<AttemptRecord> attempts(std::int64_t delivery_id) override {
    std::lock_guard<std::mutex> lk(read_mu_);
    Stmt q(reader_,
           "SELECT started_at, finished_at, outcome, items, message FROM attempts WHERE delivery_id=? ORDER BY id");
    q.bind(1, delivery_id);
    std::vector<AttemptRecord> out;
    while (q.step())
      out.push_back({q.column_int(0), q.column_int(1), q.column_text(2), static_cast<std::uint64_t>(q.column_int(3)),
                     q.column_text(4)});
    return out;
  }

  int replay(const ReplayRequest& r) override {
    int changed = 0;
    write_or_throw([&](Db& db) {
      // A running delivery is left alone: its worker owns it.
      Stmt u(db,
             "UPDATE deliveries SET state='pending', attempts=0, next_attempt_at=?1, lease_owner=NULL, "
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
      u.bind(1, unix_ms()).bind(2, static_cast<std::int64_t>(r.from_start ? 1 : 0));
      u.bind(3, r.delivery_id.value_or(-1)).bind(4, r.run_id.value_or("")).bind(5, r.sink.value_or(""));
      u.step();
      changed = sqlite3_changes(db.handle());
    });
    return changed;
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
    savepoint_.reset();
    release_.reset();
    rollback_to_.reset();
  }

 private:
  // Prepared once: a savepoint per job is on the hot path of every webhook.
  static void exec(Stmt& s) {
    s.reset();
    s.step();
    s.reset();
  }

  // A queued write: a webhook's event (receiver set) or any other write (run/failed/done).
  struct Job {
    std::function<void(Db&)> run;
    std::function<void(const std::string&)> failed;
    std::function<void()> done;  // after the commit (or its failure), on the writer thread
    std::unique_ptr<IncomingEvent> event;
    std::shared_ptr<RecordReceiver> receiver;
    std::uint64_t token = 0;
    RecordOutcome outcome;
  };

  // Queues jobs for the next group transaction, together (one lock, at most one wake-up).
  // False if closed: then nothing is queued and the jobs stay with the caller.
  bool enqueue(std::vector<std::unique_ptr<Job>>& jobs) {
    bool wake;
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (closed_) return false;
      for (auto& j : jobs) queue_.push_back(std::move(j));
      wake = writer_idle_;  // a busy writer picks the jobs up with its next batch
    }
    jobs.clear();
    if (wake) cv_.notify_one();
    return true;
  }

  // Runs fn in the writer thread inside the next group transaction; blocks until that
  // transaction committed (or failed: then on_error runs instead). False if closed.
  bool write(std::function<void(Db&)> fn, std::function<void(const std::string&)> on_error) {
    std::promise<void> committed;
    auto fut = committed.get_future();
    auto job = std::make_unique<Job>();
    job->run = std::move(fn);
    job->failed = std::move(on_error);
    job->done = [&committed] { committed.set_value(); };
    std::vector<std::unique_ptr<Job>> jobs;
    jobs.push_back(std::move(job));
    if (!enqueue(jobs)) return false;
    fut.get();
    return true;
  }

  void write_or_throw(std::function<void(Db&)> fn) {
    std::string error;
    if (!write(std::move(fn), [&](const std::string& e) { error = e.empty() ? "ledger write failed" : e; }))
      throw std::runtime_error("ledger is closed");
    if (!error.empty()) throw std::runtime_error("ledger: " + error);
  }

  void run() {
    std::vector<std::unique_ptr<Job>> batch;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(mu_);
        writer_idle_ = true;
        cv_.wait(lk, [this] { return closed_ || !queue_.empty(); });
        writer_idle_ = false;
        if (queue_.empty()) return;  // closed and drained
        while (!queue_.empty() && batch.size() < kMaxBatch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      commit(batch);
      // Outcomes first, then one flush per receiver: each consumer is woken once per group.
      std::vector<RecordReceiver*> receivers;
      for (auto& j : batch) {
        if (!j->receiver) {
          j->done();
          continue;
        }
        j->receiver->complete(j->token, std::move(j->outcome), std::move(j->event));
        if (std::find(receivers.begin(), receivers.end(), j->receiver.get()) == receivers.end())
          receivers.push_back(j->receiver.get());
      }
      for (RecordReceiver* r : receivers) r->flush();
      batch.clear();
    }
  }

  void commit(std::vector<std::unique_ptr<Job>>& batch) {
    std::vector<std::string> errors(batch.size());
    try {
      db_.exec("BEGIN IMMEDIATE");
      for (std::size_t i = 0; i < batch.size(); ++i) {
        Job& j = *batch[i];
        // An event without deliveries is one INSERT, which SQLite already undoes alone when
        // it fails; only multi-statement jobs need a savepoint of their own.
        const bool single = j.receiver && j.event->deliveries.empty();
        if (!single) exec(*savepoint_);
        try {
          if (j.receiver) j.outcome = insert(*j.event);
          else j.run(db_);
          if (!single) exec(*release_);
        } catch (const std::exception& e) {
          errors[i] = e.what();
          if (errors[i].empty()) errors[i] = "ledger write failed";
          insert_event_->reset();
          insert_delivery_->reset();
          if (!single) {
            exec(*rollback_to_);
            exec(*release_);
          }
        }
      }
      db_.exec("COMMIT");
      last_commit_ok_ = true;
    } catch (const std::exception& e) {
      // The commit itself failed: nothing of the batch is durable, nobody gets a success
      // (a webhook gets 503 and Apify retries).
      if (!sqlite3_get_autocommit(db_.handle())) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
      insert_event_->reset();
      insert_delivery_->reset();
      last_commit_ok_ = false;
      for (auto& err : errors) err = e.what();
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (errors[i].empty()) continue;
      if (batch[i]->receiver) batch[i]->outcome = {RecordOutcome::Kind::Failed, 0, errors[i]};
      else batch[i]->failed(errors[i]);
    }
  }

  RecordOutcome insert(const IncomingEvent& in) {
    const model::Event& e = in.event;
    const std::int64_t now = unix_ms();
    Stmt& s = *insert_event_;
    s.reset();
    // `in` outlives the statement's reset below: no copies of the strings.
    s.bind_ref(1, in.dedup_key).bind_ref(2, e.event_type).bind_ref(3, e.run_id).bind_ref(4, e.actor_id);
    s.bind_ref(5, e.task_id).bind_ref(6, e.dataset_id).bind_ref(7, e.status).bind_ref(8, e.finished_at);
    s.bind_ref(9, in.dispatch_id).bind_ref(10, in.headers_json).bind_ref(11, in.body).bind(12, now);
    s.step();
    s.reset();
    // ON CONFLICT DO NOTHING: no row changed means the unique key already exists, in an
    // earlier commit or earlier in this very batch.
    if (sqlite3_changes(db_.handle()) == 0) return {RecordOutcome::Kind::Duplicate, 0, {}};
    const std::int64_t id = sqlite3_last_insert_rowid(db_.handle());
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

  Db db_;      // the writer's connection (writer thread only, after construction)
  Db reader_;  // reads for the CLI and metrics
  std::mutex read_mu_;
  std::unique_ptr<Stmt> insert_event_, insert_delivery_, savepoint_, release_, rollback_to_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool closed_ = false;
  bool writer_idle_ = false;  // guarded by mu_
  std::atomic<bool> last_commit_ok_{true};
  std::thread writer_;
};

}  // namespace

void Ledger::record_async(std::unique_ptr<IncomingEvent> ev, std::shared_ptr<RecordReceiver> to, std::uint64_t token) {
  std::vector<AsyncRecord> one;
  one.push_back({std::move(ev), token});
  record_async(std::move(one), std::move(to));
}

RecordOutcome Ledger::record(const IncomingEvent& ev) {
  struct Waiter final : RecordReceiver {
    std::promise<RecordOutcome> result;
    void complete(std::uint64_t, RecordOutcome o, std::unique_ptr<IncomingEvent>) override {
      result.set_value(std::move(o));
    }
  };
  auto waiter = std::make_shared<Waiter>();
  auto fut = waiter->result.get_future();
  record_async(std::make_unique<IncomingEvent>(ev), waiter, 0);
  return fut.get();
}

std::unique_ptr<Ledger> open_sqlite(const config::LedgerConfig& cfg) {
  try {
    return std::make_unique<SqliteLedger>(cfg);
  } catch (const SqliteError& e) {
    throw std::runtime_error(std::string("ledger: ") + e.what());
  }
}

}  // namespace sinkhub::ledger
