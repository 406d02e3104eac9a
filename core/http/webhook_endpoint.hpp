// POST {server.path} in HTTP terms: the webhook intake (webhook/intake.hpp: verify, parse,
// dedup key, route) behind status codes, size and media-type limits, audit headers and the
// webhook metrics, answered once the ledger has the event. Socket-free: the listener feeds it a
// parsed head, then the body, then the ledger's outcome, and sends the replies it returns.
#pragma once

#include <Poco/Net/IPAddress.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "http/reply.hpp"
#include "http/request_parser.hpp"
#include "ledger/ledger.hpp"
#include "webhook/intake.hpp"

namespace sinkhub::http {

class WebhookEndpoint {
 public:
  // on_accepted runs after an event with planned deliveries was committed; may be empty.
  WebhookEndpoint(const config::Config& cfg, std::function<void()> on_accepted)
      : intake_(std::make_shared<const webhook::Intake>(cfg)),
        max_body_bytes_(cfg.server.max_body_bytes),
        on_accepted_(std::move(on_accepted)) {}

  // The rules (secrets, allowlists, routes) a request is verified and routed under: taken once
  // when its head is in and used until it is answered, so a reload in between never makes one
  // request meet two configs.
  using Rules = std::shared_ptr<const webhook::Intake>;
  Rules rules() const { return std::atomic_load(&intake_); }
  // A reload: requests whose head is read from now on get the rules of `cfg` (its auth and
  // routes; the server.* settings only a restart changes).
  void replace_rules(const config::Config& cfg) {
    std::atomic_store(&intake_, std::make_shared<const webhook::Intake>(cfg));
  }

  // What the answer after the commit needs to know about the event.
  struct Summary {
    std::size_t planned = 0;
    std::string event_type, run_id, actor_id;
  };

  // The request's client: the peer, or what X-Forwarded-For says when the peer is a trusted
  // proxy. Resolved once per request and passed to screen() and prepare().
  Poco::Net::IPAddress client(const Rules& rules, const RequestHead& head, const Poco::Net::IPAddress& peer) const;
  // The head is in: source address, secret, media type, declared size. A reply means
  // "answer this and do not read the body"; nullopt means "read the body".
  std::optional<Reply> screen(const Rules& rules, const RequestHead& head, const Poco::Net::IPAddress& client) const;
  // Reading the body failed.
  Reply body_too_large() const;
  Reply body_timed_out(const Poco::Net::IPAddress& peer) const;
  Reply body_malformed(const std::string& why) const;  // bad chunked framing, body cut short
  // The body is in: parses and plans. False with `reply` set if the body is refused; true with
  // `event` ready for the ledger.
  bool prepare(const Rules& rules, const RequestHead& head, const Poco::Net::IPAddress& client, std::string body,
               ledger::IncomingEvent& event, Summary& summary, Reply& reply) const;
  // The ledger's verdict: the answer (200 accepted/duplicate, 503).
  Reply finish(const Summary& summary, const ledger::RecordOutcome& outcome) const;

  std::size_t max_body_bytes() const { return max_body_bytes_; }

 private:
  // One immutable intake: a reload of secrets, allowlists and routes replaces the pointer
  // (std::atomic_load/atomic_store only).
  Rules intake_;
  std::size_t max_body_bytes_;
  std::function<void()> on_accepted_;
};

}  // namespace sinkhub::http
