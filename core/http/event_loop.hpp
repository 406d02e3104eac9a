// One event-loop thread of the listener: its own epoll set, the connections it owns, and a
// mailbox (eventfd) through which other threads hand it work: the ledger's commit outcomes,
// helper-thread answers, connections accepted by another loop, the stop request.
//
// Threads: everything in Loop runs on its thread, except post_*() and begin_stop(), which
// any thread may call. A connection never changes loops.
#pragma once

#include <Poco/Net/IPAddress.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "http/reply.hpp"
#include "http/request_parser.hpp"
#include "http/webhook_endpoint.hpp"
#include "ledger/ledger.hpp"

namespace sinkhub::http {

class TaskThread;

// What every loop of one listener shares. Owned by the Server; outlives the loops.
struct ListenerContext {
  const config::ServerConfig server;
  ledger::Ledger& ledger;
  WebhookEndpoint endpoint;
  TaskThread& helper;  // /readyz and /metrics (ledger reads), heap trims
  TaskThread& parser;  // large webhook bodies, parsed off the loops
  int listen_fd = -1;
  std::atomic<int> connections{0};  // open connections, all loops
};

class Loop {
 public:
  Loop(ListenerContext& ctx, std::vector<Loop*>& siblings);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  void start();
  // Any thread: stop accepting (returns once this loop no longer watches the listener),
  // answer what is in flight, close idle connections, end within `grace_ms`.
  void begin_stop(int grace_ms);
  void join();

  int load() const { return owned_.load(std::memory_order_relaxed); }

 private:
  struct Conn;
  // Items other threads hand to the loop. Shared with the ledger callbacks, which may run
  // after the loop is gone (a commit outliving the stop's grace period).
  struct Mailbox;
  struct Item;

  void run();
  void on_listener();
  void adopt(int fd, const Poco::Net::IPAddress& peer);
  void on_mail();
  void on_event(Conn& c, std::uint32_t events);
  void service(Conn& c);
  void read_some(Conn& c, std::size_t cap);
  bool advance(Conn& c);
  void dispatch(Conn& c);
  bool read_body(Conn& c);
  void prepare_off_loop(Conn& c);
  void on_prepared(Item& it);
  void release_buffers(Conn& c);
  void respond(Conn& c, const Reply& r);
  void flush(Conn& c);
  void linger_drain(Conn& c);
  void destroy(Conn& c);
  void tick();
  void start_draining();
  std::int64_t now() const { return now_ms_; }
  void refresh_clock();

  ListenerContext& ctx_;
  std::vector<Loop*>& siblings_;
  int epfd_ = -1;
  std::shared_ptr<Mailbox> mailbox_;
  std::thread thread_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Conn>> conns_;
  std::vector<std::uint64_t> graveyard_;  // closed this round, freed at its end
  std::vector<ledger::AsyncRecord> to_record_;  // complete webhooks of this round, for the ledger
  std::vector<std::uint64_t> again_;      // left with unread input after their share: served next round
  std::uint64_t next_id_ = 2;             // 0: the listener, 1: the mailbox
  std::atomic<int> owned_{0};             // connections owned or being handed over
  std::int64_t now_ms_ = 0;
  std::int64_t next_tick_ms_ = 0;
  std::int64_t drain_deadline_ms_ = 0;
  bool draining_ = false;
  bool listener_paused_ = false;  // accept failed for lack of resources: retried at the next tick
  std::string date_;  // the Date header, refreshed once a second
  std::int64_t date_second_ = -1;
  std::vector<char> scratch_;
  HeadLimits limits_;
  std::size_t in_cap_ = 0;  // bytes buffered per connection before reading pauses
  // begin_stop() waits until the loop stopped watching the listener.
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool listener_released_ = false;
};

}  // namespace sinkhub::http
