#include "delivery/turn_queue.hpp"

namespace sinkhub::delivery {

std::int64_t TurnQueue::park(std::int64_t id, std::int64_t now_ms) {
  std::lock_guard<std::mutex> lk(mu_);
  const auto [it, added] = since_.emplace(id, now_ms);
  if (added) order_.emplace(now_ms, id);
  return it->second;
}

void TurnQueue::leave(std::int64_t id) {
  std::lock_guard<std::mutex> lk(mu_);
  const auto it = since_.find(id);
  if (it == since_.end()) return;
  order_.erase({it->second, id});
  since_.erase(it);
}

std::optional<TurnQueue::Waiter> TurnQueue::first() const {
  std::lock_guard<std::mutex> lk(mu_);
  if (order_.empty()) return std::nullopt;
  return Waiter{order_.begin()->second, order_.begin()->first};
}

std::size_t TurnQueue::size() const {
  std::lock_guard<std::mutex> lk(mu_);
  return since_.size();
}

}  // namespace sinkhub::delivery
