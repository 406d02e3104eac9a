// sinkhub/options.hpp -- declare a sink's options once (header-only, C++17).
//
// One table per options struct names every option with its type, default, bounds and one
// line of documentation. From that table come:
//   - parse(options_json): the struct, or sinkhub::OptionsError naming the option's path
//     ("option 'retry.max': must be an integer from 1 to 10", "option 'dir' is required",
//     "unknown option 'colour' (known: dir, path, format, gzip)");
//   - schema(): the JSON Schema text for sinkhub_plugin_descriptor::options_schema_json,
//     written with the keywords the host checks (type, properties, required,
//     additionalProperties, items, enum, minimum, maximum, minLength, maxLength, minItems,
//     maxItems) plus description and default, which `sinkhub plugins` shows;
//   - markdown(): the option table of the plugin's README (a test keeps them equal).
//
//   struct MyOptions {
//     std::string url;
//     std::uint32_t retries;
//     std::uint64_t chunk;
//     std::optional<std::string> token;  // absent stays nullopt
//   };
//   namespace opt = sinkhub::options;
//   const opt::Table<MyOptions>& options() {
//     static const opt::Table<MyOptions> table{
//         opt::text("url", &MyOptions::url).required().not_empty().doc("Where to send the items"),
//         opt::integer("retries", &MyOptions::retries).defaults(3).max(10).doc("Attempts per batch"),
//         opt::size("chunk", &MyOptions::chunk).defaults(8u << 20).min(1u << 20).doc("Bytes per request"),
//         opt::text("token", &MyOptions::token).doc("API token (a secret)"),
//     };
//     return table;
//   }
//   ... MyOptions o = options().parse(args.options_json);        // in the Sink constructor
//   ... SINKHUB_PLUGIN(MySink, ..., options().schema(), caps)
//
// A function-local static (as above) is built on the first entry call, inside the entry
// symbol's exception barrier, rather than while the library is being loaded.
//
// Defaults live in the table (the struct's own initialisers are overwritten by them). The
// reader is strict: JSON types must match exactly ("yes" is not a boolean, "5" is not an
// integer, null is not a value), text options never contain NUL bytes, and every object
// level refuses keys it does not know. Messages never repeat an option's value, which may be
// a secret. Rules that span several options belong after parse(), in the sink's own code.
#ifndef SINKHUB_OPTIONS_HPP
#define SINKHUB_OPTIONS_HPP

#include <sinkhub/json.hpp>
#include <sinkhub/sink.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace sinkhub {
namespace options {

/// What an option holds. Sizes ("8MiB") and durations ("30s") are JSON strings on the wire.
enum class Type { Text, Integer, Flag, Size, Duration, TextList, Object };

/// One row of the documentation: an option's dotted path, type, default and meaning.
struct Doc {
  std::string path, type, default_value, meaning;
  bool required = false;
};

template <class T>
class Table;

namespace detail {

template <class M>
struct unwrap {
  using type = M;
};
template <class V>
struct unwrap<std::optional<V>> {
  using type = V;
};
template <class V>
struct is_duration : std::false_type {};
template <class R, class P>
struct is_duration<std::chrono::duration<R, P>> : std::true_type {};

// Everything that is not one of these is a nested object read with its own Table.
template <class V>
inline constexpr bool is_scalar_v = std::is_same_v<V, bool> || std::is_same_v<V, std::string> ||
                                    std::is_integral_v<V> || is_duration<V>::value ||
                                    std::is_same_v<V, std::vector<std::string>>;
template <class M>
inline constexpr bool is_optional_v = !std::is_same_v<M, typename unwrap<M>::type>;

[[noreturn]] inline void fail(const std::string& path, const std::string& what) {
  throw OptionsError("option '" + path + "': " + what);
}

struct Unit {
  const char* name;
  std::uint64_t factor;
};
inline constexpr Unit kSizeUnits[] = {{"TiB", 1ull << 40}, {"GiB", 1ull << 30}, {"MiB", 1ull << 20},
                                      {"KiB", 1ull << 10}, {"B", 1}};
inline constexpr Unit kDurationUnits[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};

inline bool same_ascii_nocase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lo = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lo(a[i]) != lo(b[i])) return false;
  }
  return true;
}

// "<digits>[ ]<unit>" -> count * factor. `why` says what is wrong when it returns false
// ("" when the text is not a quantity at all).
template <std::size_t N>
bool parse_quantity(std::string_view text, const Unit (&units)[N], bool unit_optional, bool nocase,
                    std::uint64_t& out, std::string& why) {
  const auto refuse = [&](std::string what) {
    why = std::move(what);
    return false;
  };
  std::size_t i = 0;
  std::uint64_t n = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    const auto d = static_cast<std::uint64_t>(text[i] - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return refuse("is too large");
    n = n * 10 + d;
  }
  if (i == 0) return refuse("");
  std::string_view unit = text.substr(i);
  if (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  if (unit.empty()) {
    if (!unit_optional) return refuse("needs a unit");
    out = n;
    return true;
  }
  for (const Unit& u : units)
    if (nocase ? same_ascii_nocase(unit, u.name) : unit == u.name) {
      if (n > std::numeric_limits<std::uint64_t>::max() / u.factor) return refuse("is too large");
      out = n * u.factor;
      return true;
    }
  std::string names;
  for (const Unit& u : units) names += std::string(names.empty() ? "" : ", ") + u.name;
  return refuse("has an unknown unit (use " + names + ")");
}

// The largest unit that divides `n` exactly: 8388608 -> "8MiB", 90000 -> "90s".
template <std::size_t N>
std::string quantity_text(std::uint64_t n, const Unit (&units)[N]) {
  for (const Unit& u : units)
    if (n != 0 && n % u.factor == 0) return std::to_string(n / u.factor) + u.name;
  return std::to_string(n) + units[N - 1].name;
}

inline std::string size_text(std::uint64_t bytes) { return quantity_text(bytes, kSizeUnits); }
inline std::string duration_text(std::chrono::milliseconds d) {
  return quantity_text(static_cast<std::uint64_t>(d.count()), kDurationUnits);
}

inline std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string o;
  for (const auto& s : v) o += (o.empty() ? "" : sep) + s;
  return o;
}

// A bound or default as docs and messages show it: 100, "8MiB", "30s".
template <class V>
std::string number_text(V v, Type type) {
  if constexpr (is_duration<V>::value) {
    return duration_text(std::chrono::duration_cast<std::chrono::milliseconds>(v));
  } else {
    if (type == Type::Size) return size_text(static_cast<std::uint64_t>(v));
    return std::to_string(v);
  }
}

inline std::string markdown_cell(std::string s) {
  std::string o;
  for (const char c : s) {
    if (c == '|') o += "\\|";
    else if (c == '\n') o += ' ';
    else o += c;
  }
  return o;
}

}  // namespace detail

/// One option of an options struct T whose member has type M (V, or std::optional<V>).
/// Build it with text(), integer(), flag(), size(), duration(), text_list() or object().
template <class T, class M>
class Spec {
 public:
  using V = typename detail::unwrap<M>::type;

  Spec(Type type, std::string name, M T::*member, const Table<V>* nested = nullptr)
      : type_(type), name_(std::move(name)), member_(member), nested_(nested) {}

  /// Absent -> "option 'name' is required".
  Spec& required() {
    required_ = true;
    return *this;
  }
  /// One line for the schema's description, `sinkhub plugins` and the README.
  Spec& doc(std::string text) {
    doc_ = std::move(text);
    return *this;
  }
  /// The value when the option is absent (also the schema's "default").
  Spec& defaults(V v) {
    default_ = std::move(v);
    return *this;
  }
  /// Bounds of integers, sizes and durations (inclusive).
  Spec& min(V v) {
    min_ = std::move(v);
    return *this;
  }
  Spec& max(V v) {
    max_ = std::move(v);
    return *this;
  }
  /// Text: at least one byte. List: at least one entry.
  Spec& not_empty() {
    not_empty_ = true;
    return *this;
  }
  /// Text (or each entry of a list): at most n bytes.
  Spec& max_length(std::size_t n) {
    max_length_ = n;
    return *this;
  }
  /// List: at most n entries.
  Spec& max_entries(std::size_t n) {
    max_entries_ = n;
    return *this;
  }
  /// Text: one of these values.
  Spec& one_of(std::vector<std::string> values) {
    choices_ = std::move(values);
    return *this;
  }
  /// A rule the schema cannot say. Throw std::invalid_argument with what is wrong, without
  /// the option's name and without its value ("must be relative"); the table adds the path.
  Spec& check(std::function<void(const V&)> rule) {
    check_ = std::move(rule);
    return *this;
  }

 private:
  friend class Table<T>;
  template <class>
  friend class Row;

  V convert(const json::Value& v, const std::string& path) const;
  std::string read_text(const json::Value& v, const std::string& path) const;
  template <class I>
  I read_integer(const json::Value& v, const std::string& path) const;
  V read_duration(const json::Value& v, const std::string& path) const;
  std::vector<std::string> read_list(const json::Value& v, const std::string& path) const;
  template <class N>
  void check_bounds(const N& n, const std::string& path) const;
  std::pair<V, V> bounds() const;
  std::string bounds_text() const;
  std::string type_doc() const;
  std::string schema() const;
  std::string schema_value(const V& v) const;
  std::string doc_value(const V& v) const;

  Type type_;
  std::string name_;
  M T::*member_;
  const Table<V>* nested_;
  bool required_ = false, not_empty_ = false;
  std::string doc_;
  std::optional<V> default_, min_, max_;
  std::size_t max_length_ = 0, max_entries_ = 0;  // 0 = unbounded
  std::vector<std::string> choices_;
  std::function<void(const V&)> check_;
};

/// A type-erased option of T: what a Table holds. Built implicitly from a Spec.
template <class T>
class Row {
 public:
  template <class M>
  Row(const Spec<T, M>& s)  // NOLINT: implicit on purpose (Table{spec, spec, ...})
      : name_(s.name_), required_(s.required_), schema_(s.schema()) {
    using V = typename Spec<T, M>::V;
    const auto member = s.member_;
    read_ = [s, member](const json::Value& v, T& out, const std::string& path) { out.*member = s.convert(v, path); };
    if (s.default_) {
      const V value = *s.default_;
      default_ = [member, value](T& out) { out.*member = value; };
    }
    docs_.push_back({s.name_, s.type_doc(), s.required_ ? "*required*" : s.default_ ? s.doc_value(*s.default_) : "—",
                     s.doc_, s.required_});
    if constexpr (!detail::is_scalar_v<V>) {
      const Table<V>* nested = s.nested_;
      if (!detail::is_optional_v<M> && !s.default_)  // an absent object gets its own defaults
        default_ = [member, nested](T& out) {
          V v{};
          nested->apply_defaults(v);
          out.*member = std::move(v);
        };
      for (Doc d : nested->docs()) {
        d.path = s.name_ + "." + d.path;
        docs_.push_back(std::move(d));
      }
    }
  }

 private:
  friend class Table<T>;
  std::string name_;
  bool required_;
  std::string schema_;
  std::vector<Doc> docs_;
  std::function<void(const json::Value&, T&, const std::string&)> read_;
  std::function<void(T&)> default_;
};

/// The options of struct T (default-constructible), declared once.
template <class T>
class Table {
 public:
  // A table never throws a logic error from its constructor (it may run while the plugin is
  // loaded); a name declared twice makes every parse() throw std::logic_error instead.
  Table(std::initializer_list<Row<T>> rows) : rows_(rows) {
    for (std::size_t i = 0; i < rows_.size(); ++i)
      for (std::size_t k = 0; k < i; ++k)
        if (rows_[i].name_ == rows_[k].name_) bug_ = "option '" + rows_[i].name_ + "' is declared twice (plugin bug)";
    schema_ = object_schema(true);
  }
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  /// Reads the options JSON of create(); throws OptionsError.
  T parse(std::string_view options_json) const {
    if (!bug_.empty()) throw std::logic_error(bug_);
    json::Limits limits;
    limits.max_bytes = 4u << 20;
    json::Value doc;
    try {
      doc = json::parse(options_json, limits);
    } catch (const json::ParseError& e) {
      throw OptionsError(std::string("options are not a valid JSON object: ") + e.what());
    }
    if (!doc.is_object()) throw OptionsError("options must be a JSON object");
    T out{};
    read(doc, out, "");
    return out;
  }

  /// Reads object `obj` into `out`; `prefix` is the path of the object ("" or "retry.").
  void read(const json::Value& obj, T& out, const std::string& prefix) const {
    if (!bug_.empty()) throw std::logic_error(bug_);
    apply_defaults(out);
    for (const auto& [key, value] : obj.members()) {
      const Row<T>* row = find(key);
      if (!row) throw OptionsError("unknown option '" + prefix + key + "' (known: " + known() + ")");
      row->read_(value, out, prefix + key);
    }
    for (const Row<T>& r : rows_)
      if (r.required_ && !obj.find(r.name_)) throw OptionsError("option '" + prefix + r.name_ + "' is required");
  }

  /// Sets every option that has a default (nested objects included) to it.
  void apply_defaults(T& out) const {
    for (const Row<T>& r : rows_)
      if (r.default_) r.default_(out);
  }

  /// The JSON Schema (static for the table's life: pass it to the descriptor).
  const char* schema() const noexcept { return schema_.c_str(); }

  /// The schema of one object level; `pretty` puts one property per line.
  std::string object_schema(bool pretty) const {
    const std::string nl = pretty ? "\n" : "", in = pretty ? "  " : "", in2 = pretty ? "    " : "";
    std::string o = "{" + nl + in + "\"type\": \"object\"," + nl + in + "\"properties\": {" + nl;
    std::vector<std::string> required;
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      o += in2 + json::quote(rows_[i].name_) + ": " + rows_[i].schema_ + (i + 1 < rows_.size() ? "," : "") + nl;
      if (rows_[i].required_) required.push_back(json::quote(rows_[i].name_));
    }
    o += in + "}," + nl;
    if (!required.empty()) o += in + "\"required\": [" + detail::join(required, ", ") + "]," + nl;
    return o + in + "\"additionalProperties\": false" + nl + "}";
  }

  /// Every option, nested ones as "parent.child", in declaration order.
  std::vector<Doc> docs() const {
    std::vector<Doc> out;
    for (const Row<T>& r : rows_) out.insert(out.end(), r.docs_.begin(), r.docs_.end());
    return out;
  }

  /// The README's option table: | Option | Type | Default | Meaning |.
  std::string markdown() const {
    std::string o = "| Option | Type | Default | Meaning |\n|--------|------|---------|---------|\n";
    for (const Doc& d : docs())
      o += "| `" + d.path + "` | " + detail::markdown_cell(d.type) + " | " + detail::markdown_cell(d.default_value) +
           " | " + detail::markdown_cell(d.meaning) + " |\n";
    return o;
  }

  /// "a, b, c": the names this level knows.
  std::string known() const {
    std::vector<std::string> names;
    for (const Row<T>& r : rows_) names.push_back(r.name_);
    return detail::join(names, ", ");
  }

 private:
  const Row<T>* find(std::string_view name) const noexcept {
    for (const Row<T>& r : rows_)
      if (r.name_ == name) return &r;
    return nullptr;
  }

  std::vector<Row<T>> rows_;
  std::string schema_, bug_;
};

// ---- builders -------------------------------------------------------------------------

/// A string (std::string or std::optional<std::string> member).
template <class T, class M>
Spec<T, M> text(std::string name, M T::*member) {
  static_assert(std::is_same_v<typename detail::unwrap<M>::type, std::string>, "text() needs a std::string member");
  return Spec<T, M>(Type::Text, std::move(name), member);
}
/// An integer (any integral member but bool), bounded by the member's type and min()/max().
template <class T, class M>
Spec<T, M> integer(std::string name, M T::*member) {
  using V = typename detail::unwrap<M>::type;
  static_assert(std::is_integral_v<V> && !std::is_same_v<V, bool>, "integer() needs an integral member");
  return Spec<T, M>(Type::Integer, std::move(name), member);
}
/// true or false.
template <class T, class M>
Spec<T, M> flag(std::string name, M T::*member) {
  static_assert(std::is_same_v<typename detail::unwrap<M>::type, bool>, "flag() needs a bool member");
  return Spec<T, M>(Type::Flag, std::move(name), member);
}
/// A byte count: "8MiB", "512 KiB", "1GiB", "4096" (units B, KiB, MiB, GiB, TiB, any case),
/// or a JSON integer of bytes.
template <class T, class M>
Spec<T, M> size(std::string name, M T::*member) {
  using V = typename detail::unwrap<M>::type;
  static_assert(std::is_integral_v<V> && std::is_unsigned_v<V> && !std::is_same_v<V, bool>,
                "size() needs an unsigned integral member");
  return Spec<T, M>(Type::Size, std::move(name), member);
}
/// A time span with a unit: "500ms", "30s", "5m", "2h", "1d" (into a std::chrono::duration
/// member; a value that is not a whole number of the member's unit is refused).
template <class T, class M>
Spec<T, M> duration(std::string name, M T::*member) {
  static_assert(detail::is_duration<typename detail::unwrap<M>::type>::value,
                "duration() needs a std::chrono::duration member");
  return Spec<T, M>(Type::Duration, std::move(name), member);
}
/// A list of strings (std::vector<std::string>).
template <class T, class M>
Spec<T, M> text_list(std::string name, M T::*member) {
  static_assert(std::is_same_v<typename detail::unwrap<M>::type, std::vector<std::string>>,
                "text_list() needs a std::vector<std::string> member");
  return Spec<T, M>(Type::TextList, std::move(name), member);
}
/// A nested object read with its own table (which must outlive this one).
template <class T, class M>
Spec<T, M> object(std::string name, M T::*member, const Table<typename detail::unwrap<M>::type>& table) {
  return Spec<T, M>(Type::Object, std::move(name), member, &table);
}

// ---- Spec: reading --------------------------------------------------------------------

template <class T, class M>
typename Spec<T, M>::V Spec<T, M>::convert(const json::Value& v, const std::string& path) const {
  V out{};
  if constexpr (std::is_same_v<V, bool>) {
    if (!v.is_bool()) detail::fail(path, "must be a boolean (true or false)");
    out = v.as_bool();
  } else if constexpr (std::is_same_v<V, std::string>) {
    out = read_text(v, path);
  } else if constexpr (std::is_integral_v<V>) {
    out = read_integer<V>(v, path);
  } else if constexpr (detail::is_duration<V>::value) {
    out = read_duration(v, path);
  } else if constexpr (std::is_same_v<V, std::vector<std::string>>) {
    out = read_list(v, path);
  } else {
    if (!v.is_object()) detail::fail(path, "must be an object");
    nested_->read(v, out, path + ".");
  }
  if (check_) {
    try {
      check_(out);
    } catch (const std::invalid_argument& e) {
      detail::fail(path, e.what());
    }
  }
  return out;
}

template <class T, class M>
std::string Spec<T, M>::read_text(const json::Value& v, const std::string& path) const {
  if (!v.is_string()) detail::fail(path, choices_.empty() ? "must be a string" : "must be one of " + detail::join(choices_, ", "));
  const std::string& s = v.text();
  if (s.find('\0') != std::string::npos) detail::fail(path, "must not contain NUL characters");
  if (not_empty_ && s.empty()) detail::fail(path, "must not be empty");
  if (max_length_ && s.size() > max_length_)
    detail::fail(path, "longer than " + std::to_string(max_length_) + " bytes");
  if (!choices_.empty()) {
    bool found = false;
    for (const auto& c : choices_) found = found || c == s;
    if (!found) detail::fail(path, "must be one of " + detail::join(choices_, ", "));
  }
  return s;
}

template <class T, class M>
template <class I>
I Spec<T, M>::read_integer(const json::Value& v, const std::string& path) const {
  std::uint64_t u = 0;
  if (type_ == Type::Size) {
    if (!(v.is_number() && v.to_uint64(u))) {
      std::string why;
      if (!v.is_string() || !detail::parse_quantity(v.text(), detail::kSizeUnits, true, true, u, why))
        detail::fail(path, why.empty() ? "must be a size such as 8MiB, 512KiB or 1048576" : why);
    }
    if (u > static_cast<std::uint64_t>(std::numeric_limits<I>::max())) detail::fail(path, "is too large");
    const I n = static_cast<I>(u);
    check_bounds(n, path);
    return n;
  }
  const auto [lo, hi] = bounds();
  const std::string range = "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  if constexpr (std::is_signed_v<I>) {
    std::int64_t s = 0;
    if (!v.is_number() || !v.to_int64(s) || s < static_cast<std::int64_t>(lo) || s > static_cast<std::int64_t>(hi))
      detail::fail(path, range);
    return static_cast<I>(s);
  } else {
    if (!v.is_number() || !v.to_uint64(u) || u < static_cast<std::uint64_t>(lo) || u > static_cast<std::uint64_t>(hi))
      detail::fail(path, range);
    return static_cast<I>(u);
  }
}

template <class T, class M>
typename Spec<T, M>::V Spec<T, M>::read_duration(const json::Value& v, const std::string& path) const {
  const std::string want = "must be a duration such as 500ms, 30s, 5m or 2h";
  std::uint64_t ms = 0;
  std::string why;
  if (!v.is_string() || !detail::parse_quantity(v.text(), detail::kDurationUnits, false, false, ms, why))
    detail::fail(path, why.empty() || why == "needs a unit" ? want : why);
  if (ms > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) detail::fail(path, "is too large");
  const std::chrono::milliseconds total(static_cast<std::int64_t>(ms));
  const V d = std::chrono::duration_cast<V>(total);
  if (std::chrono::duration_cast<std::chrono::milliseconds>(d) != total)
    detail::fail(path, "must be a multiple of " +
                           detail::duration_text(std::chrono::duration_cast<std::chrono::milliseconds>(V(1))));
  check_bounds(d, path);
  return d;
}

template <class T, class M>
std::vector<std::string> Spec<T, M>::read_list(const json::Value& v, const std::string& path) const {
  if (!v.is_array()) detail::fail(path, "must be a list of strings");
  if (not_empty_ && v.items().empty()) detail::fail(path, "must not be empty");
  if (max_entries_ && v.items().size() > max_entries_)
    detail::fail(path, "at most " + std::to_string(max_entries_) + " entries");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.items().size(); ++i) {
    const json::Value& e = v.items()[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!e.is_string()) detail::fail(at, "must be a string");
    if (e.text().find('\0') != std::string::npos) detail::fail(at, "must not contain NUL characters");
    if (max_length_ && e.text().size() > max_length_)
      detail::fail(at, "longer than " + std::to_string(max_length_) + " bytes");
    out.push_back(e.text());
  }
  return out;
}

template <class T, class M>
template <class N>
void Spec<T, M>::check_bounds(const N& n, const std::string& path) const {
  if (min_ && n < *min_) detail::fail(path, "must be at least " + detail::number_text(*min_, type_));
  if (max_ && n > *max_) detail::fail(path, "must be at most " + detail::number_text(*max_, type_));
}

// Integer bounds: min()/max() within the member type's range.
template <class T, class M>
std::pair<typename Spec<T, M>::V, typename Spec<T, M>::V> Spec<T, M>::bounds() const {
  if constexpr (std::is_integral_v<V>) {
    return {min_ ? *min_ : std::numeric_limits<V>::min(), max_ ? *max_ : std::numeric_limits<V>::max()};
  } else {
    return {V{}, V{}};
  }
}

// ---- Spec: documentation and schema ---------------------------------------------------

template <class T, class M>
std::string Spec<T, M>::bounds_text() const {
  if constexpr (std::is_integral_v<V> || detail::is_duration<V>::value) {
    if (min_ && max_) return detail::number_text(*min_, type_) + "–" + detail::number_text(*max_, type_);
    if constexpr (std::is_unsigned_v<V>)  // an unsigned count with a maximum reads "0–max"
      if (max_ && type_ == Type::Integer) return "0–" + detail::number_text(*max_, type_);
    if (min_) return "≥ " + detail::number_text(*min_, type_);
    if (max_) return "≤ " + detail::number_text(*max_, type_);
  }
  return "";
}

template <class T, class M>
std::string Spec<T, M>::type_doc() const {
  std::string t;
  switch (type_) {
    case Type::Text:
      if (!choices_.empty()) {
        std::vector<std::string> quoted;
        for (const auto& c : choices_) quoted.push_back("`" + c + "`");
        return "one of " + detail::join(quoted, ", ");
      }
      t = not_empty_ ? "non-empty string" : "string";
      if (max_length_) t += ", ≤ " + std::to_string(max_length_) + " bytes";
      return t;
    case Type::Integer: t = "integer"; break;
    case Type::Flag: return "boolean";
    case Type::Size: t = "size"; break;
    case Type::Duration: t = "duration"; break;
    case Type::TextList:
      t = "list of strings";
      if (max_entries_) t += ", ≤ " + std::to_string(max_entries_);
      return t;
    case Type::Object: return "object";
  }
  const std::string b = bounds_text();
  return b.empty() ? t : t + ", " + b;
}

template <class T, class M>
std::string Spec<T, M>::doc_value(const V& v) const {
  if constexpr (std::is_same_v<V, std::vector<std::string>>) {
    return "`[" + detail::join(v, ", ") + "]`";
  } else if constexpr (std::is_same_v<V, std::string>) {
    return v.empty() ? "`\"\"`" : "`" + v + "`";
  } else if constexpr (std::is_same_v<V, bool>) {
    return v ? "`true`" : "`false`";
  } else if constexpr (std::is_integral_v<V> || detail::is_duration<V>::value) {
    return "`" + detail::number_text(v, type_) + "`";
  } else {
    return "—";
  }
}

template <class T, class M>
std::string Spec<T, M>::schema_value(const V& v) const {
  if constexpr (std::is_same_v<V, std::vector<std::string>>) {
    std::vector<std::string> q;
    for (const auto& s : v) q.push_back(json::quote(s));
    return "[" + detail::join(q, ", ") + "]";
  } else if constexpr (std::is_same_v<V, std::string>) {
    return json::quote(v);
  } else if constexpr (std::is_same_v<V, bool>) {
    return v ? "true" : "false";
  } else if constexpr (std::is_integral_v<V>) {
    return type_ == Type::Size ? json::quote(detail::size_text(static_cast<std::uint64_t>(v))) : std::to_string(v);
  } else if constexpr (detail::is_duration<V>::value) {
    return json::quote(detail::number_text(v, type_));
  } else {
    return "null";
  }
}

template <class T, class M>
std::string Spec<T, M>::schema() const {
  if constexpr (!detail::is_scalar_v<V>) {
    std::string o = nested_->object_schema(false);
    return o.insert(1, "\"description\": " + json::quote(doc_) + ", ");
  }
  std::string o = "{\"type\": ";
  switch (type_) {
    case Type::Text:
    case Type::Size:
    case Type::Duration: o += "\"string\""; break;
    case Type::Integer: o += "\"integer\""; break;
    case Type::Flag: o += "\"boolean\""; break;
    case Type::TextList: o += "\"array\""; break;
    case Type::Object: break;
  }
  if (!choices_.empty()) {
    std::vector<std::string> q;
    for (const auto& c : choices_) q.push_back(json::quote(c));
    o += ", \"enum\": [" + detail::join(q, ", ") + "]";
  }
  if constexpr (std::is_integral_v<V>) {
    // The member type's own range matters when it is narrower than the host's int64.
    const bool narrow = sizeof(V) < sizeof(std::int64_t);
    const auto [lo, hi] = bounds();
    if (type_ == Type::Integer && (min_ || narrow || std::is_unsigned_v<V>)) o += ", \"minimum\": " + std::to_string(lo);
    if (type_ == Type::Integer && (max_ || narrow)) o += ", \"maximum\": " + std::to_string(hi);
  }
  if (type_ == Type::Text && not_empty_) o += ", \"minLength\": 1";
  if (type_ == Type::Text && max_length_) o += ", \"maxLength\": " + std::to_string(max_length_);
  if (type_ == Type::TextList) {
    o += ", \"items\": {\"type\": \"string\"";
    if (max_length_) o += ", \"maxLength\": " + std::to_string(max_length_);
    o += "}";
    if (not_empty_) o += ", \"minItems\": 1";
    if (max_entries_) o += ", \"maxItems\": " + std::to_string(max_entries_);
  }
  if (default_) o += ", \"default\": " + schema_value(*default_);
  return o + ", \"description\": " + json::quote(doc_) + "}";
}

}  // namespace options
}  // namespace sinkhub

#endif  // SINKHUB_OPTIONS_HPP
