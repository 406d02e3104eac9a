#include "observe/crash_report.hpp"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace sinkhub::observe {

namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE};

// Set by the thread itself around each plugin call and read only by a handler running on that
// same thread: fixed-size, no allocation, `active` published last.
struct CallRecord {
  char plugin[96];
  char sink[96];
  char verb[16];
  std::int64_t delivery;
  volatile sig_atomic_t active;
};
thread_local CallRecord t_call{};

void copy_cut(char* dst, std::size_t size, std::string_view src) {
  const std::size_t n = src.size() < size - 1 ? src.size() : size - 1;
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGABRT: return "SIGABRT";
    case SIGFPE: return "SIGFPE";
    default: return "a fatal signal";
  }
}

// Appends to a bounded buffer (async-signal-safe: no library call but strlen).
class Line {
 public:
  Line(char* buf, std::size_t size) : buf_(buf), size_(size) {}
  Line& operator<<(const char* s) {
    for (; *s && len_ + 1 < size_; ++s) buf_[len_++] = *s;
    buf_[len_] = '\0';
    return *this;
  }
  Line& operator<<(std::int64_t v) {
    char digits[24];
    int n = 0;
    std::uint64_t u = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    do digits[n++] = static_cast<char>('0' + u % 10); while ((u /= 10) != 0 && n < 23);
    if (v < 0) digits[n++] = '-';
    char out[24];
    for (int i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
    out[n] = '\0';
    return *this << out;
  }
  std::size_t size() const { return len_; }

 private:
  char* buf_;
  std::size_t size_, len_ = 0;
};

void on_fatal_signal(int sig) {
  // Best effort for the async logger: its writer thread is still running, give it a moment to
  // write the lines it holds before ours (taking its lock here could deadlock).
  struct timespec pause = {0, 150 * 1000 * 1000};
  nanosleep(&pause, nullptr);
  char buf[512];
  std::size_t n = crash_line(sig, buf, sizeof buf - 1);
  buf[n++] = '\n';
  for (std::size_t off = 0; off < n;) {
    const ssize_t w = write(STDERR_FILENO, buf + off, n - off);
    if (w <= 0) break;
    off += static_cast<std::size_t>(w);
  }
  // SA_RESETHAND put the default action back and SA_NODEFER leaves the signal unblocked: the
  // process ends as the crash would have ended it (status, core dump).
  raise(sig);
}

}  // namespace

std::size_t crash_line(int sig, char* buf, std::size_t size) {
  Line line(buf, size);
  line << "sinkhub: fatal signal " << signal_name(sig);
  if (t_call.active) {
    std::atomic_signal_fence(std::memory_order_acquire);
    line << " in a call to plugin " << t_call.plugin << " (" << t_call.verb << "), sink instance " << t_call.sink
         << ", delivery " << t_call.delivery;
  } else {
    line << " outside any plugin call";
  }
  line << "; pid " << static_cast<std::int64_t>(getpid()) << " stops";
  return line.size();
}

void install_crash_report() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND | SA_NODEFER;
  for (int sig : kSignals) sigaction(sig, &sa, nullptr);
}

PluginCallMark::PluginCallMark(std::string_view plugin, std::string_view sink, std::int64_t delivery,
                               std::string_view verb) {
  t_call.active = 0;
  std::atomic_signal_fence(std::memory_order_release);
  copy_cut(t_call.plugin, sizeof t_call.plugin, plugin);
  copy_cut(t_call.sink, sizeof t_call.sink, sink);
  copy_cut(t_call.verb, sizeof t_call.verb, verb);
  t_call.delivery = delivery;
  std::atomic_signal_fence(std::memory_order_release);
  t_call.active = 1;
}

PluginCallMark::~PluginCallMark() { t_call.active = 0; }

}  // namespace sinkhub::observe
