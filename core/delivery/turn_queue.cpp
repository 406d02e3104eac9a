#include "delivery/turn_queue.hpp"

namespace sinkhub::delivery {

std::int64_t TurnQueue::park(std::int64_t id, std::int64_t now_ms) {
  std::lock_guard<std::mutex> lk(mu_);
  busy_seen_ = true;
  held_.erase(id);
  const auto [it, added] = since_.emplace(id, now_ms);
  if (added) order_.emplace(now_ms, id);
  return it->second;
}

void TurnQueue::leave(std::int64_t id) {
  std::lock_guard<std::mutex> lk(mu_);
  held_.erase(id);
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

void TurnQueue::hold(std::int64_t id, std::int64_t due_ms) {
  std::lock_guard<std::mutex> lk(mu_);
  if (busy_seen_) held_[id] = due_ms;
}

std::optional<std::int64_t> TurnQueue::due_holder(std::int64_t now_ms) const {
  std::lock_guard<std::mutex> lk(mu_);
  std::optional<std::int64_t> out;
  std::int64_t earliest = now_ms + 1;
  for (const auto& [id, due] : held_)
    if (due < earliest) {
      earliest = due;
      out = id;
    }
  return out;
}

}  // namespace sinkhub::delivery
