#include "posted_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include "file_io.hpp"

namespace slack {

void PostedLog::open(const std::string& dir) {
  std::lock_guard<std::mutex> lk(mu_);
  path_ = dir.empty() ? std::string() : dir + "/posted.log";
  order_.clear();
  keys_.clear();
  lines_ = 0;
  if (path_.empty()) return;
  std::ifstream in(path_);
  for (std::string line; std::getline(in, line);) {
    ++lines_;
    const std::string key = line.substr(0, line.find(' '));
    if (!key.empty()) remember_locked(key);
  }
}

// Keeps the newest kKeep keys in memory.
void PostedLog::remember_locked(const std::string& key) {
  if (!keys_.insert(key).second) return;
  order_.push_back(key);
  if (order_.size() > kKeep) {
    keys_.erase(order_.front());
    order_.pop_front();
  }
}

bool PostedLog::contains(const std::string& key) const {
  std::lock_guard<std::mutex> lk(mu_);
  return keys_.count(key) != 0;
}

bool PostedLog::add(const std::string& key, std::int64_t unix_ms) {
  std::lock_guard<std::mutex> lk(mu_);
  remember_locked(key);
  if (path_.empty()) return true;
  sinkhub_kit::Fd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  const std::string line = key + " " + std::to_string(unix_ms) + "\n";
  const bool ok = fd.ok() && sinkhub_kit::write_all(fd.get(), line.data(), line.size()) == 0 &&
                  sinkhub_kit::sync_data(fd.get()) == 0;
  if (ok && ++lines_ > 2 * kKeep) compact_locked();
  return ok;
}

// Rewrites the file with the kept keys (temp file + rename: a crash keeps one whole file).
void PostedLog::compact_locked() {
  std::string body;
  for (const auto& k : order_) body += k + " 0\n";
  if (sinkhub_kit::replace_file(path_, body, 0600) == 0) lines_ = order_.size();
}

}  // namespace slack
