// The deliveries of one sink that wait for their turn (the sink answered BUSY, ABI 1.3: e.g. the
// gsheets sink's one writer per tab), in the order they first had to wait.
//
// Why the host keeps it: a waiter asked again on a timer alone either polls hard (every poll is
// a claim, a dataset page from Apify and a call) or sleeps past the moment the destination is
// free, and the waiters reach the destination in random order. So a waiter asks again on a
// timer that grows with its wait (retry_policy.hpp, decide_wait), and when a delivery of the
// sink leaves it for good (done or dead), the first waiter is brought forward in the ledger
// (to the time it started waiting, so it goes before work that came later); busy again (another
// delivery was quicker, or it waits for another destination of the sink), it keeps its place.
// The delivery that had its turn and must retry (a transient failure of the destination) holds
// the destination meanwhile: its retry is claimed by id as soon as it is due (Engine::claim_one),
// ahead of the sink's other due work; behind it, every waiting or new delivery would be claimed
// first only to hear BUSY, each a dataset page and a call, while the destination sat idle
// (soak run 6: a minute per holder retry). Kept only for a sink that has answered BUSY.
// In memory per daemon: after a restart, or for a waiter parked by another daemon, the timer
// alone applies. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

namespace sinkhub::delivery {

class TurnQueue {
 public:
  struct Waiter {
    std::int64_t id = 0;
    std::int64_t since_ms = 0;  // unix ms of its first BUSY answer
  };

  // `id` answered BUSY at now_ms: queued if new, keeping its place if not. Returns when it first
  // had to wait.
  std::int64_t park(std::int64_t id, std::int64_t now_ms);
  // `id` ended an attempt otherwise (it had its turn, or it is gone): leaves the queue.
  void leave(std::int64_t id);
  // The waiter to wake when the sink frees a destination: the one waiting longest.
  std::optional<Waiter> first() const;
  std::size_t size() const;

  // `id` had its turn and retries at due_ms: held for it (a no-op until the sink has answered
  // BUSY once). park() and leave() drop the hold.
  void hold(std::int64_t id, std::int64_t due_ms);
  // The holder whose retry is due at now_ms (the earliest due first), if any.
  std::optional<std::int64_t> due_holder(std::int64_t now_ms) const;

 private:
  mutable std::mutex mu_;
  bool busy_seen_ = false;                                 // park() was called: the sink takes turns
  std::map<std::int64_t, std::int64_t> held_;              // holder id -> due_ms
  std::map<std::int64_t, std::int64_t> since_;           // id -> since_ms
  std::set<std::pair<std::int64_t, std::int64_t>> order_;  // (since_ms, id): the order of waiting
};

}  // namespace sinkhub::delivery
