// sinkhub/sink.hpp -- optional header-only C++17 wrapper over sinkhub/sink.h.
//
// This header is compiled INTO the plugin; it is not part of the binary
// interface (the host only ever sees the C structs of sink.h). It gives you:
//   - sinkhub::Sink, a base class with virtual open/deliver/flush/close;
//   - sinkhub::Host, sinkhub::Context, sinkhub::Batch: thin views over the
//     host services, the run context (with checked accessors for the 1.1 fields)
//     and the batch;
//   - SINKHUB_PLUGIN(Class, id, name, version, description, schema, caps):
//     the one macro that emits the exported C entry symbol;
//   - an exception barrier around every callback: no exception ever crosses
//     the C boundary. In create(), sinkhub::OptionsError and
//     std::invalid_argument become REJECT, anything else FATAL; in the other
//     callbacks sinkhub::RetryError becomes RETRY, sinkhub::RejectError becomes
//     REJECT and anything else FATAL, each with the what() text as message.
//
// Minimal use:
//   class MySink : public sinkhub::Sink {
//    public:
//     explicit MySink(const sinkhub::CreateArgs& a) : Sink(a) { /* parse a.options_json,
//         e.g. with an option table: sinkhub/options.hpp */ }
//     sinkhub::Outcome deliver(const sinkhub::Context& c, const sinkhub::Batch& b) override {
//       host().info("got " + std::to_string(b.size()) + " items");
//       return sinkhub::Outcome::ok();
//     }
//   };
//   SINKHUB_PLUGIN(MySink, "com.example.my", "My sink", "1.0.0", "Counts items", nullptr, 0)
#ifndef SINKHUB_SINK_HPP
#define SINKHUB_SINK_HPP

#include <sinkhub/sink.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace sinkhub {

/// Thrown from a Sink constructor when the options are invalid -> REJECT.
struct OptionsError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
/// Thrown from a callback for a transient failure -> RETRY.
struct RetryError : std::runtime_error {
  explicit RetryError(const std::string& what, int64_t after_ms = -1)
      : std::runtime_error(what), retry_after_ms(after_ms) {}
  int64_t retry_after_ms;
};
/// Thrown from a callback for a permanent failure of the delivery -> REJECT.
struct RejectError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::string_view view(const sinkhub_str& s) noexcept {
  return s.ptr ? std::string_view(s.ptr, s.len) : std::string_view();
}

/// The outcome of a callback: a SINKHUB_* code plus the sinkhub_result details.
struct Outcome {
  int32_t code = SINKHUB_OK;
  std::string message;
  int64_t retry_after_ms = -1;
  uint64_t items_accepted = SINKHUB_ITEMS_UNSET;
  int32_t dest_status = 0;
  /// ABI 1.2 rewind (sinkhub_result.resume_from_item): SINKHUB_ITEMS_UNSET = none.
  uint64_t resume_from_item = SINKHUB_ITEMS_UNSET;
  /// ABI 1.3 sinkhub_result.flags (SINKHUB_RESULT_*), e.g. SINKHUB_RESULT_BUSY from busy().
  uint32_t flags = 0;

  static Outcome ok() { return Outcome{}; }
  /// "Go on from item n (<= ctx.item_offset()) instead": the state this delivery needs is
  /// only good up to item n (stage the checkpoint of item n, or none, before returning).
  /// The host moves the delivery back to n and sends items from there at once (code OK;
  /// set `code` to SINKHUB_RETRY to wait for the backoff first). On a host older than 1.2,
  /// which cannot rewind, the wrapper answers REJECT with `msg` instead.
  static Outcome resume_from(uint64_t n, std::string msg) {
    Outcome o;
    o.message = std::move(msg);
    o.items_accepted = 0;
    o.resume_from_item = n;
    return o;
  }
  /// OK for the first n items only (needs SINKHUB_CAP_PARTIAL).
  static Outcome ok_partial(uint64_t n) {
    Outcome o;
    o.items_accepted = n;
    return o;
  }
  static Outcome retry(std::string msg, int64_t after_ms = -1, uint64_t accepted = SINKHUB_ITEMS_UNSET) {
    Outcome o;
    o.code = SINKHUB_RETRY;
    o.message = std::move(msg);
    o.retry_after_ms = after_ms;
    o.items_accepted = accepted;
    return o;
  }
  /// "Busy with another delivery of this host, not failing" (e.g. the destination's writer
  /// lock is held by another delivery): RETRY flagged SINKHUB_RESULT_BUSY, nothing accepted.
  /// The host retries after after_ms (at least its initial backoff) without spending an
  /// attempt. A host older than 1.3 has no such flag: there it is a plain RETRY, which counts.
  static Outcome busy(std::string msg, int64_t after_ms = -1) {
    Outcome o = retry(std::move(msg), after_ms, 0);
    o.flags = SINKHUB_RESULT_BUSY;
    return o;
  }
  static Outcome reject(std::string msg, uint64_t accepted = SINKHUB_ITEMS_UNSET) {
    Outcome o;
    o.code = SINKHUB_REJECT;
    o.message = std::move(msg);
    o.items_accepted = accepted;
    return o;
  }
  static Outcome fatal(std::string msg) {
    Outcome o;
    o.code = SINKHUB_FATAL;
    o.message = std::move(msg);
    return o;
  }
};

/// Result of Host::http() with a buffered body.
struct HttpReply {
  int32_t error = SINKHUB_E_OK;  ///< SINKHUB_E_OK or SINKHUB_E_HTTP_*.
  int32_t status = 0;            ///< HTTP status when error == SINKHUB_E_OK.
  std::string body;              ///< Up to max_body bytes.
  bool truncated = false;
  int64_t retry_after_ms = -1;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string error_message;
};

/// The host services for one instance. Cheap to copy; valid until destroy.
class Host {
 public:
  Host() = default;
  Host(const sinkhub_host* table, sinkhub_host_instance* hi) noexcept : table_(table), hi_(hi) {}

  const sinkhub_host* table() const noexcept { return table_; }
  sinkhub_host_instance* handle() const noexcept { return hi_; }

  void log(int32_t level, std::string_view msg) const noexcept {
    if (table_ && table_->log) table_->log(hi_, level, msg.data(), msg.size());
  }
  bool log_enabled(int32_t level) const noexcept {
    return table_ && table_->log_enabled && table_->log_enabled(hi_, level) != 0;
  }
  void debug(std::string_view m) const noexcept { log(SINKHUB_LOG_DEBUG, m); }
  void info(std::string_view m) const noexcept { log(SINKHUB_LOG_INFO, m); }
  void warn(std::string_view m) const noexcept { log(SINKHUB_LOG_WARN, m); }
  void error(std::string_view m) const noexcept { log(SINKHUB_LOG_ERROR, m); }

  int64_t now_unix_ms() const noexcept { return table_->now_unix_ms(hi_); }
  int64_t monotonic_ms() const noexcept { return table_->monotonic_ms(hi_); }

  /// Only during create() or open(). Returns an id >= 0 or a negative SINKHUB_E_*.
  int32_t metric_define(int32_t kind, const char* name, const char* help) const noexcept {
    return table_->metric_define(hi_, kind, name, help);
  }
  void metric_record(int32_t id, double value) const noexcept {
    if (id >= 0) table_->metric_record(hi_, id, value);
  }

  /// Raw HTTP call; see sinkhub_host::http_request.
  int32_t http(const sinkhub_http_request& req, sinkhub_http_response& resp,
               sinkhub_call* call = nullptr) const noexcept {
    return table_->http_request(hi_, call, &req, &resp);
  }

  /// Convenience: buffered request and response (body kept up to max_body bytes).
  HttpReply http(std::string_view method, std::string_view url,
                 const std::vector<std::pair<std::string, std::string>>& headers,
                 std::string_view body, sinkhub_call* call = nullptr,
                 size_t max_body = 1 << 20, uint32_t timeout_ms = 0) const {
    std::vector<sinkhub_http_header> hs;
    hs.reserve(headers.size());
    for (const auto& h : headers)
      hs.push_back({{h.first.c_str(), h.first.size()}, {h.second.c_str(), h.second.size()}});
    std::string m(method), u(url);
    sinkhub_http_request req{};
    req.struct_size = sizeof req;
    req.method = {m.c_str(), m.size()};
    req.url = {u.c_str(), u.size()};
    req.headers = hs.empty() ? nullptr : hs.data();
    req.header_count = hs.size();
    req.body = body.data();
    req.body_len = body.size();
    req.body_content_length = -1;
    req.timeout_ms = timeout_ms;
    HttpReply out;
    req.user = &out;
    std::vector<char> buf(max_body);
    char err[512] = {0};
    sinkhub_http_response resp{};
    resp.struct_size = sizeof resp;
    resp.on_header = [](void* user, const char* n, size_t nl, const char* v, size_t vl) -> int32_t {
      try {
        static_cast<HttpReply*>(user)->headers.emplace_back(std::string(n, nl), std::string(v, vl));
        return 0;
      } catch (...) {
        return 1;
      }
    };
    resp.body_buf = buf.data();
    resp.body_cap = buf.size();
    resp.error_message = err;
    resp.error_message_cap = sizeof err;
    out.error = http(req, resp, call);
    out.status = resp.status;
    out.body.assign(buf.data(), resp.body_len);
    out.truncated = (resp.flags & SINKHUB_HTTP_RESP_TRUNCATED) != 0;
    out.retry_after_ms = resp.retry_after_ms;
    out.error_message = err;
    return out;
  }

 private:
  const sinkhub_host* table_ = nullptr;
  sinkhub_host_instance* hi_ = nullptr;
};

/// Arguments of the Sink constructor (a view of sinkhub_create_args).
struct CreateArgs {
  Host host;
  std::string_view instance_name;
  std::string_view options_json;  ///< Contains secrets: never log it.
  std::string_view data_dir;
  uint32_t flags = 0;
  sinkhub_instance_limits* limits = nullptr;  ///< May be adjusted by the constructor.
  bool check_only() const noexcept { return (flags & SINKHUB_CREATE_CHECK_ONLY) != 0; }
};

/// A view of the run context of one deliver() call; valid during the call.
class Context {
 public:
  Context(const sinkhub_host* table, const sinkhub_run_context* c) noexcept : table_(table), c_(c) {}
  const sinkhub_run_context& raw() const noexcept { return *c_; }
  std::string_view delivery_id() const noexcept { return view(c_->delivery_id); }
  std::string_view event_type() const noexcept { return view(c_->event_type); }
  std::string_view run_id() const noexcept { return view(c_->run_id); }
  std::string_view actor_id() const noexcept { return view(c_->actor_id); }
  std::string_view task_id() const noexcept { return view(c_->task_id); }
  std::string_view dataset_id() const noexcept { return view(c_->dataset_id); }
  std::string_view event_json() const noexcept { return view(c_->event_json); }
  uint32_t attempt() const noexcept { return c_->attempt; }
  uint64_t item_offset() const noexcept { return c_->item_offset; }
  int64_t deadline_monotonic_ms() const noexcept { return c_->deadline_monotonic_ms; }
  int64_t event_time_unix_ms() const noexcept { return c_->event_time_unix_ms; }
  bool first_batch() const noexcept { return (c_->flags & SINKHUB_CTX_FIRST_BATCH) != 0; }
  bool last_batch() const noexcept { return (c_->flags & SINKHUB_CTX_LAST_BATCH) != 0; }
  bool event_only() const noexcept { return (c_->flags & SINKHUB_CTX_EVENT_ONLY) != 0; }
  /// An operator replayed this delivery from the dead-letter state (SINKHUB_CTX_REPLAY).
  bool replayed() const noexcept { return (c_->flags & SINKHUB_CTX_REPLAY) != 0; }
  /// The dataset's item count when the host knows it (see sinkhub_run_context), else nullopt.
  std::optional<uint64_t> dataset_item_count() const noexcept {
    if (c_->dataset_item_count < 0) return std::nullopt;
    return static_cast<uint64_t>(c_->dataset_item_count);
  }

  // ABI 1.1 fields, checked against the struct size the host passed: a plugin built with
  // the 1.1 header that runs on a 1.0 host reads "absent" (empty, false).

  /// True when the host speaks ABI 1.1 or later for this call (its context has actor_name).
  bool has_abi_1_1() const noexcept { return SINKHUB_HAS(c_, sinkhub_run_context, actor_name); }
  /// "username/actor-name" for sinks declaring SINKHUB_CAP_ACTOR_NAME; empty when unknown
  /// or absent (fall back to actor_id()). Untrusted text.
  std::string_view actor_name() const noexcept {
    return has_abi_1_1() ? view(c_->actor_name) : std::string_view();
  }
  /// dataset_item_count() came from Apify's reported total moments after the run ended and
  /// may still grow (SINKHUB_CTX_COUNT_SETTLING). Never true from a 1.0 host.
  bool count_settling() const noexcept {
    return has_abi_1_1() && (c_->flags & SINKHUB_CTX_COUNT_SETTLING) != 0;
  }
  std::string_view checkpoint() const noexcept {
    return c_->checkpoint ? std::string_view(static_cast<const char*>(c_->checkpoint), c_->checkpoint_len)
                          : std::string_view();
  }
  /// Stages the checkpoint persisted with this call's items_accepted. Returns SINKHUB_E_*.
  int32_t save_checkpoint(std::string_view blob) const noexcept {
    return table_->checkpoint_save(c_->call, blob.data(), blob.size());
  }
  bool cancelled() const noexcept { return table_->call_cancelled(c_->call) != 0; }
  sinkhub_call* call() const noexcept { return c_->call; }

 private:
  const sinkhub_host* table_;
  const sinkhub_run_context* c_;
};

/// A view of one batch; valid during the call.
class Batch {
 public:
  explicit Batch(const sinkhub_batch* b) noexcept : b_(b) {}
  const sinkhub_batch& raw() const noexcept { return *b_; }
  uint64_t size() const noexcept { return b_->item_count; }
  bool empty() const noexcept { return b_->item_count == 0; }
  /// All items, each followed by '\n', exactly as received.
  std::string_view data() const noexcept { return std::string_view(b_->data, b_->data_len); }
  /// Item i without its trailing newline.
  std::string_view item(uint64_t i) const noexcept {
    return std::string_view(b_->data + b_->item_offsets[i], b_->item_lengths[i]);
  }

 private:
  const sinkhub_batch* b_;
};

/// Base class of a C++ sink. The constructor plays create(): validate the
/// options, no network I/O, no threads, no filesystem writes. Throw
/// OptionsError for invalid options.
class Sink {
 public:
  explicit Sink(const CreateArgs& args) : host_(args.host), name_(args.instance_name) {}
  virtual ~Sink() = default;
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  virtual Outcome open(int64_t /*deadline_monotonic_ms*/) { return Outcome::ok(); }
  virtual Outcome deliver(const Context& ctx, const Batch& batch) = 0;
  virtual Outcome flush(int64_t /*deadline_monotonic_ms*/) { return Outcome::ok(); }
  virtual Outcome close(int64_t /*deadline_monotonic_ms*/) { return Outcome::ok(); }

  const Host& host() const noexcept { return host_; }
  const std::string& instance_name() const noexcept { return name_; }

 private:
  Host host_;
  std::string name_;
};

namespace detail {

inline void write_message(sinkhub_result* r, std::string_view msg) noexcept {
  if (!r || !r->message || r->message_cap == 0) return;
  size_t n = msg.size() < r->message_cap - 1 ? msg.size() : r->message_cap - 1;
  if (n) std::memcpy(r->message, msg.data(), n);
  r->message[n] = '\0';
}

inline void append_message(sinkhub_result* r, std::string_view more) noexcept {
  if (!r || !r->message || r->message_cap == 0) return;
  size_t used = 0;
  while (used + 1 < r->message_cap && r->message[used] != '\0') ++used;
  const size_t room = r->message_cap - 1 - used;
  const size_t n = more.size() < room ? more.size() : room;
  if (n) std::memcpy(r->message + used, more.data(), n);
  r->message[used + n] = '\0';
}

inline int32_t apply(const Outcome& o, sinkhub_result* r) noexcept {
  if (!r) return o.code;
  r->retry_after_ms = o.retry_after_ms;
  r->items_accepted = o.items_accepted;
  r->dest_status = o.dest_status;
  if (o.resume_from_item != SINKHUB_ITEMS_UNSET) {
    if (!SINKHUB_HAS(r, sinkhub_result, resume_from_item)) {  // a host before 1.2 cannot rewind
      write_message(r, o.message);
      append_message(r, " (this sinkhub cannot resume a delivery at an earlier item: replay it from the start)");
      r->items_accepted = 0;
      return SINKHUB_REJECT;
    }
    r->resume_from_item = o.resume_from_item;
  }
  // A host before 1.3 passes a result without flags: nothing is written past its struct_size,
  // and a busy() is a plain RETRY there.
  if (o.flags != 0 && SINKHUB_HAS(r, sinkhub_result, flags)) r->flags = o.flags;
  write_message(r, o.message);
  return o.code;
}

// The exception barrier used by every callback except create.
template <class F>
int32_t guard(sinkhub_result* r, F&& f) noexcept {
  try {
    return apply(f(), r);
  } catch (const RetryError& e) {
    if (r) r->retry_after_ms = e.retry_after_ms;
    write_message(r, e.what());
    return SINKHUB_RETRY;
  } catch (const RejectError& e) {
    write_message(r, e.what());
    return SINKHUB_REJECT;
  } catch (const std::exception& e) {
    write_message(r, std::string("unhandled exception: ") + e.what());
  } catch (...) {
    write_message(r, "unhandled non-standard exception");
  }
  return SINKHUB_FATAL;
}

inline Sink* self(sinkhub_instance* i) noexcept { return reinterpret_cast<Sink*>(i); }

template <class T, class = void>
struct has_describe : std::false_type {};
template <class T>
struct has_describe<T, std::void_t<decltype(T::describe(std::declval<sinkhub_plugin_descriptor&>()))>>
    : std::true_type {};

template <class T>
struct Adapter {
  static_assert(std::is_base_of<Sink, T>::value, "SINKHUB_PLUGIN class must derive from sinkhub::Sink");

  static int32_t create(const sinkhub_create_args* a, sinkhub_instance** out, sinkhub_result* r) noexcept {
    if (out) *out = nullptr;
    if (!a || !out) return SINKHUB_FATAL;
    try {
      CreateArgs args;
      args.host = Host(a->host, a->host_instance);
      args.instance_name = view(a->instance_name);
      args.options_json = view(a->options_json);
      args.data_dir = view(a->data_dir);
      args.flags = a->flags;
      args.limits = a->limits;
      std::unique_ptr<Sink> s(new T(args));
      *out = reinterpret_cast<sinkhub_instance*>(s.release());
      return SINKHUB_OK;
    } catch (const std::invalid_argument& e) {  // includes OptionsError
      write_message(r, e.what());
      return SINKHUB_REJECT;
    } catch (const std::exception& e) {
      write_message(r, std::string("create failed: ") + e.what());
    } catch (...) {
      write_message(r, "create failed: non-standard exception");
    }
    return SINKHUB_FATAL;
  }
  static int32_t open(sinkhub_instance* i, int64_t deadline, sinkhub_result* r) noexcept {
    return guard(r, [&] { return self(i)->open(deadline); });
  }
  static int32_t deliver(sinkhub_instance* i, const sinkhub_run_context* c, const sinkhub_batch* b,
                         sinkhub_result* r) noexcept {
    return guard(r, [&] {
      Sink* s = self(i);
      return s->deliver(Context(s->host().table(), c), Batch(b));
    });
  }
  static int32_t flush(sinkhub_instance* i, int64_t deadline, sinkhub_result* r) noexcept {
    return guard(r, [&] { return self(i)->flush(deadline); });
  }
  static int32_t close(sinkhub_instance* i, int64_t deadline, sinkhub_result* r) noexcept {
    return guard(r, [&] { return self(i)->close(deadline); });
  }
  static void destroy(sinkhub_instance* i) noexcept {
    try {
      delete self(i);
    } catch (...) {
      // A throwing destructor is a bug; swallow it rather than cross the ABI.
    }
  }

  static sinkhub_plugin_descriptor make(const char* id, const char* name, const char* version,
                                        const char* description, const char* schema,
                                        uint64_t capabilities) noexcept {
    sinkhub_plugin_descriptor d;
    std::memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    d.abi_major = SINKHUB_ABI_VERSION_MAJOR;
    d.abi_minor = SINKHUB_ABI_VERSION_MINOR;
    d.min_host_abi_minor = SINKHUB_ABI_VERSION_MINOR;
    d.id = id;
    d.name = name;
    d.version = version;
    d.description = description;
    d.options_schema_json = schema;
    d.capabilities = capabilities;
    d.max_concurrency = 1;
    d.create = &Adapter::create;
    d.open = &Adapter::open;
    d.deliver = &Adapter::deliver;
    d.flush = &Adapter::flush;
    d.close = &Adapter::close;
    d.destroy = &Adapter::destroy;
    // Optional hook: `static void describe(sinkhub_plugin_descriptor&) noexcept`
    // to set batch hints, max_items, max_concurrency...
    if constexpr (has_describe<T>::value) T::describe(d);
    return d;
  }
};

}  // namespace detail
}  // namespace sinkhub

/// Emits the exported entry symbol for sink class `Class` (derived from
/// sinkhub::Sink, constructible from `const sinkhub::CreateArgs&`). Use once
/// per plugin, at namespace scope in one .cpp file. Schema may be nullptr; it is
/// evaluated once, on the first call, and an exception while building the
/// descriptor (e.g. out of memory) declines the host instead of crossing it.
#define SINKHUB_PLUGIN(Class, Id, Name, Version, Description, SchemaJson, Capabilities)          \
  extern "C" SINKHUB_EXPORT const sinkhub_plugin_descriptor* sinkhub_plugin_entry_v1(           \
      uint32_t host_abi_major, uint32_t host_abi_minor) {                                        \
    (void)host_abi_minor;                                                                        \
    if (host_abi_major != SINKHUB_ABI_VERSION_MAJOR) return nullptr;                             \
    try {                                                                                        \
      static const sinkhub_plugin_descriptor sinkhub_descriptor_ =                               \
          ::sinkhub::detail::Adapter<Class>::make(Id, Name, Version, Description, SchemaJson,    \
                                                  Capabilities);                                 \
      return &sinkhub_descriptor_;                                                               \
    } catch (...) {                                                                              \
      return nullptr;                                                                            \
    }                                                                                            \
  }

#endif  // SINKHUB_SINK_HPP
