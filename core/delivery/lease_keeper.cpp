#include "delivery/lease_keeper.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sinkhub::delivery {

LeaseKeeper::Active::Active(LeaseKeeper& keeper, std::int64_t id, const std::string& owner)
    : keeper_(keeper), key_(id, owner) {
  std::lock_guard<std::mutex> lk(keeper_.mu_);
  keeper_.active_.insert(key_);
}

LeaseKeeper::Active::~Active() {
  std::lock_guard<std::mutex> lk(keeper_.mu_);
  keeper_.active_.erase(key_);
}

std::vector<std::pair<std::int64_t, std::string>> LeaseKeeper::active() const {
  std::lock_guard<std::mutex> lk(mu_);
  return {active_.begin(), active_.end()};
}

void LeaseKeeper::start() { thread_ = std::thread([this] { run(); }); }

void LeaseKeeper::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaseKeeper::run() {
  const auto every = std::max<std::chrono::milliseconds>(lease_ / 3, std::chrono::milliseconds(100));
  std::unique_lock<std::mutex> lk(mu_);
  while (!stopping_) {
    cv_.wait_for(lk, every, [this] { return stopping_; });
    if (stopping_) break;
    const auto active = active_;
    lk.unlock();  // the ledger write waits for a commit: no worker waits on it meanwhile
    for (const auto& [id, owner] : active) {
      try {
        if (!ledger_.extend_lease(id, owner, lease_.count()))
          spdlog::debug("delivery {}: lease not extended (finished or lost)", id);
      } catch (const std::exception& e) {
        spdlog::warn("delivery {}: cannot extend lease: {}", id, e.what());
      }
    }
    lk.lock();
  }
}

}  // namespace sinkhub::delivery
