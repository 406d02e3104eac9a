// sinkhub/json.hpp -- a small, strict JSON reader and writer for plugins (header-only, C++17).
//
// Why the SDK carries its own: a plugin's options arrive as JSON text (sinkhub_create_args::
// options_json) and the SDK is header-only with no dependencies, so it cannot make every
// third-party plugin link Poco, nlohmann or RapidJSON just to read a few options. This reader
// is small because it only has to be correct, not fast: options and checkpoints are a few KiB.
//
// Strict by design (RFC 8259, nothing more): one value with optional whitespace around it; no
// comments, trailing commas, single quotes, NaN/Infinity, leading zeros or '+' signs; control
// characters must be escaped; a UTF-8 byte order mark is an error; object keys are unique
// (a duplicate is an error, not "last one wins"); \u escapes must pair surrogates. Text must be
// valid UTF-8 (shortest form, no surrogates) unless Limits::raw_bytes allows any byte >= 0x80
// inside strings (for a plugin's own checkpoints, which may hold paths or ETags verbatim).
// Nesting is limited (Limits::max_depth) so hostile input cannot exhaust the stack, and so is
// the input size (Limits::max_bytes).
//
// Every error is a sinkhub::json::ParseError whose what() says what is wrong and at which byte.
// Numbers keep their literal text; to_int64 / to_uint64 / to_double convert it on request.
#ifndef SINKHUB_JSON_HPP
#define SINKHUB_JSON_HPP

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace sinkhub {
namespace json {

/// Malformed or over-limit input; what() names the problem and its byte offset.
class ParseError : public std::runtime_error {
 public:
  ParseError(const std::string& what, std::size_t offset)
      : std::runtime_error(what + " at byte " + std::to_string(offset)), offset_(offset) {}
  std::size_t offset() const noexcept { return offset_; }

 private:
  std::size_t offset_;
};

struct Limits {
  std::size_t max_depth = 64;        ///< arrays/objects nested deeper are refused
  std::size_t max_bytes = 16u << 20;  ///< longer input is refused before parsing
  bool raw_bytes = false;            ///< accept any byte >= 0x80 in strings (not only UTF-8)
};

enum class Kind { Null, Bool, Number, String, Array, Object };

/// One JSON value. Objects keep their members in document order.
class Value {
 public:
  using Members = std::vector<std::pair<std::string, Value>>;

  Value() = default;
  static Value boolean(bool b) {
    Value v(Kind::Bool);
    v.bool_ = b;
    return v;
  }
  static Value number(std::string literal) {  // the caller vouches for the grammar
    Value v(Kind::Number);
    v.text_ = std::move(literal);
    return v;
  }
  static Value number(std::uint64_t n) { return number(std::to_string(n)); }
  static Value number(std::int64_t n) { return number(std::to_string(n)); }
  static Value string(std::string s) {
    Value v(Kind::String);
    v.text_ = std::move(s);
    return v;
  }
  static Value array(std::vector<Value> items = {}) {
    Value v(Kind::Array);
    v.items_ = std::move(items);
    return v;
  }
  static Value object(Members members = {}) {
    Value v(Kind::Object);
    v.members_ = std::move(members);
    return v;
  }

  Kind kind() const noexcept { return kind_; }
  bool is_null() const noexcept { return kind_ == Kind::Null; }
  bool is_bool() const noexcept { return kind_ == Kind::Bool; }
  bool is_number() const noexcept { return kind_ == Kind::Number; }
  bool is_string() const noexcept { return kind_ == Kind::String; }
  bool is_array() const noexcept { return kind_ == Kind::Array; }
  bool is_object() const noexcept { return kind_ == Kind::Object; }

  bool as_bool() const noexcept { return bool_; }
  /// A string's decoded bytes, or a number's literal text.
  const std::string& text() const noexcept { return text_; }
  const std::vector<Value>& items() const noexcept { return items_; }
  std::vector<Value>& items() noexcept { return items_; }
  const Members& members() const noexcept { return members_; }
  Members& members() noexcept { return members_; }

  /// The member named `key`, or nullptr (also when this is not an object).
  const Value* find(std::string_view key) const noexcept {
    for (const auto& m : members_)
      if (m.first == key) return &m.second;
    return nullptr;
  }

  /// An integer literal (no fraction, no exponent) that fits; false otherwise.
  bool to_int64(std::int64_t& out) const noexcept {
    if (!integral()) return false;
    const bool neg = text_[0] == '-';
    std::uint64_t mag = 0;
    if (!magnitude(neg ? 1 : 0, mag)) return false;
    const std::uint64_t limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + (neg ? 1u : 0u);
    if (mag > limit) return false;
    out = neg ? (mag == limit ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(mag))
              : static_cast<std::int64_t>(mag);
    return true;
  }
  bool to_uint64(std::uint64_t& out) const noexcept {
    if (!integral() || text_[0] == '-') return false;
    return magnitude(0, out);
  }
  /// Any number; false when it overflows a double.
  bool to_double(double& out) const noexcept {
    if (kind_ != Kind::Number) return false;
    errno = 0;
    char* end = nullptr;
    out = std::strtod(text_.c_str(), &end);
    return errno != ERANGE || out == 0.0;
  }

 private:
  explicit Value(Kind k) : kind_(k) {}
  bool integral() const noexcept {
    return kind_ == Kind::Number && text_.find_first_of(".eE") == std::string::npos;
  }
  bool magnitude(std::size_t from, std::uint64_t& out) const noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = from; i < text_.size(); ++i) {
      const auto d = static_cast<std::uint64_t>(text_[i] - '0');
      if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
      v = v * 10 + d;
    }
    out = v;
    return true;
  }

  Kind kind_ = Kind::Null;
  bool bool_ = false;
  std::string text_;
  std::vector<Value> items_;
  Members members_;
};

/// Decodes the UTF-8 character at s[i]: its length in bytes (1..4) with its code point in
/// `cp`, or 0 when the bytes there are not a valid shortest-form, non-surrogate encoding.
inline std::size_t utf8_decode(std::string_view s, std::size_t i, std::uint32_t& cp) noexcept {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = at(0);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  std::size_t n = 0;
  std::uint32_t min = 0;
  if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1Fu, min = 0x80;
  else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0Fu, min = 0x800;
  else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07u, min = 0x10000;
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((at(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (at(k) & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

namespace detail {

// JSON's two-character escapes: the letter after '\' and the byte it stands for.
struct Escape {
  char letter, byte;
};
inline constexpr Escape kEscapes[] = {{'"', '"'},  {'\\', '\\'}, {'/', '/'},  {'b', '\b'},
                                      {'f', '\f'}, {'n', '\n'},   {'r', '\r'}, {'t', '\t'}};

inline void append_utf8(std::string& o, std::uint32_t cp) {
  if (cp < 0x80) {
    o += static_cast<char>(cp);
  } else if (cp < 0x800) {
    o += static_cast<char>(0xC0 | (cp >> 6));
    o += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    o += static_cast<char>(0xE0 | (cp >> 12));
    o += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    o += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    o += static_cast<char>(0xF0 | (cp >> 18));
    o += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    o += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    o += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  Parser(std::string_view text, const Limits& limits) : t_(text), lim_(limits) {}

  Value document() {
    if (t_.size() > lim_.max_bytes)
      throw ParseError("input longer than " + std::to_string(lim_.max_bytes) + " bytes", lim_.max_bytes);
    if (t_.substr(0, 3) == "\xEF\xBB\xBF") fail("byte order mark");
    ws();
    Value v = value(0);
    ws();
    if (i_ != t_.size()) fail("unexpected characters after the value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw ParseError(what, i_); }
  bool at_end() const noexcept { return i_ >= t_.size(); }
  char peek() const noexcept { return at_end() ? '\0' : t_[i_]; }
  void ws() noexcept {
    while (!at_end() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  }
  void expect(char c) {
    if (at_end()) fail(std::string("unexpected end of input, expected '") + c + "'");
    if (t_[i_] != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }

  Value value(std::size_t depth) {
    if (at_end()) fail("unexpected end of input, expected a value");
    switch (t_[i_]) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case '"': return Value::string(string());
      case 't': return literal("true", Value::boolean(true));
      case 'f': return literal("false", Value::boolean(false));
      case 'n': return literal("null", Value());
      default:
        if (t_[i_] == '-' || (t_[i_] >= '0' && t_[i_] <= '9')) return number();
        fail("unexpected character, expected a value");
    }
  }

  Value literal(std::string_view word, Value v) {
    if (t_.substr(i_, word.size()) != word) fail("invalid literal");
    i_ += word.size();
    return v;
  }

  void enter(std::size_t depth) const {
    if (depth > lim_.max_depth) fail("nested deeper than " + std::to_string(lim_.max_depth) + " levels");
  }

  // "open element (',' element)* close", or "open close": element() reads one entry.
  template <class F>
  void sequence(std::size_t depth, char close, F element) {
    enter(depth);
    ++i_;  // the opening '{' or '['
    ws();
    if (peek() == close) {
      ++i_;
      return;
    }
    for (;;) {
      ws();
      element();
      ws();
      if (peek() != ',') break;
      ++i_;
    }
    expect(close);
  }

  Value object(std::size_t depth) {
    Value out = Value::object();
    std::unordered_set<std::string> keys;  // duplicate check in linear time
    sequence(depth, '}', [&] {
      if (peek() != '"') fail(at_end() ? "unexpected end of input, expected a key" : "expected a string key");
      const std::size_t key_at = i_;
      std::string key = string();
      if (!keys.insert(key).second) throw ParseError("duplicate key \"" + printable(key) + "\"", key_at);
      ws();
      expect(':');
      ws();
      out.members().emplace_back(std::move(key), value(depth));
    });
    return out;
  }

  Value array(std::size_t depth) {
    Value out = Value::array();
    sequence(depth, ']', [&] { out.items().push_back(value(depth)); });
    return out;
  }

  Value number() {
    const std::size_t start = i_;
    if (peek() == '-') ++i_;
    if (peek() == '0') {
      ++i_;
      if (peek() >= '0' && peek() <= '9') fail("leading zero in a number");
    } else if (!digits()) {
      fail("invalid number");
    }
    if (peek() == '.') {
      ++i_;
      if (!digits()) fail("invalid number: digits expected after '.'");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++i_;
      if (peek() == '+' || peek() == '-') ++i_;
      if (!digits()) fail("invalid number: digits expected in the exponent");
    }
    return Value::number(std::string(t_.substr(start, i_ - start)));
  }
  bool digits() noexcept {
    const std::size_t start = i_;
    while (!at_end() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
    return i_ > start;
  }

  std::uint32_t hex4() {
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k, ++i_) {
      const char c = peek();
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else fail("invalid \\u escape");
    }
    return v;
  }

  void escape(std::string& o) {
    const char e = peek();
    for (const Escape& x : kEscapes)
      if (x.letter == e) {
        ++i_;
        o += x.byte;
        return;
      }
    if (e != 'u') fail("invalid escape");
    ++i_;
    std::uint32_t cp = hex4();
    if (cp >= 0xDC00 && cp <= 0xDFFF) fail("unpaired surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (t_.substr(i_, 2) != "\\u") fail("unpaired surrogate in \\u escape");
      i_ += 2;
      const std::uint32_t lo = hex4();
      if (lo < 0xDC00 || lo > 0xDFFF) fail("unpaired surrogate in \\u escape");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    append_utf8(o, cp);
  }

  std::string string() {
    ++i_;  // '"'
    std::string o;
    for (;;) {
      if (at_end()) fail("unterminated string");
      const char c = t_[i_];
      const auto u = static_cast<unsigned char>(c);
      if (c == '"') {
        ++i_;
        return o;
      }
      if (c == '\\') {
        ++i_;
        escape(o);
      } else if (u < 0x20) {
        fail("control character in a string (escape it)");
      } else if (u < 0x80 || lim_.raw_bytes) {
        o += c;
        ++i_;
      } else {
        std::uint32_t cp = 0;
        const std::size_t n = utf8_decode(t_, i_, cp);
        if (n == 0) fail("invalid UTF-8");
        o.append(t_.data() + i_, n);
        i_ += n;
      }
    }
  }

  // A key as shown in an error: printable ASCII only, cut.
  static std::string printable(std::string_view s) {
    std::string o;
    for (const char c : s.substr(0, 40)) o += (c >= 0x20 && c < 0x7F) ? c : '?';
    return s.size() > 40 ? o + "..." : o;
  }

  std::string_view t_;
  Limits lim_;
  std::size_t i_ = 0;
};

inline void write_to(std::string& out, const Value& v);

}  // namespace detail

/// Parses one JSON document; throws ParseError.
inline Value parse(std::string_view text, const Limits& limits = {}) {
  return detail::Parser(text, limits).document();
}

/// `text` as a JSON string literal: '"' and '\' escaped, control characters as \n, \t, ... or
/// \u00XX, every other byte as it is (UTF-8 stays readable; see Limits::raw_bytes).
inline std::string quote(std::string_view text) {
  static const char hex[] = "0123456789abcdef";
  std::string o;
  o.reserve(text.size() + 2);
  o += '"';
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    char letter = 0;
    for (const detail::Escape& x : detail::kEscapes)
      if (x.byte == c && x.letter != '/') letter = x.letter;  // '/' needs no escape
    if (letter) {
      o += '\\';
      o += letter;
    } else if (u < 0x20) {
      o += "\\u00";
      o += hex[u >> 4];
      o += hex[u & 0xF];
    } else {
      o += c;
    }
  }
  o += '"';
  return o;
}

/// Compact JSON text of `v` (members in their order, no whitespace).
inline std::string write(const Value& v) {
  std::string out;
  detail::write_to(out, v);
  return out;
}

namespace detail {

inline void write_to(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Kind::Null: out += "null"; return;
    case Kind::Bool: out += v.as_bool() ? "true" : "false"; return;
    case Kind::Number: out += v.text(); return;
    case Kind::String: out += quote(v.text()); return;
    case Kind::Array:
      out += '[';
      for (std::size_t i = 0; i < v.items().size(); ++i) {
        if (i) out += ',';
        write_to(out, v.items()[i]);
      }
      out += ']';
      return;
    case Kind::Object:
      out += '{';
      for (std::size_t i = 0; i < v.members().size(); ++i) {
        if (i) out += ',';
        out += quote(v.members()[i].first);
        out += ':';
        write_to(out, v.members()[i].second);
      }
      out += '}';
      return;
  }
}

}  // namespace detail
}  // namespace json
}  // namespace sinkhub

#endif  // SINKHUB_JSON_HPP
