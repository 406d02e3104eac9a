// The Slack sink's client: one POST of a message to the incoming webhook through the host's
// HTTP service, paced to one post per second per webhook URL (RateLimiter), and the
// classification of Slack's answer: by its error string first, as Slack recommends, then by
// the status as every HTTP sink maps it (sinkhub/http_outcome.hpp).
#pragma once

#include <sinkhub/sink.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slack {

/// A delivery's state between calls, its checkpoint: posted (effect-once: never post it
/// again), or the first items of earlier calls, kept until the last call posts. The sink
/// kit's codec; version 1 was the untagged JSON of slack sink 1.0, with the same fields.
struct State {
  bool posted = false;
  std::int64_t posted_at = 0;
  std::vector<std::string> items;

  /// An unreadable checkpoint (not ours, hand-edited) reads as a fresh start.
  static State decode(std::string_view blob);
  static std::string posted_now(std::int64_t unix_ms);
  static std::string pending(const std::vector<std::string>& items);
};

/// Maps Slack's answer onto a result. The body is untrusted: only its error code is kept.
///   2xx                                                             -> OK
///   429 (after Retry-After, else 1 s), 5xx, 408, transport errors   -> RETRY
///   invalid_payload, no_text, too_many_attachments, user_not_found  -> REJECT
///   no_service, channel_not_found, channel_is_archived, invalid_token, ... and any
///   401/403/404/410                                                 -> FATAL
///   any other 4xx                                                   -> REJECT
sinkhub::Outcome classify(int32_t status, const std::string& body, int64_t retry_after_ms);

class Client {
 public:
  /// `url` is a secret: it is never logged nor put into a result message.
  Client(const sinkhub::Host& host, std::string url) : host_(host), url_(std::move(url)) {}

  /// Posts `payload` within the call's deadline; OK only when Slack accepted it.
  sinkhub::Outcome post(const sinkhub::Context& ctx, const std::string& payload) const;

 private:
  sinkhub::Outcome wait_for_slot(const sinkhub::Context& ctx) const;

  const sinkhub::Host& host_;
  std::string url_;
};

}  // namespace slack
