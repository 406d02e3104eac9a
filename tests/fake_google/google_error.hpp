// Google's error answers, as Sheets v4 and the OAuth token endpoint send them.
//
// Sheets: {"error":{"code":N,"message":"…","status":"CANONICAL_CODE"[,"details":[…]]}}; the
// legacy "errors":[{message,domain,reason}] array only with ?$.xgafv=1 (measured by the
// brekkylab/backlot fake, see README). Token endpoint: {"error":"…","error_description":"…"}.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "json.hpp"

namespace sinkhub::fake::google {

struct ApiError {
  int http = 400;
  std::string status = "INVALID_ARGUMENT";  // google.rpc.Code name
  std::string message;
  std::string reason = "badRequest";        // errors[0].reason (only rendered for $.xgafv=1)
  json::Arr details;                        // google.rpc.* payloads, may be null
  std::vector<std::pair<std::string, std::string>> headers;

  std::string body(bool legacy_errors_array) const;
};

// An ApiError thrown through the request handlers.
struct ApiException {
  ApiError error;
};

namespace errors {

// Sheets' method names inside ErrorInfo.metadata.method.
std::string rpc_method(const std::string& op);

ApiError invalid_argument(const std::string& message);
// 400 for a malformed body: the proto layer's "Invalid JSON payload received…" sentences,
// each also a google.rpc.BadRequest field violation.
ApiError invalid_payload(const std::vector<std::pair<std::string, std::string>>& violations);
ApiError not_found();
ApiError permission_denied();  // "The caller does not have permission"
ApiError unregistered_caller();  // GET without any credential
ApiError missing_credentials(const std::string& op);  // other methods without any credential
ApiError bad_token(const std::string& op, bool expired);
ApiError insufficient_scopes(const std::string& op);
ApiError service_disabled(const std::string& project_number);
ApiError user_project_denied(const std::string& project);
// 429 RESOURCE_EXHAUSTED with the ErrorInfo a quota failure carries. write: write or read
// requests; per_user: the per-user (vs per-project) limit.
ApiError quota_exceeded(bool write, bool per_user, int limit, const std::string& project_number);
ApiError internal();
ApiError unavailable();
ApiError deadline_exceeded();
// Any other status a test injects, with its canonical code.
ApiError generic(int http);
ApiError payload_too_large(std::size_t limit);
ApiError bad_field_mask(const std::string& path);

}  // namespace errors

// The OAuth token endpoint's error shape.
struct OAuthError {
  int http = 400;
  std::string error;
  std::string description;
  std::string body() const;
};

}  // namespace sinkhub::fake::google
