// One attempt of one delivery, from its claim to its end in the ledger: verify the run (if
// configured), look up the actor's name (if the sink wants it), then either one event-only
// call or the dataset streamed into batches; every accepted batch is committed as progress.
// The attempt ends in exactly one Outcome, which says what the ledger records.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "apify/client.hpp"
#include "config/config.hpp"
#include "delivery/actor_names.hpp"
#include "delivery/batcher.hpp"
#include "delivery/read_ahead.hpp"
#include "delivery/sink_lane.hpp"
#include "delivery/watchdog.hpp"
#include "ledger/ledger.hpp"

namespace sinkhub::delivery {

using Outcome = ledger::AttemptOutcome;

// The engine's settings, copied from the config; a reload replaces them whole, and each attempt
// runs under the settings it started with.
struct Settings {
  config::DeliveryConfig delivery;
  config::ApifyConfig apify;     // the workers' API clients follow it (token rotation)
  int page_size = 1000;          // apify.page_size: the default batch of a sink without hints
  bool verify_with_api = false;  // auth.verify_with_api
};

// What every attempt of one engine shares.
struct Shared {
  ledger::Ledger& ledger;
  const Settings& settings;
  const std::atomic<bool>& stopping;   // no new work; reading stops at the next page
  const std::atomic<bool>& hard_stop;  // past the grace: running calls are being cancelled
  ActorNames& actor_names;
  Watchdog& watchdog;  // every plugin call runs watched
};

// What the worker running the attempt owns.
struct WorkerTools {
  apify::Client& api;    // dataset pages and run verification
  apify::Client& names;  // actor names: one short try
  const std::string& owner;  // lease owner
};

class Attempt {
 public:
  Attempt(const Shared& shared, const WorkerTools& worker, const ledger::Claim& claim, SinkLane& lane);
  void run();

 private:
  enum class Step { Continue, Stop };  // after a sink call: go on, or the attempt has ended
  struct Walk;

  bool verify();
  void resolve_actor_name();
  void stream();
  bool take_page(const apify::Page& page, Walk& walk);
  void after_read(const apify::StreamResult& result, const Walk& walk);
  Step send(std::uint32_t flags);
  Step call(const plugin::Batch& batch, std::uint32_t flags);
  plugin::DeliveryContext context(const plugin::Batch& batch, std::uint32_t flags);
  plugin::CallResult call_sink(const plugin::DeliveryContext& ctx, const plugin::Batch& batch);
  Step settle(const plugin::CallResult& r);
  Step react(std::int32_t code, const std::string& message, std::int64_t retry_after_ms);
  Step rewind(const plugin::CallResult& r);
  Step wait_turn(const std::string& why, std::int64_t retry_after_ms);
  void progress_log();

  // The ends of an attempt; each records one Outcome.
  void done();
  void bury(const std::string& why, Outcome outcome);
  void retry_or_bury(const std::string& why, std::int64_t retry_after_ms, Outcome outcome, bool at_once = false);
  void suspend(const std::string& why);
  void give_back(const std::string& why);
  void pass_turn(const ledger::Finish& how);
  void finish(const ledger::Finish& how, Outcome outcome, const std::string& message);

  const Shared& sh_;
  const WorkerTools& w_;
  const ledger::Claim& c_;
  SinkLane& lane_;
  const config::DeliveryConfig& cfg_;
  const std::string label_;  // "delivery 7 (ACTOR.RUN.SUCCEEDED run R -> files, attempt 2)"

  // Where the delivery stands (as committed after every accepted batch).
  std::uint64_t items_done_;
  std::string checkpoint_;
  ResumeMarks marks_;
  Batcher batcher_;

  // This attempt.
  std::uint64_t attempt_items_ = 0;  // accepted during this attempt
  std::uint32_t batch_index_ = 0;
  bool lost_ = false;               // the lease went to another worker: record nothing
  bool busy_ = false;               // ended waiting for the sink's turn (ABI 1.3 BUSY): not an attempt
  bool dataset_exhausted_ = false;  // the read ended at the dataset's end (not at max_items)
  std::int64_t last_total_ = -1;    // X-Apify-Pagination-Total of the last page read
  std::string actor_name_;
  std::string last_message_;  // of the last OK: the done attempt's message
  std::int32_t dest_status_ = 0;  // sink.h dest_status of the last plugin call, recorded with the attempt
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now(), last_log_;
  std::int64_t started_unix_;
  std::uint64_t log_items_ = 0;
};

}  // namespace sinkhub::delivery
