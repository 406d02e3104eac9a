#include "file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace sinkhub_kit {

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

int Fd::close_checked() {
  const int rc = fd_ >= 0 && ::close(fd_) != 0 ? errno : 0;
  fd_ = -1;
  return rc;
}

std::string errno_text(std::string_view what, const std::string& path, int err) {
  return std::string(what) + " '" + path + "': " + std::strerror(err);
}

int write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return errno;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return 0;
}

int pwrite_all(int fd, const char* p, std::size_t n, std::uint64_t offset) {
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return errno;
    p += w;
    n -= static_cast<std::size_t>(w);
    offset += static_cast<std::uint64_t>(w);
  }
  return 0;
}

int pread_all(int fd, char* p, std::size_t n, std::uint64_t offset) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, p, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return errno;
    if (r == 0) return EIO;
    p += r;
    n -= static_cast<std::size_t>(r);
    offset += static_cast<std::uint64_t>(r);
  }
  return 0;
}

int sync_data(int fd) { return ::fdatasync(fd) == 0 ? 0 : errno; }

int fsync_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.ok()) return errno;
  return ::fsync(fd.get()) == 0 ? 0 : errno;
}

std::string parent_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

int make_dirs(const std::string& dir, mode_t mode, bool sync) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  if (errno != ENOENT) return errno;
  const std::string parent = parent_of(dir);
  if (parent != dir)
    if (const int rc = make_dirs(parent, mode, sync)) return rc;
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) return errno;
  return sync ? fsync_dir(parent) : 0;
}

int copy_prefix(const std::string& from, const std::string& to, std::uint64_t bytes) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.ok()) return errno;
  Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!out.ok()) return errno;
  std::vector<char> buf(1 << 16);
  for (std::uint64_t done = 0; done < bytes;) {
    const std::size_t want = bytes - done < buf.size() ? static_cast<std::size_t>(bytes - done) : buf.size();
    if (const int rc = pread_all(in.get(), buf.data(), want, done)) return rc;
    if (const int rc = write_all(out.get(), buf.data(), want)) return rc;
    done += want;
  }
  if (const int rc = sync_data(out.get())) return rc;
  return out.close_checked();
}

int replace_file(const std::string& path, std::string_view content, mode_t mode) {
  const std::string tmp = path + ".tmp";
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.ok()) return errno;
  int rc = write_all(fd.get(), content.data(), content.size());
  if (!rc) rc = sync_data(fd.get());
  if (!rc) rc = fd.close_checked();
  if (!rc && std::rename(tmp.c_str(), path.c_str()) != 0) rc = errno;
  if (rc) {
    ::unlink(tmp.c_str());
    return rc;
  }
  return fsync_dir(parent_of(path));
}

int read_file(const std::string& path, std::size_t max, std::string& out) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) return errno;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno;
  if (static_cast<std::uint64_t>(st.st_size) > max) return EFBIG;
  out.assign(static_cast<std::size_t>(st.st_size), '\0');
  return pread_all(fd.get(), out.data(), out.size(), 0);
}

}  // namespace sinkhub_kit
