// sinkhub/test_host.hpp -- a minimal sinkhub plugin host for a plugin's own unit tests
// (header-only C++17; link with -ldl / ${CMAKE_DL_LIBS}). Not part of the ABI.
//
// dlopen a plugin, check its descriptor, and drive one instance with an in-memory
// checkpoint store. It implements the host services sink.h promises a plugin (log, clocks,
// metrics, checkpoint_save, call_cancelled; http_request answers SINKHUB_E_UNSUPPORTED),
// and simulates the host's delivery bookkeeping (items accepted + checkpoint, committed
// together when a call returns). It does not check options against the plugin's schema or
// fill in defaults (sinkhub check-config does): options go to create() as given.
//
//   sinkhub::plugin_test::TestHost host;
//   sinkhub::plugin_test::Plugin plugin("build/my_sink.so");        // throws std::runtime_error
//   sinkhub::plugin_test::Instance sink(plugin, host, R"({"dir":"/tmp/out"})");
//   ASSERT_TRUE(sink.ok()) << sink.create_message();
//   sink.open();
//   sinkhub::plugin_test::Instance::Progress progress;
//   auto outcome = sink.run(sinkhub::plugin_test::DeliverySpec{}, {R"({"a":1})"}, 100, progress);
//   // outcome.code == SINKHUB_OK, progress.accepted == 1, TestHost::logs() holds the log lines
#ifndef SINKHUB_TEST_HOST_HPP
#define SINKHUB_TEST_HOST_HPP

#include <sinkhub/sink.h>

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinkhub {
namespace plugin_test {

struct CallState {
  bool live = true;
  bool staged = false;
  std::string blob;
};

class TestHost {
 public:
  TestHost() {
    std::memset(&table_, 0, sizeof table_);
    table_.struct_size = sizeof table_;
    table_.abi_major = SINKHUB_ABI_VERSION_MAJOR;
    table_.abi_minor = SINKHUB_ABI_VERSION_MINOR;
    table_.host_name = "sinkhub-test-host";
    table_.host_version = "0.0.0";
    table_.checkpoint_max_bytes = SINKHUB_MIN_CHECKPOINT_BYTES;
    table_.log = &TestHost::log;
    table_.log_enabled = [](sinkhub_host_instance*, int32_t) -> int32_t { return 1; };
    table_.now_unix_ms = [](sinkhub_host_instance*) -> int64_t {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
    table_.monotonic_ms = [](sinkhub_host_instance*) -> int64_t {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
    table_.metric_define = [](sinkhub_host_instance*, int32_t kind, const char* name,
                              const char*) -> int32_t {
      if (!name || kind < SINKHUB_METRIC_COUNTER || kind > SINKHUB_METRIC_HISTOGRAM) return SINKHUB_E_INVALID;
      return 0;
    };
    table_.metric_record = [](sinkhub_host_instance*, int32_t, double) {};
    table_.checkpoint_save = [](sinkhub_call* call, const void* data, size_t len) -> int32_t {
      auto* st = reinterpret_cast<CallState*>(call);
      if (!st || !st->live) return SINKHUB_E_STATE;
      if (len > SINKHUB_MIN_CHECKPOINT_BYTES) return SINKHUB_E_TOO_LARGE;
      st->staged = true;
      st->blob.assign(static_cast<const char*>(data), len);
      return SINKHUB_E_OK;
    };
    table_.call_cancelled = [](sinkhub_call*) -> int32_t { return 0; };
    table_.http_request = [](sinkhub_host_instance*, sinkhub_call*, const sinkhub_http_request*,
                             sinkhub_http_response*) -> int32_t { return SINKHUB_E_UNSUPPORTED; };
  }
  const sinkhub_host* table() const { return &table_; }

  static std::vector<std::string>& logs() {
    static std::vector<std::string> v;
    return v;
  }

 private:
  static void log(sinkhub_host_instance*, int32_t level, const char* msg, size_t len) {
    static std::mutex m;
    std::lock_guard<std::mutex> lock(m);
    logs().push_back(std::to_string(level) + " " + std::string(msg, len));
  }
  sinkhub_host table_;
};

// dlopen + entry + descriptor checks (the subset of the real host's checks).
class Plugin {
 public:
  explicit Plugin(const std::string& path) {
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) throw std::runtime_error(std::string("dlopen: ") + dlerror());
    auto entry = reinterpret_cast<sinkhub_plugin_entry_v1_fn>(dlsym(handle_, SINKHUB_PLUGIN_ENTRY_SYMBOL));
    if (!entry) throw std::runtime_error("not a sinkhub plugin: " + path);
    const sinkhub_plugin_descriptor* d = entry(SINKHUB_ABI_VERSION_MAJOR, SINKHUB_ABI_VERSION_MINOR);
    if (!d) throw std::runtime_error("plugin declined the host ABI");
    if (d->struct_size < SINKHUB_PLUGIN_DESCRIPTOR_MIN_SIZE) throw std::runtime_error("struct too small");
    if (d->abi_major != SINKHUB_ABI_VERSION_MAJOR) throw std::runtime_error("ABI major mismatch");
    if (d->min_host_abi_minor > SINKHUB_ABI_VERSION_MINOR) throw std::runtime_error("newer minor");
    std::memset(&desc_, 0, sizeof desc_);
    std::memcpy(&desc_, d, d->struct_size < sizeof desc_ ? d->struct_size : sizeof desc_);
    if (!desc_.create || !desc_.deliver || !desc_.destroy) throw std::runtime_error("required callback missing");
  }
  // Never dlclose: the production rule, and it keeps ASan's reports symbolised.
  const sinkhub_plugin_descriptor& desc() const { return desc_; }

 private:
  void* handle_ = nullptr;
  sinkhub_plugin_descriptor desc_;
};

struct Outcome {
  int32_t code = -1;
  std::string message;
  uint64_t items_accepted = SINKHUB_ITEMS_UNSET;
  uint64_t resume_from_item = SINKHUB_ITEMS_UNSET;  // ABI 1.2 rewind asked for
  uint32_t flags = 0;  // ABI 1.3 SINKHUB_RESULT_* bits (e.g. SINKHUB_RESULT_BUSY)
  int64_t retry_after_ms = -1;
  bool staged = false;
  std::string checkpoint;  // staged blob, if staged
};

// One delivery as the host sees it.
struct DeliverySpec {
  std::string delivery_id = "dlv-1";
  std::string event_type = "ACTOR.RUN.SUCCEEDED";
  std::string run_id = "run1";
  std::string actor_id = "actor1";
  std::string task_id;
  std::string dataset_id = "ds1";
  std::string event_json = "{\"eventType\":\"ACTOR.RUN.SUCCEEDED\"}";
  int64_t event_time_unix_ms = 1767225600000;  // 2026-01-01T00:00:00Z
};

class Instance {
 public:
  Instance(const Plugin& p, TestHost& host, const std::string& options, uint32_t flags = 0)
      : p_(p), host_(host) {
    std::memset(&limits_, 0, sizeof limits_);
    limits_.struct_size = sizeof limits_;
    sinkhub_create_args a;
    std::memset(&a, 0, sizeof a);
    a.struct_size = sizeof a;
    a.flags = flags;
    a.host = host.table();
    a.host_instance = reinterpret_cast<sinkhub_host_instance*>(this);
    a.instance_name = {"test-instance", 13};
    a.options_json = {options.c_str(), options.size()};
    a.data_dir = {"", 0};
    a.limits = &limits_;
    Result r;
    create_code_ = p.desc().create(&a, &inst_, &r.res);
    create_message_ = r.msg;
    if (create_code_ != SINKHUB_OK) inst_ = nullptr;
  }
  ~Instance() {
    if (inst_) {
      if (opened_ && p_.desc().close) {
        Result r;
        p_.desc().close(inst_, deadline(), &r.res);
      }
      p_.desc().destroy(inst_);
    }
  }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  int32_t create_code() const { return create_code_; }
  const std::string& create_message() const { return create_message_; }
  bool ok() const { return inst_ != nullptr; }

  int32_t open() {
    if (!p_.desc().open) return opened_ = true, SINKHUB_OK;
    Result r;
    const int32_t c = p_.desc().open(inst_, deadline(), &r.res);
    opened_ = c == SINKHUB_OK;
    return c;
  }

  // One deliver() call. `items` without newlines.
  Outcome deliver(const DeliverySpec& d, const std::vector<std::string>& items, uint64_t item_offset,
                  uint32_t flags, const std::string* checkpoint, uint32_t attempt = 1,
                  uint32_t batch_index = 0) {
    std::string data;
    std::vector<size_t> offs, lens;
    for (const auto& it : items) {
      offs.push_back(data.size());
      lens.push_back(it.size());
      data += it;
      data += '\n';
    }
    sinkhub_batch b;
    std::memset(&b, 0, sizeof b);
    b.struct_size = sizeof b;
    b.format = SINKHUB_FORMAT_NDJSON;
    b.item_count = items.size();
    b.data = data.c_str();
    b.data_len = data.size();
    b.item_offsets = items.empty() ? nullptr : offs.data();
    b.item_lengths = items.empty() ? nullptr : lens.data();

    CallState call;
    sinkhub_run_context c;
    std::memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    c.flags = flags;
    c.call = reinterpret_cast<sinkhub_call*>(&call);
    c.delivery_id = str(d.delivery_id);
    c.event_type = str(d.event_type);
    c.run_id = str(d.run_id);
    c.actor_id = str(d.actor_id);
    c.task_id = str(d.task_id);
    c.dataset_id = str(d.dataset_id);
    c.event_json = str(d.event_json);
    c.attempt = attempt;
    c.batch_index = batch_index;
    c.deadline_monotonic_ms = deadline();
    c.event_time_unix_ms = d.event_time_unix_ms;
    c.item_offset = item_offset;
    c.dataset_item_count = -1;
    c.checkpoint = checkpoint && !checkpoint->empty() ? checkpoint->data() : nullptr;
    c.checkpoint_len = checkpoint ? checkpoint->size() : 0;

    Result r;
    Outcome o;
    o.code = p_.desc().deliver(inst_, &c, &b, &r.res);
    call.live = false;
    o.message = r.msg;
    o.items_accepted = r.res.items_accepted;
    o.resume_from_item = r.res.resume_from_item;
    o.flags = r.res.flags;
    o.retry_after_ms = r.res.retry_after_ms;
    o.staged = call.staged;
    o.checkpoint = call.blob;
    return o;
  }

  // The host's bookkeeping for a whole delivery: batches of `batch` items,
  // committing items + checkpoint after each call. Stops at the first non-OK.
  struct Progress {
    uint64_t accepted = 0;
    std::string checkpoint;
    uint32_t batch_index = 0;
  };
  Outcome run(const DeliverySpec& d, const std::vector<std::string>& items, size_t batch, Progress& pr,
              uint32_t attempt = 1, size_t stop_before_offset = SIZE_MAX) {
    Outcome o;
    do {
      const size_t from = pr.accepted;
      if (from >= stop_before_offset) break;
      const size_t to = std::min(items.size(), from + batch);
      std::vector<std::string> part(items.begin() + static_cast<long>(from), items.begin() + static_cast<long>(to));
      uint32_t flags = 0;
      if (from == 0) flags |= SINKHUB_CTX_FIRST_BATCH;
      if (to == items.size()) flags |= SINKHUB_CTX_LAST_BATCH;
      o = deliver(d, part, from, flags, &pr.checkpoint, attempt, pr.batch_index++);
      const uint64_t acc = o.items_accepted == SINKHUB_ITEMS_UNSET ? (o.code == SINKHUB_OK ? part.size() : 0)
                                                                   : o.items_accepted;
      pr.accepted += acc;
      if (o.staged) pr.checkpoint = o.checkpoint;
      if (o.code != SINKHUB_OK || (flags & SINKHUB_CTX_LAST_BATCH)) break;
    } while (true);
    return o;
  }

 private:
  struct Result {
    char msg[SINKHUB_MIN_MESSAGE_CAP];
    sinkhub_result res;
    Result() {
      std::memset(&res, 0, sizeof res);
      msg[0] = '\0';
      res.struct_size = sizeof res;
      res.retry_after_ms = -1;
      res.items_accepted = SINKHUB_ITEMS_UNSET;
      res.resume_from_item = SINKHUB_ITEMS_UNSET;
      res.flags = 0;
      res.message = msg;
      res.message_cap = sizeof msg;
    }
  };
  static sinkhub_str str(const std::string& s) { return {s.c_str(), s.size()}; }
  int64_t deadline() const { return host_.table()->monotonic_ms(nullptr) + 30000; }

  const Plugin& p_;
  TestHost& host_;
  sinkhub_instance_limits limits_;
  sinkhub_instance* inst_ = nullptr;
  int32_t create_code_ = -1;
  std::string create_message_;
  bool opened_ = false;
};

}  // namespace plugin_test
}  // namespace sinkhub

#endif  // SINKHUB_TEST_HOST_HPP
