// HTTP to the daemon on 127.0.0.1: well-formed requests through Poco's client, and a raw
// socket for what a well-behaved client would never send (malformed, slow, oversized).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <Poco/JSON/Object.h>

namespace sinkhub::testkit {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;  // 0: no response (connection failed, reset or timed out)
  std::string reason;
  Headers headers;
  std::string body;
  std::string error;  // why status is 0

  // Case-insensitive header lookup; empty if absent.
  std::string header(const std::string& name) const;
  bool has_header(const std::string& name) const;
  // The body parsed as a JSON object; null if it is not one.
  Poco::JSON::Object::Ptr json() const;
  // json()->getValue<std::string>(key), or "" if absent / not a string / not JSON.
  std::string json_string(const std::string& key) const;
};

// One request over a fresh HTTPClientSession to 127.0.0.1:port. `content_type` empty means
// no Content-Type header at all. Never throws: failures come back as status 0 with `error`.
HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& path,
                          const Headers& headers = {}, const std::string& body = {},
                          const std::string& content_type = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Parses "HTTP/1.1 NNN reason\r\nheaders\r\n\r\nbody" (body cut to Content-Length if given).
HttpResponse parse_http_response(const std::string& raw);

// Renders a raw HTTP/1.1 request. Content-Length is added from body.size() unless
// `content_length` is given (>= 0) or a Content-Length/Transfer-Encoding header is in `headers`.
std::string raw_request(const std::string& method, const std::string& path, const Headers& headers,
                        const std::string& body, long long content_length = -1);

// A plain TCP connection to 127.0.0.1:port with bounded connect/send/receive.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port, std::chrono::milliseconds connect_timeout = std::chrono::seconds(5));
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends everything (blocking up to `timeout`). False if the peer closed/reset or timeout.
  bool send_all(const std::string& data, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads until a complete HTTP response (headers + Content-Length body) has arrived, the
  // peer closes, or `timeout` passes. Returns whatever arrived.
  std::string read_response(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads until EOF/reset or `timeout`. Sets `eof` if the peer closed the connection.
  std::string read_until_close(std::chrono::milliseconds timeout, bool* eof = nullptr);
  // Sends `data` while watching for an early answer: stops sending as soon as the server
  // says something (e.g. a 413 before the body is read). Returns the bytes of the answer
  // (complete response or what arrived before close) and how many bytes were sent.
  std::string send_watching_for_reply(const std::string& data, std::size_t* sent,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void shutdown_write();
  void close();

 private:
  // Reads until done(what arrived) holds, EOF/reset (sets *eof when given) or `timeout`.
  std::string read_until(std::chrono::milliseconds timeout, const std::function<bool(const std::string&)>& done,
                         bool* eof);

  int fd_ = -1;
  std::string pending_;  // received but not yet returned
};

// True if `raw` holds a complete HTTP response (headers and Content-Length bytes of body).
bool response_complete(const std::string& raw);

}  // namespace sinkhub::testkit
