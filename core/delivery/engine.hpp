// The delivery engine: workers claim due deliveries from the ledger, stream the run's
// dataset from the Apify API page by page into the sink instance, commit progress after
// every accepted batch, and retry, dead-letter or suspend by the sink's answer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "apify/client.hpp"
#include "delivery/actor_names.hpp"
#include "config/config.hpp"
#include "ledger/ledger.hpp"
#include "plugin/sinks.hpp"

namespace sinkhub::delivery {

class Engine {
 public:
  Engine(const config::Config& cfg, ledger::Ledger& ledger, plugin::SinkSet& sinks,
         apify::ClientOptions client_options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void start();
  // New work may be due (an event was accepted): wake an idle worker now instead of at the
  // next poll.
  void wake();
  // Stops claiming; in-flight batches get `grace` to finish (then their calls are cancelled)
  // and every delivery in flight is checkpointed and handed back to the queue.
  void stop(std::chrono::milliseconds grace);

  // Full-jitter backoff for the attempt-th retry: uniform in [0, min(max, initial * 2^(attempt-1))].
  static std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds initial,
                                           std::chrono::milliseconds max, double uniform01);

 private:
  struct Slot;
  class Run;

  void worker(int index);
  void keep_leases();
  // Suspends a sink after FATAL (or a failed re-creation); returns until when (unix ms).
  std::int64_t suspend(Slot& slot, const std::string& why);
  bool recreate(Slot& slot);
  void process(const ledger::Claim& claim, Slot& slot, apify::Client& client, apify::Client& names,
               const std::string& owner);

  const config::Config& cfg_;
  ledger::Ledger& ledger_;
  apify::ClientOptions client_options_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::thread> workers_;
  std::thread keeper_;  // extends the leases of deliveries in flight (long sink calls)
  std::mutex active_mu_;
  std::map<std::int64_t, std::string> active_;  // delivery id -> lease owner
  std::mutex mu_;
  std::condition_variable cv_;         // idle workers (wake())
  std::condition_variable keeper_cv_;  // the lease keeper (stop())
  bool work_hint_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> hard_stop_{false};
  std::atomic<bool> keeper_stop_{false};
  std::string owner_prefix_;
  ActorNames actor_names_;  // sinkhub_run_context.actor_name (ABI 1.1), shared by the workers
};

}  // namespace sinkhub::delivery
