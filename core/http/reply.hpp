// An HTTP answer as the handlers produce it, independent of the transport that sends it.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sinkhub::http {

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones (Allow, Retry-After)
  bool close = false;   // Connection: close after this answer
  // Answered before the request body was read: after the answer the write side is shut and
  // what the client still sends is discarded for a short while, so it reads the answer
  // instead of a connection reset ("lingering close"). Implies close.
  bool linger = false;
};

// {"error": message} or {"error": message, "field": field}, strings JSON-escaped: the body of
// every error answer.
std::string error_body(const std::string& message, const std::string& field = {});

// A small JSON answer.
Reply json_reply(int status, std::string body);
// {"error": message} (message JSON-escaped).
Reply error_reply(int status, const std::string& message);
// An error answered before the body was read, closing with a lingering close.
Reply reject_reply(int status, const std::string& message);

// The standard reason phrase of a status code (Poco's table, as Poco's server sent them).
const std::string& reason_phrase(int status);

// Appends `r` as an HTTP/1.1 response to `out`: status line, `date_line` (a whole
// "Date: ...\r\n" line, or empty), Server, Content-Type, Content-Length, r.headers, then
// "Connection: <connection>" unless `connection` is empty, and the body unless `head_only`.
void append_response(std::string& out, const Reply& r, const std::string& date_line, const char* connection,
                     bool head_only);

}  // namespace sinkhub::http
