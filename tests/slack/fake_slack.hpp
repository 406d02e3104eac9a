// A fake Slack incoming-webhook endpoint for tests: Poco HTTPServer on 127.0.0.1 that
// records every POST (path, headers, body, arrival time) and answers from a script: "ok"
// by default, or queued answers (each Slack error string with its status as
// destinations.md §5 lists them, 429 + Retry-After, 500, a dropped connection).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sinkhub::fake {

struct SlackPost {
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::int64_t at_ms = 0;  // steady clock, ms: when the request arrived
  int status = 0;          // what the fake answered (0: connection dropped)

  std::string header(const std::string& name) const;  // case-insensitive, "" if absent
};

struct SlackAnswer {
  int status = 200;
  std::string body = "ok";
  int retry_after_s = -1;  // >= 0: a Retry-After header
  bool drop = false;       // close the connection without answering

  static SlackAnswer ok() { return {}; }
  // A Slack error string with the status Slack sends for it (destinations.md §5).
  static SlackAnswer error(const std::string& code);
  static SlackAnswer rate_limited(int retry_after_s) { return {429, "rate_limited", retry_after_s, false}; }
  static SlackAnswer server_error() { return {500, "rollup_error", -1, false}; }
  static SlackAnswer dropped() { return {0, "", -1, true}; }
};

class FakeSlack {
 public:
  FakeSlack();  // listening on an ephemeral port when constructed
  ~FakeSlack();
  FakeSlack(const FakeSlack&) = delete;
  FakeSlack& operator=(const FakeSlack&) = delete;

  // "http://127.0.0.1:PORT" + path; any path is accepted.
  std::string url(const std::string& path = "/services/T0FAKE/B0FAKE/fakeSecretToken123") const;

  // The next posts get these answers in order, then "ok" again.
  void script(std::vector<SlackAnswer> answers);
  // Posts to exactly this path get these answers first (before the shared script).
  void script_for(const std::string& path, std::vector<SlackAnswer> answers);
  // Every post (after the scripts) gets this answer.
  void set_default(SlackAnswer answer);

  std::vector<SlackPost> posts() const;
  std::size_t count() const;
  std::vector<SlackPost> posts_to(const std::string& path) const;
  // Polls until at least n posts arrived or the timeout passed.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace sinkhub::fake
