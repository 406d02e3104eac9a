#include "slack_client.hpp"

#include <sinkhub/http_outcome.hpp>

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <thread>

#include "checkpoint.hpp"
#include "rate_limiter.hpp"

namespace slack {

namespace {

constexpr std::int64_t kPostInterval = 1000;       // Slack: about one message per second
constexpr std::int64_t kRequestBudget = 2000;      // kept for the POST itself after a wait
constexpr std::int64_t kDefaultRetryAfter = 1000;  // 429 without Retry-After
constexpr unsigned kStateVersion = 2;

// Slack's error body is a bare code like "channel_not_found": keep only such characters
// (the body is untrusted and goes into logs).
std::string error_code(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 64))
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') out += c;
  return out;
}

bool one_of(const std::string& code, std::initializer_list<const char*> list) {
  return std::any_of(list.begin(), list.end(), [&](const char* c) { return code == c; });
}

}  // namespace

State State::decode(std::string_view blob) {
  State st;
  if (blob.empty()) return st;
  try {
    const auto cp = sinkhub_kit::Checkpoint::decode(blob, "slack", kStateVersion);
    st.posted = cp.flag("posted", false);
    st.posted_at = cp.has("at") ? static_cast<std::int64_t>(cp.count("at")) : 0;
    st.items = cp.texts("items");
  } catch (const sinkhub_kit::CheckpointError&) {
    st = State{};
  }
  return st;
}

std::string State::posted_now(std::int64_t unix_ms) {
  return sinkhub_kit::Checkpoint("slack", kStateVersion)
      .set_flag("posted", true)
      .set_count("at", static_cast<std::uint64_t>(unix_ms))
      .encode();
}

std::string State::pending(const std::vector<std::string>& items) {
  return sinkhub_kit::Checkpoint("slack", kStateVersion).set_texts("items", items).encode();
}

sinkhub::Outcome classify(int32_t status, const std::string& body, int64_t retry_after_ms) {
  const std::string code = error_code(body);
  const std::string seen = "Slack answered " + std::to_string(status) + (code.empty() ? "" : " " + code);
  const int32_t by_status = sinkhub::result_for_status(status);
  std::string what = seen + ": Slack refused this message";
  if (by_status == SINKHUB_OK) what.clear();
  else if (status == 429) what = seen + ": rate limited";
  else if (by_status == SINKHUB_RETRY) what = seen + ": Slack-side failure, will retry";
  sinkhub::Outcome o = sinkhub::http_outcome(SINKHUB_E_OK, status, retry_after_ms, what, kDefaultRetryAfter);
  if (o.code != SINKHUB_REJECT && o.code != SINKHUB_FATAL) return o;
  if (one_of(code, {"invalid_payload", "no_text", "too_many_attachments", "user_not_found"})) {
    o.code = SINKHUB_REJECT;
  } else if (o.code == SINKHUB_FATAL || status == 404 || status == 410 ||
             one_of(code, {"no_service", "no_service_id", "no_team", "channel_not_found", "channel_is_archived",
                           "action_prohibited", "invalid_token", "team_disabled", "posting_to_general_channel_denied"})) {
    o.code = SINKHUB_FATAL;
    o.message = seen + ": the webhook cannot post until someone fixes it (check webhook_url and the Slack app); "
                       "the sink is suspended";
  }
  return o;
}

// Waits for this URL's next free slot (one post per second across the process), or answers
// RETRY when the queue is longer than the call may wait.
sinkhub::Outcome Client::wait_for_slot(const sinkhub::Context& ctx) const {
  auto& limiter = RateLimiter::shared();
  const int64_t deadline = ctx.deadline_monotonic_ms(), start = host_.monotonic_ms();
  // Keep time for the POST itself (half the call when the whole call is short).
  const int64_t budget = std::min<int64_t>(kRequestBudget, std::max<int64_t>(deadline - start, 0) / 2);
  const auto ticket = limiter.reserve(url_, start, deadline - budget, kPostInterval);
  if (!ticket.reserved)
    return sinkhub::Outcome::retry("waiting for Slack's rate limit (one message per second per webhook)",
                                   std::max<int64_t>(ticket.at_ms - host_.monotonic_ms(), 100));
  for (int64_t now = host_.monotonic_ms(); now < ticket.at_ms; now = host_.monotonic_ms()) {
    if (ctx.cancelled()) return sinkhub::Outcome::retry("cancelled while waiting for Slack's rate limit");
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(50, ticket.at_ms - now)));
  }
  return sinkhub::Outcome::ok();
}

sinkhub::Outcome Client::post(const sinkhub::Context& ctx, const std::string& payload) const {
  if (auto waited = wait_for_slot(ctx); waited.code != SINKHUB_OK) return waited;
  const int64_t left = ctx.deadline_monotonic_ms() - host_.monotonic_ms();
  if (left <= 0) return sinkhub::Outcome::retry("call deadline passed before posting");
  const auto reply = host_.http("POST", url_, {{"Content-Type", "application/json; charset=utf-8"}}, payload,
                                ctx.call(), 4096, static_cast<uint32_t>(std::min<int64_t>(left, 15000)));
  if (reply.error != SINKHUB_E_OK)
    return sinkhub::http_outcome(reply, std::string("Slack webhook: ") + sinkhub::transport_error_text(reply.error));
  auto outcome = classify(reply.status, reply.body, reply.retry_after_ms);
  if (reply.status == 429) RateLimiter::shared().hold(url_, host_.monotonic_ms() + outcome.retry_after_ms);
  return outcome;
}

}  // namespace slack
