// sinkhub/http_outcome.hpp -- what an HTTP answer means for a delivery (header-only, C++17).
//
// The mapping sdk/docs/ABI.md §5 recommends, in one place for every HTTP sink:
//   2xx                                 OK
//   408, 429, 5xx, and transport errors RETRY, after Retry-After when the answer had one
//   401, 403                            FATAL (credentials or permissions: every delivery fails)
//   any other status                    REJECT (other 4xx, and 1xx/3xx nobody followed)
// A sink refines it with what its service says in the body (S3's error Code, Slack's error
// string) before or after calling these: the status is only the fallback.
#ifndef SINKHUB_HTTP_OUTCOME_HPP
#define SINKHUB_HTTP_OUTCOME_HPP

#include <sinkhub/sink.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace sinkhub {

/// SINKHUB_OK, SINKHUB_RETRY, SINKHUB_REJECT or SINKHUB_FATAL for an HTTP status.
constexpr int32_t result_for_status(int32_t status) noexcept {
  if (status >= 200 && status < 300) return SINKHUB_OK;
  if (status == 408 || status == 429 || status >= 500) return SINKHUB_RETRY;
  if (status == 401 || status == 403) return SINKHUB_FATAL;
  return SINKHUB_REJECT;
}

/// A short English text for a SINKHUB_E_HTTP_* transport error (never contains a URL).
constexpr const char* transport_error_text(int32_t error) noexcept {
  switch (error) {
    case SINKHUB_E_HTTP_RESOLVE: return "DNS lookup failed";
    case SINKHUB_E_HTTP_CONNECT: return "connection failed";
    case SINKHUB_E_HTTP_TLS: return "TLS handshake failed";
    case SINKHUB_E_HTTP_TIMEOUT: return "timed out";
    case SINKHUB_E_HTTP_CANCELLED: return "cancelled";
    case SINKHUB_E_HTTP_ABORTED: return "aborted";
    case SINKHUB_E_HTTP_IO: return "connection lost";
    case SINKHUB_E_HTTP_PROTOCOL: return "malformed HTTP answer";
    case SINKHUB_E_HTTP_TOO_LARGE: return "answer too large";
    default: return "request failed";
  }
}

/// The Outcome of one exchange: `error` is SINKHUB_E_OK when an answer with `status` arrived,
/// else the transport error (RETRY). `message` is used as it is (say what was called, never
/// a secret). A RETRY waits retry_after_ms (the answer's Retry-After, -1 when absent), or
/// `fallback_429_ms` for a 429 without one (-1: the host's backoff). dest_status = status.
inline Outcome http_outcome(int32_t error, int32_t status, int64_t retry_after_ms, std::string message,
                            int64_t fallback_429_ms = -1) {
  Outcome o;
  o.message = std::move(message);
  o.dest_status = error == SINKHUB_E_OK ? status : 0;
  o.code = error == SINKHUB_E_OK ? result_for_status(status) : SINKHUB_RETRY;
  if (o.code == SINKHUB_RETRY)
    o.retry_after_ms = retry_after_ms >= 0 ? retry_after_ms : (status == 429 ? fallback_429_ms : -1);
  return o;
}

/// The same for a reply of Host::http().
inline Outcome http_outcome(const HttpReply& reply, std::string message, int64_t fallback_429_ms = -1) {
  return http_outcome(reply.error, reply.status, reply.retry_after_ms, std::move(message), fallback_429_ms);
}

}  // namespace sinkhub

#endif  // SINKHUB_HTTP_OUTCOME_HPP
