#include "quota_pacer.hpp"

#include <algorithm>

#include "timing.hpp"

namespace sinkhub_gsheets {

QuotaPacer& QuotaPacer::shared() {
  static QuotaPacer* pacer = new QuotaPacer;  // never destroyed: used until the process ends
  return *pacer;
}

// A margin on top of the window: the requests reach Google a little after they leave, not
// always in the same delays, and Google counts arrivals.
std::int64_t QuotaPacer::window_ms() const {
  const std::int64_t w = scaled_ms(60000);
  return w + std::max<std::int64_t>(w / 20, 20);
}

std::int64_t QuotaPacer::reserve(const std::string& key, Kind kind, std::int64_t now_ms, std::int64_t latest_ms,
                                 std::int64_t* next_ms) {
  const std::int64_t w = window_ms();
  std::lock_guard<std::mutex> lock(mu_);
  Window& win = windows_[{key, static_cast<int>(kind)}];
  while (!win.slots.empty() && win.slots.front() <= now_ms - w) win.slots.pop_front();
  std::int64_t at = now_ms;
  if (!win.slots.empty()) at = std::max(at, win.slots.back());
  const auto n = static_cast<std::int64_t>(win.slots.size());
  if (n >= win.limit) at = std::max(at, win.slots[static_cast<std::size_t>(n - win.limit)] + w);
  if (at > latest_ms) {
    if (next_ms) *next_ms = at;
    return -1;
  }
  win.slots.push_back(at);
  return at;
}

void QuotaPacer::learn_limit(const std::string& key, Kind kind, std::int64_t limit) {
  if (limit < 1) return;
  std::lock_guard<std::mutex> lock(mu_);
  Window& win = windows_[{key, static_cast<int>(kind)}];
  win.limit = std::min(win.limit, limit);
}

std::int64_t QuotaPacer::limit(const std::string& key, Kind kind) {
  std::lock_guard<std::mutex> lock(mu_);
  return windows_[{key, static_cast<int>(kind)}].limit;
}

void QuotaPacer::reset() {
  std::lock_guard<std::mutex> lock(mu_);
  windows_.clear();
}

}  // namespace sinkhub_gsheets
