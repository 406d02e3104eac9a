// One outbound HTTP(S) exchange, for everything sinkhub sends out: the Apify client and the
// plugins' HTTP service. Here, once: the connection (TLS with the system CAs, proxies from the
// environment: outbound.hpp), keep-alive with one retry on a connection the server closed
// meanwhile, per-phase timeouts, the request body from memory or streamed from a callback,
// the response body streamed in chunks, and cancellation between every chunk sent or
// received. What an answer means (retry, redirect, parse) is the caller's.
#pragma once

#include <Poco/Net/HTTPResponse.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace Poco::Net {
class HTTPClientSession;
}

namespace sinkhub::net {

// Why an exchange failed.
enum class Failure {
  Timeout,    // connect, send or receive took longer than allowed (or a deadline passed)
  Resolve,    // the host name does not resolve
  Connect,    // the connection was refused
  Tls,        // handshake or certificate
  Io,         // the connection broke, or anything else on the way
  Cancelled,  // the caller gave up (shutdown, cancelled call)
  Aborted     // a caller's callback refused to go on
};

class Error : public std::runtime_error {
 public:
  Error(Failure failure, const std::string& message) : std::runtime_error(message), failure_(failure) {}
  Failure failure() const { return failure_; }

 private:
  Failure failure_;
};

// The Failure an exception of Poco's (or any other) stands for, with its message; a timeout's
// starts with "timeout: ".
Error classify(const std::exception& e);

// Called before every chunk sent or read: throws net::Error (Cancelled, Timeout) to abandon
// the exchange. May be empty.
using Check = std::function<void()>;

struct Request {
  std::string method = "GET";
  std::string target = "/";  // path and query
  std::vector<std::pair<std::string, std::string>> headers;  // a User-Agent is added if absent
  // The body: `body`, or, when set, what `read_body` yields (chunks into buf, 0 at the end;
  // `rewind`: start over, the body is being sent again). No body when both are empty.
  std::string_view body;
  std::function<std::size_t(char* buf, std::size_t cap, bool rewind)> read_body;
  std::int64_t content_length = -1;  // with read_body: sent as Content-Length, -1 = chunked
  bool resend = false;               // the body went out before (a redirect): rewind first
};

struct Timeouts {
  std::chrono::milliseconds connect{10000};  // connect and TLS handshake
  std::chrono::milliseconds io{60000};       // send, and receive: the longest wait for a byte
};

// A keep-alive connection to one origin, used by one thread at a time; opened on first use
// and again after drop().
class Connection {
 public:
  Connection(std::string scheme, std::string host, std::uint16_t port);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends the request and reads the response head into `head`; returns the body's stream,
  // to be read with read_body() before the next send(). A kept-alive connection the server
  // closed meanwhile fails before any response byte: sent once more on a fresh connection,
  // not counted as a failure. Throws net::Error (the connection is dropped).
  std::istream& send(const Request& request, const Timeouts& timeouts, Poco::Net::HTTPResponse& head,
                     const Check& check = {});

  // Reads the response body to its end in chunks of up to 64 KiB. `chunk` returns false to
  // stop reading: then read_body returns false and the connection is dropped (its unread
  // rest is unusable). Throws net::Error when the connection breaks or `check` throws.
  bool read_body(std::istream& in, const std::function<bool(const char* data, std::size_t n)>& chunk,
                 const Check& check = {});

  // Closes the connection; the next send() opens a new one.
  void drop();

 private:
  Poco::Net::HTTPClientSession& session(const Timeouts& timeouts);
  void write_body(std::ostream& out, const Request& request, bool rewind, const Check& check);

  std::string scheme_, host_;
  std::uint16_t port_;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

}  // namespace sinkhub::net
