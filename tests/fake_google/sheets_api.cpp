// The Sheets API v4 front door: routing, credentials, API enablement, quota, scopes, the
// spreadsheet's sharing, then the method itself and the `fields` mask on its answer.
#include <Poco/String.h>
#include <Poco/URI.h>

#include <optional>

#include "a1.hpp"
#include "field_mask.hpp"
#include "schema.hpp"
#include "sheets_methods.hpp"
#include "state.hpp"

namespace sinkhub::fake::google {

namespace {

const char* const kNotFoundPage =
    "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n"
    "  <p><b>404.</b> <ins>That's an error.</ins>\n  <p>The requested URL was not found on this server.  "
    "<ins>That's all we know.</ins>\n";

// Real Sheets v4 methods the fake does not serve: named so that a client gets a clear 501
// rather than a 404 it could mistake for a missing spreadsheet.
std::string unimplemented(const std::string& method, const std::string& tail) {
  if (tail.rfind("values/", 0) == 0) {
    if (method == "PUT") return "spreadsheets.values.update";
    if (tail.size() > 7 && tail.find(":append") != std::string::npos) return "spreadsheets.values.append";
    if (tail.find(":clear") != std::string::npos) return "spreadsheets.values.clear";
  }
  for (const char* verb : {"batchUpdate", "batchClear", "batchGetByDataFilter", "batchUpdateByDataFilter", "batchClearByDataFilter"})
    if (tail == std::string("values:") + verb) return std::string("spreadsheets.values.") + verb;
  if (tail.rfind("sheets/", 0) == 0 && tail.find(":copyTo") != std::string::npos) return "spreadsheets.sheets.copyTo";
  return {};
}

std::string decode(const std::string& s) {
  std::string out;
  Poco::URI::decode(s, out);
  return out;
}

bool scope_allows(const std::set<std::string>& scopes, Op op) {
  static const std::set<std::string> write = {"https://www.googleapis.com/auth/spreadsheets",
                                              "https://www.googleapis.com/auth/drive",
                                              "https://www.googleapis.com/auth/drive.file"};
  static const std::set<std::string> read = {"https://www.googleapis.com/auth/spreadsheets.readonly",
                                             "https://www.googleapis.com/auth/drive.readonly"};
  // The two POST reads (search) take the write scopes only, as the discovery document lists.
  const bool read_only_ok = op == Op::GetSpreadsheet || op == Op::ValuesGet || op == Op::ValuesBatchGet;
  for (const auto& s : scopes)
    if (write.count(s) || (read_only_ok && read.count(s))) return true;
  return false;
}

// Credentials, enablement, quota and scopes; returns the principal or throws ApiException.
Principal admit(FakeGoogle::State& st, const Incoming& in, Op op, Outgoing& out) {
  std::string token;
  const std::string auth = in.header("Authorization");
  if (Poco::icompare(auth.substr(0, 7), "bearer ") == 0) token = Poco::trim(auth.substr(7));
  if (token.empty()) token = in.has_param("access_token") ? in.param("access_token") : in.param("oauth_token");
  const std::string op_text = op_name(op);
  if (token.empty())
    throw ApiException{in.method == "GET" ? errors::unregistered_caller() : errors::missing_credentials(op_text)};
  std::lock_guard<std::mutex> lock(st.mu);
  Principal who;
  const auto check = st.oauth.check(token, who, std::chrono::steady_clock::now());
  if (check != OAuthServer::Check::Ok) throw ApiException{errors::bad_token(op_text, check == OAuthServer::Check::Expired)};
  out.principal = who.email;
  std::string consumer = who.project_number;
  const std::string user_project = in.header("x-goog-user-project");
  if (!user_project.empty()) {
    if (!st.oauth.knows_project(user_project)) throw ApiException{errors::user_project_denied(user_project)};
    consumer = st.oauth.project_number(user_project);
  }
  out.project = consumer;
  if (st.disabled_projects.count(consumer)) throw ApiException{errors::service_disabled(consumer)};
  if (is_read(op) || is_write(op)) {
    const auto v = st.quota.admit(is_write(op), consumer, lower(who.email), std::chrono::steady_clock::now());
    if (!v.ok) throw ApiException{errors::quota_exceeded(is_write(op), v.per_user, v.limit, consumer)};
  }
  if (!scope_allows(who.scopes, op)) throw ApiException{errors::insufficient_scopes(op_text)};
  return who;
}

void check_access(const Spreadsheet& ss, const Principal& who, Op op) {
  const std::string email = lower(who.email);
  const bool edit = ss.anyone_can_edit || ss.editors.count(email);
  const bool read = edit || ss.readers.count(email);
  if (!read || (is_write(op) && !edit)) throw ApiException{errors::permission_denied()};
}

const char* message_of(Op op) {
  switch (op) {
    case Op::GetSpreadsheet: return "Spreadsheet";
    case Op::BatchUpdate: return "BatchUpdateSpreadsheetResponse";
    case Op::ValuesGet: return "ValueRange";
    case Op::ValuesBatchGet: return "BatchGetValuesResponse";
    case Op::MetadataSearch: return "SearchDeveloperMetadataResponse";
    default: return "DeveloperMetadata";
  }
}

// The `fields` mask, checked before the method runs (a bad mask applies nothing).
std::optional<FieldMask> fields_of(const Incoming& in, Op op) {
  if (!in.has_param("fields")) return std::nullopt;
  auto mask = FieldMask::parse(in.param("fields"));
  if (!mask) throw ApiException{errors::bad_field_mask(in.param("fields"))};
  const std::string bad = mask->normalize(message_of(op));
  if (!bad.empty()) throw ApiException{errors::bad_field_mask(bad)};
  return mask;
}

json::Obj run_method(MethodCall& call, Spreadsheet& ss, const Route& route, bool& applied) {
  switch (route.op) {
    case Op::GetSpreadsheet: return get_spreadsheet(call, ss);
    case Op::BatchUpdate: return batch_update(call, ss, applied);
    case Op::ValuesGet: return values_get(call, ss, route.rest);
    case Op::ValuesBatchGet: return values_batch_get(call, ss);
    case Op::MetadataSearch: return metadata_search(call, ss);
    case Op::MetadataGet: return metadata_get(call, ss, route.rest);
    default: throw ApiException{errors::not_found()};
  }
}

}  // namespace

Route route_request(const FakeGoogle::State& st, const std::string& method, const std::string& raw_path) {
  Route r;
  if (raw_path == "/token") {
    r.op = Op::Token;
    return r;
  }
  const std::string root = st.options.api_prefix + "/v4/spreadsheets";
  if (raw_path == root && method == "POST") {
    r.rest = "spreadsheets.create";
    return r;
  }
  const std::string prefix = root + "/";
  if (raw_path.compare(0, prefix.size(), prefix) != 0) return r;
  const std::string rest = raw_path.substr(prefix.size());
  const auto slash = rest.find('/');
  std::string head = rest.substr(0, slash);
  const std::string tail = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (slash == std::string::npos) {
    const auto colon = head.find(':');
    r.spreadsheet_id = decode(head.substr(0, colon));
    const std::string verb = colon == std::string::npos ? "" : head.substr(colon + 1);
    if (verb.empty() && method == "GET") r.op = Op::GetSpreadsheet;
    if (verb == "batchUpdate" && method == "POST") r.op = Op::BatchUpdate;
    if (verb == "getByDataFilter" && method == "POST") r.rest = "spreadsheets.getByDataFilter";
    return r;
  }
  r.spreadsheet_id = decode(head);
  if (tail.rfind("values/", 0) == 0 && method == "GET") {
    r.op = Op::ValuesGet;
    r.rest = decode(tail.substr(7));
  } else if (tail == "values:batchGet" && method == "GET") {
    r.op = Op::ValuesBatchGet;
  } else if (tail == "developerMetadata:search" && method == "POST") {
    r.op = Op::MetadataSearch;
  } else if (tail.rfind("developerMetadata/", 0) == 0 && method == "GET") {
    r.op = Op::MetadataGet;
    r.rest = decode(tail.substr(18));
  } else {
    r.rest = unimplemented(method, tail);
  }
  return r;
}

Outgoing serve_token(FakeGoogle::State& st, const Incoming& in) {
  Outgoing out;
  if (in.method != "POST") {
    out.status = 405;
    out.body = OAuthError{405, "invalid_request", "The token endpoint only accepts POST."}.body();
    return out;
  }
  std::lock_guard<std::mutex> lock(st.mu);
  const auto now = std::chrono::system_clock::now() + st.clock_offset;
  const auto a = st.oauth.token_request(in.body, in.header("Authorization"), now, std::chrono::steady_clock::now());
  out.status = a.status;
  out.body = a.body;
  out.headers = {{"Cache-Control", "no-cache, no-store, max-age=0, must-revalidate"}, {"Pragma", "no-cache"}};
  if (a.status != 200) out.error = a.body;
  return out;
}

Outgoing serve_sheets(FakeGoogle::State& st, const Incoming& in, const Route& route) {
  Outgoing out;
  if (route.op == Op::Other && !route.rest.empty()) {  // a real Sheets method the fake does not serve
    ApiError e = errors::generic(501);
    e.status = "UNIMPLEMENTED";
    e.message = "fake_google does not implement " + route.rest + " (see tests/fake_google/README.md)";
    return api_error(e, in);
  }
  if (route.op == Op::Other) {
    out.status = 404;
    out.content_type = "text/html; charset=UTF-8";
    out.body = kNotFoundPage;
    out.error = "no such method";
    return out;
  }
  out.spreadsheet_id = route.spreadsheet_id;
  auto fail = [&](const ApiError& e) {
    Outgoing err = api_error(e, in);
    err.principal = out.principal;
    err.project = out.project;
    err.spreadsheet_id = out.spreadsheet_id;
    return err;
  };
  try {
    const std::string alt = in.param("alt");
    if (!alt.empty() && Poco::icompare(alt, "json") != 0)
      throw ApiException{errors::invalid_argument("Unsupported alt type \"" + Poco::toLower(alt) + "\"")};
    const Principal who = admit(st, in, route.op, out);
    const auto mask = fields_of(in, route.op);
    MethodCall call{st, in, who, mask ? &*mask : nullptr};
    std::lock_guard<std::mutex> lock(st.model_mu);
    const auto it = st.spreadsheets.find(route.spreadsheet_id);
    if (it == st.spreadsheets.end()) throw ApiException{errors::not_found()};
    check_access(it->second, who, route.op);
    const json::Obj body = run_method(call, it->second, route, out.applied);
    const json::Var shown = mask ? mask->apply(body) : json::Var(body);
    out.body = in.param("prettyPrint") == "false" ? json::compact(shown) : json::pretty(shown);
    return out;
  } catch (const ApiException& e) {
    return fail(e.error);
  } catch (const RequestError& e) {
    return fail(errors::invalid_argument(e.what()));
  }
}

}  // namespace sinkhub::fake::google
