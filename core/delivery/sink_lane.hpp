// One sink instance as the engine schedules it: how many of its deliveries may run at once,
// whether it is suspended after FATAL, and its re-creation before the next delivery. Also
// where its dataset query and its per-sink metrics live. The lane owns its instance.
//
// A reload retires a lane (its sink was removed, or needs a new instance): it takes no new
// delivery, and its instance is closed by whoever ends its last delivery in flight (at once if
// none runs). The lanes that serve one sink name share a Lineage, and a lane does not take work
// while a retired one of its lineage is still open: never two instances of a sink at work.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "apify/client.hpp"
#include "delivery/turn_queue.hpp"
#include "ledger/ledger.hpp"
#include "ledger/delivery_state.hpp"
#include "plugin/host.hpp"

namespace sinkhub::delivery {

// Every lane that served one sink name, across reloads.
struct Lineage {
  std::atomic<int> open_retired{0};  // retired lanes of this name whose instance is not closed yet
  TurnQueue turns;                   // its deliveries waiting for their turn, kept across reloads
};

class SinkLane {
 public:
  // `instance`: created and opened. `query`: sinks.NAME.dataset, what of the dataset this sink
  // gets.
  SinkLane(std::unique_ptr<plugin::Instance> instance, apify::ItemsQuery query, std::shared_ptr<Lineage> lineage);
  ~SinkLane();
  SinkLane(const SinkLane&) = delete;
  SinkLane& operator=(const SinkLane&) = delete;

  const std::string& name() const { return name_; }
  // Only inside a reservation (try_reserve): then the instance is open.
  plugin::Instance& instance() { return *inst_; }
  bool has(std::uint32_t capability) const { return (capabilities_ & capability) != 0; }
  apify::ItemsQuery query() const;
  void set_query(apify::ItemsQuery query);  // a reload changed sinks.NAME.dataset only

  // Concurrency: a delivery runs only inside a reservation (at most the plugin's
  // max_concurrency at once; one for a BUFFERED sink, whose flush must not overlap deliver).
  // None on a retired lane, nor while a retired lane of the same lineage is open.
  bool try_reserve(std::int64_t now_unix_ms);
  void release();
  bool busy() const { return in_flight_.load() > 0; }

  // A reload took this lane out: no new reservation; the instance is closed once the
  // deliveries in flight end (here, if none runs). Safe to call twice.
  void retire();
  bool closed() const { return closed_.load(); }

  // FATAL (or a failed re-creation): the sink is suspended for retry_policy's fatal_pause,
  // recorded in the ledger so claims skip it, and re-created before its next delivery. Returns
  // until when (unix ms) the delivery waits: now for a retired lane, whose successor (if any)
  // is a new instance that this failure says nothing about.
  std::int64_t suspend(ledger::Ledger& ledger, std::chrono::milliseconds fatal_backoff, const std::string& why);
  std::int64_t suspended_until() const { return suspended_until_.load(); }
  void answered_ok() { fatal_streak_ = 0; }

  // Re-creates the instance if a FATAL asked for it (sink.h: "closes, destroys and re-creates
  // it"). False if that failed, or a call still runs on the instance: the sink is suspended again.
  bool ready(ledger::Ledger& ledger, std::chrono::milliseconds fatal_backoff);
  // Held for the whole delivery: the re-creation takes it exclusively, so no call runs on an
  // instance being replaced.
  std::shared_lock<std::shared_mutex> calls() { return std::shared_lock<std::shared_mutex>(rw_); }

  // Asks every running call to stop (shutdown past its grace).
  void cancel_calls();

  // Per-sink series: sinkhub_delivered_items_total, ..._bytes_total, sinkhub_sink_call_seconds,
  // sinkhub_delivery_attempt_seconds, sinkhub_delivery_attempts_total{outcome},
  // sinkhub_delivery_dest_status_total{status} (count_dest_status), sinkhub_delivery_busy_total.
  struct Metrics {
    int items = -1, bytes = -1, call_seconds = -1, attempt_seconds = -1;
    int busy = -1;  // RETRY answers flagged BUSY (ABI 1.3): waits for the sink's turn, not attempts
    int attempts[4] = {-1, -1, -1, -1};  // by counted outcome: ok, retry, reject, fatal
  };
  const Metrics& metrics() const { return metrics_; }
  // The sink's deliveries that wait for their turn (ABI 1.3 BUSY), across reloads.
  TurnQueue& turns() { return lineage_->turns; }
  // The attempts counter an outcome counts in; -1 for none (interrupted attempts).
  int attempts_metric(ledger::AttemptOutcome outcome) const;
  // Counts one answer of the destination (sink.h dest_status) under dest_status_label(status).
  void count_dest_status(std::int32_t status);

 private:
  void close_if_drained();

  std::unique_ptr<plugin::Instance> inst_;  // reset (closed, destroyed) once retired and drained
  const std::string name_;
  const std::uint32_t capabilities_;
  mutable std::mutex query_mu_;
  apify::ItemsQuery query_;  // guarded by query_mu_
  int max_concurrency_ = 1;
  std::atomic<int> in_flight_{0};
  std::atomic<std::int64_t> suspended_until_{0};  // unix ms
  std::atomic<int> fatal_streak_{0};
  std::atomic<bool> recreate_{false};
  std::shared_mutex rw_;
  const std::shared_ptr<Lineage> lineage_;
  std::mutex retire_mu_;  // retire() against suspend()'s ledger write and close against cancel_calls()
  std::atomic<bool> retired_{false}, closed_{false};
  Metrics metrics_;
  // Series of sinkhub_delivery_dest_status_total, defined on first use: codes 100-599, then "other".
  static constexpr int kDestStatusSlots = 501;
  std::unique_ptr<std::atomic<int>[]> dest_status_ids_;
};

// The label a destination's status is counted under: an HTTP-like code (100-599) as itself,
// anything else "other", so that a plugin cannot grow the series without bound; "" for 0 (none:
// not counted).
std::string dest_status_label(std::int32_t status);

}  // namespace sinkhub::delivery
