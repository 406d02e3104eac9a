// Logging to stderr (journald adds its own timestamps under systemd): text or JSON lines.
#pragma once

#include <string>

namespace sinkhub::observe {

enum class LogFormat { Text, Json };

// Installs the default spdlog logger. level: trace|debug|info|warn|error.
void init_logging(LogFormat format, const std::string& level);
// Writes out every queued line; call before the process exits.
void flush_logging();

}  // namespace sinkhub::observe
