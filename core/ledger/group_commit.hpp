// Group commit, the ledger's writer: callers queue their writes (record_async: are called
// back; write: wait); one writer thread takes everything queued, runs it in one transaction
// (each job in its own savepoint, so one failing job does not fail its neighbours) and
// commits (one fsync under synchronous=FULL), then gives every job its own outcome. Under load
// one commit carries many webhooks, so durability does not cost throughput.
//
// Backend-neutral: a backend supplies the transaction verbs and the event insert on its one
// writer connection. SQLite's are in sqlite_ledger.cpp; PostgreSQL's BEGIN / SAVEPOINT /
// RELEASE / ROLLBACK TO / COMMIT fit the same shape. A backend where each statement costs a
// network round trip (PostgreSQL) also records a group's events all at once, in one statement
// that is its own transaction (insert_group); the savepoints are then only the way to find
// out which event a statement refused as a whole.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.hpp"

namespace sinkhub::ledger {

class GroupCommit {
 public:
  // Runs on the writer thread only (one connection, never shared).
  class Backend {
   public:
    virtual ~Backend() = default;
    virtual void begin() = 0;
    virtual void commit() = 0;
    virtual void rollback() noexcept = 0;  // the transaction could not commit: undo all of it
    virtual void savepoint() = 0;
    virtual void release() = 0;
    virtual void rollback_to() = 0;
    // Inserts the event and its planned deliveries: Accepted, or Duplicate when the dedup key
    // exists (the unique constraint decides, never a prior read). Throws on failure.
    virtual RecordOutcome insert(const IncomingEvent& event) = 0;
    // A statement failed: make what the backend keeps prepared usable again.
    virtual void reset_statements() noexcept {}
    // True if a failed statement is undone alone and the transaction goes on (SQLite), so a
    // one-statement job needs no savepoint; false where an error aborts the transaction
    // (PostgreSQL).
    virtual bool statements_fail_alone() const { return false; }
    // True where writers of other processes insert into the same table (PostgreSQL): the
    // group's events are inserted in dedup-key order, so two groups holding the same keys
    // wait for each other in one order and never deadlock.
    virtual bool orders_by_key() const { return false; }
    // True where insert_group records many events in one round trip (PostgreSQL).
    virtual bool inserts_groups() const { return false; }
    // Records the group's events (in key order where orders_by_key) outside any transaction of
    // GroupCommit's: each statement it sends is its own committed transaction. Never throws;
    // one entry per event: Accepted / Duplicate / Failed (the outcome is unknown, e.g. the
    // connection was lost: nothing is acknowledged), or nullopt for an event of a statement
    // that was refused as a whole and wrote nothing: it then goes through a savepoint of its
    // own, so only the event at fault fails.
    virtual std::vector<std::optional<RecordOutcome>> insert_group(const std::vector<const IncomingEvent*>& events) {
      return std::vector<std::optional<RecordOutcome>>(events.size());
    }
  };

  // Starts the writer thread.
  explicit GroupCommit(Backend& backend, std::size_t max_batch = 1024);
  ~GroupCommit();  // close()
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Ledger::record_async: outcomes go to `to` after the commit. Once closed, each record
  // fails at once on the calling thread.
  void record_async(std::vector<AsyncRecord> records, const std::shared_ptr<RecordReceiver>& to);
  // Runs fn on the writer thread inside the next group transaction and returns once that
  // transaction committed. Throws std::runtime_error if fn or the commit failed, or if closed.
  void write(std::function<void()> fn);
  // True if an empty write commits right now and the last commit succeeded.
  bool writable();
  // Why the last recorded event failed, if it did within `within_ms` and no event was recorded
  // since; empty otherwise. Evidence readiness cannot get from an empty commit (a full disk,
  // a quota, an I/O error show only when an event is written).
  std::string recent_record_failure(std::int64_t within_ms);
  // Commits what is queued, then stops the writer. Later writes fail.
  void close();

 private:
  struct Job;
  bool enqueue(std::vector<std::unique_ptr<Job>>& jobs);
  bool submit_and_wait(std::function<void()> fn, std::string& error);
  void run();
  void commit(std::vector<std::unique_ptr<Job>>& batch);
  std::vector<Job*> insert_at_once(std::vector<std::unique_ptr<Job>>& batch);
  void transact(const std::vector<Job*>& jobs);
  void run_job(Job& job);
  void report(std::vector<std::unique_ptr<Job>>& batch);
  void note_record(const RecordOutcome& outcome);

  Backend& backend_;
  const std::size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Job>> queue_;  // guarded by mu_
  bool closed_ = false;                     // guarded by mu_
  bool writer_idle_ = false;                // guarded by mu_
  std::atomic<bool> last_commit_ok_{true};
  std::mutex failure_mu_;
  std::string record_failure_;         // guarded by failure_mu_; "" after a recorded event
  std::int64_t record_failure_ms_ = 0;  // steady ms; guarded by failure_mu_
  std::thread writer_;
};

}  // namespace sinkhub::ledger
