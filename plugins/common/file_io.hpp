// POSIX file helpers of the sink kit: an owned descriptor, write loops that survive EINTR
// and short writes, fsync of files and directories, mkdir -p, errno as text. Every helper
// returns an errno value (0 on success) instead of throwing, so a sink decides what a
// failure means for its delivery (RETRY for a full disk, FATAL for a read-only one...).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace sinkhub_kit {

/// An owned file descriptor, closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }
  void reset(int fd = -1);
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  /// close(2) with its error (a failed close can mean lost data on some file systems).
  int close_checked();

 private:
  int fd_ = -1;
};

/// "<what> '<path>': <strerror(err)>", e.g. "cannot create '/x/y.tmp': Permission denied".
std::string errno_text(std::string_view what, const std::string& path, int err);

/// Writes all n bytes at the current offset / at `offset`.
int write_all(int fd, const char* p, std::size_t n);
int pwrite_all(int fd, const char* p, std::size_t n, std::uint64_t offset);
/// Reads exactly n bytes at `offset`; EIO when the file ends first.
int pread_all(int fd, char* p, std::size_t n, std::uint64_t offset);
/// fdatasync: the data and what is needed to read it back (the size) are on disk.
int sync_data(int fd);
/// fsync of a directory, so the entries created or renamed in it survive a power loss.
int fsync_dir(const std::string& dir);

/// "/a/b/c" -> "/a/b"; "/a" -> "/"; "a" -> ".".
std::string parent_of(const std::string& path);
/// mkdir -p with `mode`; with sync, fsyncs the parent of every directory it creates.
int make_dirs(const std::string& dir, mode_t mode, bool sync);

/// Copies the first `bytes` bytes of `from` into a new (truncated) file `to`, synced.
int copy_prefix(const std::string& from, const std::string& to, std::uint64_t bytes);
/// Replaces `path` atomically with `content`: temp file, sync, rename, directory sync.
int replace_file(const std::string& path, std::string_view content, mode_t mode);
/// Reads a whole file of at most `max` bytes into `out` (EFBIG when larger).
int read_file(const std::string& path, std::size_t max, std::string& out);

}  // namespace sinkhub_kit
