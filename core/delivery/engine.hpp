// The delivery engine: worker threads claim due deliveries from the ledger (with a lease) and
// run one Attempt each (delivery/attempt.hpp): the run's dataset streamed from the Apify API
// page by page into the sink instance, progress committed after every accepted batch, then
// done, retried, dead-lettered or the sink suspended by the sink's answer.
//
// Where things are: engine (workers, claims, leases, stop), sink_lane (a sink's concurrency,
// suspension, re-creation), attempt + attempt_stream (one delivery attempt), read_ahead (page
// prefetch and resume marks), batcher (where a batch is cut), sink_call (one plugin call),
// retry_policy (where a retry is decided), takeover (a claim whose previous owner died),
// watchdog + stuck_calls (plugin calls past their deadline), lease_keeper, actor_names.
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
#include "config/config.hpp"
#include "delivery/actor_names.hpp"
#include "delivery/attempt.hpp"
#include "delivery/lease_keeper.hpp"
#include "delivery/sink_lane.hpp"
#include "delivery/takeover.hpp"
#include "delivery/watchdog.hpp"
#include "ledger/ledger.hpp"
#include "plugin/sinks.hpp"

namespace sinkhub::delivery {

class Engine {
 public:
  // Copies what it needs from cfg (delivery.*, apify.*, auth.verify_with_api, each sink's
  // dataset query) and takes the sink instances (created and opened) out of `sinks`.
  Engine(const config::Config& cfg, ledger::Ledger& ledger, plugin::SinkSet&& sinks,
         apify::ClientOptions client_options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void start();
  // New work may be due (an event was accepted): wake an idle worker now instead of at the
  // next poll.
  void wake();
  // A reload. `cfg`: the new config (its restart-only keys, delivery.workers and
  // delivery.lease, unchanged); `fresh`: instances created and opened for it, one per sink
  // that is new or needs a new instance. The lane of a sink in `fresh` or no longer in cfg
  // retires: no new delivery, its instance closed once its deliveries in flight end, and its
  // replacement takes none before that. The other lanes stay as they are (their dataset query
  // follows cfg). The settings apply from each worker's next claim. Deliveries of a sink that
  // is gone stay queued in the ledger, unclaimed, until a sink of that name is back. A sink in
  // `fresh` starts unsuspended (a suspension after FATAL was its old instance's). Called by one
  // thread at a time (the signal thread), while the workers run.
  void reconfigure(const config::Config& cfg, plugin::SinkSet&& fresh);
  // Stops claiming; in-flight batches get `grace` to finish (then their calls are cancelled)
  // and every delivery in flight is checkpointed and handed back to the queue. False when
  // some worker is still inside a plugin call a few seconds after the cancel (a plugin that
  // ignores cancellation): its delivery is handed back with its committed progress and the
  // thread is left where it is; the caller must then end the process without destroying the
  // engine or unloading the plugins (serve: _Exit after closing the ledger).
  bool stop(std::chrono::milliseconds grace);

 private:
  class Reservations;
  using Lanes = std::vector<std::shared_ptr<SinkLane>>;

  void worker(int index);
  // Leases one due delivery of a sink with room; nullptr (and no claim) when there is none.
  std::shared_ptr<SinkLane> claim_one(const std::string& owner, const Settings& settings, ledger::Claim& claim);
  std::optional<ledger::Claim> claim_turn_holder(const std::string& owner, const Settings& settings, const Lanes& lanes,
                                                 const std::vector<std::string>& names);
  void run_claim(const ledger::Claim& claim, SinkLane& lane, const Settings& settings, const WorkerTools& tools);
  // A takeover at delivery.max_crashes, or a claim past the budget: dead, without a call.
  void bury_claim(const ledger::Claim& claim, SinkLane& lane, const std::string& owner, const ClaimVerdict& verdict,
                  const Settings& settings);
  void on_stuck(const WatchedCall& call, int stuck_in_a_row);
  bool wait_workers(std::chrono::milliseconds bound);
  void hand_back_in_flight();
  void idle();
  std::shared_ptr<const Lanes> lanes() const;
  std::shared_ptr<const Settings> settings() const;
  std::shared_ptr<SinkLane> make_lane(std::unique_ptr<plugin::Instance> inst, const config::Config& cfg);
  // Every lane that may still run a call: the current ones and the retired ones not closed.
  std::vector<std::shared_ptr<SinkLane>> all_lanes() const;

  ledger::Ledger& ledger_;
  apify::ClientOptions client_options_;
  const int workers_count_;
  mutable std::mutex config_mu_;                  // guards the three below
  std::shared_ptr<const Settings> settings_;     // replaced whole by reconfigure()
  std::shared_ptr<const Lanes> lanes_;            // replaced whole by reconfigure()
  std::vector<std::shared_ptr<SinkLane>> retired_;  // retired, instance maybe still open
  std::map<std::string, std::shared_ptr<Lineage>> lineages_;  // by sink name; reconfigure() only
  std::vector<std::thread> workers_;
  std::unique_ptr<std::atomic<bool>[]> exited_;  // per worker: its thread has returned
  LeaseKeeper leases_;
  Watchdog watchdog_;
  std::mutex mu_;
  std::condition_variable cv_;  // idle workers (wake(), stop())
  bool work_hint_ = false;      // guarded by mu_
  std::atomic<bool> stopping_{false};
  std::atomic<bool> hard_stop_{false};
  std::atomic<std::uint64_t> next_first_sink_{0};  // claim_one(): which sink with room is asked first
  std::string owner_prefix_;  // host:pid:start, unique per process
  ActorNames actor_names_;    // sinkhub_run_context.actor_name (ABI 1.1), shared by the workers
};

}  // namespace sinkhub::delivery
