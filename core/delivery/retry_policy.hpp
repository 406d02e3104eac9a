// Where a retry is decided: pure functions of the attempt number, the delivery's age, what
// the sink or the API asked for, and delivery.* in the config. No clock, no randomness of
// their own (the caller passes the draw), so they are tested as the specification.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "config/config.hpp"

namespace sinkhub::delivery {

// Full-jitter backoff for the attempt-th retry: uniform01 (clamped to [0, 1]) scales
// min(max, initial * 2^(attempt-1)).
std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds initial, std::chrono::milliseconds max,
                                  double uniform01);

// How long a sink that answered FATAL `streak` times in a row is suspended: fatal_backoff,
// doubling with each FATAL in a row, at most a day.
std::chrono::milliseconds fatal_pause(int streak, std::chrono::milliseconds fatal_backoff);

// What happens to a delivery whose attempt failed in a way worth retrying.
struct RetryDecision {
  bool give_up = false;               // the budget is spent: dead letter
  std::chrono::milliseconds delay{0};  // otherwise: try again after this
};

// The budget (delivery.max_attempts, delivery.max_age; age_ms since the delivery was planned)
// first; then the backoff, never sooner than the sink's or the API's retry_after_ms (-1: none).
RetryDecision decide_retry(int attempt, std::int64_t age_ms, std::int64_t retry_after_ms,
                           const config::DeliveryConfig& cfg, double uniform01);

// A sink busy with another of our deliveries (ABI 1.3 SINKHUB_RESULT_BUSY): waiting for its
// turn spends no attempt, so only delivery.max_age ends the wait. Otherwise the delivery asks
// again after about as long as it has waited so far (`waited_ms`, since its first BUSY), never
// sooner than the sink's retry_after_ms or delivery.backoff_initial and never later than
// kMaxTurnPoll (or backoff_max, if lower), plus up to a quarter of that as jitter (uniform01) so
// that many waiters spread out. The poll thins out as the wait grows because a waiter is also
// woken when the sink frees a destination (turn_queue.hpp): the timer is the fallback, and
// every poll costs a claim, a dataset page and a call. For the same reason the sink's
// `waiters` together ask about kTurnPollsPerSecond times a second at most (a wait of at least
// waiters / kTurnPollsPerSecond, up to kMaxTurnPoll, whatever backoff_max says): more polls
// than the workers can serve made every due delivery of the sink late, the writer's own retry
// included, which queued behind all of them (bench/soak, 900 waiters on one tab).
inline constexpr std::chrono::milliseconds kMaxTurnPoll{std::chrono::minutes(5)};
inline constexpr int kTurnPollsPerSecond = 4;
RetryDecision decide_wait(std::int64_t age_ms, std::int64_t waited_ms, std::int64_t retry_after_ms,
                          std::size_t waiters, const config::DeliveryConfig& cfg, double uniform01);

}  // namespace sinkhub::delivery
