#include "tab_lock.hpp"

#include <chrono>

namespace sinkhub_gsheets {

TabLock& TabLock::shared() {
  static TabLock* lock = new TabLock;  // never destroyed: used until the process ends
  return *lock;
}

bool TabLock::acquire(const std::string& tab_key, const std::string& owner, std::int64_t lease_ms,
                      std::int64_t latest_ms, std::int64_t (*now_ms)()) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    const std::int64_t now = now_ms();
    Lease& l = leases_[tab_key];
    if (l.owner.empty() || l.owner == owner || l.until_ms <= now) {
      l.owner = owner;
      l.until_ms = now + lease_ms;
      l.in_call = true;
      return true;
    }
    if (now >= latest_ms || !l.in_call) return false;
    const std::int64_t wait = std::min(latest_ms, l.until_ms) - now;
    cv_.wait_for(lock, std::chrono::milliseconds(wait < 1 ? 1 : wait));
  }
}

void TabLock::release(const std::string& tab_key, const std::string& owner) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = leases_.find(tab_key);
    if (it == leases_.end() || it->second.owner != owner) return;
    leases_.erase(it);
  }
  cv_.notify_all();
}

void TabLock::pause(const std::string& tab_key, const std::string& owner) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = leases_.find(tab_key);
    if (it == leases_.end() || it->second.owner != owner) return;
    it->second.in_call = false;
  }
  cv_.notify_all();
}

std::string TabLock::holder(const std::string& tab_key, std::int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = leases_.find(tab_key);
  return it == leases_.end() || it->second.until_ms <= now_ms ? std::string() : it->second.owner;
}

}  // namespace sinkhub_gsheets
