// Definitions behind the ABI's opaque handles; private to core/plugin.
#pragma once

#include <sinkhub/sink.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

// The host's record of one plugin instance (sinkhub_host_instance in the ABI).
struct sinkhub_host_instance {
  std::string plugin_id;
  std::string name;
  std::string log_prefix;  // "[plugin/instance] "
  std::atomic<bool> creating{true};          // inside create(): no network
  std::atomic<bool> defining_metrics{true};  // metric_define allowed (create/open)
  std::atomic<bool> alive{true};             // between create and close
  std::mutex metrics_mu;
  std::vector<int> metric_ids;  // plugin metric id -> registry index
  std::mutex calls_mu;
  std::vector<sinkhub_call*> calls;  // running deliver() calls, for cancel_all
};

// One running deliver() (sinkhub_call in the ABI).
struct sinkhub_call {
  sinkhub_host_instance* owner = nullptr;
  int64_t deadline_monotonic_ms = 0;
  std::atomic<bool> running{true};
  std::atomic<bool> cancelled{false};
  std::mutex mu;
  std::optional<std::string> checkpoint;  // last staged blob
};

namespace sinkhub::plugin {

// Runs one HTTP request for a plugin (host_services().http_request).
int32_t http_request(sinkhub_host_instance* hi, sinkhub_call* call, const sinkhub_http_request* req,
                     sinkhub_http_response* resp);

}  // namespace sinkhub::plugin
