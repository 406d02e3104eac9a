#include "gsheets_client.hpp"

#include <sinkhub/http_outcome.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "timing.hpp"

namespace sinkhub_gsheets {

namespace json = sinkhub::json;
using sinkhub::Outcome;

namespace {

constexpr std::int64_t kRefreshMarginMs = 4 * 60 * 1000;  // Google's libraries: 3 min 45 s
constexpr std::size_t kMaxAnswer = 4u << 20;
constexpr std::size_t kMaxValuesAnswer = 48u << 20;

// Access tokens per credential, for the whole process (every instance and worker).
struct TokenCache {
  struct Entry {
    std::string token;
    std::int64_t expires_steady_ms = 0;
    std::shared_ptr<std::mutex> refresh = std::make_shared<std::mutex>();
  };
  std::mutex mu;
  std::map<std::string, Entry> entries;

  static TokenCache& shared() {
    static TokenCache* cache = new TokenCache;  // never destroyed: used until the process ends
    return *cache;
  }
};

std::string text_of(const json::Value& doc, const char* name) {
  const json::Value* v = doc.is_object() ? doc.find(name) : nullptr;
  return v && v->is_string() ? v->text() : std::string();
}

// Google's error envelope: message, status and the ErrorInfo reason / quota_limit_value.
struct GoogleError {
  std::string message, status, reason;
  std::int64_t quota_limit = -1;
};

GoogleError parse_error(const std::string& body) {
  GoogleError e;
  try {
    const json::Value doc = json::parse(body);
    const json::Value* err = doc.is_object() ? doc.find("error") : nullptr;
    if (!err || !err->is_object()) return e;
    e.message = text_of(*err, "message");
    e.status = text_of(*err, "status");
    const json::Value* details = err->find("details");
    for (std::size_t i = 0; details && details->is_array() && i < details->items().size(); ++i) {
      const json::Value& d = details->items()[i];
      if (!d.is_object()) continue;
      if (e.reason.empty()) e.reason = text_of(d, "reason");
      const json::Value* md = d.find("metadata");
      const std::string limit = md && md->is_object() ? text_of(*md, "quota_limit_value") : "";
      if (!limit.empty() && limit.size() < 10 && limit.find_first_not_of("0123456789") == std::string::npos)
        e.quota_limit = std::stoll(limit);
    }
  } catch (const json::ParseError&) {
  }
  if (e.message.size() > 300) e.message = e.message.substr(0, 300) + "...";
  return e;
}

Failure failure(std::int32_t code, std::string message, int status, std::int64_t retry_after_ms = -1,
                bool ambiguous = false) {
  Failure f;
  f.outcome.code = code;
  f.outcome.message = std::move(message);
  f.outcome.dest_status = status;
  f.outcome.retry_after_ms = code == SINKHUB_RETRY ? retry_after_ms : -1;
  f.ambiguous = ambiguous;
  return f;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += url_encode(k) + "=" + url_encode(v);
  }
  return out;
}

}  // namespace

std::string url_encode(const std::string& s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string o;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      o += c;
    } else {
      o += '%';
      o += hex[u >> 4];
      o += hex[u & 15];
    }
  }
  return o;
}

std::string a1(const std::string& title, const std::string& cells) {
  std::string q = "'";
  for (const char c : title) q += c == '\'' ? std::string("''") : std::string(1, c);
  return cells.empty() ? q + "'" : q + "'!" + cells;
}

Client::Client(const sinkhub::Host& host, const Config& cfg, const Credentials& creds, sinkhub_call* call,
               std::int64_t deadline_ms, std::uint32_t attempt)
    : host_(host), cfg_(cfg), creds_(creds), call_(call), deadline_ms_(deadline_ms), attempt_(attempt) {
  cache_key_ = creds_.token_uri + "\x1f" + creds_.identity + "\x1f" + cfg_.impersonate;
}

std::string Client::pacing_key() const { return creds_.identity + "\x1f" + creds_.quota_project_id; }

std::string Client::who() const {
  std::string w = creds_.identity;
  if (!cfg_.impersonate.empty()) w = cfg_.impersonate + " (impersonated by " + creds_.identity + ")";
  return w;
}

// The latest steady-clock time at which a request may still start and leave `reserve_ms`
// (at most half of what is left) of the call for itself.
std::int64_t Client::latest_steady_ms(std::int64_t reserve_ms) const {
  if (deadline_ms_ <= 0) return steady_ms() + 30000;
  const std::int64_t left = deadline_ms_ - host_.monotonic_ms();
  return steady_ms() + left - std::min(reserve_ms, left / 2);
}

void Client::pace(QuotaPacer::Kind kind, const char* what) {
  std::int64_t next = 0;
  const std::int64_t now = steady_ms();
  const std::int64_t at = QuotaPacer::shared().reserve(pacing_key(), kind, now, latest_steady_ms(5000), &next);
  if (at < 0)
    throw failure(SINKHUB_RETRY,
                  std::string("pacing ") + what + " to Google's per-minute quota: next slot in " +
                      std::to_string((next - now) / 1000) + " s, after this call's deadline",
                  0, next - now + jitter(0, 250));
  sleep_ms(at - steady_ms());
}

Client::Answer Client::send(const char* method, const std::string& url, const std::string& body,
                            const std::string& token, std::uint32_t timeout_ms) {
  std::vector<std::pair<std::string, std::string>> headers = {{"Authorization", "Bearer " + token},
                                                              {"Accept", "application/json"}};
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  if (!creds_.quota_project_id.empty()) headers.emplace_back("x-goog-user-project", creds_.quota_project_id);
  const bool values = url.find("/values/") != std::string::npos;
  const sinkhub::HttpReply r =
      host_.http(method, url, headers, body, call_, values ? kMaxValuesAnswer : kMaxAnswer, timeout_ms);
  Answer a;
  a.error = r.error;
  a.status = r.status;
  a.body = r.truncated ? std::string() : r.body;
  a.retry_after_ms = r.retry_after_ms;
  if (r.error == SINKHUB_E_OK && r.truncated) a.error = SINKHUB_E_HTTP_TOO_LARGE;
  return a;
}

json::Value Client::call_api(const char* method, const std::string& url, const std::string& body,
                             QuotaPacer::Kind kind, const char* what) {
  const std::uint32_t timeout = kind == QuotaPacer::Kind::Write ? 120000 : 60000;
  std::string tok = token(false);
  pace(kind, what);
  Answer a = send(method, url, body, tok, timeout);
  if (a.error == SINKHUB_E_OK && a.status == 401) {  // expired or revoked: refresh once, retry once
    tok = token(true);
    pace(kind, what);
    a = send(method, url, body, tok, timeout);
  }
  if (a.error != SINKHUB_E_OK || a.status < 200 || a.status >= 300) fail(a, kind, what);
  try {
    json::Limits lim;
    lim.max_bytes = kMaxValuesAnswer;
    return json::parse(a.body, lim);
  } catch (const json::ParseError& e) {
    throw failure(SINKHUB_RETRY, std::string(what) + ": Google's answer is not JSON (" + e.what() + ")", a.status,
                  server_error_backoff_ms(attempt_), kind == QuotaPacer::Kind::Write);
  }
}

void Client::fail(const Answer& a, QuotaPacer::Kind kind, const char* what) {
  const bool write = kind == QuotaPacer::Kind::Write;
  const std::string sheet = "spreadsheet " + cfg_.spreadsheet_id;
  if (a.error != SINKHUB_E_OK) {
    // Refused before sending: nothing can have been applied.
    const bool unsent = a.error == SINKHUB_E_HTTP_CONNECT || a.error == SINKHUB_E_HTTP_RESOLVE ||
                        a.error == SINKHUB_E_HTTP_TLS;
    throw failure(SINKHUB_RETRY, std::string(what) + " of " + sheet + ": " + sinkhub::transport_error_text(a.error), 0,
                  server_error_backoff_ms(attempt_), write && !unsent);
  }
  const GoogleError e = parse_error(a.body);
  const std::string said = " (Google: " + std::to_string(a.status) + (e.status.empty() ? "" : " " + e.status) +
                           (e.message.empty() ? "" : ": " + e.message) + ")";
  if (a.status == 429) {
    if (e.quota_limit > 0) QuotaPacer::shared().learn_limit(pacing_key(), kind, e.quota_limit);
    throw failure(SINKHUB_RETRY, std::string(what) + " over Google's per-minute quota" + said, 429,
                  a.retry_after_ms >= 0 ? a.retry_after_ms : quota_backoff_ms());
  }
  if (a.status >= 500 || a.status == 408)
    throw failure(SINKHUB_RETRY, std::string(what) + " of " + sheet + " failed" + said, a.status,
                  a.retry_after_ms >= 0 ? a.retry_after_ms : server_error_backoff_ms(attempt_), write);
  if (a.status == 401)
    throw failure(SINKHUB_FATAL, "Google rejected a fresh access token of " + who() + " for " + sheet + said, 401);
  if (a.status == 403 && (e.reason == "SERVICE_DISABLED" || e.reason == "accessNotConfigured"))
    throw failure(SINKHUB_FATAL, "the Google Sheets API is disabled for the project of " + who() +
                                     ": enable it in the Google Cloud console" + said, 403);
  if (a.status == 403)
    throw failure(SINKHUB_FATAL, "no access to " + sheet + ": share it (as Editor) with " + who() + said, 403);
  if (a.status == 404)
    throw failure(SINKHUB_FATAL, sheet + " was not found: check spreadsheet_id, and share the sheet with " + who() + said,
                  404);
  if (e.message.find("above the limit of") != std::string::npos)
    throw failure(SINKHUB_FATAL, sheet + " is full" + said, a.status);
  throw failure(SINKHUB_REJECT, std::string(what) + " of " + sheet + " refused" + said, a.status);
}

std::string Client::token(bool force_refresh) {
  TokenCache& cache = TokenCache::shared();
  std::shared_ptr<std::mutex> refresh;
  {
    std::lock_guard<std::mutex> lock(cache.mu);
    TokenCache::Entry& e = cache.entries[cache_key_];
    if (!force_refresh && !e.token.empty() && e.expires_steady_ms - kRefreshMarginMs > steady_ms()) return e.token;
    refresh = e.refresh;
  }
  std::lock_guard<std::mutex> one_refresh(*refresh);  // one token request per credential at a time
  const std::int64_t started = steady_ms();
  {
    std::lock_guard<std::mutex> lock(cache.mu);
    TokenCache::Entry& e = cache.entries[cache_key_];
    // Another worker refreshed while this one waited.
    if (!e.token.empty() && e.expires_steady_ms - kRefreshMarginMs > started && !force_refresh) return e.token;
  }
  std::int64_t expires_in = 0;
  std::string tok = fetch_token(expires_in);
  std::lock_guard<std::mutex> lock(cache.mu);
  TokenCache::Entry& e = cache.entries[cache_key_];
  e.token = tok;
  e.expires_steady_ms = started + expires_in * 1000;
  return tok;
}

std::string Client::fetch_token(std::int64_t& expires_in_s) {
  std::string form;
  if (creds_.type == Credentials::Type::ServiceAccount) {
    const std::string assertion =
        jwt_assertion(creds_, kSheetsScope, cfg_.impersonate, host_.now_unix_ms() / 1000);
    form = form_encode({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"}, {"assertion", assertion}});
  } else {
    form = form_encode({{"grant_type", "refresh_token"},
                        {"client_id", creds_.client_id},
                        {"client_secret", creds_.client_secret},
                        {"refresh_token", creds_.refresh_token}});
  }
  const sinkhub::HttpReply r = host_.http("POST", creds_.token_uri,
                                          {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}},
                                          form, call_, 64 * 1024, 30000);
  Answer a{r.error, r.status, r.body, r.retry_after_ms};
  if (a.error != SINKHUB_E_OK || a.status != 200) token_failure(a);
  json::Value doc;
  try {
    doc = json::parse(a.body);
  } catch (const json::ParseError&) {
  }
  const std::string tok = text_of(doc, "access_token");
  const json::Value* exp = doc.is_object() ? doc.find("expires_in") : nullptr;
  std::int64_t secs = 3600;
  if (exp && exp->is_number()) exp->to_int64(secs);
  if (tok.empty())
    throw failure(SINKHUB_RETRY, "the token endpoint of " + who() + " answered 200 without an access_token", 200,
                  server_error_backoff_ms(attempt_));
  expires_in_s = secs < 60 ? 60 : secs;
  return tok;
}

void Client::token_failure(const Answer& a) {
  const std::string sheet = " (spreadsheet " + cfg_.spreadsheet_id + ")";
  if (a.error != SINKHUB_E_OK)
    throw failure(SINKHUB_RETRY, "token request for " + who() + ": " + sinkhub::transport_error_text(a.error), 0,
                  server_error_backoff_ms(attempt_));
  std::string code, description;
  try {
    const json::Value doc = json::parse(a.body);
    code = text_of(doc, "error");
    description = text_of(doc, "error_description");
  } catch (const json::ParseError&) {
  }
  if (description.size() > 200) description = description.substr(0, 200) + "...";
  const std::string said = " (token endpoint: " + std::to_string(a.status) + (code.empty() ? "" : " " + code) +
                           (description.empty() ? "" : ": " + description) + ")";
  const bool transient = a.status >= 500 || a.status == 408 || a.status == 429 || code == "internal_failure" ||
                         code == "server_error" || code == "temporarily_unavailable";
  if (transient)
    throw failure(SINKHUB_RETRY, "token request for " + who() + " failed" + said, a.status,
                  a.retry_after_ms >= 0 ? a.retry_after_ms : server_error_backoff_ms(attempt_));
  std::string hint;
  if (code == "unauthorized_client" && !cfg_.impersonate.empty())
    hint = ": grant domain-wide delegation of the Sheets scope to the service account's client id";
  else if (code == "invalid_grant")
    hint = creds_.type == Credentials::Type::ServiceAccount
               ? ": the key is revoked or deleted, or the clock is off"
               : ": the refresh token expired or was revoked; run `gcloud auth application-default login` again";
  throw failure(SINKHUB_FATAL, "Google refused credentials of " + who() + " from " + creds_.source + sheet + hint + said,
                a.status);
}

json::Value Client::get_sheets() {
  return call_api("GET", cfg_.api_base_url + "/v4/spreadsheets/" + cfg_.spreadsheet_id + "?fields=sheets.properties", "",
                  QuotaPacer::Kind::Read, "reading the tabs");
}

json::Value Client::batch_update(const std::string& body) {
  return call_api("POST", cfg_.api_base_url + "/v4/spreadsheets/" + cfg_.spreadsheet_id + ":batchUpdate", body,
                  QuotaPacer::Kind::Write, "batchUpdate");
}

json::Value Client::search_metadata(const std::string& body) {
  return call_api("POST", cfg_.api_base_url + "/v4/spreadsheets/" + cfg_.spreadsheet_id + "/developerMetadata:search",
                  body, QuotaPacer::Kind::Read, "developerMetadata search");
}

json::Value Client::get_values(const std::string& range) {
  return call_api("GET",
                  cfg_.api_base_url + "/v4/spreadsheets/" + cfg_.spreadsheet_id + "/values/" + url_encode(range) +
                      "?valueRenderOption=UNFORMATTED_VALUE&majorDimension=ROWS",
                  "", QuotaPacer::Kind::Read, "reading values");
}

}  // namespace sinkhub_gsheets
