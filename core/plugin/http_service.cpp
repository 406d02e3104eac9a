// The HTTP client plugins use through sinkhub_host.http_request: Poco's HTTP(S) sessions
// with system CAs, proxies from the standard environment variables, per-thread connection
// reuse, a total deadline (never past the calling deliver()'s), and cancellation between
// chunks.
#include <Poco/Net/AcceptCertificateHandler.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <memory>

#include "plugin/host.hpp"
#include "net/outbound.hpp"
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

// One reusable session per (scheme, host, port) and thread: requests of one plugin call run
// on one thread, so this gives keep-alive without any locking.
Poco::Net::HTTPClientSession& session_for(const Poco::URI& uri) {
  thread_local std::map<std::string, std::unique_ptr<Poco::Net::HTTPClientSession>> cache;
  const std::string key = uri.getScheme() + "://" + uri.getHost() + ":" + std::to_string(uri.getPort());
  auto& slot = cache[key];
  if (!slot) {
    if (cache.size() > 16) {  // a plugin talking to many hosts: start over rather than grow
      cache.clear();
      return session_for(uri);
    }
    slot = net::open_session(uri.getScheme(), uri.getHost(), uri.getPort());
  }
  return *slot;
}

void drop_session(const Poco::URI& uri) {
  try {
    session_for(uri).reset();
  } catch (...) {
  }
}

struct Deadline {
  int64_t at;
  sinkhub_call* call;
  int64_t remaining() const { return at - util::steady_ms(); }
  void check() const {
    if (call && call->cancelled.load()) throw HttpError{SINKHUB_E_HTTP_CANCELLED, "request cancelled"};
    if (remaining() <= 0) throw HttpError{SINKHUB_E_HTTP_TIMEOUT, "request deadline passed"};
  }
};

void send_request(Poco::Net::HTTPClientSession& s, Poco::Net::HTTPRequest& r, const sinkhub_http_request* req,
                  bool with_body, bool rewind, const Deadline& dl) {
  if (!with_body) {
    s.sendRequest(r);
    return;
  }
  if (req->body_read) {
    if (req->body_content_length >= 0)
      r.setContentLength64(req->body_content_length);
    else
      r.setChunkedTransferEncoding(true);
    std::ostream& out = s.sendRequest(r);
    char buf[65536];
    for (bool first = true;; first = false) {
      dl.check();
      const int64_t n = req->body_read(req->user, buf, sizeof buf, (first && rewind) ? 1 : 0);
      if (n < 0) throw HttpError{SINKHUB_E_HTTP_ABORTED, "request body callback aborted"};
      if (n == 0) break;
      out.write(buf, std::min<int64_t>(n, sizeof buf));
      if (!out) throw HttpError{SINKHUB_E_HTTP_IO, "connection lost while sending the body"};
    }
    return;
  }
  r.setContentLength64(static_cast<Poco::Int64>(req->body_len));
  std::ostream& out = s.sendRequest(r);
  if (req->body_len) out.write(req->body, static_cast<std::streamsize>(req->body_len));
  if (!out) throw HttpError{SINKHUB_E_HTTP_IO, "connection lost while sending the body"};
}

int32_t run(sinkhub_call* call, const sinkhub_http_request* req, sinkhub_http_response* resp) {
  const int64_t timeout = req->timeout_ms ? req->timeout_ms : kDefaultTimeoutMs;
  Deadline dl{util::steady_ms() + timeout, call};
  if (call && call->deadline_monotonic_ms < dl.at) dl.at = call->deadline_monotonic_ms;
  const int64_t connect_timeout = req->connect_timeout_ms ? req->connect_timeout_ms : kDefaultConnectTimeoutMs;
  const uint64_t max_body = req->max_response_bytes ? req->max_response_bytes : kDefaultMaxResponse;

  std::string method(req->method.ptr ? req->method.ptr : "", req->method.len);
  static const char* allowed[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"};
  if (std::none_of(std::begin(allowed), std::end(allowed), [&](const char* m) { return method == m; }))
    throw HttpError{SINKHUB_E_INVALID, "unsupported method"};
  Poco::URI uri;
  try {
    uri = Poco::URI(std::string(req->url.ptr ? req->url.ptr : "", req->url.len));
  } catch (const Poco::Exception&) {
    throw HttpError{SINKHUB_E_HTTP_PROTOCOL, "malformed URL"};
  }
  if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty())
    throw HttpError{SINKHUB_E_HTTP_PROTOCOL, "URL must be absolute http:// or https://"};

  bool with_body = req->body_read || req->body_len;
  bool retried_stale = false;
  for (int hop = 0;; ++hop) {
    dl.check();
    auto& s = session_for(uri);
    const auto left = Poco::Timespan(std::max<int64_t>(dl.remaining(), 1) * 1000);
    s.setTimeout(Poco::Timespan(std::min(connect_timeout, std::max<int64_t>(dl.remaining(), 1)) * 1000), left, left);
    Poco::Net::HTTPRequest r(method, uri.getPathAndQuery().empty() ? "/" : uri.getPathAndQuery(),
                             Poco::Net::HTTPMessage::HTTP_1_1);
    for (size_t i = 0; i < req->header_count; ++i) {
      const auto& h = req->headers[i];
      const std::string name(h.name.ptr, h.name.len), value(h.value.ptr, h.value.len);
      if (name.empty() || name.find_first_of(":\r\n") != std::string::npos || value.find_first_of("\r\n") != std::string::npos)
        throw HttpError{SINKHUB_E_INVALID, "invalid request header"};
      r.add(name, value);
    }
    if (!r.has("User-Agent")) r.set("User-Agent", std::string("sinkhub/") + SINKHUB_VERSION);
    Poco::Net::HTTPResponse response;
    std::istream* in = nullptr;
    const bool reused = s.connected();
    try {
      send_request(s, r, req, with_body, hop > 0 || retried_stale, dl);
      in = &s.receiveResponse(response);
    } catch (const HttpError&) {
      drop_session(uri);
      throw;
    } catch (const Poco::Exception&) {
      drop_session(uri);
      // A kept-alive connection the server has closed meanwhile fails before any response
      // byte: try once more on a fresh connection.
      if (!reused || retried_stale) throw;
      retried_stale = true;
      --hop;
      continue;
    }
    const int status = static_cast<int>(response.getStatus());
    const bool redirect = (req->flags & SINKHUB_HTTP_FOLLOW_REDIRECTS) && status >= 300 && status < 400 && status != 304 &&
                          response.has("Location") && hop < kMaxRedirects;
    if (redirect) {
      Poco::URI next(uri, response.get("Location"));
      in->ignore(std::numeric_limits<std::streamsize>::max());
      if (next.getScheme() != uri.getScheme() && !(uri.getScheme() == "http" && next.getScheme() == "https"))
        throw HttpError{SINKHUB_E_HTTP_PROTOCOL, "redirect to another scheme refused"};
      if (status == 303) {
        method = "GET";
        with_body = false;
      }
      uri = next;
      continue;
    }
    resp->status = status;
    resp->retry_after_ms = net::parse_retry_after(response.get("Retry-After", ""));
    if (resp->on_header)
      for (const auto& [name, value] : response)
        if (resp->on_header(req->user, name.data(), name.size(), value.data(), value.size()) != 0)
          throw HttpError{SINKHUB_E_HTTP_ABORTED, "header callback aborted"};
    char buf[65536];
    while (true) {
      dl.check();
      in->read(buf, sizeof buf);
      const auto n = static_cast<size_t>(in->gcount());
      if (n == 0) break;
      resp->body_total += n;
      if (resp->body_total > max_body) {
        drop_session(uri);
        throw HttpError{SINKHUB_E_HTTP_TOO_LARGE, "response body above max_response_bytes"};
      }
      if (resp->on_body) {
        if (resp->on_body(req->user, buf, n) != 0) {
          drop_session(uri);
          throw HttpError{SINKHUB_E_HTTP_ABORTED, "body callback aborted"};
        }
      } else if (resp->body_buf) {
        const size_t room = resp->body_cap - resp->body_len, take = std::min(room, n);
        std::memcpy(resp->body_buf + resp->body_len, buf, take);
        resp->body_len += take;
        if (take < n) resp->flags |= SINKHUB_HTTP_RESP_TRUNCATED;
      }
      if (n < sizeof buf && in->eof()) break;
    }
    if (in->bad()) {
      drop_session(uri);
      throw HttpError{SINKHUB_E_HTTP_IO, "connection lost while reading the response"};
    }
    return SINKHUB_E_OK;
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
  } catch (const Poco::TimeoutException& e) {
    return fail(SINKHUB_E_HTTP_TIMEOUT, "timeout: " + e.displayText());
  } catch (const Poco::Net::HostNotFoundException& e) {
    return fail(SINKHUB_E_HTTP_RESOLVE, e.displayText());
  } catch (const Poco::Net::NoAddressFoundException& e) {
    return fail(SINKHUB_E_HTTP_RESOLVE, e.displayText());
  } catch (const Poco::Net::ConnectionRefusedException& e) {
    return fail(SINKHUB_E_HTTP_CONNECT, e.displayText());
  } catch (const Poco::Net::SSLException& e) {
    return fail(SINKHUB_E_HTTP_TLS, e.displayText());
  } catch (const Poco::Net::NetException& e) {
    return fail(SINKHUB_E_HTTP_IO, e.displayText());
  } catch (const Poco::Exception& e) {
    return fail(SINKHUB_E_HTTP_IO, e.displayText());
  } catch (const std::exception& e) {
    return fail(SINKHUB_E_HTTP_IO, e.what());
  }
}

}  // namespace sinkhub::plugin
