// A durable record, in the instance's data_dir, of the deliveries whose message Slack
// acknowledged, so replaying a finished delivery (`sinkhub replay`) does not post it again.
// One line per post: "<key> <unix ms>\n", appended and fsynced after Slack's "ok".
// Bounded: only the newest kKeep keys are kept (the file is rewritten when it holds twice
// that). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_set>

namespace slack {

class PostedLog {
 public:
  static constexpr std::size_t kKeep = 10000;

  // An empty dir disables the record (check-config has no data_dir).
  void open(const std::string& dir);
  bool contains(const std::string& key) const;
  // Appends and fsyncs; returns false (and keeps the key in memory) if the file failed.
  bool add(const std::string& key, std::int64_t unix_ms);

 private:
  void remember_locked(const std::string& key);
  void compact_locked();

  mutable std::mutex mu_;
  std::string path_;
  std::deque<std::string> order_;
  std::unordered_set<std::string> keys_;
  std::size_t lines_ = 0;  // lines in the file
};

}  // namespace slack
