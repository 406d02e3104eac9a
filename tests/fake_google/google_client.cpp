#include "google_client.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <stdexcept>

namespace sinkhub::fake::google::test {

json::Obj Reply::json() const {
  try {
    return json::as_object(json::parse(body));
  } catch (const std::exception&) {
    return {};
  }
}

std::string Reply::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (Poco::icompare(k, name) == 0) return v;
  return {};
}

std::string Reply::message() const { return json::str(json::child(json(), "error"), "message"); }

std::string url_encode(const std::string& s) {
  std::string out;
  Poco::URI::encode(s, "!#$&'()*+,/:;=?@[]%\"<>\\^`{|} ", out);
  return out;
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) out += (out.empty() ? "" : "&") + url_encode(k) + "=" + url_encode(v);
  return out;
}

Client::Client(std::uint16_t port, std::chrono::milliseconds timeout) : port_(port), timeout_(timeout) {}

Reply Client::request(const std::string& method, const std::string& path, const std::string& body,
                      const std::vector<std::pair<std::string, std::string>>& headers, const std::string& content_type) {
  Reply r;
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", port_);
    session.setTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(timeout_).count()));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == "POST" || method == "PUT") {
      req.setContentType(content_type);
      req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    r.status = static_cast<int>(resp.getStatus());
    for (const auto& [k, v] : resp) r.headers.emplace_back(k, v);
    Poco::StreamCopier::copyToString(in, r.body);
  } catch (const std::exception& e) {
    r.status = 0;
    r.error = e.what();
  }
  return r;
}

Reply Client::token(const std::string& form_body, const std::vector<std::pair<std::string, std::string>>& headers) {
  return request("POST", "/token", form_body, headers, "application/x-www-form-urlencoded");
}

std::string Client::access_token(const ServiceAccount& sa, const std::string& aud, const std::string& scope) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const Reply r = token(form({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                              {"assertion", google_assertion(sa, aud, scope, now)}}));
  const std::string t = json::str(r.json(), "access_token");
  if (r.status != 200 || t.empty()) throw std::runtime_error("token grant failed: " + std::to_string(r.status) + " " + r.body);
  return t;
}

Reply Client::get(const std::string& bearer, const std::string& path) {
  return request("GET", path, {}, {{"Authorization", "Bearer " + bearer}});
}

Reply Client::post(const std::string& bearer, const std::string& path, const std::string& body) {
  return request("POST", path, body, {{"Authorization", "Bearer " + bearer}});
}

Reply Client::batch_update(const std::string& bearer, const std::string& spreadsheet, const std::string& body) {
  return post(bearer, "/v4/spreadsheets/" + spreadsheet + ":batchUpdate", body);
}

Reply Client::values(const std::string& bearer, const std::string& spreadsheet, const std::string& range,
                     const std::string& query) {
  return get(bearer, "/v4/spreadsheets/" + spreadsheet + "/values/" + url_encode(range) + (query.empty() ? "" : "?" + query));
}

Reply Client::search(const std::string& bearer, const std::string& spreadsheet, const std::string& body) {
  return post(bearer, "/v4/spreadsheets/" + spreadsheet + "/developerMetadata:search", body);
}

}  // namespace sinkhub::fake::google::test
