// The fake OAuth 2.0 token endpoint (Google's token_uri) and the access tokens it issues.
//
// JWT-bearer grant (service accounts): the assertion must be a compact RS256 JWS signed by
// one of the account's keys (header kid = private_key_id when present), with iss = the
// account, a non-empty scope, aud = Google's token URL (or this endpoint's own URL), iat/exp
// within the allowed clock skew and exp - iat <= 3600; sub impersonates a user only with
// domain-wide delegation. Refresh-token grant (authorized_user): client_id, client_secret and
// a live refresh token. Errors are Google's {"error","error_description"} bodies.
// Not thread-safe: FakeGoogle serializes access.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "jws.hpp"

namespace sinkhub::fake::google {

// Who an access token speaks for.
struct Principal {
  std::string email;           // the service account, the impersonated user, or the user
  std::string project_number;  // the caller's project (service account's / OAuth client's)
  std::set<std::string> scopes;
  bool service_account = false;
};

class OAuthServer {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  using WallTime = std::chrono::system_clock::time_point;

  struct Settings {
    std::string token_uri;      // this endpoint's URL, accepted as "aud" besides Google's own
    int token_lifetime_s = 3599;
    std::chrono::seconds clock_skew{300};
  };
  struct Answer {
    int status = 200;
    std::string body;
  };
  enum class Check { Ok, Unknown, Expired };

  Settings settings;

  void add_service_account(const ServiceAccount& sa);  // a second key for a known email adds a key
  bool remove_service_account(const std::string& email);
  void grant_delegation(const std::string& sa_email, const std::vector<std::string>& scopes);
  void add_client(const std::string& client_id, const std::string& secret, const std::string& project_number);
  std::string add_refresh_token(const std::string& client_id, const std::string& user_email,
                                const std::vector<std::string>& scopes);
  void revoke_refresh_token(const std::string& refresh_token);
  bool knows_project(const std::string& project) const;
  std::string project_number(const std::string& project) const;  // id or number -> number

  // A token for `who` without a grant (for tests of the API alone).
  std::string issue(const Principal& who, SteadyTime now);
  Answer token_request(const std::string& form_body, const std::string& authorization, WallTime now, SteadyTime steady);
  Check check(const std::string& access_token, Principal& who, SteadyTime now) const;
  void expire_all();
  void revoke(const std::string& access_token);

 private:
  struct Account {
    ServiceAccount sa;
    std::map<std::string, std::string> keys;  // private_key_id -> public PEM
    std::set<std::string> delegated_scopes;
  };
  struct Client {
    std::string secret;
    std::string project_number;
  };
  struct Refresh {
    std::string client_id;
    std::string email;
    std::set<std::string> scopes;
  };
  struct Token {
    Principal who;
    SteadyTime expires;
  };

  Answer jwt_grant(const std::string& assertion, WallTime now, SteadyTime steady);
  Answer refresh_grant(const std::map<std::string, std::string>& form, const std::string& authorization, SteadyTime steady);
  Answer grant(const Principal& who, SteadyTime now, bool echo_scope);

  std::map<std::string, Account> accounts_;  // by lower-case email
  std::map<std::string, Client> clients_;
  std::map<std::string, Refresh> refresh_tokens_;
  std::map<std::string, Token> tokens_;
  std::map<std::string, std::string> projects_;  // id -> number
};

}  // namespace sinkhub::fake::google
