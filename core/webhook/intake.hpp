// The webhook intake: everything between "an envelope arrived" and "the ledger may record
// it", with no transport in it. verify (who may post), parse (the envelope), decide the dedup
// key, route (which sinks get a delivery). HTTP feeds it (http/webhook_endpoint); anything
// else that learns of a finished run (a reconciler polling the Apify API) can feed it the same
// way, without HTTP.
#pragma once

#include <Poco/Net/IPAddress.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "ledger/ledger.hpp"
#include "webhook/envelope.hpp"
#include "webhook/verifier.hpp"

namespace sinkhub::webhook {

// An envelope as it arrived, with the facts its transport knows.
struct Arrival {
  std::string body;          // the envelope, byte for byte
  std::string dispatch_id;   // Apify's dispatch id (X-Apify-Webhook-Dispatch-Id); may be empty
  std::string headers_json;  // what is worth auditing (client address, headers); never a secret
};

class Intake {
 public:
  // Copies the rules it applies (secrets, allowlists, routes): to change them at runtime,
  // build another Intake and swap it in.
  explicit Intake(const config::Config& cfg);

  // Verify: the source address first, then the secret (nullptr: none presented).
  Verdict verify(const Poco::Net::IPAddress& client, const std::string* secret) const;
  const std::string& secret_header() const { return verifier_.header(); }
  // The request's client: the peer, or what X-Forwarded-For says when the peer is a trusted proxy.
  Poco::Net::IPAddress client_address(const Poco::Net::IPAddress& peer, const std::string& forwarded_for) const;

  // Parse, dedup key, route. False with `err` when the envelope is refused; true with `out`
  // ready for Ledger::record_async (the ledger decides new or duplicate, atomically).
  bool admit(Arrival arrival, ledger::IncomingEvent& out, EnvelopeError& err) const;

 private:
  Verifier verifier_;
  std::vector<config::RouteConfig> routes_;
};

}  // namespace sinkhub::webhook
