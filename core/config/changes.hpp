// What a reload would change: the running config against the one just read. Which keys only a
// restart applies, which sinks come, go or change, and a description of the rest that never
// holds a secret's value (for the reload's log line).
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace sinkhub::config {

// The restart-only keys whose values differ ("server.listen", "ledger.path", ...), in the order
// of the table in changes.cpp. A running daemon cannot apply them: its listener, ledger and
// worker pool are set up once. Empty when a reload may apply `next`.
std::vector<std::string> restart_only_changes(const Config& running, const Config& next);

// Sinks by name, running -> next. `changed`: another plugin id or other options (a new instance
// is needed); `dataset_changed`: only sinks.NAME.dataset differs (the instance is kept).
struct SinkChanges {
  std::vector<std::string> added, removed, changed, dataset_changed, unchanged;
};
SinkChanges sink_changes(const Config& running, const Config& next);

// Everything but the sinks and the restart-only keys that differs, one entry per setting, e.g.
// "auth.secrets: 2 (was 1)", "routes: 3 (changed)", "apify.token: replaced". Secrets are
// counted or said to be replaced, never shown. Empty when nothing differs.
std::vector<std::string> setting_changes(const Config& running, const Config& next);

}  // namespace sinkhub::config
