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

RetryDecision decide_retry(int attempt, std::int64_t age_ms, std::int64_t retry_after_ms,
                           const config::DeliveryConfig& cfg, double u) {
  RetryDecision d;
  if (attempt >= cfg.max_attempts || std::chrono::seconds(age_ms / 1000) >= cfg.max_age) {
    d.give_up = true;
    return d;
  }
  d.delay = backoff(attempt, cfg.backoff_initial, cfg.backoff_max, u);
  if (retry_after_ms > d.delay.count()) d.delay = milliseconds(retry_after_ms);  // never sooner than asked
  return d;
}

}  // namespace sinkhub::delivery
