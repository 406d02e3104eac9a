#include "plugin/trust.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>

namespace sinkhub::plugin {

namespace {

constexpr int kMaxLinks = 40;  // the kernel's own limit (ELOOP)

std::deque<std::string> components(const std::string& path) {
  std::deque<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    const std::size_t slash = path.find('/', i);
    const std::size_t end = slash == std::string::npos ? path.size() : slash;
    if (end > i) out.push_back(path.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

std::string parent_of(const std::string& dir) {
  const std::size_t slash = dir.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : dir.substr(0, slash);
}

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Why someone other than root or the daemon's user can change an entry ("is owned by ..."),
// or "" if nobody can.
std::string others_can_write(const struct stat& st) {
  const uid_t me = ::geteuid();
  if (st.st_uid != 0 && st.st_uid != me)
    return "is owned by uid " + std::to_string(st.st_uid) + ", neither root nor the user sinkhub runs as (uid " +
           std::to_string(me) + ")";
  if (!(st.st_mode & (S_IWGRP | S_IWOTH))) return {};
  std::string why = "is writable by group or others (mode " + mode_text(st.st_mode) + ")";
  if (S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX)) why += "; a sticky directory such as /tmp is not trusted either";
  return why + ": chmod go-w it, or keep plugins elsewhere";
}

}  // namespace

TrustedPath check_trusted(const std::string& path, const char* what, bool expect_dir) {
  TrustedPath out;
  const std::string subject = std::string(what) + " " + path;
  const auto fail = [&](const std::string& component, const std::string& why) {
    out.resolved.clear();
    out.problem = component == path ? subject + " " + why : subject + ": " + component + " " + why;
    return out;
  };
  std::deque<std::string> todo = components(path);
  if (path.empty() || path[0] != '/') {
    std::error_code ec;
    const std::string cwd = std::filesystem::current_path(ec).string();
    if (ec) return fail(".", "cannot be resolved: " + ec.message());
    const auto base = components(cwd);
    todo.insert(todo.begin(), base.begin(), base.end());
  }
  std::string at = "/";
  struct stat st{};
  if (::lstat("/", &st) != 0) return fail("/", std::string("cannot be read: ") + std::strerror(errno));
  if (auto why = others_can_write(st); !why.empty()) return fail("/", why);
  int links = 0;
  while (!todo.empty()) {
    const std::string c = std::move(todo.front());
    todo.pop_front();
    if (c == ".") continue;
    if (c == "..") {  // physically, as the kernel does: the parent of where the walk is
      at = parent_of(at);
      continue;
    }
    const std::string next = at == "/" ? "/" + c : at + "/" + c;
    if (::lstat(next.c_str(), &st) != 0) return fail(next, std::string("cannot be read: ") + std::strerror(errno));
    if (S_ISLNK(st.st_mode)) {
      // The link sits in a directory checked above: only root or we can have put it there.
      if (++links > kMaxLinks) return fail(next, "has too many levels of symbolic links");
      std::error_code ec;
      const std::string target = std::filesystem::read_symlink(next, ec).string();
      if (ec || target.empty()) return fail(next, "is an unreadable symbolic link");
      const auto more = components(target);
      todo.insert(todo.begin(), more.begin(), more.end());
      if (target[0] == '/') at = "/";
      continue;
    }
    if (auto why = others_can_write(st); !why.empty()) return fail(next, why);
    if (!todo.empty() && !S_ISDIR(st.st_mode)) return fail(next, "is not a directory");
    at = next;
  }
  if (::stat(at.c_str(), &st) != 0) return fail(at, std::string("cannot be read: ") + std::strerror(errno));
  if (expect_dir && !S_ISDIR(st.st_mode)) return fail(path, "is not a directory");
  if (!expect_dir && !S_ISREG(st.st_mode)) return fail(path, "is not a regular file");
  out.resolved = at;
  return out;
}

}  // namespace sinkhub::plugin
