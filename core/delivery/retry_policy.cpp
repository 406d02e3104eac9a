#include "delivery/retry_policy.hpp"

#include <algorithm>

#include "util/backoff.hpp"

namespace sinkhub::delivery {

using std::chrono::milliseconds;

milliseconds backoff(int attempt, milliseconds initial, milliseconds max, double u) {
  const milliseconds ceiling = util::exponential(attempt, initial, max);
  return util::scaled(ceiling, std::clamp(u, 0.0, 1.0), ceiling);
}

milliseconds fatal_pause(int streak, milliseconds fatal_backoff) {
  return util::exponential(streak, fatal_backoff, std::chrono::hours(24));
}

namespace {

bool too_old(std::int64_t age_ms, const config::DeliveryConfig& cfg) {
  return std::chrono::seconds(age_ms / 1000) >= cfg.max_age;
}

}  // namespace

RetryDecision decide_retry(int attempt, std::int64_t age_ms, std::int64_t retry_after_ms,
                           const config::DeliveryConfig& cfg, double u) {
  RetryDecision d;
  if (attempt >= cfg.max_attempts || too_old(age_ms, cfg)) {
    d.give_up = true;
    return d;
  }
  d.delay = backoff(attempt, cfg.backoff_initial, cfg.backoff_max, u);
  if (retry_after_ms > d.delay.count()) d.delay = milliseconds(retry_after_ms);  // never sooner than asked
  return d;
}

RetryDecision decide_wait(std::int64_t age_ms, std::int64_t waited_ms, std::int64_t retry_after_ms,
                          std::size_t waiters, const config::DeliveryConfig& cfg, double u) {
  RetryDecision d;
  if (too_old(age_ms, cfg)) {
    d.give_up = true;
    return d;
  }
  // A hint past max_age would only postpone the dead letter (and could overflow a timestamp).
  const std::int64_t hint = std::clamp<std::int64_t>(retry_after_ms, 0, milliseconds(cfg.max_age).count());
  const milliseconds floor = std::max(cfg.backoff_initial, milliseconds(hint));
  const milliseconds cap = std::max(floor, std::min(cfg.backoff_max, kMaxTurnPoll));
  const milliseconds spread = std::min<milliseconds>(
      milliseconds(static_cast<std::int64_t>(std::min<std::size_t>(waiters, 1000000)) * 1000 / kTurnPollsPerSecond),
      kMaxTurnPoll);
  const milliseconds base =
      std::max(std::clamp(milliseconds(std::max<std::int64_t>(0, waited_ms)), floor, cap), spread);
  d.delay = base + util::scaled(base / 4, std::clamp(u, 0.0, 1.0), base / 4);
  return d;
}

}  // namespace sinkhub::delivery
