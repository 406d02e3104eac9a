// A small strict HTTP/1.x request parser for the event-driven listener: the request head
// (request line + header block) and chunked bodies, both fed from a buffer that grows as
// bytes arrive. Strict on purpose: whatever two HTTP implementations could read differently
// (request smuggling) is refused rather than guessed at.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sinkhub::http {

struct HeadLimits {
  std::size_t max_request_line = 8192;   // longer: 414
  std::size_t max_head_bytes = 16384;    // request line + headers; longer: 431
  std::size_t max_header_count = 100;    // more: 431
};

struct RequestHead {
  std::string method;
  std::string target;  // as sent (path and query)
  int minor_version = 1;  // HTTP/1.<minor>: 0 or 1
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent, values trimmed

  // Framing, derived from the headers.
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = true;        // after this request (HTTP/1.1 default, Connection: close/keep-alive)
  bool expect_continue = false;  // Expect: 100-continue

  bool has_body() const { return chunked || (content_length && *content_length > 0); }
  std::string path() const { return target.substr(0, target.find('?')); }
  // The first header of that name (case-insensitive), or nullptr.
  const std::string* find(std::string_view name) const;
  const std::string& get(std::string_view name) const;  // "" if absent
};

struct ParseError {
  int status = 400;  // 400, 414, 417, 431, 501 or 505
  std::string message;
};

enum class ParseStatus { Incomplete, Done, Error };

// Parses the head at the start of `data`. `scanned` carries how far earlier calls on the same
// (growing) data looked for the end of the head, so a client trickling bytes costs linear
// time; start it at 0. Done: `head` is filled and `consumed` is the length of the head with
// its blank line (leading empty lines, tolerated per RFC 9112 2.2, included).
ParseStatus parse_head(std::string_view data, const HeadLimits& limits, std::size_t& scanned, RequestHead& head,
                       std::size_t& consumed, ParseError& error);

// Decodes a chunked body as its bytes arrive; trailer fields are read and dropped.
class ChunkedDecoder {
 public:
  enum class Status { NeedMore, Done, TooLarge, Error };
  explicit ChunkedDecoder(std::size_t max_body = SIZE_MAX) : max_body_(max_body) {}
  // Consumes what it can of `in` (sets `consumed`), appending payload to `body`.
  Status feed(std::string_view in, std::size_t& consumed, std::string& body);
  const std::string& error() const { return error_; }

 private:
  enum class State { Size, Data, DataEnd, Trailer, Done };
  Status fail(std::string message) {
    error_ = std::move(message);
    return Status::Error;
  }
  bool refuse(std::string message) {
    error_ = std::move(message);
    return false;
  }
  Status take_line(std::string_view in, std::size_t& pos, std::size_t max_line, std::string_view& line);
  bool parse_size_line(std::string_view line, std::uint64_t& size);

  State state_ = State::Size;
  std::size_t line_checked_ = 0;  // bytes of the framing line being read, checked already
  std::uint64_t remaining_ = 0;
  std::size_t max_body_;
  std::size_t trailer_bytes_ = 0;
  std::string error_;
};

}  // namespace sinkhub::http
