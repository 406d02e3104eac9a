// The SQLite ledger (private to core/ledger): WAL, group commit through GroupCommit on the
// writer connection, reads for the CLI and metrics on a second connection beside it.
// sqlite_ledger.cpp: opening, migrations, the group-commit backend; sqlite_deliveries.cpp:
// the delivery engine's writes; sqlite_reads.cpp: the operators' reads; sqlite_retention.cpp:
// pruning and giving space back.
#pragma once

#include <memory>
#include <mutex>

#include "ledger/group_commit.hpp"
#include "ledger/ledger.hpp"
#include "ledger/sqlite_db.hpp"

namespace sinkhub::ledger {

class SqliteLedger final : public Ledger, private GroupCommit::Backend {
 public:
  explicit SqliteLedger(const config::LedgerConfig& cfg);
  ~SqliteLedger() override;

  void record_async(std::vector<AsyncRecord> records, std::shared_ptr<RecordReceiver> to) override;
  bool writable() override;
  Readiness readiness(std::uint64_t event_bytes) override;

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

  PruneResult prune(const PrunePlan& plan) override;  // sqlite_retention.cpp
  std::int64_t release_space(int pages) override;

  void close() override;

 private:
  // GroupCommit::Backend, on the writer thread.
  void begin() override;
  void commit() override;
  void rollback() noexcept override;
  void savepoint() override;
  void release() override;
  void rollback_to() override;
  RecordOutcome insert(const IncomingEvent& event) override;
  void reset_statements() noexcept override;
  bool statements_fail_alone() const override { return true; }

  std::vector<std::string> unsuspended(const std::vector<std::string>& sinks, std::int64_t now);
  void due_of(const std::string& sink, std::int64_t now, int limit, std::vector<std::pair<std::int64_t, bool>>& ids);
  std::vector<Claim> lease(const std::string& owner, std::int64_t lease_ms,
                           const std::vector<std::pair<std::int64_t, bool>>& ids, std::int64_t now);
  Claim load_claim(Stmt& load);
  void store_status(Status& s);  // on reader_, read_mu_ held
  // The event columns event_type, run_id, actor_id, task_id, dataset_id, status, finished_at,
  // in this order from column `first`.
  static model::Event event_at(const Stmt& q, int first);
  static EventRow event_row(const Stmt& q);

  std::string path_;  // of the database file
  bool incremental_vacuum_ = false;  // auto_vacuum=incremental: free pages can go back to the filesystem
  Db db_;      // the writer's connection (writer thread only, after construction)
  Db reader_;  // reads for the CLI and metrics
  std::mutex read_mu_;
  // Prepared once: the insert and a savepoint per job are on the hot path of every webhook.
  std::unique_ptr<Stmt> insert_event_, insert_delivery_, savepoint_, release_, rollback_to_;
  std::unique_ptr<GroupCommit> writer_;  // last: stops before the statements go
};

}  // namespace sinkhub::ledger
