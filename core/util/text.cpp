#include "util/text.hpp"

#include <cstdio>

namespace sinkhub::util {

namespace {

// Length of the valid UTF-8 character at `p` (1-4), or 0 if the bytes there are not one.
// `cp` receives its code point.
int utf8_char(const unsigned char* p, const unsigned char* end, unsigned& cp) {
  const unsigned char c = *p;
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  int n;
  if ((c & 0xE0) == 0xC0 && c >= 0xC2) n = 1, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0) n = 2, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0 && c <= 0xF4) n = 3, cp = c & 0x07;
  else return 0;
  if (end - p <= n) return 0;
  for (int i = 1; i <= n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return n + 1;
}

bool is_control(unsigned cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// Walks the characters of `s`: -1 at the first invalid byte, 1 at the first for which
// stop(code point) holds, 0 at the end.
int walk(std::string_view s, bool (*stop)(unsigned)) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  unsigned cp;
  while (p < end) {
    const int n = utf8_char(p, end, cp);
    if (n == 0) return -1;
    if (stop(cp)) return 1;
    p += n;
  }
  return 0;
}

}  // namespace

bool valid_utf8(std::string_view s) {
  return walk(s, [](unsigned) { return false; }) == 0;
}

bool has_control_character(std::string_view s) { return walk(s, is_control) == 1; }

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  unsigned cp;
  while (p < end) {
    int n = utf8_char(p, end, cp);
    if (n > 0 && !is_control(cp)) {
      out.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
      p += n;
      continue;
    }
    for (int i = 0; i < (n > 0 ? n : 1); ++i) {  // a control's bytes, or one invalid byte
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", p[i]);
      out += hex;
    }
    p += n > 0 ? n : 1;
  }
  return out;
}

}  // namespace sinkhub::util
