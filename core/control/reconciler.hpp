// Reconciliation: finds the finished runs whose webhook never reached sinkhub (sinkhub down
// longer than Apify retries, a webhook deleted or disabled, a dispatch that failed) and
// records each as the event the webhook would have brought (origin "reconciled"), routed and
// delivered like any other. The ledger's unique key decides: a run is never recorded twice,
// also when its webhook arrives during a pass.
//
// A pass lists, newest first, the runs of every Actor and task the routes name (the account's
// runs instead, GET /v2/actor-runs, when a route names "*"), only the configured terminal
// statuses, paging until a run started before now - lookback - max_run_duration. It costs at
// most: 2 lookups per named target (first pass only; an id is tried as an Actor, then as a
// task), max_pages list calls per listed scope, and one GET /v2/actor-runs/{id} per run it
// records (at most max_details; the rest waits for the next pass). Failures are logged and
// the pass goes on with the next scope; the next pass tries again.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "apify/client.hpp"
#include "config/config.hpp"
#include "ledger/ledger.hpp"

namespace sinkhub::webhook {
class Intake;
}

namespace sinkhub::control {

struct ReconcileOptions {
  int page_limit = 1000;  // runs per list call (the API's maximum)
  int max_pages = 10;     // per scope and pass
  int max_details = 500;  // runs recorded per pass
  std::function<void()> on_accepted;  // an event with deliveries was recorded (wake the engine)
  apify::ClientOptions client;        // retries of each API call (429, 5xx) within a pass
};

// One run a pass found without its event.
struct Finding {
  std::string run_id, actor_id, task_id, status, finished_at, event_type;
  std::string outcome;  // enqueued | duplicate (its webhook came meanwhile) | would enqueue | deferred | failed: ...
  std::size_t deliveries = 0;
};

struct ReconcileReport {
  std::int64_t scanned = 0;         // terminal runs listed inside the horizon
  std::int64_t with_event = 0;      // already in the ledger
  std::int64_t outside = 0;         // finished before the lookback
  std::int64_t not_routed = 0;      // no route wants its event (e.g. FAILED where routes want SUCCEEDED)
  std::int64_t enqueued = 0;
  int scopes = 0, api_calls = 0;
  std::vector<Finding> found;
  std::vector<std::string> errors;  // per scope or run; the pass went on
};

class Reconciler {
 public:
  Reconciler(const config::Config& cfg, ledger::Ledger& ledger, ReconcileOptions options = {});
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  // The routes, secrets, token and apify.reconcile of a new config (SIGHUP): the next pass
  // uses them; a changed interval applies from the next wait.
  void reconfigure(const config::Config& cfg);

  // One pass now, over runs finished within `lookback` (0: apify.reconcile.lookback).
  ReconcileReport pass(std::chrono::milliseconds lookback = {}, bool dry_run = false);

  // Background passes: one now, then every apify.reconcile.interval (none while it is 0).
  void start();
  void stop();  // cancels a pass in flight (its API calls) and joins

  struct Settings;  // control/reconcile_internal.hpp

 private:
  struct Pass;
  std::shared_ptr<const Settings> settings() const;
  void loop();
  bool stopping() const;

  ledger::Ledger& ledger_;
  ReconcileOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<const Settings> settings_;
  std::map<std::string, std::pair<std::string, bool>> resolved_;  // named -> (id, task); under mu_
  bool stop_ = false;
  std::thread thread_;
  int m_reconciled_, m_scanned_, m_last_pass_, m_failures_;
};

}  // namespace sinkhub::control
