// The Apify API client; see client.hpp for the contract.
#include "apify/client.hpp"
#include "net/outbound.hpp"
#include "observe/metrics.hpp"
#include "util/backoff.hpp"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <cstdlib>
#include <cstring>
#include <istream>
#include <stdexcept>
#include <thread>

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

bool blank_line(const char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
  return true;
}

std::int64_t count_items(std::string_view body) {
  std::int64_t n = 0;
  std::size_t start = 0;
  while (start < body.size()) {
    const void* nl = std::memchr(body.data() + start, '\n', body.size() - start);
    const std::size_t end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - body.data()) : body.size();
    if (!blank_line(body.data() + start, end - start)) ++n;
    start = end + 1;
  }
  return n;
}

bool parses_as_json(const std::string& text) {
  try {
    Poco::JSON::Parser parser;
    parser.parse(text);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

struct Client::Response {
  int status = 0;
  std::string reason;
  std::string body;
  std::int64_t retry_after_ms = -1;
  std::int64_t count = -1;  // X-Apify-Pagination-Count
  std::int64_t total = -1;  // X-Apify-Pagination-Total
};

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

Client::Client(config::ApifyConfig cfg, ClientOptions options)
    : cfg_(std::move(cfg)), options_(options) {
  Poco::URI uri;
  try {
    uri = Poco::URI(cfg_.base_url);
  } catch (const Poco::Exception&) {
    throw std::invalid_argument("apify.base_url is not a valid URL");
  }
  scheme_ = Poco::toLower(uri.getScheme());
  if ((scheme_ != "http" && scheme_ != "https") || uri.getHost().empty())
    throw std::invalid_argument("apify.base_url must be an absolute http:// or https:// URL");
  host_ = uri.getHost();
  port_ = uri.getPort();
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

std::int64_t Client::parse_retry_after(const std::string& value) { return net::parse_retry_after(value); }

Poco::Net::HTTPClientSession& Client::session() {
  if (!session_) session_ = net::open_session(scheme_, host_, port_);
  const auto us = [](milliseconds ms) { return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000); };
  session_->setTimeout(us(options_.connect_timeout), us(options_.receive_timeout), us(options_.receive_timeout));
  return *session_;
}

void Client::drop_session() {
  if (!session_) return;
  try {
    session_->reset();
  } catch (...) {
  }
  session_.reset();
}

std::string Client::scrub(std::string text) const {
  if (cfg_.token.empty()) return text;
  for (std::size_t at = text.find(cfg_.token); at != std::string::npos; at = text.find(cfg_.token, at + 3))
    text.replace(at, cfg_.token.size(), "***");
  return text;
}

Client::Attempt Client::attempt(const std::string& target, Response& out, const CancelFn& cancelled,
                                std::size_t max_body) {
  out = Response{};
  Attempt a;
  auto network = [&](const std::string& what) {
    drop_session();
    a.outcome = Outcome::Retry;
    a.error = make_error(0, "network-error", scrub(what), true);
    return a;
  };
  Poco::Net::HTTPResponse response;
  std::istream* in = nullptr;
  for (bool retried_stale = false;;) {
    Poco::Net::HTTPClientSession& s = session();
    const bool reused = s.connected();
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path_prefix_ + target,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("User-Agent", std::string("sinkhub/") + SINKHUB_VERSION);
    request.set("Accept", "*/*");
    if (!cfg_.token.empty()) request.set("Authorization", "Bearer " + cfg_.token);
    request.setKeepAlive(true);
    response = Poco::Net::HTTPResponse();
    try {
      s.sendRequest(request);
      in = &s.receiveResponse(response);
      break;
    } catch (const Poco::TimeoutException& e) {
      return network("timeout: " + e.displayText());
    } catch (const Poco::Exception& e) {
      // A kept-alive connection the server closed meanwhile fails before any response byte:
      // one immediate retry on a fresh connection, not counted as an attempt.
      if (reused && !retried_stale) {
        drop_session();
        retried_stale = true;
        continue;
      }
      return network(e.displayText());
    } catch (const std::exception& e) {
      return network(e.what());
    }
  }

  out.status = static_cast<int>(response.getStatus());
  out.reason = response.getReason();
  out.retry_after_ms = parse_retry_after(response.get("Retry-After", ""));
  out.count = header_int(response, "X-Apify-Pagination-Count");
  out.total = header_int(response, "X-Apify-Pagination-Total");
  const bool success = out.status >= 200 && out.status < 300;
  const std::size_t cap = success ? max_body : std::min<std::size_t>(max_body, options_.max_json_bytes);

  if (response.hasContentLength() && success && response.getContentLength64() > static_cast<Poco::Int64>(cap)) {
    drop_session();
    a.outcome = Outcome::Final;
    a.error = make_error(out.status, "page-too-large", "response body above the configured limit", false);
    return a;
  }
  if (response.hasContentLength() && response.getContentLength64() > 0)
    out.body.reserve(static_cast<std::size_t>(response.getContentLength64()));
  bool truncated_by_cap = false;
  try {
    char buf[65536];
    while (true) {
      if (cancelled && cancelled()) {
        drop_session();
        a.outcome = Outcome::Final;
        a.error = make_error(0, "cancelled", "cancelled while reading the response", true);
        return a;
      }
      in->read(buf, sizeof buf);
      const auto n = static_cast<std::size_t>(in->gcount());
      if (n == 0) break;
      if (out.body.size() + n > cap) {
        if (success) {
          drop_session();
          a.outcome = Outcome::Final;
          a.error = make_error(out.status, "page-too-large", "response body above the configured limit", false);
          return a;
        }
        out.body.append(buf, cap - out.body.size());
        truncated_by_cap = true;
        drop_session();
        break;
      }
      out.body.append(buf, n);
    }
  } catch (const Poco::Exception& e) {
    return network("connection lost while reading the response: " + e.displayText());
  } catch (const std::exception& e) {
    return network(std::string("connection lost while reading the response: ") + e.what());
  }
  if (!truncated_by_cap) {
    if (in->bad()) return network("connection lost while reading the response");
    if (response.hasContentLength() && static_cast<Poco::Int64>(out.body.size()) != response.getContentLength64())
      return network("response body truncated: " + std::to_string(out.body.size()) + " of " +
                     std::to_string(response.getContentLength64()) + " bytes");
  }

  if (success) {
    a.outcome = Outcome::Ok;
    return a;
  }
  // An error: Apify's envelope {"error":{"type","message"}} when there is one.
  std::string type, message;
  try {
    Poco::JSON::Parser parser;
    const auto root = parser.parse(out.body).extract<Poco::JSON::Object::Ptr>();
    const auto err = root ? root->getObject("error") : nullptr;
    type = json_string(err, "type");
    message = json_string(err, "message");
  } catch (const std::exception&) {
  }
  if (type.empty()) {
    type = "http-error";
    const std::string text = snippet(out.body);
    message = "HTTP " + std::to_string(out.status) + " " + out.reason + (text.empty() ? "" : ": " + text);
  }
  const bool retry = out.status == 429 || out.status >= 500;
  a.outcome = retry ? Outcome::Retry : Outcome::Final;
  a.error = make_error(out.status, std::move(type), scrub(std::move(message)), retry);
  a.retry_after_ms = out.retry_after_ms;
  return a;
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

Error Client::get(const std::string& target, Response& out, const CancelFn& cancelled, std::size_t max_body,
                  const std::function<bool(Response&, Error&)>& validate) {
  for (int n = 1;; ++n) {
    if (cancelled && cancelled()) {
      Error e = make_error(0, "cancelled", "cancelled", true);
      e.attempts = n - 1;
      return e;
    }
    Attempt a = attempt(target, out, cancelled, max_body);
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
    spdlog::warn("apify: GET {} failed: {}; retry {}/{} in {} ms", target, a.error.describe(), n,
                 options_.max_attempts - 1, delay.count());
    if (!sleep(delay, cancelled)) {
      Error e = make_error(0, "cancelled", "cancelled while waiting to retry after: " + a.error.describe(), true);
      e.attempts = n;
      return e;
    }
  }
}

StreamResult Client::stream_items(const std::string& dataset_id, std::int64_t start_offset, const ItemsQuery& query,
                                  const PageFn& on_page, const CancelFn& cancelled) {
  StreamResult r;
  r.next_offset = start_offset;
  if (dataset_id.empty() || start_offset < 0 || !on_page) {
    r.error = make_error(0, "invalid-argument", "dataset id, offset or page callback missing", false);
    return r;
  }
  std::string fixed = "/v2/datasets/" + encode_component(dataset_id, true) + "/items?format=jsonl";
  const auto list = [](const std::vector<std::string>& names) {
    std::string s;
    for (const auto& f : names) {
      if (f.empty()) continue;
      if (!s.empty()) s += ',';
      s += encode_component(f, false);
    }
    return s;
  };
  std::string extra;
  if (query.clean) extra += "&clean=1";
  if (const std::string f = list(query.fields); !f.empty()) extra += "&fields=" + f;
  if (const std::string o = list(query.omit); !o.empty()) extra += "&omit=" + o;

  const std::int64_t end = query.max_items >= 0 ? start_offset + query.max_items : -1;
  const auto validate = [](Response& resp, Error& e) {
    std::string& body = resp.body;
    if (body.empty() || body.back() == '\n') return true;
    // No final newline: fine if the last line is a whole JSON value; a connection cut at a
    // chunk boundary (no Content-Length to check) leaves half a line instead.
    const std::size_t nl = body.rfind('\n');
    const std::string last = body.substr(nl == std::string::npos ? 0 : nl + 1);
    if (!blank_line(last.data(), last.size()) && !parses_as_json(last)) {
      e = make_error(resp.status, "invalid-response", "page body truncated: the last line is incomplete JSON", true);
      return false;
    }
    body += '\n';
    return true;
  };

  Response resp;
  std::int64_t offset = start_offset;
  while (true) {
    std::int64_t limit = cfg_.page_size;
    if (end >= 0) {
      if (end - offset <= 0) break;
      limit = std::min<std::int64_t>(limit, end - offset);
    }
    const std::string target = fixed + "&offset=" + std::to_string(offset) + "&limit=" + std::to_string(limit) + extra;
    Error e = get(target, resp, cancelled, options_.max_page_bytes, validate);
    if (!e.type.empty()) {
      r.error = std::move(e);
      return r;
    }
    Page page;
    page.body = resp.body;
    page.offset = offset;
    page.returned = count_items(resp.body);
    page.scanned = std::max<std::int64_t>(resp.count, page.returned);
    page.total = resp.total;
    if (page.scanned == 0) break;  // the end of the dataset (as far as it is written now)
    offset += page.scanned;
    r.next_offset = offset;
    r.pages += 1;
    r.items += page.returned;
    r.scanned += page.scanned;
    if (!on_page(page)) {
      r.stopped = true;
      break;
    }
    if (cancelled && cancelled()) {
      r.error = make_error(0, "cancelled", "cancelled between pages", true);
      return r;
    }
  }
  r.ok = true;
  return r;
}

template <class T>
Fetched<T> Client::get_json(const std::string& target, const CancelFn& cancelled,
                            const std::function<bool(const std::string&, T&)>& parse) {
  Fetched<T> f;
  Response resp;
  const auto validate = [&](Response& r, Error& e) {
    try {
      if (parse(r.body, f.value)) return true;
    } catch (const std::exception&) {
    }
    e = make_error(r.status, "invalid-response", "response is not the expected {\"data\": {...}} JSON", true);
    return false;
  };
  Error e = get(target, resp, cancelled, options_.max_json_bytes, validate);
  if (!e.type.empty()) {
    f.error = std::move(e);
    f.value = T{};
    return f;
  }
  f.ok = true;
  return f;
}

namespace {
Poco::JSON::Object::Ptr data_of(const std::string& body) {
  Poco::JSON::Parser parser;
  const auto root = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
  return root ? root->getObject("data") : nullptr;
}
}  // namespace

Fetched<Run> Client::get_run(const std::string& run_id, const CancelFn& cancelled) {
  if (run_id.empty()) {
    Fetched<Run> f;
    f.error = make_error(0, "invalid-argument", "empty run id", false);
    return f;
  }
  return get_json<Run>("/v2/actor-runs/" + encode_component(run_id, true), cancelled,
                       [](const std::string& body, Run& run) {
                         const auto d = data_of(body);
                         if (!d) return false;
                         run.id = json_string(d, "id");
                         run.act_id = json_string(d, "actId");
                         run.actor_task_id = json_string(d, "actorTaskId");
                         run.status = json_string(d, "status");
                         run.default_dataset_id = json_string(d, "defaultDatasetId");
                         run.started_at = json_string(d, "startedAt");
                         run.finished_at = json_string(d, "finishedAt");
                         run.resurrect_count = json_int(d->getObject("stats"), "resurrectCount", 0);
                         return !run.id.empty();
                       });
}

Fetched<Actor> Client::get_actor(const std::string& id_or_name, const CancelFn& cancelled) {
  std::string id = id_or_name;
  if (const auto slash = id.find('/'); slash != std::string::npos && id.find('/', slash + 1) == std::string::npos &&
                                       slash > 0 && slash + 1 < id.size())
    id[slash] = '~';
  if (id.empty()) {
    Fetched<Actor> f;
    f.error = make_error(0, "invalid-argument", "empty actor id", false);
    return f;
  }
  return get_json<Actor>("/v2/acts/" + encode_component(id, true), cancelled, [](const std::string& body, Actor& act) {
    const auto d = data_of(body);
    if (!d) return false;
    act.id = json_string(d, "id");
    act.name = json_string(d, "name");
    act.username = json_string(d, "username");
    return !act.id.empty();
  });
}

}  // namespace sinkhub::apify
