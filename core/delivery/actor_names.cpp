#include "delivery/actor_names.hpp"

#include <algorithm>

namespace sinkhub::delivery {

ActorNames::ActorNames(std::size_t capacity, std::chrono::milliseconds ok_ttl, std::chrono::milliseconds fail_ttl)
    : capacity_(std::max<std::size_t>(1, capacity)), ok_ttl_(ok_ttl), fail_ttl_(fail_ttl) {}

std::string ActorNames::resolve(const std::string& actor_id, const Fetch& fetch) {
  if (actor_id.empty()) return {};
  {
    std::lock_guard<std::mutex> lk(mu_);
    const auto it = map_.find(actor_id);
    if (it != map_.end() && it->second.expires > Clock::now()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return it->second.name;
    }
  }
  auto name = fetch(actor_id);
  store(actor_id, name.value_or(std::string()), name ? ok_ttl_ : fail_ttl_);
  return name.value_or(std::string());
}

void ActorNames::store(const std::string& id, std::string name, std::chrono::milliseconds ttl) {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = map_.find(id);
  if (it != map_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  } else {
    while (map_.size() >= capacity_ && !lru_.empty()) {  // evict the least recently used
      map_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(id);
    it = map_.emplace(id, Entry{{}, {}, lru_.begin()}).first;
  }
  it->second.name = std::move(name);
  it->second.expires = Clock::now() + ttl;
}

std::size_t ActorNames::size() const {
  std::lock_guard<std::mutex> lk(mu_);
  return map_.size();
}

}  // namespace sinkhub::delivery
