// The last words of a crashing daemon. Plugins run in-process, so a plugin that dereferences
// a bad pointer kills sinkhub; on SIGSEGV, SIGBUS, SIGABRT or SIGFPE the handler gives the
// async logger's writer thread a moment to write out what it holds (best effort: it takes no
// lock, it only waits), then writes one line to stderr naming the plugin, sink instance and
// delivery that were in a call on the crashing thread, and re-raises the signal with the
// default action so the exit status (and a core dump, if enabled) stay those of the crash.
// Everything in the handler is async-signal-safe: write(2), nanosleep(2), raise(3) and reads
// of a fixed-size thread_local record.
#pragma once

#include <cstdint>
#include <string_view>

namespace sinkhub::observe {

// Installs the handlers (serve: once, at startup).
void install_crash_report();

// Marks the calling thread as inside a plugin call for as long as it lives (sink_call).
class PluginCallMark {
 public:
  PluginCallMark(std::string_view plugin, std::string_view sink, std::int64_t delivery, std::string_view verb);
  ~PluginCallMark();
  PluginCallMark(const PluginCallMark&) = delete;
  PluginCallMark& operator=(const PluginCallMark&) = delete;
};

// The line the handler writes for `sig` on this thread (without the trailing newline), into
// buf (NUL-terminated, cut to size); returns its length. Async-signal-safe; public for tests.
std::size_t crash_line(int sig, char* buf, std::size_t size);

}  // namespace sinkhub::observe
