// The event loop itself: accepting and handing out connections, the mailbox, deadlines,
// shutdown. What happens on one connection is in connection.cpp.
#include "http/event_loop.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <optional>
#include <stdexcept>

#include "http/loop_internals.hpp"
#include "http/task_thread.hpp"
#include "util/clock.hpp"
#include "util/memory.hpp"

namespace sinkhub::http {

namespace {

using namespace loop_detail;

constexpr std::uint64_t kListenerId = 0;
constexpr std::uint64_t kMailboxId = 1;
constexpr std::int64_t kTickMs = 100;             // deadline resolution
constexpr int kMaxEvents = 128;

Poco::Net::IPAddress peer_of(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    return Poco::Net::IPAddress(&a->sin6_addr, sizeof(in6_addr), a->sin6_scope_id);
  }
  const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
  return Poco::Net::IPAddress(&a->sin_addr, sizeof(in_addr));
}

// Over server.max_connections: a fixed answer, then the connection is closed.
void refuse_connection(int fd) {
  static const std::string wire = [] {
    Reply r = error_reply(503, "too many connections");
    r.headers.emplace_back("Retry-After", "1");
    std::string w;
    append_response(w, r, std::string(), "close", false);
    return w;
  }();
  [[maybe_unused]] const auto n = ::send(fd, wire.data(), wire.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(fd);
}

}  // namespace

Loop::Loop(ListenerContext& ctx, std::vector<Loop*>& siblings)
    : ctx_(ctx), siblings_(siblings), mailbox_(std::make_shared<Mailbox>()), scratch_(kScratch) {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kMailboxId;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, mailbox_->efd, &ev);
  // Every loop watches the one listening socket; EPOLLEXCLUSIVE wakes one loop per
  // connection instead of all of them.
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  ev.data.u64 = kListenerId;
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, ctx_.listen_fd, &ev) != 0) {
    const int err = errno;
    ::close(epfd_);
    throw std::runtime_error(std::string("epoll_ctl(listener): ") + std::strerror(err));
  }
  in_cap_ = ctx_.server.max_body_bytes + 2 * limits_.max_head_bytes + kScratch;
}

Loop::~Loop() {
  join();
  for (auto& [id, c] : conns_)
    if (c->fd >= 0) {
      ::close(c->fd);
      ctx_.connections.fetch_sub(1, std::memory_order_relaxed);
    }
  ::close(epfd_);
}

void Loop::start() { thread_ = std::thread([this] { run(); }); }

void Loop::begin_stop(int grace_ms) {
  Item it;
  it.kind = Item::Kind::Stop;
  it.grace_ms = grace_ms;
  mailbox_->post(std::move(it));
  std::unique_lock<std::mutex> lk(stop_mu_);
  stop_cv_.wait(lk, [this] { return listener_released_; });
}

void Loop::join() {
  if (thread_.joinable()) thread_.join();
}

void Loop::refresh_clock() {
  now_ms_ = util::steady_ms();
  const std::time_t t = std::time(nullptr);
  if (t != date_second_) {
    date_second_ = t;
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
    date_ = buf;
  }
}

void Loop::run() {
  epoll_event events[kMaxEvents];
  refresh_clock();
  next_tick_ms_ = now() + kTickMs;
  for (;;) {
    const int n = ::epoll_wait(epfd_, events, kMaxEvents, again_.empty() ? static_cast<int>(kTickMs) : 0);
    refresh_clock();
    if (!again_.empty()) {
      std::vector<std::uint64_t> ids;
      ids.swap(again_);
      for (auto id : ids) {
        const auto it = conns_.find(id);
        if (it != conns_.end() && it->second->fd >= 0 && it->second->st != Conn::St::Closed) service(*it->second);
      }
    }
    for (int i = 0; i < n; ++i) {
      const std::uint64_t id = events[i].data.u64;
      if (id == kListenerId) {
        on_listener();
      } else if (id == kMailboxId) {
        on_mail();
      } else {
        const auto it = conns_.find(id);
        if (it != conns_.end()) on_event(*it->second, events[i].events);
      }
    }
    if (now() >= next_tick_ms_) {
      tick();
      next_tick_ms_ = now() + kTickMs;
    }
    if (!to_record_.empty()) {
      ctx_.ledger.record_async(std::move(to_record_), mailbox_);
      to_record_.clear();
    }
    for (auto id : graveyard_) conns_.erase(id);
    graveyard_.clear();
    if (draining_ && (conns_.empty() || now() >= drain_deadline_ms_)) break;
  }
  if (!conns_.empty()) spdlog::warn("http: closing {} connection(s) still busy after the shutdown grace", conns_.size());
  for (auto& [id, c] : conns_)
    if (c->fd >= 0) {
      ::close(c->fd);
      c->fd = -1;
      ctx_.connections.fetch_sub(1, std::memory_order_relaxed);
    }
  conns_.clear();
}

void Loop::on_listener() {
  if (draining_) return;
  // A few per wake-up, so a burst is spread over the loops that wake too.
  for (int i = 0; i < 16; ++i) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    const int fd = ::accept4(ctx_.listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      // Out of descriptors or memory: the pending connection stays queued and the listener
      // stays readable, so stop watching it until the next tick instead of spinning.
      static std::atomic<std::int64_t> last_warn{0};
      if (now() - last_warn.exchange(now()) > 10000)
        spdlog::warn("http: cannot accept connections for now: {}", std::strerror(errno));
      ::epoll_ctl(epfd_, EPOLL_CTL_DEL, ctx_.listen_fd, nullptr);
      listener_paused_ = true;
      return;
    }
    if (ctx_.connections.fetch_add(1, std::memory_order_relaxed) >= ctx_.server.max_connections) {
      ctx_.connections.fetch_sub(1, std::memory_order_relaxed);
      static std::atomic<std::int64_t> last_warn{0};
      if (now() - last_warn.exchange(now()) > 10000)
        spdlog::warn("http: server.max_connections ({}) reached, answering 503", ctx_.server.max_connections);
      refuse_connection(fd);
      continue;
    }
    // Answers are single writes; no reason to let Nagle hold a 100 Continue's successor.
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // The least loaded loop takes it, so keep-alive connections spread evenly.
    Loop* target = this;
    for (Loop* l : siblings_)
      if (l->load() < target->load()) target = l;
    target->owned_.fetch_add(1, std::memory_order_relaxed);
    if (target == this) {
      adopt(fd, peer_of(ss));
    } else {
      Item it;
      it.kind = Item::Kind::Adopt;
      it.fd = fd;
      it.peer = peer_of(ss);
      target->mailbox_->post(std::move(it));
    }
  }
}

void Loop::adopt(int fd, const Poco::Net::IPAddress& peer) {
  auto c = std::make_unique<Conn>();
  c->id = next_id_++;
  c->fd = fd;
  c->peer = peer;
  c->deadline = now() + ctx_.server.read_timeout_ms;  // the first request
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = c->id;
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    spdlog::warn("http: epoll_ctl(add): {}", std::strerror(errno));
    ::close(fd);
    ctx_.connections.fetch_sub(1, std::memory_order_relaxed);
    owned_.fetch_sub(1, std::memory_order_relaxed);
    return;
  }
  conns_.emplace(c->id, std::move(c));
}

void Loop::on_mail() {
  std::uint64_t counter;
  [[maybe_unused]] const auto r = ::read(mailbox_->efd, &counter, sizeof counter);
  std::vector<Item> items;
  {
    std::lock_guard<std::mutex> lk(mailbox_->mu);
    items.swap(mailbox_->items);
  }
  for (auto& it : items) {
    switch (it.kind) {
      case Item::Kind::Adopt:
        if (draining_) {
          ::close(it.fd);
          ctx_.connections.fetch_sub(1, std::memory_order_relaxed);
          owned_.fetch_sub(1, std::memory_order_relaxed);
        } else {
          adopt(it.fd, it.peer);
        }
        break;
      case Item::Kind::Stop:
        drain_deadline_ms_ = now() + it.grace_ms;
        start_draining();
        break;
      case Item::Kind::Prepared:
        on_prepared(it);
        break;
      case Item::Kind::Recorded:
      case Item::Kind::Answer: {
        const auto found = conns_.find(it.conn);
        if (found == conns_.end()) break;
        Conn& c = *found->second;
        // finish() runs even for a client that left: the event is committed, it counts.
        const Reply reply =
            it.kind == Item::Kind::Recorded ? ctx_.endpoint.finish(c.summary, it.outcome) : std::move(it.reply);
        if (c.abandoned) {
          c.st = Conn::St::Closed;
          graveyard_.push_back(c.id);
          break;
        }
        if (c.unread_body) {
          Reply closing = reply;
          closing.close = closing.linger = true;
          c.unread_body = false;
          respond(c, closing);
        } else {
          respond(c, reply);
        }
        service(c);  // pipelined requests already buffered, then send
        break;
      }
    }
  }
}

void Loop::start_draining() {
  if (!draining_) {
    draining_ = true;
    ::epoll_ctl(epfd_, EPOLL_CTL_DEL, ctx_.listen_fd, nullptr);
    {
      std::lock_guard<std::mutex> lk(stop_mu_);
      listener_released_ = true;
    }
    stop_cv_.notify_all();
  }
  // Idle keep-alive connections close now; the others after their current answer.
  for (auto& [id, c] : conns_)
    if (c->st == Conn::St::Idle && c->in.empty()) {
      c->st = Conn::St::Closing;
      c->linger = false;
      flush(*c);
    }
}

void Loop::tick() {
  const std::int64_t t = now();
  if (util::trim_due(t)) ctx_.helper.post(util::trim_heap);  // after a burst of large bodies
  if (listener_paused_ && !draining_) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.u64 = kListenerId;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, ctx_.listen_fd, &ev) == 0) listener_paused_ = false;
  }
  for (auto& [id, cp] : conns_) {
    Conn& c = *cp;
    if (c.fd < 0 || c.deadline == 0 || t < c.deadline) continue;
    switch (c.st) {
      case Conn::St::Head:
        c.deadline = 0;
        respond(c, reject_reply(408, "request headers timed out"));
        flush(c);
        break;
      case Conn::St::Body:
        c.deadline = 0;
        respond(c, ctx_.endpoint.body_timed_out(c.peer));
        flush(c);
        break;
      case Conn::St::Idle:     // idle keep-alive, or a first request that never came
      case Conn::St::Closing:  // the client does not read its answer
      case Conn::St::Linger:
        destroy(c);
        break;
      case Conn::St::Waiting:
      case Conn::St::Closed:
        break;
    }
  }
}

}  // namespace sinkhub::http
