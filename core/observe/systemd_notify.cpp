#include "observe/systemd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace sinkhub::observe {

namespace {

NotifyOutcome failed(std::string why) { return {NotifyOutcome::Failed, std::move(why)}; }

}  // namespace

NotifyOutcome notify_service_manager(const std::string& state) {
  const char* env = std::getenv("NOTIFY_SOCKET");
  if (env == nullptr || *env == '\0') return {};
  const std::string path = env;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // systemd hands out absolute paths, or '@' for the abstract namespace (a leading NUL).
  if (path[0] != '/' && path[0] != '@')
    return failed("NOTIFY_SOCKET must be an absolute path or start with '@' (got '" + path + "')");
  if (path.size() > sizeof(addr.sun_path) - (path[0] == '/' ? 1 : 0))
    return failed("NOTIFY_SOCKET is longer than a socket address can be (" + std::to_string(path.size()) + " bytes)");
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());

  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return failed(std::string("socket: ") + std::strerror(errno));
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len);
  const int err = errno;
  ::close(fd);
  if (sent < 0) return failed("cannot send to NOTIFY_SOCKET " + path + ": " + std::strerror(err));
  return {NotifyOutcome::Sent, {}};
}

}  // namespace sinkhub::observe
