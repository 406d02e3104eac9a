// Google's Sheets quotas are per minute per user (60 writes and 60 reads by default; a
// service account is one user), refilled as a window, not a bucket: a bursting token bucket
// can put 2x the quota into one 60-second span. So every request of a credential, from every
// instance and worker of the process (plugin statics are shared), first reserves a slot in a
// sliding window: no window of `window` ms ever holds more than `limit` requests of a kind.
// A 429's quota_limit_value lowers the limit to Google's real one.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace sinkhub_gsheets {

class QuotaPacer {
 public:
  enum class Kind { Read, Write };
  static QuotaPacer& shared();

  /// Reserves the earliest slot >= now_ms for (key, kind) if it starts no later than
  /// latest_ms; returns the slot's time, or -1 (nothing reserved) with *next_ms set to when
  /// a slot would have been free.
  std::int64_t reserve(const std::string& key, Kind kind, std::int64_t now_ms, std::int64_t latest_ms,
                       std::int64_t* next_ms);
  /// Google said the limit is `limit` per window (from a 429's ErrorInfo).
  void learn_limit(const std::string& key, Kind kind, std::int64_t limit);
  std::int64_t limit(const std::string& key, Kind kind);
  std::int64_t window_ms() const;

  /// Tests: forget everything.
  void reset();

 private:
  struct Window {
    std::int64_t limit = 60;
    std::deque<std::int64_t> slots;  // sorted reservation times
  };
  std::mutex mu_;
  std::map<std::pair<std::string, int>, Window> windows_;
};

}  // namespace sinkhub_gsheets
