// Pieces of the s3 sink's end-to-end tests: s3rver (npm) as a child process on 127.0.0.1 with
// a temp directory, and the YAML of an s3 sink pointing at it or at the verifying double.
#pragma once

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "testkit.hpp"

namespace sinkhub::s3test {

// s3rver 3.7.1 from tests/s3/s3rver/node_modules (scripts/install-deps.sh installs it).
class S3rver {
 public:
  S3rver() {
    const std::string bin = std::string(S3RVER_DIR) + "/node_modules/.bin/s3rver";
    if (::access(bin.c_str(), X_OK) != 0) {
      error_ = "s3rver is not installed at " + bin + ": run scripts/install-deps.sh --test (npm ci in tests/s3/s3rver)";
      return;
    }
    port_ = testkit::free_port();
    const std::string data = dir_.file("data"), log = dir_.file("s3rver.log");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      if (!freopen(log.c_str(), "w", stdout) || !freopen(log.c_str(), "a", stderr)) _exit(126);
      const std::string port = std::to_string(port_);
      ::execl(bin.c_str(), bin.c_str(), "-d", data.c_str(), "-a", "127.0.0.1", "-p", port.c_str(),
              "--configure-bucket", "test-bucket", "-s", static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (testkit::http_request(port_, "GET", "/test-bucket", {}, {}, {}, std::chrono::seconds(2)).status == 200) return;
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        error_ = "s3rver exited at start-up: " + testkit::read_file(log);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    error_ = "s3rver did not answer within 30 s: " + testkit::read_file(log);
  }
  ~S3rver() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }
  S3rver(const S3rver&) = delete;
  S3rver& operator=(const S3rver&) = delete;

  const std::string& error() const { return error_; }  // "" when running
  std::uint16_t port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // GET of an object (s3rver accepts anonymous reads).
  testkit::HttpResponse get(const std::string& key) const {
    return testkit::http_request(port_, "GET", "/test-bucket/" + key, {}, {}, {}, std::chrono::seconds(30));
  }

 private:
  testkit::TempDir dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::string error_;
};

// The YAML body (4-space indented) of an s3 sink.
inline std::string s3_sink_yaml(const std::string& endpoint, const std::string& access_key, const std::string& secret,
                                const std::string& extra = {}) {
  return "    plugin: s3\n    bucket: test-bucket\n    region: us-east-1\n    endpoint: \"" + endpoint +
         "\"\n    path_style: true\n    key: \"runs/{actorId}/{runId}.jsonl\"\n    part_size: 5MiB\n"
         "    access_key_id: \"" + access_key + "\"\n    secret_access_key: \"" + secret + "\"\n" + extra;
}

}  // namespace sinkhub::s3test
