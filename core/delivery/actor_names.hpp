// "username/actor-name" per Apify actor id, for sinkhub_run_context.actor_name (ABI 1.1).
// A bounded cache shared by all workers: a name is looked up once (GET /v2/acts/{id}) and
// kept for `ok_ttl`; a failed lookup is remembered for `fail_ttl` so a broken API or an
// unknown actor costs one short request per actor per fail_ttl, never one per delivery.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace sinkhub::delivery {

class ActorNames {
 public:
  using Clock = std::chrono::steady_clock;
  // Looks the actor up; returns the name, or nullopt when it could not be resolved.
  using Fetch = std::function<std::optional<std::string>(const std::string& actor_id)>;

  explicit ActorNames(std::size_t capacity = 4096, std::chrono::milliseconds ok_ttl = std::chrono::hours(1),
                      std::chrono::milliseconds fail_ttl = std::chrono::seconds(60));

  // The cached name, fetching it (on the calling thread, without holding the lock) when
  // absent or expired. "" when unknown. Concurrent misses for one id may both fetch: the
  // last answer wins, which is harmless.
  std::string resolve(const std::string& actor_id, const Fetch& fetch);
  std::size_t size() const;

 private:
  struct Entry {
    std::string name;
    Clock::time_point expires;
    std::list<std::string>::iterator lru;  // position in lru_ (front = most recent)
  };
  void store(const std::string& id, std::string name, std::chrono::milliseconds ttl);

  std::size_t capacity_;
  std::chrono::milliseconds ok_ttl_, fail_ttl_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> map_;
  std::list<std::string> lru_;
};

}  // namespace sinkhub::delivery
