// The HTTP client plugins use through sinkhub_host.http_request: the one outbound exchange
// (net/exchange.hpp: TLS with the system CAs, proxies, keep-alive, streaming) under the ABI's
// rules: per-thread connection reuse, a total deadline (never past the calling deliver()'s),
// cancellation between chunks, redirects on request, results as SINKHUB_E_HTTP_* codes.
#include <Poco/Net/HTTPResponse.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>

#include "net/exchange.hpp"
#include "net/outbound.hpp"
#include "plugin/host.hpp"
#include "plugin/host_internal.hpp"
#include "util/clock.hpp"

namespace sinkhub::plugin {

namespace {

constexpr int64_t kDefaultTimeoutMs = 60000;
constexpr int64_t kDefaultConnectTimeoutMs = 10000;
constexpr uint64_t kDefaultMaxResponse = 16ull * 1024 * 1024;
constexpr int kMaxRedirects = 5;

struct HttpError {
  int32_t code;
  std::string message;
};

int32_t code_of(net::Failure f) {
  switch (f) {
    case net::Failure::Timeout: return SINKHUB_E_HTTP_TIMEOUT;
    case net::Failure::Resolve: return SINKHUB_E_HTTP_RESOLVE;
    case net::Failure::Connect: return SINKHUB_E_HTTP_CONNECT;
    case net::Failure::Tls: return SINKHUB_E_HTTP_TLS;
    case net::Failure::Cancelled: return SINKHUB_E_HTTP_CANCELLED;
    case net::Failure::Aborted: return SINKHUB_E_HTTP_ABORTED;
    case net::Failure::Io: break;
  }
  return SINKHUB_E_HTTP_IO;
}

// One connection per origin and thread: requests of one plugin call run on one thread, so
// this gives keep-alive without any locking.
net::Connection& connection_for(const Poco::URI& uri) {
  thread_local std::map<std::string, std::unique_ptr<net::Connection>> cache;
  const std::string key = uri.getScheme() + "://" + uri.getHost() + ":" + std::to_string(uri.getPort());
  auto& slot = cache[key];
  if (!slot) {
    if (cache.size() > 16) {  // a plugin talking to many hosts: start over rather than grow
      cache.clear();
      return connection_for(uri);
    }
    slot = std::make_unique<net::Connection>(uri.getScheme(), uri.getHost(), uri.getPort());
  }
  return *slot;
}

// The request's time limit: its own timeout_ms, never past the calling deliver()'s deadline.
struct Deadline {
  int64_t at;
  sinkhub_call* call;
  int64_t remaining() const { return at - util::steady_ms(); }
  void check() const {
    if (call && call->cancelled.load()) throw net::Error(net::Failure::Cancelled, "request cancelled");
    if (remaining() <= 0) throw net::Error(net::Failure::Timeout, "request deadline passed");
  }
  net::Timeouts timeouts(int64_t connect_ms) const {
    const int64_t left = std::max<int64_t>(remaining(), 1);
    return {std::chrono::milliseconds(std::min(connect_ms, left)), std::chrono::milliseconds(left)};
  }
};

Poco::URI parse_url(const sinkhub_str& url) {
  Poco::URI uri;
  try {
    uri = Poco::URI(std::string(url.ptr ? url.ptr : "", url.len));
  } catch (const Poco::Exception&) {
    throw HttpError{SINKHUB_E_HTTP_PROTOCOL, "malformed URL"};
  }
  if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty())
    throw HttpError{SINKHUB_E_HTTP_PROTOCOL, "URL must be absolute http:// or https://"};
  return uri;
}

std::string method_of(const sinkhub_http_request* req) {
  const std::string method(req->method.ptr ? req->method.ptr : "", req->method.len);
  static const char* allowed[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"};
  if (std::none_of(std::begin(allowed), std::end(allowed), [&](const char* m) { return method == m; }))
    throw HttpError{SINKHUB_E_INVALID, "unsupported method"};
  return method;
}

// The plugin's request in net terms (its headers checked).
net::Request request_of(const sinkhub_http_request* req, std::string method) {
  net::Request r;
  r.method = std::move(method);
  for (size_t i = 0; i < req->header_count; ++i) {
    const auto& h = req->headers[i];
    std::string name(h.name.ptr, h.name.len), value(h.value.ptr, h.value.len);
    if (name.empty() || name.find_first_of(":\r\n") != std::string::npos || value.find_first_of("\r\n") != std::string::npos)
      throw HttpError{SINKHUB_E_INVALID, "invalid request header"};
    r.headers.emplace_back(std::move(name), std::move(value));
  }
  if (req->body_read) {
    r.content_length = req->body_content_length;
    r.read_body = [req](char* buf, std::size_t cap, bool rewind) {
      const int64_t n = req->body_read(req->user, buf, cap, rewind ? 1 : 0);
      if (n < 0) throw net::Error(net::Failure::Aborted, "request body callback aborted");
      return static_cast<std::size_t>(n);
    };
  } else if (req->body_len) {
    r.body = std::string_view(req->body, req->body_len);
  }
  return r;
}

// Where a redirect leads, if the request follows redirects and this answer is one.
bool follow(const sinkhub_http_request* req, const Poco::Net::HTTPResponse& head, int hop, Poco::URI& uri) {
  const int status = static_cast<int>(head.getStatus());
  if (!(req->flags & SINKHUB_HTTP_FOLLOW_REDIRECTS) || status < 300 || status >= 400 || status == 304 ||
      !head.has("Location") || hop >= kMaxRedirects)
    return false;
  Poco::URI next(uri, head.get("Location"));
  if (next.getScheme() != uri.getScheme() && !(uri.getScheme() == "http" && next.getScheme() == "https"))
    throw HttpError{SINKHUB_E_HTTP_PROTOCOL, "redirect to another scheme refused"};
  uri = next;
  return true;
}

// A body cut short (the peer closed before Content-Length bytes came) is a lost connection,
// not an answer: half of a 400's error JSON read as a refusal dead-lettered two gsheets
// deliveries in soak run 7.
void check_length(const sinkhub_http_request* req, const Poco::Net::HTTPResponse& head, uint64_t got,
                  net::Connection& conn) {
  const Poco::Int64 length = head.getContentLength64();
  const int status = static_cast<int>(head.getStatus());
  if (length < 0 || head.getChunkedTransferEncoding() || method_of(req) == "HEAD" || status < 200 || status == 204 ||
      status == 304 || static_cast<uint64_t>(length) == got)
    return;
  conn.drop();
  throw HttpError{SINKHUB_E_HTTP_IO, "connection lost while reading the response: " + std::to_string(got) + " of " +
                                         std::to_string(length) + " bytes"};
}

// The answer into the plugin's response: status, Retry-After, headers, then the body to its
// callback or buffer, at most max_body bytes.
void receive(const sinkhub_http_request* req, sinkhub_http_response* resp, const Poco::Net::HTTPResponse& head,
             std::istream& in, net::Connection& conn, const Deadline& dl, uint64_t max_body) {
  resp->status = static_cast<int>(head.getStatus());
  resp->retry_after_ms = net::parse_retry_after(head.get("Retry-After", ""));
  if (resp->on_header)
    for (const auto& [name, value] : head)
      if (resp->on_header(req->user, name.data(), name.size(), value.data(), value.size()) != 0) {
        conn.drop();  // the body stays unread
        throw HttpError{SINKHUB_E_HTTP_ABORTED, "header callback aborted"};
      }
  HttpError stopped{SINKHUB_E_OK, ""};
  const bool whole = conn.read_body(
      in,
      [&](const char* data, std::size_t n) {
        resp->body_total += n;
        if (resp->body_total > max_body) {
          stopped = {SINKHUB_E_HTTP_TOO_LARGE, "response body above max_response_bytes"};
          return false;
        }
        if (resp->on_body) {
          if (resp->on_body(req->user, data, n) == 0) return true;
          stopped = {SINKHUB_E_HTTP_ABORTED, "body callback aborted"};
          return false;
        }
        if (resp->body_buf) {
          const size_t take = std::min(resp->body_cap - resp->body_len, n);
          std::memcpy(resp->body_buf + resp->body_len, data, take);
          resp->body_len += take;
          if (take < n) resp->flags |= SINKHUB_HTTP_RESP_TRUNCATED;
        }
        return true;
      },
      [&] { dl.check(); });
  if (!whole) throw stopped;
  check_length(req, head, resp->body_total, conn);
}

int32_t run(sinkhub_call* call, const sinkhub_http_request* req, sinkhub_http_response* resp) {
  Deadline dl{util::steady_ms() + (req->timeout_ms ? req->timeout_ms : kDefaultTimeoutMs), call};
  if (call && call->deadline_monotonic_ms < dl.at) dl.at = call->deadline_monotonic_ms;
  const int64_t connect_ms = req->connect_timeout_ms ? req->connect_timeout_ms : kDefaultConnectTimeoutMs;
  std::string method = method_of(req);
  Poco::URI uri = parse_url(req->url);
  net::Request r = request_of(req, std::move(method));
  for (int hop = 0;; ++hop) {
    dl.check();
    net::Connection& conn = connection_for(uri);
    r.target = uri.getPathAndQuery().empty() ? "/" : uri.getPathAndQuery();
    Poco::Net::HTTPResponse head;
    std::istream& in = conn.send(r, dl.timeouts(connect_ms), head, [&] { dl.check(); });
    bool redirect = false;
    try {
      redirect = follow(req, head, hop, uri);
    } catch (...) {
      conn.drop();  // the body stays unread
      throw;
    }
    if (!redirect) {
      receive(req, resp, head, in, conn, dl, req->max_response_bytes ? req->max_response_bytes : kDefaultMaxResponse);
      return SINKHUB_E_OK;
    }
    conn.read_body(in, [](const char*, std::size_t) { return true; }, [&] { dl.check(); });
    r.resend = true;
    if (head.getStatus() == Poco::Net::HTTPResponse::HTTP_SEE_OTHER) {  // 303: GET the new location
      r.method = "GET";
      r.body = {};
      r.read_body = nullptr;
    }
  }
}

}  // namespace

int32_t http_request(sinkhub_host_instance* hi, sinkhub_call* call, const sinkhub_http_request* req,
                     sinkhub_http_response* resp) {
  if (!req || !resp || req->struct_size < SINKHUB_END_OF(sinkhub_http_request, max_response_bytes) ||
      resp->struct_size < SINKHUB_END_OF(sinkhub_http_response, error_message_cap))
    return SINKHUB_E_INVALID;
  if (hi && (!hi->alive.load() || hi->creating.load())) return SINKHUB_E_STATE;  // create() must not touch the network
  resp->status = 0;
  resp->body_len = 0;
  resp->body_total = 0;
  resp->retry_after_ms = -1;
  resp->flags = 0;
  auto fail = [&](int32_t code, const std::string& msg) {
    if (resp->error_message && resp->error_message_cap) {
      const size_t n = std::min(msg.size(), resp->error_message_cap - 1);
      std::memcpy(resp->error_message, msg.data(), n);
      resp->error_message[n] = '\0';
    }
    return code;
  };
  try {
    return run(call, req, resp);
  } catch (const HttpError& e) {
    return fail(e.code, e.message);
  } catch (const net::Error& e) {
    return fail(code_of(e.failure()), e.what());
  } catch (const std::exception& e) {
    const net::Error classified = net::classify(e);
    return fail(code_of(classified.failure()), classified.what());
  }
}

}  // namespace sinkhub::plugin
