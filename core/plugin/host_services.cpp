// The services table plugins call back into: logging, clocks, metrics, checkpoints,
// cancellation, HTTP. Every entry is noexcept in effect: nothing may unwind into C.
#include <spdlog/spdlog.h>

#include <cstring>
#include <regex>

#include "observe/metrics.hpp"
#include "plugin/host.hpp"
#include "plugin/host_internal.hpp"
#include "util/clock.hpp"

namespace sinkhub::plugin {

namespace {

spdlog::level::level_enum to_spdlog(int32_t level) {
  switch (level) {
    case SINKHUB_LOG_TRACE: return spdlog::level::trace;
    case SINKHUB_LOG_DEBUG: return spdlog::level::debug;
    case SINKHUB_LOG_INFO: return spdlog::level::info;
    case SINKHUB_LOG_WARN: return spdlog::level::warn;
    default: return spdlog::level::err;
  }
}

void host_log(sinkhub_host_instance* hi, int32_t level, const char* msg, size_t len) {
  try {
    if (!msg) return;
    const std::string_view text(msg, len);
    spdlog::log(to_spdlog(level), "{}{}", hi ? std::string_view(hi->log_prefix) : std::string_view("[plugin] "), text);
  } catch (...) {
  }
}

int32_t host_log_enabled(sinkhub_host_instance*, int32_t level) {
  return spdlog::default_logger_raw()->should_log(to_spdlog(level)) ? 1 : 0;
}

int64_t host_now_unix_ms(sinkhub_host_instance*) { return util::unix_ms(); }

// The clock of every deadline_monotonic_ms the host hands out.
int64_t host_monotonic_ms(sinkhub_host_instance*) { return util::steady_ms(); }

int32_t host_metric_define(sinkhub_host_instance* hi, int32_t kind, const char* name, const char* help) {
  try {
    if (!hi || !name) return SINKHUB_E_INVALID;
    if (!hi->defining_metrics.load()) return SINKHUB_E_STATE;
    static const std::regex valid("[a-z_][a-z0-9_]{0,63}");
    if (!std::regex_match(name, valid)) return SINKHUB_E_INVALID;
    observe::Metrics::Kind k;
    if (kind == SINKHUB_METRIC_COUNTER) k = observe::Metrics::Kind::Counter;
    else if (kind == SINKHUB_METRIC_GAUGE) k = observe::Metrics::Kind::Gauge;
    else if (kind == SINKHUB_METRIC_HISTOGRAM) k = observe::Metrics::Kind::Histogram;
    else return SINKHUB_E_INVALID;
    // Prometheus names counters *_total; a plugin that forgets gets the suffix, once.
    std::string full = std::string("sinkhub_plugin_") + name;
    if (k == observe::Metrics::Kind::Counter && full.compare(full.size() - 6, 6, "_total") != 0) full += "_total";
    const int index = observe::Metrics::instance().define(k, full,
                                                          help ? help : "", {{"plugin", hi->plugin_id}, {"instance", hi->name}});
    if (index < 0) return SINKHUB_E_INVALID;  // same name, other kind
    std::lock_guard<std::mutex> lk(hi->metrics_mu);
    for (std::size_t i = 0; i < hi->metric_ids.size(); ++i)
      if (hi->metric_ids[i] == index) return static_cast<int32_t>(i);
    hi->metric_ids.push_back(index);
    return static_cast<int32_t>(hi->metric_ids.size() - 1);
  } catch (...) {
    return SINKHUB_E_INVALID;
  }
}

void host_metric_record(sinkhub_host_instance* hi, int32_t id, double value) {
  if (!hi || id < 0) return;
  int index;
  {
    std::lock_guard<std::mutex> lk(hi->metrics_mu);
    if (static_cast<std::size_t>(id) >= hi->metric_ids.size()) return;
    index = hi->metric_ids[static_cast<std::size_t>(id)];
  }
  observe::Metrics::instance().record(index, value);
}

int32_t host_checkpoint_save(sinkhub_call* call, const void* data, size_t len) {
  try {
    if (!call || (!data && len)) return SINKHUB_E_INVALID;
    if (!call->running.load()) return SINKHUB_E_STATE;
    if (len > host_services()->checkpoint_max_bytes) return SINKHUB_E_TOO_LARGE;
    std::lock_guard<std::mutex> lk(call->mu);
    call->checkpoint = std::string(static_cast<const char*>(data), len);
    return SINKHUB_E_OK;
  } catch (...) {
    return SINKHUB_E_INVALID;
  }
}

int32_t host_call_cancelled(sinkhub_call* call) {
  if (!call) return 0;
  return (call->cancelled.load() || util::steady_ms() > call->deadline_monotonic_ms) ? 1 : 0;
}

int32_t host_http_request(sinkhub_host_instance* hi, sinkhub_call* call, const sinkhub_http_request* req,
                          sinkhub_http_response* resp) {
  try {
    return http_request(hi, call, req, resp);
  } catch (...) {
    return SINKHUB_E_HTTP_IO;
  }
}

sinkhub_host make_host() {
  sinkhub_host h;
  std::memset(&h, 0, sizeof h);
  h.struct_size = sizeof(sinkhub_host);
  h.abi_major = SINKHUB_ABI_VERSION_MAJOR;
  h.abi_minor = SINKHUB_ABI_VERSION_MINOR;
  h.host_name = "sinkhub";
  h.host_version = SINKHUB_VERSION;
  h.checkpoint_max_bytes = 16ull * 1024 * 1024;
  h.log = host_log;
  h.log_enabled = host_log_enabled;
  h.now_unix_ms = host_now_unix_ms;
  h.monotonic_ms = host_monotonic_ms;
  h.metric_define = host_metric_define;
  h.metric_record = host_metric_record;
  h.checkpoint_save = host_checkpoint_save;
  h.call_cancelled = host_call_cancelled;
  h.http_request = host_http_request;
  return h;
}

}  // namespace

const sinkhub_host* host_services() {
  static const sinkhub_host host = make_host();
  return &host;
}

}  // namespace sinkhub::plugin
