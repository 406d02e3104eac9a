// Files, directories, ports and small text helpers for the integration tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sinkhub::testkit {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
std::uint16_t free_port();

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

// 1-based number of the first line of `text` containing `needle`; 0 if absent.
int line_of(const std::string& text, const std::string& needle);

// Replaces every occurrence of `from` in `text` by `to`.
std::string replace_all(std::string text, const std::string& from, const std::string& to);

// Milliseconds since `start` on the steady clock.
inline long long elapsed_ms(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace sinkhub::testkit
