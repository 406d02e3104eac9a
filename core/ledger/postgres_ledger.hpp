// The PostgreSQL ledger (private to core/ledger), shared by every daemon pointed at one
// database: webhooks go through GroupCommit on a writer connection of their own (one
// transaction, one commit per group, synchronous_commit on); the delivery engine's writes and
// the operators' reads run on a pool (ledger.pool connections), each one statement, so claims
// (FOR UPDATE SKIP LOCKED) and leases decide between daemons; a listener connection turns
// NOTIFY sinkhub_work (sent by any daemon's commit of new or replayed work) into wake-ups.
// postgres_ledger.cpp: opening, migrations, group commit, the listener; postgres_group.cpp:
// a group's webhooks in one statement (one round trip);
// postgres_deliveries.cpp: the engine's writes; postgres_reads.cpp: the operators' reads;
// postgres_retention.cpp: pruning.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "ledger/group_commit.hpp"
#include "ledger/ledger.hpp"
#include "ledger/postgres_conn.hpp"

namespace sinkhub::ledger {

class PostgresLedger final : public Ledger, private GroupCommit::Backend {
 public:
  explicit PostgresLedger(const config::LedgerConfig& cfg);
  ~PostgresLedger() override;

  void record_async(std::vector<AsyncRecord> records, std::shared_ptr<RecordReceiver> to) override;
  bool writable() override;
  void on_new_work(std::function<void()> wake) override;

  std::vector<Claim> claim(const std::string& owner, std::int64_t lease_ms, const std::vector<std::string>& sinks,
                           int limit) override;
  std::optional<Claim> claim_id(const std::string& owner, std::int64_t lease_ms, std::int64_t id) override;
  bool save_progress(std::int64_t id, const std::string& owner, const Progress& progress,
                     const std::optional<std::string>& checkpoint, std::int64_t lease_ms) override;
  bool extend_lease(std::int64_t id, const std::string& owner, std::int64_t lease_ms) override;
  bool finish(std::int64_t id, const std::string& owner, const Finish& how, const AttemptRecord& attempt) override;
  void set_verified(std::int64_t event_id, bool ok, const std::string& reason) override;
  bool bring_forward(std::int64_t id, std::int64_t due_at) override;
  void suspend_sink(const std::string& sink, std::int64_t until, const std::string& reason) override;
  void set_configured_sinks(const std::vector<std::string>& sinks) override;

  Status status() override;
  std::vector<DeliveryRow> deliveries(std::optional<DeliveryState> state, const std::string& run_id,
                                      int limit) override;
  std::vector<EventRow> events_for_run(const std::string& run_id) override;
  std::vector<AttemptRecord> attempts(std::int64_t delivery_id) override;
  int replay(const ReplayRequest& r) override;

  PruneResult prune(const PrunePlan& plan) override;  // postgres_retention.cpp

  void close() override;

 private:
  // GroupCommit::Backend, on the writer thread (writer_conn_ only).
  void begin() override;
  void commit() override;
  void rollback() noexcept override;
  void savepoint() override;
  void release() override;
  void rollback_to() override;
  RecordOutcome insert(const IncomingEvent& event) override;
  bool orders_by_key() const override { return true; }
  bool inserts_groups() const override { return true; }
  std::vector<std::optional<RecordOutcome>> insert_group(const std::vector<const IncomingEvent*>& events) override;

  // One statement on a pooled connection.
  pg::Result run(const char* sql, const pg::Params& params);
  void store_status(Status& s);  // the tables' size and the oldest event
  void listen_loop();
  void wake();  // calls wake_, if set

  std::shared_ptr<const pg::Settings> settings_;
  pg::Pool pool_;
  pg::Conn writer_conn_;
  pg::Conn listen_conn_;  // listener thread (after construction)
  bool accepted_in_group_ = false;  // writer thread: NOTIFY with the commit
  std::mutex wake_mu_;
  std::function<void()> wake_;  // guarded by wake_mu_
  std::atomic<bool> closing_{false};
  std::thread listener_;
  std::unique_ptr<GroupCommit> writer_;  // last: stops before the connections go
};

// The event columns event_type, run_id, actor_id, task_id, dataset_id, status, finished_at,
// in this order from column `first` of `row` (postgres_reads.cpp).
model::Event postgres_event_at(const pg::Result& r, int row, int first);

}  // namespace sinkhub::ledger
