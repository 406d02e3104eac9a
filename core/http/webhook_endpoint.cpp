#include "http/webhook_endpoint.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/MediaType.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/SHA2Engine.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <sstream>
#include <vector>

#include "http/reply.hpp"
#include "http/watchdog.hpp"
#include "observe/metrics.hpp"
#include "routing/router.hpp"

namespace sinkhub::http {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

namespace {

using Clock = std::chrono::steady_clock;

// Answers now and closes the connection without having read the body. The answer is written
// straight to the socket (Poco's response stream would flush only after the handler
// returns), the write side is shut, and what the client is still sending is discarded for a
// short while, so the client reads our answer instead of a connection reset ("lingering
// close").
void reject_and_close(HTTPServerRequest& req, HTTPServerResponse& resp, HTTPResponse::HTTPStatus status,
                      const std::string& message) {
  const std::string text = error_body(message);
  HTTPResponse head(Poco::Net::HTTPMessage::HTTP_1_1, status);
  head.setContentType("application/json");
  head.setContentLength(static_cast<std::streamsize>(text.size()));
  head.setKeepAlive(false);
  head.set("Server", "sinkhub");
  std::ostringstream wire;
  head.write(wire);
  wire << text;
  const std::string bytes = wire.str();
  resp.setKeepAlive(false);  // tells Poco to close once we return
  try {
    auto& sock = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(req).socket();
    sock.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
    sock.shutdownSend();
    sock.setReceiveTimeout(Poco::Timespan(0, 200 * 1000));
    char discard[16384];
    const auto until = Clock::now() + std::chrono::seconds(1);
    while (Clock::now() < until && sock.receiveBytes(discard, sizeof discard) > 0) {
    }
  } catch (const std::exception& e) {
    spdlog::debug("reject_and_close: {}", e.what());
  }
}

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

enum class ReadResult { Ok, TooLarge, Timeout, Broken };

// Reads at most max_bytes within timeout_ms. The watchdog enforces the deadline on the
// socket itself (a read blocked on a trickling client ends at the deadline); a body that
// ends short at or after the deadline is a timeout, before it a broken request.
ReadResult read_body(HTTPServerRequest& req, std::size_t max_bytes, int timeout_ms, std::string& body) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  if (auto* e = Watchdog::current()) Watchdog::arm(e, std::chrono::milliseconds(timeout_ms));
  const auto declared = req.getContentLength64();
  if (declared > 0) body.reserve(static_cast<std::size_t>(declared));
  std::istream& in = req.stream();
  char buf[16384];
  bool failed = false;
  try {
    for (;;) {
      in.read(buf, sizeof buf);
      const auto n = static_cast<std::size_t>(in.gcount());
      if (body.size() + n > max_bytes) return ReadResult::TooLarge;
      body.append(buf, n);
      if (n < sizeof buf) break;
    }
    failed = in.bad();
  } catch (const Poco::Exception&) {
    failed = true;
  }
  if (auto* e = Watchdog::current()) Watchdog::disarm(e);
  const bool short_body = declared >= 0 && static_cast<std::size_t>(declared) != body.size();
  if (!failed && !short_body) return ReadResult::Ok;
  return Clock::now() >= deadline - std::chrono::milliseconds(50) ? ReadResult::Timeout : ReadResult::Broken;
}

std::string sha256_hex(const std::string& data) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(data);
  return Poco::DigestEngine::digestToHex(sha.digest());
}

// Headers worth keeping for the audit trail. The secret header is never among them.
std::string headers_of_interest(const HTTPServerRequest& req, const std::string& client) {
  static const char* names[] = {"X-Apify-Webhook-Dispatch-Id", "X-Apify-Webhook", "X-Apify-Request-Origin",
                                "User-Agent"};
  std::ostringstream out;
  out << "{\"client\":";
  Poco::JSON::Stringifier::formatString(client, out);
  for (const char* name : names) {
    const std::string& v = req.get(name, Poco::Net::HTTPMessage::EMPTY);
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

void WebhookEndpoint::handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) {
  const Poco::Net::IPAddress client =
      webhook::client_address(req.clientAddress().host(), req.get("X-Forwarded-For", Poco::Net::HTTPMessage::EMPTY),
                              verifier_.trusted_proxies());
  const std::string client_text = client.toString();

  const bool has_secret = req.has(verifier_.header());
  const auto verdict =
      verifier_.check(client, has_secret, has_secret ? req.get(verifier_.header()) : Poco::Net::HTTPMessage::EMPTY);
  switch (verdict) {
    case webhook::Verdict::Allowed:
      break;
    case webhook::Verdict::ForbiddenAddress:
      count("forbidden");
      spdlog::warn("webhook rejected: source address {} is not in auth.allow_ips", client_text);
      return reject_and_close(req, resp, HTTPResponse::HTTP_FORBIDDEN, "source address not allowed");
    case webhook::Verdict::MissingSecret:
      count("unauthorized");
      spdlog::warn("webhook rejected from {}: header {} missing", client_text, verifier_.header());
      return reject_and_close(req, resp, HTTPResponse::HTTP_UNAUTHORIZED, "missing or invalid webhook secret");
    case webhook::Verdict::WrongSecret:
      count("unauthorized");
      spdlog::warn("webhook rejected from {}: header {} holds no valid secret", client_text, verifier_.header());
      return reject_and_close(req, resp, HTTPResponse::HTTP_UNAUTHORIZED, "missing or invalid webhook secret");
  }

  if (!is_json_media_type(req.getContentType())) {
    count("unsupported_media_type");
    return reject_and_close(req, resp, HTTPResponse::HTTP_UNSUPPORTEDMEDIATYPE,
                            "Content-Type must be application/json");
  }

  const auto max = cfg_.server.max_body_bytes;
  if (req.getContentLength64() > static_cast<Poco::Int64>(max)) {
    count("too_large");
    spdlog::warn("webhook rejected from {}: body of {} bytes exceeds server.max_body_bytes", client_text,
                 req.getContentLength64());
    return reject_and_close(req, resp, HTTPResponse::HTTP_REQUESTENTITYTOOLARGE,
                            "body exceeds " + std::to_string(max) + " bytes");
  }

  std::string body;
  switch (read_body(req, max, cfg_.server.read_timeout_ms, body)) {
    case ReadResult::Ok:
      break;
    case ReadResult::TooLarge:
      count("too_large");
      return reject_and_close(req, resp, HTTPResponse::HTTP_REQUESTENTITYTOOLARGE,
                              "body exceeds " + std::to_string(max) + " bytes");
    case ReadResult::Timeout:
      count("timeout");
      spdlog::warn("webhook from {}: body not received within server.read_timeout_ms", client_text);
      return reject_and_close(req, resp, HTTPResponse::HTTP_REQUEST_TIMEOUT, "request body timed out");
    case ReadResult::Broken:
      count("bad_request");
      resp.setKeepAlive(false);
      return reply_error(resp, HTTPResponse::HTTP_BAD_REQUEST, "request body incomplete");
  }

  ledger::IncomingEvent in;
  webhook::EnvelopeError err;
  if (!webhook::parse_envelope(body, in.event, err)) {
    count("bad_request");
    spdlog::warn("webhook rejected from {}: {}", client_text, err.message);
    return reply_json(resp, HTTPResponse::HTTP_BAD_REQUEST, error_body(err.message, err.field));
  }

  in.dispatch_id = req.get("X-Apify-Webhook-Dispatch-Id", Poco::Net::HTTPMessage::EMPTY).substr(0, 128);
  // Only TEST-like events lack a run id; then one dispatch (and its retries) is one event.
  in.dedup_key = in.event.dedup_key(in.event.run_id.empty() ? (in.dispatch_id.empty() ? "sha256:" + sha256_hex(body)
                                                                                      : in.dispatch_id)
                                                            : std::string());
  in.headers_json = headers_of_interest(req, client_text);
  in.deliveries = routing::plan(cfg_, in.event);
  const std::size_t planned = in.deliveries.size();
  in.body = std::move(body);

  const auto outcome = ledger_.record(in);
  switch (outcome.kind) {
    case ledger::RecordOutcome::Kind::Accepted:
      count("accepted");
      if (planned && on_accepted_) on_accepted_();
      spdlog::info("webhook accepted: event {} {} run {} actor {} ({} deliveries planned)", outcome.event_id,
                   in.event.event_type, in.event.run_id, in.event.actor_id, planned);
      return reply_json(resp, HTTPResponse::HTTP_OK,
                        "{\"status\":\"accepted\",\"event\":" + std::to_string(outcome.event_id) + "}");
    case ledger::RecordOutcome::Kind::Duplicate:
      count("duplicate");
      spdlog::debug("webhook duplicate: {} run {}", in.event.event_type, in.event.run_id);
      return reply_json(resp, HTTPResponse::HTTP_OK, "{\"status\":\"duplicate\"}");
    case ledger::RecordOutcome::Kind::Failed:
      count("unavailable");
      spdlog::error("ledger write failed, answering 503 so Apify retries: {}", outcome.error);
      resp.set("Retry-After", "5");
      return reply_error(resp, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "ledger unavailable, retry later");
  }
}

}  // namespace sinkhub::http
