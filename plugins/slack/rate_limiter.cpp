#include "rate_limiter.hpp"

#include <algorithm>

namespace slack {

RateLimiter& RateLimiter::shared() {
  static RateLimiter limiter;  // never destroyed before the plugin's callers (plugins are never unloaded)
  return limiter;
}

RateLimiter::Ticket RateLimiter::reserve(const std::string& key, std::int64_t now_ms, std::int64_t latest_ms,
                                         std::int64_t interval_ms) {
  std::lock_guard<std::mutex> lk(mu_);
  auto& next = next_free_[key];
  Ticket t;
  t.at_ms = std::max(now_ms, next);
  if (t.at_ms > latest_ms) return t;
  t.reserved = true;
  next = t.at_ms + interval_ms;
  return t;
}

void RateLimiter::hold(const std::string& key, std::int64_t until_ms) {
  std::lock_guard<std::mutex> lk(mu_);
  auto& next = next_free_[key];
  next = std::max(next, until_ms);
}

}  // namespace slack
