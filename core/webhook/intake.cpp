#include "webhook/intake.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include "webhook/routes.hpp"

namespace sinkhub::webhook {

namespace {

std::string sha256_hex(const std::string& data) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(data);
  return Poco::DigestEngine::digestToHex(sha.digest());
}

}  // namespace

Intake::Intake(const config::Config& cfg) : verifier_(cfg.auth), routes_(cfg.routes) {}

Verdict Intake::verify(const Poco::Net::IPAddress& client, const std::string* secret) const {
  static const std::string none;
  return verifier_.check(client, secret != nullptr, secret ? *secret : none);
}

Poco::Net::IPAddress Intake::client_address(const Poco::Net::IPAddress& peer, const std::string& forwarded_for) const {
  return webhook::client_address(peer, forwarded_for, verifier_.trusted_proxies());
}

bool Intake::admit(Arrival arrival, ledger::IncomingEvent& in, EnvelopeError& err) const {
  if (!parse_envelope(arrival.body, in.event, err)) return false;
  in.dispatch_id = arrival.dispatch_id.substr(0, 128);
  // Only TEST-like events lack a run id; then one dispatch (and its retries) is one event.
  std::string fallback;
  if (in.event.run_id.empty()) fallback = in.dispatch_id.empty() ? "sha256:" + sha256_hex(arrival.body) : in.dispatch_id;
  in.dedup_key = in.event.dedup_key(fallback);
  in.headers_json = std::move(arrival.headers_json);
  in.deliveries = plan(routes_, in.event);
  in.body = std::move(arrival.body);
  return true;
}

}  // namespace sinkhub::webhook
