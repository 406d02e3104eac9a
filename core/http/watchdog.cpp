#include "http/watchdog.hpp"

#include <sys/socket.h>
#include <unistd.h>

namespace sinkhub::http {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Watchdog::Watchdog() : thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  for (auto& e : entries_) ::close(e.fd);
}

Watchdog::Entry* Watchdog::add(int socket_fd, std::chrono::milliseconds timeout) {
  std::lock_guard<std::mutex> lk(mu_);
  Entry& e = entries_.emplace_back();
  // A private descriptor: shutdown() through it reaches the socket even while the connection
  // thread closes its own descriptor, and can never hit a reused descriptor number.
  e.fd = ::dup(socket_fd);
  arm(&e, timeout);
  return &e;
}

void Watchdog::remove(Entry* e) {
  std::lock_guard<std::mutex> lk(mu_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (&*it == e) {
      if (it->fd >= 0) ::close(it->fd);
      entries_.erase(it);
      return;
    }
}

void Watchdog::arm(Entry* e, std::chrono::milliseconds timeout) {
  e->deadline_ms.store(now_ms() + timeout.count(), std::memory_order_relaxed);
}

Watchdog::Entry*& Watchdog::current() {
  static thread_local Entry* entry = nullptr;
  return entry;
}

void Watchdog::run() {
  std::unique_lock<std::mutex> lk(mu_);
  while (!stop_) {
    cv_.wait_for(lk, std::chrono::milliseconds(100));
    const std::int64_t now = now_ms();
    for (auto& e : entries_) {
      const std::int64_t d = e.deadline_ms.load(std::memory_order_relaxed);
      if (d != 0 && d < now && e.fd >= 0) {
        // Only the read side: the blocked read sees end-of-stream, and the endpoint can still
        // answer 408 when it was reading a body.
        ::shutdown(e.fd, SHUT_RD);
        e.deadline_ms.store(0, std::memory_order_relaxed);
      }
    }
  }
}

}  // namespace sinkhub::http
