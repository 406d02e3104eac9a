// One post per interval per webhook URL, across every instance and worker of the process
// (plugin statics are shared by all instances), first come first served.
//
// A caller reserves the next free slot of its URL (FIFO: reservations are handed out in
// call order, one interval apart) and then sleeps until that slot. A slot later than the
// caller's latest acceptable time is not reserved at all: the caller returns RETRY with the
// wait as a hint instead of sleeping past its deadline. After a 429, hold() keeps the URL
// closed until Retry-After has passed. Keys are held in memory only (they are secrets).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace slack {

class RateLimiter {
 public:
  static RateLimiter& shared();

  struct Ticket {
    bool reserved = false;
    std::int64_t at_ms = 0;  // monotonic time of the slot (also when not reserved)
  };
  // Reserves the first slot >= now_ms for `key` if it starts no later than latest_ms.
  Ticket reserve(const std::string& key, std::int64_t now_ms, std::int64_t latest_ms, std::int64_t interval_ms);
  // No slot for `key` before until_ms (Slack's Retry-After).
  void hold(const std::string& key, std::int64_t until_ms);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::int64_t> next_free_;  // key -> first free slot
};

}  // namespace slack
