// The token endpoint, as Google's: a service account's JWT assertion is verified (RS256
// signature with the account's key, kid, iss, aud, scope, iat/exp, sub) before any token is
// issued, errors are Google's {"error","error_description"} bodies, and the refresh-token
// grant serves authorized_user credentials.
#include <gtest/gtest.h>

#include <Poco/Base64Encoder.h>

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "fixture.hpp"

namespace sinkhub::fake::google::test {
namespace {

constexpr const char* kGoogleAud = "https://oauth2.googleapis.com/token";
constexpr const char* kBadTime =
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp "
    "values in the JWT claim.";

std::string base64(const std::string& s) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out);
  enc.rdbuf()->setLineLength(0);
  enc << s;
  enc.close();
  return out.str();
}

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class TokenEndpoint : public FakeGoogleTest {
 protected:
  json::Obj header(const std::string& kid) {
    auto h = json::object();
    h->set("alg", "RS256");
    h->set("typ", "JWT");
    if (!kid.empty()) h->set("kid", kid);
    return h;
  }
  json::Obj claims(std::int64_t iat, std::int64_t exp, const std::string& aud = kGoogleAud) {
    auto c = json::object();
    c->set("iss", sa.email);
    c->set("scope", kSheetsScope);
    c->set("aud", aud);
    c->set("iat", iat);
    c->set("exp", exp);
    return c;
  }
  Reply grant(const std::string& assertion) {
    return client.token(form({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"}, {"assertion", assertion}}));
  }
  Reply grant(const json::Obj& h, const json::Obj& c) { return grant(make_jwt(sa.private_key_pem, h, c)); }
  static void refused(const Reply& r, int status, const std::string& error, const std::string& description) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(json::str(r.json(), "error"), error) << r.body;
    EXPECT_EQ(json::str(r.json(), "error_description"), description) << r.body;
    EXPECT_FALSE(json::has(r.json(), "access_token"));
  }
};

TEST_F(TokenEndpoint, AValidAssertionGetsABearerTokenThatTheSheetsApiAccepts) {
  const Reply r = grant(google_assertion(sa, kGoogleAud, kSheetsScope, now_s()));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto o = r.json();
  EXPECT_EQ(json::str(o, "token_type"), "Bearer");
  EXPECT_EQ(json::integer(o, "expires_in"), 3599);
  EXPECT_EQ(r.header("Cache-Control"), "no-cache, no-store, max-age=0, must-revalidate");
  const Reply api = client.get(json::str(o, "access_token"), std::string("/v4/spreadsheets/") + kSheet);
  EXPECT_EQ(api.status, 200) << api.body;
  EXPECT_EQ(google.requests(Op::GetSpreadsheet).back().principal, sa.email);
}

TEST_F(TokenEndpoint, TheAudienceIsGooglesTokenUrlOrThisEndpointsOwn) {
  EXPECT_EQ(grant(header(sa.private_key_id), claims(now_s(), now_s() + 3600, google.token_uri())).status, 200);
  EXPECT_EQ(grant(header(sa.private_key_id), claims(now_s(), now_s() + 3600, "https://accounts.google.com/o/oauth2/token")).status, 200);
  refused(grant(header(sa.private_key_id), claims(now_s(), now_s() + 3600, "https://example.com/token")), 400,
          "invalid_grant", "Invalid JWT: Failed audience check.");
  refused(grant(header(sa.private_key_id), claims(now_s(), now_s() + 3600, "")), 400, "invalid_grant",
          "Invalid JWT: Failed audience check.");
}

TEST_F(TokenEndpoint, ATamperedSignatureOrClaimIsRefused) {
  const std::string jwt = google_assertion(sa, kGoogleAud, kSheetsScope, now_s());
  std::string bad_sig = jwt;
  bad_sig[bad_sig.size() - 10] = bad_sig[bad_sig.size() - 10] == 'A' ? 'B' : 'A';
  refused(grant(bad_sig), 400, "invalid_grant", "Invalid JWT Signature.");
  // The same signature over other claims (a wider scope) does not verify either.
  auto c = claims(now_s(), now_s() + 3600);
  c->set("scope", "https://www.googleapis.com/auth/cloud-platform");
  const std::string forged = b64url_encode(json::compact(header(sa.private_key_id))) + "." +
                             b64url_encode(json::compact(c)) + jwt.substr(jwt.rfind('.'));
  refused(grant(forged), 400, "invalid_grant", "Invalid JWT Signature.");
}

TEST_F(TokenEndpoint, TheKeyIsPickedByKidAndOnlyRs256Verifies) {
  refused(grant(header("0123456789012345678901234567890123456789"), claims(now_s(), now_s() + 3600)), 400,
          "invalid_grant", "Invalid JWT Signature.");
  EXPECT_EQ(grant(header(""), claims(now_s(), now_s() + 3600)).status, 200);  // kid is optional
  const ServiceAccount other = account("other");  // same email, another key: not registered
  refused(grant(make_jwt(other.private_key_pem, header(""), claims(now_s(), now_s() + 3600))), 400, "invalid_grant",
          "Invalid JWT Signature.");
  auto none = header(sa.private_key_id);
  none->set("alg", "none");
  refused(grant(none, claims(now_s(), now_s() + 3600)), 400, "invalid_grant", "Invalid JWT Signature.");
  auto hs = header(sa.private_key_id);
  hs->set("alg", "HS256");
  refused(grant(hs, claims(now_s(), now_s() + 3600)), 400, "invalid_grant", "Invalid JWT Signature.");
}

TEST_F(TokenEndpoint, ARotatedSecondKeyWorksBesideTheFirst) {
  ServiceAccount second = account("second-key");
  second.email = sa.email;
  google.add_service_account(second);
  EXPECT_EQ(grant(google_assertion(second, kGoogleAud, kSheetsScope, now_s())).status, 200);
  EXPECT_EQ(grant(google_assertion(sa, kGoogleAud, kSheetsScope, now_s())).status, 200);
}

TEST_F(TokenEndpoint, AnUnknownOrDeletedAccountIsNotFound) {
  const ServiceAccount stranger = account("stranger");
  refused(grant(google_assertion(stranger, kGoogleAud, kSheetsScope, now_s())), 400, "invalid_grant",
          "Invalid grant: account not found");
  google.remove_service_account(sa.email);
  refused(grant(google_assertion(sa, kGoogleAud, kSheetsScope, now_s())), 400, "invalid_grant",
          "Invalid grant: account not found");
}

TEST_F(TokenEndpoint, IatAndExpMustBeAShortLivedWindowAroundNow) {
  const auto t = now_s();
  const auto h = header(sa.private_key_id);
  EXPECT_EQ(grant(h, claims(t - 60, t + 3540)).status, 200);  // back-dated a minute, as advised
  refused(grant(h, claims(t, t + 3601)), 400, "invalid_grant", kBadTime);         // more than an hour
  refused(grant(h, claims(t - 7200, t - 3600)), 400, "invalid_grant", kBadTime);  // expired
  refused(grant(h, claims(t + 3600, t + 7200)), 400, "invalid_grant", kBadTime);  // issued in the future
  refused(grant(h, claims(t, t)), 400, "invalid_grant", kBadTime);                // exp not after iat
  EXPECT_EQ(grant(h, claims(t + 200, t + 3000)).status, 200);  // within the allowed skew (300 s)
  auto c = claims(t, t + 3600);
  c->remove("iat");
  refused(grant(h, c), 400, "invalid_grant", kBadTime);
  c = claims(t, t + 3600);
  c->set("exp", "soon");
  refused(grant(h, c), 400, "invalid_grant", kBadTime);
}

TEST_F(TokenEndpoint, AClientWhoseClockIsOffIsRefused) {
  google.set_clock_offset(std::chrono::hours(2));  // the client is two hours behind Google
  refused(grant(google_assertion(sa, kGoogleAud, kSheetsScope, now_s())), 400, "invalid_grant", kBadTime);
  google.set_clock_offset(std::chrono::seconds(0));
  EXPECT_EQ(grant(google_assertion(sa, kGoogleAud, kSheetsScope, now_s())).status, 200);
}

TEST_F(TokenEndpoint, AnAssertionWithoutScopeIsInvalidScope) {
  auto c = claims(now_s(), now_s() + 3600);
  c->set("scope", "");
  refused(grant(header(sa.private_key_id), c), 400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
}

TEST_F(TokenEndpoint, MalformedRequestsAreRefusedWithGooglesErrors) {
  refused(grant("not.a-jwt"), 400, "invalid_grant", "Invalid JWT: Token must be a compact JWS (header.claims.signature).");
  refused(grant("a.b.c.d"), 400, "invalid_grant", "Invalid JWT: Token must be a compact JWS (header.claims.signature).");
  refused(client.token(form({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"}})), 400, "invalid_request",
          "Missing required parameter: assertion");
  refused(client.token(form({{"grant_type", "password"}})), 400, "unsupported_grant_type", "Invalid grant_type: password");
  refused(client.token(""), 400, "unsupported_grant_type", "Invalid grant_type: ");
  EXPECT_EQ(client.request("GET", "/token").status, 405);
}

TEST_F(TokenEndpoint, ImpersonationNeedsDomainWideDelegationForEveryScope) {
  const auto t = now_s();
  refused(grant(google_assertion(sa, kGoogleAud, kSheetsScope, t, "alice@corp.example")), 401, "unauthorized_client",
          "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of "
          "the scopes requested.");
  google.grant_domain_wide_delegation(sa.email, {kSheetsScope});
  const Reply r = grant(google_assertion(sa, kGoogleAud, kSheetsScope, t, "alice@corp.example"));
  ASSERT_EQ(r.status, 200) << r.body;
  google.share(kSheet, "alice@corp.example");
  EXPECT_EQ(client.get(json::str(r.json(), "access_token"), std::string("/v4/spreadsheets/") + kSheet).status, 200);
  EXPECT_EQ(google.requests(Op::GetSpreadsheet).back().principal, "alice@corp.example");
  refused(grant(google_assertion(sa, kGoogleAud, std::string(kSheetsScope) + " https://www.googleapis.com/auth/drive", t,
                                 "alice@corp.example")),
          401, "unauthorized_client",
          "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of "
          "the scopes requested.");
}

TEST_F(TokenEndpoint, RefreshTokenGrantServesAuthorizedUserCredentials) {
  const AuthorizedUser u = google.add_authorized_user("person@example.com");
  const Reply r = client.token(form({{"grant_type", "refresh_token"},
                                     {"client_id", u.client_id},
                                     {"client_secret", u.client_secret},
                                     {"refresh_token", u.refresh_token}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::str(r.json(), "scope"), kSheetsScope);
  EXPECT_EQ(json::str(r.json(), "token_type"), "Bearer");
  EXPECT_FALSE(json::has(r.json(), "refresh_token"));  // the old one stays valid
  google.share(kSheet, "person@example.com");
  EXPECT_EQ(client.get(json::str(r.json(), "access_token"), std::string("/v4/spreadsheets/") + kSheet).status, 200);
  const LoggedRequest logged = google.requests(Op::GetSpreadsheet).back();
  EXPECT_EQ(logged.principal, "person@example.com");
  EXPECT_EQ(logged.project, u.project_number);  // charged to the OAuth client's project
}

TEST_F(TokenEndpoint, RefreshTokenGrantErrors) {
  const AuthorizedUser u = google.add_authorized_user("person@example.com");
  auto ask = [&](const std::string& id, const std::string& secret, const std::string& refresh, const std::string& scope = {}) {
    std::vector<std::pair<std::string, std::string>> f = {{"grant_type", "refresh_token"}, {"client_id", id},
                                                          {"client_secret", secret}, {"refresh_token", refresh}};
    if (!scope.empty()) f.emplace_back("scope", scope);
    return client.token(form(f));
  };
  refused(ask("nobody.apps.googleusercontent.com", u.client_secret, u.refresh_token), 401, "invalid_client",
          "The OAuth client was not found.");
  refused(ask(u.client_id, "wrong", u.refresh_token), 401, "invalid_client", "Unauthorized");
  refused(ask(u.client_id, u.client_secret, ""), 400, "invalid_request", "Missing required parameter: refresh_token");
  refused(ask(u.client_id, u.client_secret, "1//0gnot-a-token"), 400, "invalid_grant", "Token has been expired or revoked.");
  refused(ask(u.client_id, u.client_secret, u.refresh_token, "https://www.googleapis.com/auth/drive"), 400,
          "invalid_scope", "Bad Request");
  google.revoke_refresh_token(u.refresh_token);
  refused(ask(u.client_id, u.client_secret, u.refresh_token), 400, "invalid_grant", "Token has been expired or revoked.");
}

TEST_F(TokenEndpoint, ClientCredentialsMayComeAsHttpBasic) {
  const AuthorizedUser u = google.add_authorized_user("person@example.com");
  const Reply r = client.token(form({{"grant_type", "refresh_token"}, {"refresh_token", u.refresh_token}}),
                               {{"Authorization", "Basic " + base64(u.client_id + ":" + u.client_secret)}});
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(TokenEndpoint, TokensExpireAfterExpiresInAndOnDemand) {
  google.set_token_lifetime(1);
  const Reply r = grant(google_assertion(sa, kGoogleAud, kSheetsScope, now_s()));
  ASSERT_EQ(json::integer(r.json(), "expires_in"), 1);
  const std::string t = json::str(r.json(), "access_token");
  EXPECT_EQ(client.get(t, std::string("/v4/spreadsheets/") + kSheet).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const Reply late = client.get(t, std::string("/v4/spreadsheets/") + kSheet);
  EXPECT_EQ(late.status, 401);
  EXPECT_EQ(json::str(json::child(late.json(), "error"), "status"), "UNAUTHENTICATED");
  EXPECT_NE(late.body.find("ACCESS_TOKEN_EXPIRED"), std::string::npos) << late.body;
  EXPECT_NE(late.header("WWW-Authenticate").find("invalid_token"), std::string::npos);
  google.set_token_lifetime(3599);
  const std::string fresh = client.access_token(sa, kGoogleAud);
  EXPECT_EQ(client.get(fresh, std::string("/v4/spreadsheets/") + kSheet).status, 200);
  google.expire_tokens();
  EXPECT_EQ(client.get(fresh, std::string("/v4/spreadsheets/") + kSheet).status, 401);
}

TEST_F(TokenEndpoint, ACredentialsFileWrittenByTheFakePointsAtIt) {
  const std::string path = ::testing::TempDir() + "/fake_google_written_sa.json";
  google.write_credentials(path, sa);
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  const ServiceAccount back = parse_service_account_json(text.str());
  EXPECT_EQ(back.private_key_id, sa.private_key_id);
  EXPECT_EQ(json::str(json::as_object(json::parse(text.str())), "token_uri"), google.token_uri());
  EXPECT_EQ(client.access_token(back, google.token_uri()).empty(), false);
  ::unlink(path.c_str());
}

TEST_F(TokenEndpoint, SecretsNeverComeBackInErrors) {
  const Reply r = grant(google_assertion(account("stranger"), kGoogleAud, kSheetsScope, now_s()));
  EXPECT_EQ(r.body.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(r.body.find(google_assertion(account("stranger"), kGoogleAud, kSheetsScope, now_s()).substr(0, 20)),
            std::string::npos);
}

}  // namespace
}  // namespace sinkhub::fake::google::test
