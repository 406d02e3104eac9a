#include "net/exchange.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>

#include <algorithm>

#include "net/outbound.hpp"

namespace sinkhub::net {

namespace {

// Methods a server may see twice without harm (RFC 9110 §9.2.2).
bool idempotent(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" || method == "OPTIONS";
}

// An idle kept-alive connection that is readable has been closed by the server (or holds
// bytes nobody asked for): either way it must not carry the next request.
bool closed_while_idle(Poco::Net::HTTPClientSession& s) {
  try {
    return s.socket().poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR);
  } catch (const std::exception&) {
    return true;
  }
}

constexpr std::size_t kChunk = 65536;

Poco::Timespan span(std::chrono::milliseconds ms) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(std::max<std::int64_t>(ms.count(), 1)) * 1000);
}

}  // namespace

Error classify(const std::exception& e) {
  if (const auto* n = dynamic_cast<const Error*>(&e)) return *n;
  const auto* p = dynamic_cast<const Poco::Exception*>(&e);
  if (!p) return Error(Failure::Io, e.what());
  const std::string text = p->displayText();
  if (dynamic_cast<const Poco::TimeoutException*>(p)) return Error(Failure::Timeout, "timeout: " + text);
  if (dynamic_cast<const Poco::Net::HostNotFoundException*>(p) || dynamic_cast<const Poco::Net::NoAddressFoundException*>(p))
    return Error(Failure::Resolve, text);
  if (dynamic_cast<const Poco::Net::ConnectionRefusedException*>(p)) return Error(Failure::Connect, text);
  if (dynamic_cast<const Poco::Net::SSLException*>(p)) return Error(Failure::Tls, text);
  return Error(Failure::Io, text);
}

Connection::Connection(std::string scheme, std::string host, std::uint16_t port)
    : scheme_(std::move(scheme)), host_(std::move(host)), port_(port) {}

Connection::~Connection() = default;

Poco::Net::HTTPClientSession& Connection::session(const Timeouts& t) {
  if (!session_) session_ = open_session(scheme_, host_, port_);
  session_->setTimeout(span(t.connect), span(t.io), span(t.io));
  return *session_;
}

void Connection::drop() {
  if (!session_) return;
  try {
    session_->reset();
  } catch (...) {
  }
  session_.reset();
}

std::istream& Connection::send(const Request& req, const Timeouts& timeouts, Poco::Net::HTTPResponse& head,
                               const Check& check) {
  for (bool retried_stale = false;;) {
    if (check) check();
    if (session_ && session_->connected() && closed_while_idle(*session_)) drop();
    Poco::Net::HTTPClientSession& s = session(timeouts);
    const bool reused = s.connected();
    bool sent = false;
    Poco::Net::HTTPRequest r(req.method, req.target, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : req.headers) r.add(name, value);
    if (!r.has("User-Agent")) r.set("User-Agent", std::string("sinkhub/") + SINKHUB_VERSION);
    head = Poco::Net::HTTPResponse();
    try {
      const bool with_body = req.read_body || !req.body.empty();
      if (!with_body) {
        s.sendRequest(r);
      } else {
        if (req.read_body && req.content_length < 0) r.setChunkedTransferEncoding(true);
        else r.setContentLength64(req.read_body ? req.content_length : static_cast<Poco::Int64>(req.body.size()));
        write_body(s.sendRequest(r), req, req.resend || retried_stale, check);
      }
      sent = true;
      return s.receiveResponse(head);
    } catch (const Error&) {
      drop();
      throw;
    } catch (const Poco::TimeoutException& e) {
      drop();
      throw classify(e);
    } catch (const std::exception& e) {
      drop();
      // A kept-alive connection the server closed meanwhile fails before any response byte:
      // send again, unless the request went out whole and is not idempotent. Then the server
      // may have acted on it (a write applied, then the connection lost): only the caller can
      // tell, so it gets the error (a POST is never sent twice behind its back).
      if (reused && !retried_stale && (!sent || idempotent(req.method))) {
        retried_stale = true;
        continue;
      }
      throw classify(e);
    }
  }
}

void Connection::write_body(std::ostream& out, const Request& req, bool rewind, const Check& check) {
  if (!req.read_body) {
    out.write(req.body.data(), static_cast<std::streamsize>(req.body.size()));
  } else {
    char buf[kChunk];
    for (bool first = true;; first = false) {
      if (check) check();
      const std::size_t n = req.read_body(buf, sizeof buf, first && rewind);
      if (n == 0) break;
      out.write(buf, static_cast<std::streamsize>(std::min(n, sizeof buf)));
      if (!out) break;
    }
  }
  if (!out) throw Error(Failure::Io, "connection lost while sending the body");
}

bool Connection::read_body(std::istream& in, const std::function<bool(const char*, std::size_t)>& chunk,
                           const Check& check) {
  char buf[kChunk];
  try {
    for (;;) {
      if (check) check();
      in.read(buf, sizeof buf);
      const auto n = static_cast<std::size_t>(in.gcount());
      if (n == 0) break;
      if (!chunk(buf, n)) {
        drop();
        return false;
      }
      if (n < sizeof buf && in.eof()) break;
    }
  } catch (const Error&) {
    drop();
    throw;
  } catch (const std::exception& e) {
    drop();
    const Error cause = classify(e);
    throw Error(cause.failure(), std::string("connection lost while reading the response: ") + cause.what());
  }
  if (in.bad()) {
    drop();
    throw Error(Failure::Io, "connection lost while reading the response");
  }
  return true;
}

}  // namespace sinkhub::net
