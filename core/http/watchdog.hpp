// Cuts connections that are slower than the read timeout between requests: a client
// trickling request headers one byte at a time would otherwise hold a server thread for as
// long as each single read stays under the per-read timeout. The body has its own deadline
// in the webhook endpoint.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <mutex>
#include <thread>

namespace sinkhub::http {

class Watchdog {
 public:
  struct Entry {
    int fd = -1;                              // our own dup() of the connection's socket
    std::atomic<std::int64_t> deadline_ms{0};  // steady clock; 0 = not armed
  };

  Watchdog();
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Registers a connection socket; the entry starts armed with `timeout`.
  Entry* add(int socket_fd, std::chrono::milliseconds timeout);
  void remove(Entry* e);

  static void arm(Entry* e, std::chrono::milliseconds timeout);
  static void disarm(Entry* e) { e->deadline_ms.store(0, std::memory_order_relaxed); }

  // The entry of the connection served by the calling thread (one thread per connection).
  static Entry*& current();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::list<Entry> entries_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace sinkhub::http
