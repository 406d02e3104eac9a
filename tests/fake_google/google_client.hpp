// A minimal HTTP client for the tests of the fake Google: raw requests over loopback, the
// token endpoint (JWT assertion) and Sheets calls with a bearer token.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "fake_google.hpp"
#include "json.hpp"

namespace sinkhub::fake::google::test {

struct Reply {
  int status = 0;  // 0: no answer (connection dropped, timed out)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string error;  // why status is 0

  json::Obj json() const;  // null when the body is not a JSON object
  std::string header(const std::string& name) const;
  // error.message of a Google error body, "" otherwise
  std::string message() const;
};

std::string form(const std::vector<std::pair<std::string, std::string>>& fields);  // x-www-form-urlencoded
std::string url_encode(const std::string& s);

class Client {
 public:
  explicit Client(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  Reply request(const std::string& method, const std::string& path_and_query, const std::string& body = {},
                const std::vector<std::pair<std::string, std::string>>& headers = {},
                const std::string& content_type = "application/json");
  Reply token(const std::string& form_body, const std::vector<std::pair<std::string, std::string>>& headers = {});
  // A token for the account through the JWT-bearer grant; throws when the grant fails.
  std::string access_token(const ServiceAccount& sa, const std::string& aud, const std::string& scope = kSheetsScope);

  Reply get(const std::string& bearer, const std::string& path_and_query);
  Reply post(const std::string& bearer, const std::string& path_and_query, const std::string& body);
  Reply batch_update(const std::string& bearer, const std::string& spreadsheet, const std::string& body);
  Reply values(const std::string& bearer, const std::string& spreadsheet, const std::string& range,
               const std::string& query = {});
  Reply search(const std::string& bearer, const std::string& spreadsheet, const std::string& body);

 private:
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
};

}  // namespace sinkhub::fake::google::test
