// The Google side of the sink: access tokens (JWT bearer or refresh token, cached per
// credential for the whole process, refreshed about 4 minutes before they expire, one
// refresh-and-retry on a 401), quota pacing (quota_pacer.hpp), the Sheets API v4 calls the
// sink makes, and the classification of Google's answers:
//   2xx                                  OK
//   429                                  RETRY after Retry-After, else 60-120 s; the pacer learns
//                                        the ErrorInfo's quota_limit_value
//   5xx, timeouts, lost connections      RETRY, exponential backoff capped at 60-120 s; for a
//                                        write the outcome is *ambiguous* (Google may have applied it)
//   401 after one refresh, 403, 404,     FATAL, naming the spreadsheet and the identity to share
//   invalid_grant / unauthorized_client  it with (or the API to enable)
//   400 over the 10M-cell limit          FATAL with Google's message
//   other 4xx                            REJECT with Google's message
// Tokens and keys never reach a message or a log line.
#pragma once

#include <sinkhub/json.hpp>
#include <sinkhub/sink.hpp>

#include <cstdint>
#include <string>

#include "google_credentials.hpp"
#include "gsheets_options.hpp"
#include "quota_pacer.hpp"

namespace sinkhub_gsheets {

/// Thrown by the client: how the call ends, and whether a write may have been applied.
struct Failure {
  sinkhub::Outcome outcome;
  bool ambiguous = false;
};

class Client {
 public:
  /// One client per deliver() call: `call`, its deadline (host monotonic ms) and attempt.
  Client(const sinkhub::Host& host, const Config& cfg, const Credentials& creds, sinkhub_call* call,
         std::int64_t deadline_ms, std::uint32_t attempt);

  /// GET spreadsheets/{id}?fields=sheets.properties (a read).
  sinkhub::json::Value get_sheets();
  /// POST spreadsheets/{id}:batchUpdate (a write). Throws Failure (ambiguous when unclear).
  sinkhub::json::Value batch_update(const std::string& body);
  /// POST developerMetadata:search (a read).
  sinkhub::json::Value search_metadata(const std::string& body);
  /// GET values/{range} with UNFORMATTED_VALUE (a read). `range` is A1 text, unencoded.
  sinkhub::json::Value get_values(const std::string& range);

  /// The access token for this credential (cached; fetched when missing or near expiry).
  std::string token(bool force_refresh);

  const Credentials& credentials() const { return creds_; }
  std::string pacing_key() const;
  /// "spreadsheet X (shared with Y)"-style context for messages.
  std::string who() const;

 private:
  struct Answer {
    std::int32_t error = 0;
    int status = 0;
    std::string body;
    std::int64_t retry_after_ms = -1;
  };
  sinkhub::json::Value call_api(const char* method, const std::string& url, const std::string& body,
                                QuotaPacer::Kind kind, const char* what);
  Answer send(const char* method, const std::string& url, const std::string& body,
              const std::string& token, std::uint32_t timeout_ms);
  void pace(QuotaPacer::Kind kind, const char* what);
  [[noreturn]] void fail(const Answer& a, QuotaPacer::Kind kind, const char* what);
  std::string fetch_token(std::int64_t& expires_in_s);
  [[noreturn]] void token_failure(const Answer& a);
  std::int64_t latest_steady_ms(std::int64_t reserve_ms) const;

  sinkhub::Host host_;
  const Config& cfg_;
  Credentials creds_;
  std::string cache_key_;
  sinkhub_call* call_;
  std::int64_t deadline_ms_;
  std::uint32_t attempt_;
};

/// A1 range text for a tab: the title quoted ('It''s here'!A1) unless plain.
std::string a1(const std::string& title, const std::string& cells);
/// Percent-encodes a path segment or query value.
std::string url_encode(const std::string& s);

}  // namespace sinkhub_gsheets
