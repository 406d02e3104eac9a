// The sd_notify(3) protocol without libsystemd: one datagram of "KEY=VALUE\n" lines to the
// AF_UNIX socket named by $NOTIFY_SOCKET. With Type=notify the service manager considers the
// daemon started when READY=1 arrives, and knows it is shutting down on STOPPING=1.
#pragma once

#include <string>

namespace sinkhub::observe {

struct NotifyOutcome {
  enum Kind { Sent, NotRequested, Failed } kind = NotRequested;
  std::string error;  // why it failed (Failed only); names the socket, never the message
};

// Sends `state` (e.g. "READY=1\nSTATUS=listening") to $NOTIFY_SOCKET: an absolute path or,
// with a leading '@', an abstract socket. NotRequested when the variable is unset or empty
// (not started by a notify-aware manager), which is not an error.
NotifyOutcome notify_service_manager(const std::string& state);

}  // namespace sinkhub::observe
