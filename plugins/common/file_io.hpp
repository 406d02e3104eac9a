// An owned file descriptor, closed on destruction (file and s3 sinks). Header-only, SDK-only.
#pragma once

#include <unistd.h>

#include <cerrno>

namespace sinkhub_fd {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int close_checked() {
    const int rc = fd_ >= 0 && ::close(fd_) != 0 ? errno : 0;
    fd_ = -1;
    return rc;
  }

 private:
  int fd_ = -1;
};

}  // namespace sinkhub_fd
