// ledger.retention, applied: a background thread that, every retention.interval (the first
// time a few seconds after start, and at once after a reload), prunes what has aged out, in transactions of at most
// PrunerOptions::batch rows of each table, pausing between them twice as long as the last one
// took, so that webhooks keep the writer two thirds of the time and ingest never stalls; then
// gives free pages back to the filesystem (SQLite with auto_vacuum=incremental).
//
// What goes (Ledger::prune): a done delivery `done` after it finished, a dead one `dead` after,
// each with its attempt history; then an event none of whose deliveries is left: its row (its
// dedup key) once it arrived more than `dedup_keys` ago, before that only its body. An event that
// planned no delivery counts as finished when it arrives. A delivery that is pending, running or
// retrying keeps itself and its event, however old.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "config/config.hpp"
#include "ledger/ledger.hpp"

namespace sinkhub::ledger {

struct PrunerOptions {
  // Rows of each table one transaction removes at most. A webhook may wait for one batch: 256
  // doubled p99 under load (bench/RESULTS.md, "Ledger prune under ingest"); 64 a quarter of that.
  int batch = 64;
  std::chrono::milliseconds min_pause{10};  // between transactions, at least (else twice what the last took)
  std::chrono::milliseconds first_pass{std::chrono::seconds(5)};  // after start(): let the daemon settle
  int release_pages = 256;  // free pages given back per transaction (1 MiB of 4 KiB pages)
};

// What one pass did.
struct PassReport {
  std::int64_t attempts = 0, deliveries = 0, events = 0, bodies = 0, pages = 0;
  int transactions = 0;
  std::int64_t largest = 0;  // the most rows of one table a single transaction removed
  bool stopped = false;      // stop() came first: the rest waits for the next pass
};

class Pruner {
 public:
  Pruner(Ledger& ledger, const config::RetentionConfig& retention, PrunerOptions options = {});
  ~Pruner();  // stop()
  Pruner(const Pruner&) = delete;
  Pruner& operator=(const Pruner&) = delete;

  void start();
  // Ends the pass in progress after its current transaction. Safe to call twice.
  void stop();
  // A reload: the rest of this pass uses `retention`, and the next one starts at once.
  void reconfigure(const config::RetentionConfig& retention);
  // One pass now, on the calling thread (the background thread runs this; tests call it).
  PassReport run_pass();

 private:
  PrunePlan plan(std::int64_t now) const;
  bool pause(std::chrono::milliseconds ms);  // false once stopping
  // Waits `wait`, or less if a reload came; false once stopping.
  bool until_next_pass(std::chrono::milliseconds wait);
  void loop();

  Ledger& ledger_;
  const PrunerOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  config::RetentionConfig retention_;  // guarded by mu_
  bool stopping_ = false;              // guarded by mu_
  bool reconfigured_ = false;          // guarded by mu_: a reload since the last pass started
  std::mutex pass_mu_;                 // one pass at a time
  std::int64_t walked_to_ = 0;         // the walk over events that planned no delivery; guarded by pass_mu_
  std::thread thread_;
};

}  // namespace sinkhub::ledger
