#include "text.hpp"

#include <sinkhub/json.hpp>

namespace slack {

using sinkhub::json::utf8_decode;

std::string mrkdwn_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string json_quote(std::string_view text) {
  std::string valid;
  valid.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = 0;
    const std::size_t n = utf8_decode(text, i, cp);
    if (n == 0) valid += "\xEF\xBF\xBD";  // U+FFFD for each byte that is not UTF-8
    else valid.append(text.data() + i, n);
    i += n ? n : 1;
  }
  return sinkhub::json::quote(valid);
}

std::size_t slack_length(std::string_view s) {
  std::size_t len = 0;
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = 0;
    const std::size_t n = utf8_decode(s, i, cp);
    len += (n && cp > 0xFFFF) ? 2 : 1;
    i += n ? n : 1;
  }
  return len;
}

std::string cut(std::string_view text, std::size_t max) {
  if (slack_length(text) <= max) return std::string(text);
  if (max == 0) return {};
  std::size_t len = 0, i = 0;
  while (i < text.size()) {
    std::uint32_t cp = 0;
    const std::size_t n = utf8_decode(text, i, cp);
    const std::size_t w = (n && cp > 0xFFFF) ? 2 : 1;
    if (len + w > max - 1) break;  // keep room for the ellipsis (1 unit)
    len += w;
    i += n ? n : 1;
  }
  return std::string(text.substr(0, i)) + "\xE2\x80\xA6";  // "…"
}

std::string thousands(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string url_component(std::string_view text) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

}  // namespace slack
