#include "http/request_parser.hpp"

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
  if (head.minor_version == 0) head.expect_continue = false;  // only HTTP/1.1 clients wait for 100
  head.keep_alive = !close && (head.minor_version == 1 || keep_alive);
  return ParseStatus::Done;
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

  // Where the head ends; looking only at bytes not seen before (minus 3 for a split CRLFCRLF).
  const std::size_t from = std::max(start, scanned > 3 ? scanned - 3 : std::size_t{0});
  const auto end = data.find("\r\n\r\n", from);
  const std::size_t limit_end = end == std::string_view::npos ? data.size() : end + 4;
  // Bytes no HTTP head may contain fail fast, before the head is complete.
  for (std::size_t i = from; i < limit_end; ++i) {
    const char c = data[i];
    if (c == '\0') return fail(error, 400, "NUL byte in request head");
    if (c == '\n' && (i == 0 || data[i - 1] != '\r')) return fail(error, 400, "bare LF in request head");
  }
  scanned = limit_end;
  const auto first_eol = data.find("\r\n", start);
  if ((first_eol == std::string_view::npos ? data.size() - start : first_eol - start) > limits.max_request_line)
    return fail(error, 414, "request line too long");
  if (end == std::string_view::npos) {
    if (data.size() - start > limits.max_head_bytes) return fail(error, 431, "request header fields too large");
    return ParseStatus::Incomplete;
  }
  if (end + 4 - start > limits.max_head_bytes) return fail(error, 431, "request header fields too large");

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
    for (unsigned char c : value)
      if ((c < 0x20 && c != '\t') || c == 0x7f) return fail(error, 400, "control character in header value");
    if (head.headers.size() >= limits.max_header_count) return fail(error, 431, "too many header fields");
    head.headers.emplace_back(std::string(name), std::string(value));
  }
  if (interpret(head, error) == ParseStatus::Error) return ParseStatus::Error;
  consumed = end + 4;
  return ParseStatus::Done;
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
    const auto eol = in.find("\r\n", pos);
    const std::size_t max_line = state_ == State::Trailer ? kMaxTrailerBytes : kMaxChunkLine;
    if (eol == std::string_view::npos) {
      if (in.size() - pos > max_line) return fail("chunk framing line too long");
      if (in.find('\n', pos) != std::string_view::npos) return fail("bare LF in chunk framing");
      break;
    }
    const std::string_view line = in.substr(pos, eol - pos);
    if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos ||
        line.find('\0') != std::string_view::npos)
      return fail("invalid character in chunk framing");
    pos = eol + 2;
    if (state_ == State::DataEnd) {
      if (!line.empty()) return fail("chunk data longer than its size");
      state_ = State::Size;
    } else if (state_ == State::Size) {
      // 1*HEXDIG [ chunk-ext ]; the extensions are ignored.
      std::size_t i = 0;
      std::uint64_t size = 0;
      for (; i < line.size(); ++i) {
        const char c = line[i];
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') d = (c | 0x20) - 'a' + 10;
        else break;
        if (size >> 60) return fail("chunk size overflows");
        size = size * 16 + static_cast<std::uint64_t>(d);
      }
      if (i == 0) return fail("malformed chunk size");
      const auto rest = line.substr(i);
      if (!rest.empty() && rest.front() != ';' && rest.front() != ' ' && rest.front() != '\t')
        return fail("malformed chunk size");
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
      if (trailer_bytes_ > kMaxTrailerBytes) return fail("chunked trailer too large");
      if (line.empty()) state_ = State::Done;
      else if (line.find(':') == std::string_view::npos || line.front() == ' ' || line.front() == '\t')
        return fail("malformed trailer field");
    }
  }
  consumed = pos;
  return state_ == State::Done ? Status::Done : Status::NeedMore;
}

}  // namespace sinkhub::http
