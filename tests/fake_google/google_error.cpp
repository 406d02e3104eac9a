#include "google_error.hpp"

#include <map>

namespace sinkhub::fake::google {

namespace {

const char* const kBadTokenMessage =
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
    "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";
const char* const kMissingCredentialsMessage =
    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or "
    "other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";
const char* const kService = "sheets.googleapis.com";

json::Obj error_info(const std::string& reason, const json::Obj& metadata) {
  auto info = json::object();
  info->set("@type", "type.googleapis.com/google.rpc.ErrorInfo");
  info->set("reason", reason);
  info->set("domain", "googleapis.com");
  info->set("metadata", metadata);
  return info;
}

json::Obj service_metadata(const std::string& op) {
  auto m = json::object();
  m->set("service", kService);
  m->set("method", errors::rpc_method(op));
  return m;
}

json::Obj help_link(const std::string& description, const std::string& url) {
  auto link = json::object();
  link->set("description", description);
  link->set("url", url);
  auto links = json::array();
  links->add(link);
  auto help = json::object();
  help->set("@type", "type.googleapis.com/google.rpc.Help");
  help->set("links", links);
  return help;
}

json::Obj bad_request(const std::vector<std::pair<std::string, std::string>>& violations) {
  auto list = json::array();
  for (const auto& [field, description] : violations) {
    auto v = json::object();
    v->set("field", field);
    v->set("description", description);
    list->add(v);
  }
  auto bad = json::object();
  bad->set("@type", "type.googleapis.com/google.rpc.BadRequest");
  bad->set("fieldViolations", list);
  return bad;
}

ApiError make(int http, const std::string& status, const std::string& message, const std::string& reason) {
  ApiError e;
  e.http = http;
  e.status = status;
  e.message = message;
  e.reason = reason;
  return e;
}

}  // namespace

std::string ApiError::body(bool legacy_errors_array) const {
  auto err = json::object();
  err->set("code", http);
  err->set("message", message);
  if (legacy_errors_array) {
    auto entry = json::object();
    entry->set("message", message);
    entry->set("domain", "global");
    entry->set("reason", reason);
    auto list = json::array();
    list->add(entry);
    err->set("errors", list);
  }
  err->set("status", status);
  if (details && details->size() > 0) err->set("details", details);
  auto root = json::object();
  root->set("error", err);
  return json::pretty(root);
}

std::string OAuthError::body() const {
  auto root = json::object();
  root->set("error", error);
  if (!description.empty()) root->set("error_description", description);
  return json::pretty(root);
}

namespace errors {

std::string rpc_method(const std::string& op) {
  static const std::map<std::string, std::string> names = {
      {"spreadsheets.get", "GetSpreadsheet"},
      {"spreadsheets.batchUpdate", "BatchUpdateSpreadsheet"},
      {"spreadsheets.values.get", "GetValues"},
      {"spreadsheets.values.batchGet", "BatchGetValues"},
      {"spreadsheets.developerMetadata.search", "SearchDeveloperMetadata"},
      {"spreadsheets.developerMetadata.get", "GetDeveloperMetadata"},
  };
  const auto it = names.find(op);
  return std::string("google.apps.sheets.v4.SpreadsheetsService.") + (it == names.end() ? "Unknown" : it->second);
}

ApiError invalid_argument(const std::string& message) { return make(400, "INVALID_ARGUMENT", message, "badRequest"); }

ApiError invalid_payload(const std::vector<std::pair<std::string, std::string>>& violations) {
  std::string message;
  for (const auto& v : violations) message += (message.empty() ? "" : "\n") + v.second;
  ApiError e = make(400, "INVALID_ARGUMENT", message, "invalid");
  e.details = json::array();
  e.details->add(bad_request(violations));
  return e;
}

ApiError not_found() { return make(404, "NOT_FOUND", "Requested entity was not found.", "notFound"); }

ApiError permission_denied() {
  return make(403, "PERMISSION_DENIED", "The caller does not have permission", "forbidden");
}

ApiError unregistered_caller() {
  return make(403, "PERMISSION_DENIED",
              "Method doesn't allow unregistered callers (callers without established identity). Please use API "
              "Key or other form of API consumer identity to call this API.",
              "forbidden");
}

ApiError missing_credentials(const std::string& op) {
  ApiError e = make(401, "UNAUTHENTICATED", kMissingCredentialsMessage, "required");
  e.details = json::array();
  e.details->add(error_info("CREDENTIALS_MISSING", service_metadata(op)));
  e.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\"");
  return e;
}

ApiError bad_token(const std::string& op, bool expired) {
  ApiError e = make(401, "UNAUTHENTICATED", kBadTokenMessage, "authError");
  e.details = json::array();
  e.details->add(error_info(expired ? "ACCESS_TOKEN_EXPIRED" : "ACCESS_TOKEN_TYPE_UNSUPPORTED", service_metadata(op)));
  e.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"");
  return e;
}

ApiError insufficient_scopes(const std::string& op) {
  ApiError e = make(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.", "insufficientPermissions");
  e.details = json::array();
  e.details->add(error_info("ACCESS_TOKEN_SCOPE_INSUFFICIENT", service_metadata(op)));
  e.headers.emplace_back("WWW-Authenticate",
                         "Bearer realm=\"https://accounts.google.com/\", error=\"insufficient_scope\", "
                         "scope=\"https://www.googleapis.com/auth/spreadsheets\"");
  return e;
}

ApiError service_disabled(const std::string& project_number) {
  const std::string url =
      "https://console.developers.google.com/apis/api/sheets.googleapis.com/overview?project=" + project_number;
  ApiError e = make(403, "PERMISSION_DENIED",
                    "Google Sheets API has not been used in project " + project_number +
                        " before or it is disabled. Enable it by visiting " + url +
                        " then retry. If you enabled this API recently, wait a few minutes for the action to "
                        "propagate to our systems and retry.",
                    "accessNotConfigured");
  auto m = json::object();
  m->set("consumer", "projects/" + project_number);
  m->set("service", kService);
  m->set("serviceTitle", "Google Sheets API");
  m->set("activationUrl", url);
  m->set("containerInfo", project_number);
  e.details = json::array();
  e.details->add(error_info("SERVICE_DISABLED", m));
  e.details->add(help_link("Google developers console API activation", url));
  return e;
}

ApiError user_project_denied(const std::string& project) {
  ApiError e = make(403, "PERMISSION_DENIED",
                    "Caller does not have required permission to use project " + project +
                        ". Grant the caller the roles/serviceusage.serviceUsageConsumer role, or a custom role with "
                        "the serviceusage.services.use permission, by visiting "
                        "https://console.developers.google.com/iam-admin/iam/project?project=" + project +
                        " and then retry. Propagation of the new permission may take a few minutes.",
                    "forbidden");
  auto m = json::object();
  m->set("consumer", "projects/" + project);
  m->set("service", kService);
  e.details = json::array();
  e.details->add(error_info("USER_PROJECT_DENIED", m));
  return e;
}

ApiError quota_exceeded(bool write, bool per_user, int limit, const std::string& project_number) {
  const std::string metric = write ? "Write requests" : "Read requests";
  const std::string limit_name = metric + (per_user ? " per minute per user" : " per minute");
  ApiError e = make(429, "RESOURCE_EXHAUSTED",
                    "Quota exceeded for quota metric '" + metric + "' and limit '" + limit_name + "' of service '" +
                        kService + "' for consumer 'project_number:" + project_number + "'.",
                    "rateLimitExceeded");
  auto m = json::object();
  m->set("consumer", "projects/" + project_number);
  m->set("service", kService);
  m->set("quota_unit", per_user ? "1/min/{project}/{user}" : "1/min/{project}");
  m->set("quota_limit", std::string(write ? "Write" : "Read") + "RequestsPerMinutePer" + (per_user ? "User" : "Project"));
  m->set("quota_location", "global");
  m->set("quota_metric", std::string(kService) + (write ? "/write_requests" : "/read_requests"));
  m->set("quota_limit_value", std::to_string(limit));
  e.details = json::array();
  e.details->add(error_info("RATE_LIMIT_EXCEEDED", m));
  e.details->add(help_link("Request a higher quota limit.", "https://cloud.google.com/docs/quotas/help/request_increase"));
  return e;
}

ApiError internal() { return make(500, "INTERNAL", "Internal error encountered.", "backendError"); }
ApiError unavailable() { return make(503, "UNAVAILABLE", "The service is currently unavailable.", "backendError"); }
ApiError deadline_exceeded() {
  return make(504, "DEADLINE_EXCEEDED", "The service is currently unavailable.", "backendError");
}

ApiError generic(int http) {
  switch (http) {
    case 400: return invalid_argument("Request contains an invalid argument.");
    case 401: return bad_token("", false);
    case 403: return permission_denied();
    case 404: return not_found();
    case 409: return make(409, "ABORTED", "The operation was aborted.", "aborted");
    case 429: return quota_exceeded(true, true, 60, "0");
    case 500: return internal();
    case 502: return make(502, "UNAVAILABLE", "Bad Gateway", "backendError");
    case 503: return unavailable();
    case 504: return deadline_exceeded();
    default: return make(http, "UNKNOWN", "Injected failure " + std::to_string(http), "unknown");
  }
}

ApiError payload_too_large(std::size_t limit) {
  return invalid_argument("Request payload size exceeds the limit: " + std::to_string(limit) + " bytes.");
}

ApiError bad_field_mask(const std::string& path) {
  ApiError e = invalid_argument("Request contains an invalid argument.");
  e.details = json::array();
  e.details->add(bad_request(
      {{path, "Error expanding 'fields' parameter. Cannot find matching fields for path '" + path + "'."}}));
  return e;
}

}  // namespace errors
}  // namespace sinkhub::fake::google
