#include "http/request_parser.hpp"

#include <algorithm>
#include <cstring>

namespace sinkhub::http {

namespace {

constexpr std::size_t kMaxChunkLine = 1024;     // size line with extensions
constexpr std::size_t kMaxTrailerBytes = 16384;

bool is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != 0;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(token) for each comma-separated, trimmed, non-empty element of a list header.
template <typename Fn>
void each_element(std::string_view v, Fn fn) {
  while (!v.empty()) {
    const auto comma = v.find(',');
    const auto item = trim_ows(v.substr(0, comma));
    if (!item.empty()) fn(item);
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
}

// 1*DIGIT without sign, whitespace or overflow.
bool parse_length(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;  // 19 digits always fit in 64 bits
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = v;
  return true;
}

// A control character other than HTAB (field values, RFC 9110 5.5).
bool has_control(std::string_view v) {
  for (unsigned char c : v)
    if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
  return false;
}

// A trailer field line: a token, a colon, a value without control characters.
bool valid_field_line(std::string_view line) {
  const auto colon = line.find(':');
  return colon != std::string_view::npos && is_token(line.substr(0, colon)) && !has_control(line.substr(colon + 1));
}

// Consumes the quoted-string (RFC 9110 5.6.4) at the start of `s`; false if malformed.
bool skip_quoted_string(std::string_view& s) {
  for (std::size_t i = 1; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"') {
      s.remove_prefix(i + 1);
      return true;
    }
    if (c == '\\' && ++i == s.size()) return false;
    const unsigned char q = static_cast<unsigned char>(s[i]);
    if ((q < 0x20 && q != '\t') || q == 0x7f) return false;
  }
  return false;
}

ParseStatus fail(ParseError& error, int status, std::string message) {
  error.status = status;
  error.message = std::move(message);
  return ParseStatus::Error;
}

ParseStatus parse_request_line(std::string_view line, RequestHead& head, ParseError& error) {
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return fail(error, 400, "malformed request line");
  const auto method = line.substr(0, sp1);
  const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto version = line.substr(sp2 + 1);
  if (!is_token(method)) return fail(error, 400, "malformed request method");
  if (target.empty()) return fail(error, 400, "empty request target");
  for (unsigned char c : target)
    if (c <= 0x20 || c == 0x7f) return fail(error, 400, "invalid character in request target");
  if (version.size() != 8 || version.compare(0, 5, "HTTP/") != 0 || version[6] != '.' || version[5] < '0' ||
      version[5] > '9' || version[7] < '0' || version[7] > '9')
    return fail(error, 400, "malformed HTTP version");
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1'))
    return fail(error, 505, "HTTP version not supported");
  head.method.assign(method);
  head.target.assign(target);
  head.minor_version = version[7] - '0';
  return ParseStatus::Done;
}

// Derives framing and connection handling from the header fields.
ParseStatus interpret(RequestHead& head, ParseError& error) {
  bool has_te = false, has_host = false, close = false, keep_alive = false;
  for (const auto& [name, value] : head.headers) {
    if (iequals(name, "Content-Length")) {
      // A list of identical values is one length (RFC 9110 8.6); anything else is ambiguous.
      bool ok = true;
      std::size_t n = 0;
      each_element(value, [&](std::string_view v) {
        std::uint64_t len = 0;
        ++n;
        if (!parse_length(v, len) || (head.content_length && *head.content_length != len)) ok = false;
        else head.content_length = len;
      });
      if (!ok || n == 0) return fail(error, 400, "invalid or conflicting Content-Length");
    } else if (iequals(name, "Transfer-Encoding")) {
      if (has_te) return fail(error, 400, "repeated Transfer-Encoding");
      has_te = true;
      if (!iequals(trim_ows(value), "chunked")) return fail(error, 501, "only Transfer-Encoding: chunked is supported");
      head.chunked = true;
    } else if (iequals(name, "Host")) {
      if (has_host) return fail(error, 400, "repeated Host header");
      has_host = true;
    } else if (iequals(name, "Connection")) {
      each_element(value, [&](std::string_view v) {
        if (iequals(v, "close")) close = true;
        if (iequals(v, "keep-alive")) keep_alive = true;
      });
    } else if (iequals(name, "Expect")) {
      if (!iequals(trim_ows(value), "100-continue")) return fail(error, 417, "unsupported expectation");
      head.expect_continue = true;
    }
  }
  if (has_te && head.content_length) return fail(error, 400, "both Content-Length and Transfer-Encoding");
  if (has_te && head.minor_version == 0) return fail(error, 400, "Transfer-Encoding in an HTTP/1.0 request");
  if (head.minor_version == 1 && !has_host) return fail(error, 400, "missing Host header");  // RFC 9112 3.2
  if (head.minor_version == 0) head.expect_continue = false;  // only HTTP/1.1 clients wait for 100
  head.keep_alive = !close && (head.minor_version == 1 || keep_alive);
  return ParseStatus::Done;
}

// Looks at the bytes of the head not seen before, in order, and stops at the first that
// makes the head invalid (or at its blank line). Every limit is checked at the byte that
// breaks it, so the answer does not depend on how TCP cut the bytes: a request line of exactly
// max_request_line bytes is fine whether its CR and LF arrive together or apart.
// Sets `end` (the offset of the CRLFCRLF) when the head is complete.
ParseStatus scan_head(std::string_view data, std::size_t start, const HeadLimits& limits, std::size_t& scanned,
                      std::size_t& end, ParseError& error) {
  std::size_t i = std::max(start, scanned);
  for (; i < data.size(); ++i) {
    if (i - start >= limits.max_head_bytes) return fail(error, 431, "request header fields too large");
    const char c = data[i];
    if (c == '\0') return fail(error, 400, "NUL byte in request head");
    if (c == '\n') {
      if (i == start || data[i - 1] != '\r') return fail(error, 400, "bare LF in request head");
      if (i >= start + 3 && data.compare(i - 3, 4, "\r\n\r\n") == 0) {
        end = i - 3;
        scanned = i + 1;
        return ParseStatus::Done;
      }
    }
    // The byte after max_request_line bytes of request line must be its CRLF.
    if (i - start == limits.max_request_line && data.substr(start, i + 2 - start).find("\r\n") == std::string_view::npos) {
      if (c == '\r' && i + 1 == data.size()) break;  // its LF may come next
      return fail(error, 414, "request line too long");
    }
  }
  scanned = i;
  return ParseStatus::Incomplete;
}

}  // namespace

const std::string* RequestHead::find(std::string_view name) const {
  for (const auto& h : headers)
    if (iequals(h.first, name)) return &h.second;
  return nullptr;
}

const std::string& RequestHead::get(std::string_view name) const {
  static const std::string empty;
  const std::string* v = find(name);
  return v ? *v : empty;
}

ParseStatus parse_head(std::string_view data, const HeadLimits& limits, std::size_t& scanned, RequestHead& head,
                       std::size_t& consumed, ParseError& error) {
  // Leading empty lines are skipped (a client may send CRLF after a previous body).
  std::size_t start = 0;
  while (start + 1 < data.size() && data[start] == '\r' && data[start + 1] == '\n') start += 2;
  if (start >= 64) return fail(error, 400, "too many empty lines before the request");
  if (start < data.size() && data[start] == '\r' && start + 1 == data.size()) return ParseStatus::Incomplete;

  std::size_t end = 0;
  const auto scan = scan_head(data, start, limits, scanned, end, error);
  if (scan != ParseStatus::Done) return scan;

  head = RequestHead{};
  const std::string_view block = data.substr(start, end + 2 - start);  // every line with its CRLF
  std::size_t pos = 0;
  bool first = true;
  while (pos < block.size()) {
    const auto eol = block.find("\r\n", pos);
    const std::string_view line = block.substr(pos, eol - pos);
    pos = eol + 2;
    if (line.find('\r') != std::string_view::npos) return fail(error, 400, "bare CR in request head");
    if (first) {
      first = false;
      if (parse_request_line(line, head, error) == ParseStatus::Error) return ParseStatus::Error;
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') return fail(error, 400, "obsolete header line folding");
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return fail(error, 400, "header line without a colon");
    const auto name = line.substr(0, colon);
    if (!is_token(name)) return fail(error, 400, "malformed header name");
    const auto value = trim_ows(line.substr(colon + 1));
    if (has_control(value)) return fail(error, 400, "control character in header value");
    if (head.headers.size() >= limits.max_header_count) return fail(error, 431, "too many header fields");
    head.headers.emplace_back(std::string(name), std::string(value));
  }
  if (interpret(head, error) == ParseStatus::Error) return ParseStatus::Error;
  consumed = end + 4;
  return ParseStatus::Done;
}

// Reads one CRLF-terminated framing line at `pos`, checking each byte in order so the verdict
// does not depend on where the input was cut: `line_checked_` bytes of it were checked by an
// earlier call. NeedMore leaves `pos` alone.
ChunkedDecoder::Status ChunkedDecoder::take_line(std::string_view in, std::size_t& pos, std::size_t max_line,
                                                 std::string_view& line) {
  for (std::size_t j = pos + line_checked_; j < in.size(); ++j) {
    const char c = in[j];
    if (c == '\r') {
      if (j + 1 == in.size()) {
        line_checked_ = j - pos;
        return Status::NeedMore;
      }
      if (in[j + 1] != '\n') return fail("bare CR in chunk framing");
      line = in.substr(pos, j - pos);
      pos = j + 2;
      line_checked_ = 0;
      return Status::Done;
    }
    if (c == '\n') return fail("bare LF in chunk framing");
    if (c == '\0') return fail("NUL byte in chunk framing");
    if (j - pos >= max_line) return fail("chunk framing line too long");
  }
  line_checked_ = in.size() - pos;
  return Status::NeedMore;
}

// chunk-size [ chunk-ext ] (RFC 9112 7.1): 1*HEXDIG, then *( BWS ";" BWS token [ BWS "=" BWS
// ( token / quoted-string ) ] ). The extensions are checked, then ignored.
bool ChunkedDecoder::parse_size_line(std::string_view line, std::uint64_t& size) {
  std::size_t i = 0;
  size = 0;
  for (; i < line.size(); ++i) {
    const char c = line[i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') d = (c | 0x20) - 'a' + 10;
    else break;
    if (size >> 60) return refuse("chunk size overflows");
    size = size * 16 + static_cast<std::uint64_t>(d);
  }
  if (i == 0) return refuse("malformed chunk size");
  std::string_view rest = line.substr(i);
  auto bws = [&] { while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1); };
  auto token = [&] {
    std::size_t n = 0;
    while (n < rest.size() && is_tchar(static_cast<unsigned char>(rest[n]))) ++n;
    rest.remove_prefix(n);
    return n > 0;
  };
  while (!rest.empty()) {
    bws();
    if (rest.empty() || rest.front() != ';') return refuse("malformed chunk size or extension");
    rest.remove_prefix(1);
    bws();
    if (!token()) return refuse("malformed chunk extension name");
    bws();
    if (rest.empty() || rest.front() != '=') continue;
    rest.remove_prefix(1);
    bws();
    if (!rest.empty() && rest.front() == '"') {
      if (!skip_quoted_string(rest)) return refuse("malformed chunk extension value");
    } else if (!token()) {
      return refuse("malformed chunk extension value");
    }
  }
  return true;
}

ChunkedDecoder::Status ChunkedDecoder::feed(std::string_view in, std::size_t& consumed, std::string& body) {
  std::size_t pos = 0;
  consumed = 0;
  while (state_ != State::Done) {
    if (state_ == State::Data) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size() - pos));
      body.append(in.data() + pos, n);
      pos += n;
      remaining_ -= n;
      if (remaining_ > 0) break;
      state_ = State::DataEnd;
      continue;
    }
    // Every other state reads one CRLF-terminated line.
    // A trailer line must leave room for its CRLF within the trailer's bound.
    const std::size_t max_line = state_ != State::Trailer         ? kMaxChunkLine
                                 : trailer_bytes_ + 2 > kMaxTrailerBytes ? 0
                                                                         : kMaxTrailerBytes - 2 - trailer_bytes_;
    std::string_view line;
    const Status got = take_line(in, pos, max_line, line);
    if (got == Status::Error) return got;
    if (got == Status::NeedMore) break;
    if (state_ == State::DataEnd) {
      if (!line.empty()) return fail("chunk data longer than its size");
      state_ = State::Size;
    } else if (state_ == State::Size) {
      std::uint64_t size = 0;
      if (!parse_size_line(line, size)) return Status::Error;
      if (size > max_body_ - body.size()) {  // body.size() <= max_body_ always
        consumed = pos;
        return Status::TooLarge;
      }
      if (size == 0) {
        state_ = State::Trailer;
      } else {
        remaining_ = size;
        state_ = State::Data;
      }
    } else {  // Trailer: fields until an empty line, bounded in total
      trailer_bytes_ += line.size() + 2;
      if (line.empty()) state_ = State::Done;
      else if (!valid_field_line(line)) return fail("malformed trailer field");
    }
  }
  consumed = pos;
  return state_ == State::Done ? Status::Done : Status::NeedMore;
}

}  // namespace sinkhub::http
