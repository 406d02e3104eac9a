// The event loop's private types, shared by event_loop.cpp (the loop: accepting, mailbox,
// deadlines, shutdown) and connection.cpp (one connection's HTTP/1.x). Not for other users.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "http/event_loop.hpp"

namespace sinkhub::http::loop_detail {

constexpr std::int64_t kKeepAliveIdleMs = 15000;    // between requests on a keep-alive connection
constexpr std::int64_t kLingerMs = 1000;            // discarding what follows a refused request
constexpr std::size_t kMaxPendingOut = 256 * 1024;  // unsent answers before pipelined requests wait
constexpr std::size_t kScratch = 64 * 1024;         // one read; also the input kept while Waiting
// Bodies larger than this are parsed on the parser threads: one 1 MiB envelope takes ~9 ms,
// during which the loop would answer nobody else (health probes, small webhooks).
constexpr std::size_t kInlineParseBytes = 64 * 1024;

}  // namespace sinkhub::http::loop_detail

namespace sinkhub::http {

struct Loop::Item {
  enum class Kind { Recorded, Answer, Prepared, Adopt, Stop } kind = Kind::Answer;
  std::uint64_t conn = 0;
  ledger::RecordOutcome outcome;  // Recorded
  std::unique_ptr<ledger::IncomingEvent> event;  // Recorded: back for release; Prepared: to record
  Reply reply;                    // Answer; Prepared: the refusal
  bool admitted = false;          // Prepared: `event` is ready for the ledger
  WebhookEndpoint::Summary summary;  // Prepared
  int fd = -1;                    // Adopt
  Poco::Net::IPAddress peer;      // Adopt
  int grace_ms = 0;               // Stop
};

struct Loop::Mailbox final : ledger::RecordReceiver {
  int efd = -1;
  std::mutex mu;
  std::vector<Item> items;

  Mailbox() : efd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (efd < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  }
  ~Mailbox() override {
    for (auto& it : items)
      if (it.kind == Item::Kind::Adopt && it.fd >= 0) ::close(it.fd);
    ::close(efd);
  }
  void wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(efd, &one, sizeof one);
  }
  // Wakes the loop only when the mailbox was empty (a wake-up is already pending otherwise).
  void post(Item item) {
    bool was_empty;
    {
      std::lock_guard<std::mutex> lk(mu);
      was_empty = items.empty();
      items.push_back(std::move(item));
    }
    if (was_empty) wake();
  }
  // The ledger's writer: every outcome of a group commit, then one flush() that wakes the
  // loop once for all of them.
  void complete(std::uint64_t conn, ledger::RecordOutcome outcome,
                std::unique_ptr<ledger::IncomingEvent> event) override {
    Item it;
    it.kind = Item::Kind::Recorded;
    it.conn = conn;
    it.outcome = std::move(outcome);
    it.event = std::move(event);  // released on the loop, which allocated it
    std::lock_guard<std::mutex> lk(mu);
    items.push_back(std::move(it));
  }
  void flush() override { wake(); }
};

struct Loop::Conn {
  enum class St {
    Idle,     // between requests (no byte of the next one yet)
    Head,     // reading the request head
    Body,     // reading the webhook body
    Waiting,  // the ledger or the helper thread has the request
    Closing,  // the last answer is queued; close once it is sent
    Linger,   // answer sent, write side shut, discarding input until EOF or kLingerMs
    Closed
  };
  std::uint64_t id = 0;
  int fd = -1;
  Poco::Net::IPAddress peer;
  Poco::Net::IPAddress client;  // of the webhook being read: WebhookEndpoint::client()
  WebhookEndpoint::Rules rules;  // of the webhook being read: one config from head to answer
  St st = St::Idle;
  std::string in;  // received, not yet consumed
  std::size_t scanned = 0;
  std::string out;  // answers not yet sent
  std::size_t out_off = 0;
  bool readable = false;  // an EPOLLIN edge not yet read to the end
  bool out_blocked = false;  // advance() stopped with kMaxPendingOut of answers unsent
  bool rdhup = false;     // the peer shut its write side: read to EOF
  bool peer_eof = false;
  bool linger = false;
  bool abandoned = false;  // closed while Waiting: freed when the outcome arrives
  bool head_only = false;  // the request being answered is HEAD
  bool unread_body = false;  // a helper-thread page was asked for with a body: close after it
  RequestHead head;
  std::optional<ChunkedDecoder> chunked;
  std::string body;
  WebhookEndpoint::Summary summary;
  std::int64_t deadline = 0;  // steady ms; 0 = none
};

}  // namespace sinkhub::http
