#include "posted_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace slack {

namespace {

bool write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

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
    if (key.empty() || !keys_.insert(key).second) continue;
    order_.push_back(key);
    if (order_.size() > kKeep) {
      keys_.erase(order_.front());
      order_.pop_front();
    }
  }
}

bool PostedLog::contains(const std::string& key) const {
  std::lock_guard<std::mutex> lk(mu_);
  return keys_.count(key) != 0;
}

bool PostedLog::add(const std::string& key, std::int64_t unix_ms) {
  std::lock_guard<std::mutex> lk(mu_);
  if (keys_.insert(key).second) {
    order_.push_back(key);
    if (order_.size() > kKeep) {
      keys_.erase(order_.front());
      order_.pop_front();
    }
  }
  if (path_.empty()) return true;
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool ok = write_all(fd, key + " " + std::to_string(unix_ms) + "\n") && ::fsync(fd) == 0;
  ::close(fd);
  if (ok && ++lines_ > 2 * kKeep) compact_locked();
  return ok;
}

// Rewrites the file with the kept keys (temp file + rename: a crash keeps one whole file).
void PostedLog::compact_locked() {
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  std::string body;
  for (const auto& k : order_) body += k + " 0\n";
  const bool ok = write_all(fd, body) && ::fsync(fd) == 0;
  ::close(fd);
  if (ok && std::rename(tmp.c_str(), path_.c_str()) == 0)
    lines_ = order_.size();
  else
    std::remove(tmp.c_str());
}

}  // namespace slack
