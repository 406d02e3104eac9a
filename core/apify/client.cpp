// The Apify client's requests: one request with the official clients' retry policy (429, 5xx
// and network errors retried with backoff, Retry-After honoured, cancellable), over one
// keep-alive connection (net/exchange.hpp). See client.hpp for the contract; dataset.cpp,
// resources.cpp and webhooks.cpp build on request().
#include "apify/client.hpp"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "apify/client_internal.hpp"
#include "net/exchange.hpp"
#include "net/outbound.hpp"
#include "observe/metrics.hpp"
#include "util/backoff.hpp"

namespace sinkhub::apify {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// sinkhub_apify_requests_total{status}: every HTTP attempt, by status ("network" when no
// response came back).
void count_request(int status) {
  static std::mutex mu;
  static std::map<int, int> ids;
  int id;
  {
    std::lock_guard<std::mutex> lk(mu);
    auto it = ids.find(status);
    if (it == ids.end())
      it = ids.emplace(status, observe::Metrics::instance().define(
                                   observe::Metrics::Kind::Counter, "sinkhub_apify_requests_total",
                                   "Apify API requests by HTTP status",
                                   {{"status", status > 0 ? std::to_string(status) : std::string("network")}}))
               .first;
    id = it->second;
  }
  observe::Metrics::instance().record(id, 1);
}

// The printable start of a non-JSON error body (a proxy's HTML page, say).
std::string snippet(const std::string& body) {
  std::string out;
  for (char c : body) {
    if (out.size() >= 200) {
      out += "...";
      break;
    }
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  }
  return Poco::trim(out);
}

std::int64_t header_int(const Poco::Net::HTTPResponse& r, const std::string& name) {
  Poco::Int64 v = -1;
  if (!r.has(name) || !Poco::NumberParser::tryParse64(Poco::trim(r.get(name)), v)) return -1;
  return v;
}

}  // namespace

namespace detail {

Error make_error(int status, std::string type, std::string message, bool retryable) {
  Error e;
  e.status = status;
  e.type = std::move(type);
  e.message = std::move(message);
  e.retryable = retryable;
  return e;
}

std::string json_string(const Poco::JSON::Object::Ptr& obj, const std::string& key) {
  if (!obj || !obj->has(key)) return {};
  const Poco::Dynamic::Var v = obj->get(key);
  if (v.isEmpty()) return {};
  try {
    return v.isString() ? v.extract<std::string>() : v.toString();
  } catch (const Poco::Exception&) {
    return {};
  }
}

std::int64_t json_int(const Poco::JSON::Object::Ptr& obj, const std::string& key, std::int64_t fallback) {
  if (!obj || !obj->has(key)) return fallback;
  const Poco::Dynamic::Var v = obj->get(key);
  if (v.isEmpty()) return fallback;
  try {
    return v.convert<Poco::Int64>();
  } catch (const Poco::Exception&) {
    return fallback;
  }
}

}  // namespace detail

using detail::make_error;

struct Client::Attempt {
  Outcome outcome = Outcome::Final;
  Error error;
  std::int64_t retry_after_ms = -1;
};

std::string Error::describe() const {
  std::string s;
  if (status) s += std::to_string(status) + " ";
  s += type.empty() ? "error" : type;
  if (!message.empty()) s += ": " + message;
  if (attempts) s += " (" + std::to_string(attempts) + (attempts == 1 ? " attempt)" : " attempts)");
  return s;
}

Client::Client(config::ApifyConfig cfg, ClientOptions options) : cfg_(std::move(cfg)), options_(options) {
  Poco::URI uri;
  try {
    uri = Poco::URI(cfg_.base_url);
  } catch (const Poco::Exception&) {
    throw std::invalid_argument("apify.base_url is not a valid URL");
  }
  const std::string scheme = Poco::toLower(uri.getScheme());
  if ((scheme != "http" && scheme != "https") || uri.getHost().empty())
    throw std::invalid_argument("apify.base_url must be an absolute http:// or https:// URL");
  conn_ = std::make_unique<net::Connection>(scheme, uri.getHost(), uri.getPort());
  path_prefix_ = uri.getPath();
  while (!path_prefix_.empty() && path_prefix_.back() == '/') path_prefix_.pop_back();
  if (options_.max_attempts < 1) options_.max_attempts = 1;
  if (options_.cancel_poll <= milliseconds(0)) options_.cancel_poll = milliseconds(50);
  if (cfg_.page_size < 1) cfg_.page_size = 1000;
}

Client::~Client() = default;

std::string Client::encode_component(std::string_view value, bool path_segment) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3);
  const bool dots = path_segment && (value == "." || value == "..");
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '~' || (c == '.' && !dots);
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

void Client::redact(const std::string& secret) {
  if (!secret.empty()) redacted_.push_back(secret);
}

std::string Client::scrub(std::string text) const {
  const auto hide = [&text](const std::string& secret) {
    if (secret.empty()) return;
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
      text.replace(at, secret.size(), "***");
  };
  hide(cfg_.token);
  for (const auto& s : redacted_) hide(s);
  return text;
}

// One request: the head, then the body within its cap; a non-2xx answer becomes an Error.
Client::Attempt Client::attempt(const Call& call, Response& out, const CancelFn& cancelled, std::size_t max_body) {
  out = Response{};
  net::Request request;
  request.method = call.method;
  request.target = path_prefix_ + call.target;
  request.headers = {{"Accept", "*/*"}, {"Connection", "Keep-Alive"}};
  if (!call.body.empty()) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = call.body;
  }
  if (!cfg_.token.empty()) request.headers.emplace_back("Authorization", "Bearer " + cfg_.token);
  Attempt failed;
  try {
    Poco::Net::HTTPResponse head;
    std::istream& in = conn_->send(request, {options_.connect_timeout, options_.receive_timeout}, head);
    out.status = static_cast<int>(head.getStatus());
    out.reason = head.getReason();
    out.retry_after_ms = net::parse_retry_after(head.get("Retry-After", ""));
    out.count = header_int(head, "X-Apify-Pagination-Count");
    out.total = header_int(head, "X-Apify-Pagination-Total");
    if (!read_body(in, head, out, cancelled, max_body, failed)) return failed;
  } catch (const net::Error& e) {
    if (e.failure() != net::Failure::Cancelled) return network_error(e.what());
    failed.error = make_error(0, "cancelled", e.what(), true);
    return failed;
  }
  if (out.status >= 200 && out.status < 300) return {Outcome::Ok, {}, -1};
  return answer_error(out);
}

// The body within its cap: a 2xx above it is a final error (page-too-large); of an error
// answer only the start is kept. False with `failed` set when the attempt failed.
bool Client::read_body(std::istream& in, const Poco::Net::HTTPResponse& head, Response& out, const CancelFn& cancelled,
                       std::size_t max_body, Attempt& failed) {
  const bool success = out.status >= 200 && out.status < 300;
  const std::size_t cap = success ? max_body : std::min<std::size_t>(max_body, options_.max_json_bytes);
  const Poco::Int64 length = head.hasContentLength() ? head.getContentLength64() : -1;
  failed.error = make_error(out.status, "page-too-large", "response body above the configured limit", false);
  if (success && length > static_cast<Poco::Int64>(cap)) {
    conn_->drop();
    return false;
  }
  if (length > 0) out.body.reserve(std::min(static_cast<std::size_t>(length), cap));
  bool over_cap = false;
  const bool whole = conn_->read_body(
      in,
      [&](const char* data, std::size_t n) {
        if (out.body.size() + n <= cap) {
          out.body.append(data, n);
          return true;
        }
        over_cap = true;
        if (!success) out.body.append(data, cap - out.body.size());
        return false;
      },
      [&] {
        if (cancelled && cancelled())
          throw net::Error(net::Failure::Cancelled, "cancelled while reading the response");
      });
  if (over_cap && success) return false;
  if (whole && length >= 0 && static_cast<Poco::Int64>(out.body.size()) != length) {
    failed = network_error("response body truncated: " + std::to_string(out.body.size()) + " of " +
                           std::to_string(length) + " bytes");
    return false;
  }
  return true;
}

Client::Attempt Client::network_error(const std::string& what) {
  conn_->drop();
  return {Outcome::Retry, make_error(0, "network-error", scrub(what), true), -1};
}

// A non-2xx answer: Apify's envelope {"error":{"type","message"}} when there is one.
Client::Attempt Client::answer_error(const Response& out) const {
  std::string type, message;
  try {
    Poco::JSON::Parser parser;
    const auto root = parser.parse(out.body).extract<Poco::JSON::Object::Ptr>();
    const auto err = root ? root->getObject("error") : nullptr;
    type = detail::json_string(err, "type");
    message = detail::json_string(err, "message");
  } catch (const std::exception&) {
  }
  if (type.empty()) {
    type = "http-error";
    const std::string text = snippet(out.body);
    message = "HTTP " + std::to_string(out.status) + " " + out.reason + (text.empty() ? "" : ": " + text);
  }
  const bool retry = out.status == 429 || out.status >= 500;
  return {retry ? Outcome::Retry : Outcome::Final, make_error(out.status, std::move(type), scrub(std::move(message)), retry),
          out.retry_after_ms};
}

// As the official clients: min_retry_delay * 2^retry_index * U[1,2), capped.
milliseconds Client::backoff(int retry_index) {
  const auto ceiling = util::exponential(retry_index + 1, options_.min_retry_delay, options_.max_retry_delay);
  return util::scaled(ceiling, 1.0 + util::uniform01(), options_.max_retry_delay);
}

bool Client::sleep(milliseconds delay, const CancelFn& cancelled) {
  const auto until = Clock::now() + delay;
  while (true) {
    if (cancelled && cancelled()) return false;
    const auto now = Clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(until - now, options_.cancel_poll));
  }
}

Error Client::request(const Call& call, Response& out, const CancelFn& cancelled, std::size_t max_body,
                      const std::function<bool(Response&, Error&)>& validate) {
  for (int n = 1;; ++n) {
    if (cancelled && cancelled()) {
      Error e = make_error(0, "cancelled", "cancelled", true);
      e.attempts = n - 1;
      return e;
    }
    Attempt a = attempt(call, out, cancelled, max_body);
    count_request(a.outcome == Outcome::Ok || out.status > 0 ? out.status : a.error.status);
    if (a.outcome == Outcome::Ok && validate) {
      Error v;
      if (!validate(out, v)) {
        a.outcome = v.retryable ? Outcome::Retry : Outcome::Final;
        a.error = std::move(v);
      }
    }
    if (a.outcome == Outcome::Ok) {
      Error ok;
      ok.attempts = n;
      return ok;
    }
    a.error.attempts = n;
    a.error.retry_after_ms = a.retry_after_ms;
    if (a.outcome == Outcome::Final || n >= options_.max_attempts) return a.error;
    milliseconds delay = backoff(n - 1);
    if (a.retry_after_ms >= 0) {
      if (milliseconds(a.retry_after_ms) > options_.max_retry_after) {
        a.error.message += " (Retry-After " + std::to_string(a.retry_after_ms / 1000) + " s is above the limit)";
        return a.error;
      }
      delay = std::max(delay, milliseconds(a.retry_after_ms));
    }
    spdlog::warn("apify: {} {} failed: {}; retry {}/{} in {} ms", call.method, scrub(call.target), a.error.describe(), n,
                 options_.max_attempts - 1, delay.count());
    if (!sleep(delay, cancelled)) {
      Error e = make_error(0, "cancelled", "cancelled while waiting to retry after: " + a.error.describe(), true);
      e.attempts = n;
      return e;
    }
  }
}

}  // namespace sinkhub::apify
