// The daemon under systemd (packaging/sinkhub.service): Type=notify readiness over
// $NOTIFY_SOCKET (the sd_notify protocol), and the SIGHUP of `systemctl reload`.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstddef>
#include <cstring>
#include <optional>
#include <thread>

#include "integration.hpp"

namespace sinkhub::it {
namespace {

// The service manager's end: a datagram socket bound to a path, or to an abstract name when
// the name starts with '@' (as systemd spells it in NOTIFY_SOCKET).
class NotifySocket {
 public:
  explicit NotifySocket(std::string name) : name_(std::move(name)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name_.data(), name_.size());
    if (name_[0] == '@') addr.sun_path[0] = '\0';
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0)
      throw std::runtime_error("bind " + name_ + ": " + std::strerror(errno));
  }
  ~NotifySocket() {
    ::close(fd_);
    if (name_[0] == '/') ::unlink(name_.c_str());
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::string& name() const { return name_; }

  // The next datagram, or nullopt if none arrives within `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
  }

 private:
  std::string name_;
  int fd_ = -1;
};

Daemon::Options with_notify_socket(const std::string& value) {
  Daemon::Options o;
  o.env["NOTIFY_SOCKET"] = value;
  return o;
}

// Waits (bounded) until the daemon's log contains `needle`.
bool log_shows(const Daemon& d, const std::string& needle, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto start = std::chrono::steady_clock::now();
  while (d.log().find(needle) == std::string::npos) {
    if (elapsed_ms(start) > timeout.count()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST(SystemdNotify, ReadyOnceListeningThenStoppingOnSigterm) {
  TempDir dir;
  NotifySocket manager(dir.file("notify"));
  Daemon d(stock_yaml(), with_notify_socket(manager.name()));
  d.start();
  const auto ready = manager.receive(std::chrono::seconds(5));
  ASSERT_TRUE(ready.has_value()) << "no READY=1 within 5 s; log:\n" << d.log();
  EXPECT_EQ(*ready, "READY=1\nSTATUS=listening on 127.0.0.1:" + std::to_string(d.port()));
  // Exactly one readiness message: nothing more until the daemon is told to stop.
  EXPECT_FALSE(manager.receive(std::chrono::milliseconds(300)).has_value());
  EXPECT_EQ(d.get("/healthz").status, 200);

  EXPECT_EQ(d.stop(), 0) << d.log();
  const auto stopping = manager.receive(std::chrono::seconds(1));
  ASSERT_TRUE(stopping.has_value()) << "no STOPPING=1 on SIGTERM; log:\n" << d.log();
  EXPECT_EQ(*stopping, "STOPPING=1\nSTATUS=stopping");
}

TEST(SystemdNotify, AnAbstractSocketNameWorksToo) {
  NotifySocket manager("@sinkhub-test-notify-" + std::to_string(::getpid()) + "-" + std::to_string(free_port()));
  Daemon d(stock_yaml(), with_notify_socket(manager.name()));
  d.start();
  const auto ready = manager.receive(std::chrono::seconds(5));
  ASSERT_TRUE(ready.has_value()) << d.log();
  EXPECT_EQ(ready->rfind("READY=1\n", 0), 0u) << *ready;
  EXPECT_EQ(d.stop(), 0);
}

struct BadSocket {
  std::string name;
  std::string value;
  std::string logged;
};
void PrintTo(const BadSocket& b, std::ostream* os) { *os << b.name; }

class UnusableNotifySocket : public ::testing::TestWithParam<BadSocket> {};

// A NOTIFY_SOCKET that cannot be used is worth a warning naming what is wrong, never a failed
// start: the webhooks still have to be received.
TEST_P(UnusableNotifySocket, IsAWarningAndTheDaemonServesAnyway) {
  Daemon d(stock_yaml(), with_notify_socket(GetParam().value));
  d.start();
  EXPECT_TRUE(log_shows(d, "systemd notification: " + GetParam().logged)) << d.log();
  const auto r = d.post_webhook(default_payload(new_run()));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(d.stop(), 0) << d.log();
}

INSTANTIATE_TEST_SUITE_P(
    Values, UnusableNotifySocket,
    ::testing::Values(
        BadSocket{"Relative", "run/notify", "NOTIFY_SOCKET must be an absolute path or start with '@'"},
        BadSocket{"NobodyListens", "/nonexistent-dir/notify", "cannot send to NOTIFY_SOCKET /nonexistent-dir/notify"},
        BadSocket{"PathTooLong", "/" + std::string(300, 'a'), "NOTIFY_SOCKET is longer than a socket address can be"},
        BadSocket{"AbstractTooLong", "@" + std::string(200, 'x'),
                  "NOTIFY_SOCKET is longer than a socket address can be"}),
    [](const ::testing::TestParamInfo<BadSocket>& p) { return p.param.name; });

// `systemctl reload` sends SIGHUP (ExecReload in the unit): the daemon reloads in place (same
// process, still serving) and tells the service manager RELOADING=1, then READY=1 once done.
// What a reload applies is tested in reload_test.cpp.
TEST(Sighup, ReloadsInPlaceAndTellsTheServiceManager) {
  TempDir dir;
  NotifySocket manager(dir.file("notify"));
  Daemon d(stock_yaml(), with_notify_socket(manager.name()));
  d.start();
  ASSERT_TRUE(manager.receive(std::chrono::seconds(5)).has_value()) << d.log();
  const std::string said = d.reload(stock_yaml());
  EXPECT_NE(said.find("received SIGHUP: reloading " + d.config_path()), std::string::npos) << said;
  const auto reloading = manager.receive(std::chrono::seconds(5));
  ASSERT_TRUE(reloading.has_value()) << d.log();
  EXPECT_EQ(*reloading, "RELOADING=1\nSTATUS=reloading the config");
  const auto ready = manager.receive(std::chrono::seconds(5));
  ASSERT_TRUE(ready.has_value()) << d.log();
  EXPECT_EQ(*ready, "READY=1\nSTATUS=listening on 127.0.0.1:" + std::to_string(d.port()));
  EXPECT_FALSE(d.wait_exit(std::chrono::milliseconds(300)).has_value()) << "SIGHUP ended the daemon:\n" << d.log();
  const auto r = d.post_webhook(default_payload(new_run()));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(d.stop(), 0) << d.log();
}

}  // namespace
}  // namespace sinkhub::it
