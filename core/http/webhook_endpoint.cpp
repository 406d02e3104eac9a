#include "http/webhook_endpoint.hpp"

#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/MediaType.h>
#include <Poco/String.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <sstream>
#include <vector>

#include "observe/metrics.hpp"

namespace sinkhub::http {

namespace {

bool is_json_media_type(const std::string& content_type) {
  if (content_type.empty()) return false;
  try {
    Poco::Net::MediaType mt(content_type);
    const std::string sub = Poco::toLower(mt.getSubType());
    return Poco::icompare(mt.getType(), "application") == 0 &&
           (sub == "json" || (sub.size() > 5 && sub.compare(sub.size() - 5, 5, "+json") == 0));
  } catch (const Poco::Exception&) {
    return false;
  }
}

// Headers worth keeping for the audit trail. The secret header is never among them.
std::string headers_of_interest(const RequestHead& req, const std::string& client) {
  static const char* names[] = {"X-Apify-Webhook-Dispatch-Id", "X-Apify-Webhook", "X-Apify-Request-Origin",
                                "User-Agent"};
  std::ostringstream out;
  out << "{\"client\":";
  Poco::JSON::Stringifier::formatString(client, out);
  for (const char* name : names) {
    const std::string& v = req.get(name);
    if (v.empty()) continue;
    out << ',';
    Poco::JSON::Stringifier::formatString(name, out);
    out << ':';
    Poco::JSON::Stringifier::formatString(v.substr(0, 256), out);
  }
  out << '}';
  return out.str();
}

// sinkhub_webhooks_total{outcome}: every answer the endpoint gives, by kind. The series are
// defined once, so counting is one lock-free add per request.
const char* const kOutcomes[] = {"accepted",  "duplicate", "unauthorized", "forbidden",  "unsupported_media_type",
                                 "too_large", "timeout",   "bad_request",  "unavailable"};

void count(const char* outcome) {
  static const std::vector<int> ids = [] {
    std::vector<int> v;
    for (const char* o : kOutcomes)
      v.push_back(observe::Metrics::instance().define(observe::Metrics::Kind::Counter, "sinkhub_webhooks_total",
                                                      "Webhook requests by outcome", {{"outcome", o}}));
    return v;
  }();
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (std::strcmp(kOutcomes[i], outcome) == 0) return observe::Metrics::instance().record(ids[i], 1);
}

}  // namespace

Poco::Net::IPAddress WebhookEndpoint::client(const Rules& rules, const RequestHead& head,
                                             const Poco::Net::IPAddress& peer) const {
  return rules->client_address(peer, head.get("X-Forwarded-For"));
}

std::optional<Reply> WebhookEndpoint::screen(const Rules& rules, const RequestHead& req,
                                             const Poco::Net::IPAddress& client) const {
  const std::string& header = rules->secret_header();
  switch (rules->verify(client, req.find(header))) {
    case webhook::Verdict::Allowed:
      break;
    case webhook::Verdict::ForbiddenAddress:
      count("forbidden");
      spdlog::warn("webhook rejected: source address {} is not in auth.allow_ips", client.toString());
      return reject_reply(403, "source address not allowed");
    case webhook::Verdict::MissingSecret:
      count("unauthorized");
      spdlog::warn("webhook rejected from {}: header {} missing", client.toString(), header);
      return reject_reply(401, "missing or invalid webhook secret");
    case webhook::Verdict::WrongSecret:
      count("unauthorized");
      spdlog::warn("webhook rejected from {}: header {} holds no valid secret", client.toString(), header);
      return reject_reply(401, "missing or invalid webhook secret");
  }

  if (!is_json_media_type(req.get("Content-Type"))) {
    count("unsupported_media_type");
    return reject_reply(415, "Content-Type must be application/json");
  }

  if (req.content_length && *req.content_length > max_body_bytes_) {
    spdlog::warn("webhook rejected from {}: body of {} bytes exceeds server.max_body_bytes", client.toString(),
                 *req.content_length);
    return body_too_large();
  }
  return std::nullopt;
}

Reply WebhookEndpoint::body_too_large() const {
  count("too_large");
  return reject_reply(413, "body exceeds " + std::to_string(max_body_bytes_) + " bytes");
}

Reply WebhookEndpoint::body_timed_out(const Poco::Net::IPAddress& peer) const {
  count("timeout");
  spdlog::warn("webhook from {}: body not received within server.read_timeout_ms", peer.toString());
  return reject_reply(408, "request body timed out");
}

Reply WebhookEndpoint::body_malformed(const std::string& why) const {
  count("bad_request");
  Reply r = error_reply(400, why);
  r.close = true;
  return r;
}

bool WebhookEndpoint::prepare(const Rules& rules, const RequestHead& req, const Poco::Net::IPAddress& client,
                              std::string body, ledger::IncomingEvent& in, Summary& summary, Reply& reply) const {
  const std::string client_text = client.toString();
  webhook::EnvelopeError err;
  if (!rules->admit({std::move(body), req.get("X-Apify-Webhook-Dispatch-Id"), headers_of_interest(req, client_text)},
                      in, err)) {
    count("bad_request");
    spdlog::warn("webhook rejected from {}: {}", client_text, err.message);
    reply = json_reply(400, error_body(err.message, err.field));
    return false;
  }
  summary = {in.deliveries.size(), in.event.event_type, in.event.run_id, in.event.actor_id};
  return true;
}

Reply WebhookEndpoint::finish(const Summary& s, const ledger::RecordOutcome& outcome) const {
  switch (outcome.kind) {
    case ledger::RecordOutcome::Kind::Accepted:
      count("accepted");
      if (s.planned && on_accepted_) on_accepted_();
      spdlog::info("webhook accepted: event {} {} run {} actor {} ({} deliveries planned)", outcome.event_id,
                   s.event_type, s.run_id, s.actor_id, s.planned);
      return json_reply(200, "{\"status\":\"accepted\",\"event\":" + std::to_string(outcome.event_id) + "}");
    case ledger::RecordOutcome::Kind::Duplicate:
      count("duplicate");
      spdlog::debug("webhook duplicate: {} run {}", s.event_type, s.run_id);
      return json_reply(200, "{\"status\":\"duplicate\"}");
    case ledger::RecordOutcome::Kind::Failed:
      break;
  }
  count("unavailable");
  spdlog::error("ledger write failed, answering 503 so Apify retries: {}", outcome.error);
  Reply r = error_reply(503, "ledger unavailable, retry later");
  r.headers.emplace_back("Retry-After", "5");
  return r;
}

}  // namespace sinkhub::http
