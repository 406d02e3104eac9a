// The plugin-call watchdog. Every plugin call (sink_call) is registered for as long as it
// runs; a thread checks them a few times a second. A call still running `slack` past its
// deadline (delivery.batch_timeout) is stuck: logged with its plugin, sink, delivery and how
// long, again every `repeat` while it stays stuck, and reported once to `on_stuck` (the engine
// hands its delivery back and counts it; delivery/stuck_calls.hpp). A call can only be
// abandoned, never stopped: C code cannot be interrupted safely, so the stuck thread keeps its
// call and its late result is fenced off by the claim token (ledger.hpp).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sinkhub::delivery {

// One plugin call as the watchdog (and the hand-back of its delivery) needs it.
struct WatchedCall {
  std::string plugin, sink, verb;  // verb: "deliver" or "flush"
  std::int64_t delivery = 0;       // ledger id
  std::string owner;               // the claim's token (lease owner)
  int attempt = 0;
  std::int64_t created_at = 0;        // the delivery's (unix ms), for the retry budget
  std::int64_t attempt_started = 0;   // unix ms
  std::uint64_t attempt_items = 0;    // accepted during the attempt before this call
  std::chrono::milliseconds timeout{0};
  std::chrono::steady_clock::time_point started{};
};

class Watchdog {
 public:
  // `stuck_in_a_row`: the sink's stuck calls since one of its calls last ended in time.
  using OnStuck = std::function<void(const WatchedCall& call, int stuck_in_a_row)>;
  explicit Watchdog(OnStuck on_stuck) : on_stuck_(std::move(on_stuck)) {}
  ~Watchdog() { stop(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void start();
  void stop();

  // How far past its deadline a call may run before it counts as stuck: a quarter of its
  // timeout, at least 1 s and at most 30 s. And how often a stuck call is logged again.
  static std::chrono::milliseconds slack(std::chrono::milliseconds timeout);
  static std::chrono::milliseconds repeat(std::chrono::milliseconds timeout);

  // Registers one call for as long as it lives (RAII).
  class Watch {
   public:
    Watch(Watchdog& dog, WatchedCall call);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

   private:
    Watchdog& dog_;
    std::uint64_t id_;
  };

  // Calls running now that are stuck.
  std::vector<WatchedCall> stuck() const;

 private:
  struct Entry {
    WatchedCall call;
    bool stuck = false;
    std::chrono::steady_clock::time_point next_log{};
  };
  void run();
  // Entries that just became stuck, with their sink's streak; logs the ones still stuck.
  std::vector<std::pair<WatchedCall, int>> sweep(std::chrono::steady_clock::time_point now);
  void ended(std::uint64_t id);

  const OnStuck on_stuck_;
  mutable std::mutex mu_;
  std::map<std::uint64_t, Entry> calls_;  // guarded by mu_
  std::map<std::string, int> streak_;     // sink -> stuck calls in a row; guarded by mu_
  std::uint64_t next_id_ = 0;             // guarded by mu_
  bool stopping_ = false;                 // guarded by mu_
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace sinkhub::delivery
