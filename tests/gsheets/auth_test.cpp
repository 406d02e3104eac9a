// The sink's credentials: RS256 equals RFC 7515 A.2, the assertion carries the claims Google's
// own libraries send (checked by the fake token endpoint's verifier too), key files and ADC
// are found in Google's order, and nothing secret reaches an error message.
#include <gtest/gtest.h>

#include <sinkhub/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "google_credentials.hpp"
#include "jws.hpp"
#include "testkit.hpp"

namespace {

namespace g = sinkhub::fake::google;
using namespace sinkhub_gsheets;

std::string vector_file(const std::string& name) {
  std::ifstream in(std::string(JWS_RS256_VECTORS) + "/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

TEST(GsheetsAuth, Rs256OfTheRfc7515A2SigningInputIsTheRfcsSignature) {
  const std::string input = vector_file("signing-input.txt");
  const std::string want = trim(vector_file("signature.b64url"));
  EXPECT_EQ(base64url(rs256_sign(vector_file("rsa-private-pkcs8.pem"), input)), want) << "PKCS#8, as key files carry it";
  EXPECT_EQ(base64url(rs256_sign(vector_file("rsa-private-pkcs1.pem"), input)), want) << "PKCS#1";
}

TEST(GsheetsAuth, Base64urlHasNoPaddingAndUsesTheUrlAlphabet) {
  EXPECT_EQ(base64url("{\"alg\":\"RS256\"}"), "eyJhbGciOiJSUzI1NiJ9");
  EXPECT_EQ(base64url(std::string("\xfb\xff\xfe", 3)), "-__-");
  EXPECT_EQ(base64url("a"), "YQ");
}

TEST(GsheetsAuth, AGarbagePrivateKeyIsRefusedWithoutEchoingIt) {
  try {
    rs256_sign("-----BEGIN PRIVATE KEY-----\nNOTAKEYsecretbytes\n-----END PRIVATE KEY-----\n", "x");
    FAIL() << "signed with garbage";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).find("NOTAKEY"), std::string::npos) << e.what();
  }
}

sinkhub::json::Value part(const std::string& jwt, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = jwt.find('.', start) + 1;
  const std::size_t end = jwt.find('.', start);
  return sinkhub::json::parse(*g::b64url_decode(jwt.substr(start, end - start)));
}

TEST(GsheetsAuth, TheAssertionCarriesGooglesClaimsAndVerifiesWithThePublicKey) {
  const g::ServiceAccount sa = g::make_service_account("robot@proj.iam.gserviceaccount.com");
  const Credentials c = parse_credentials(g::service_account_json(sa, "https://oauth2.googleapis.com/token"), "key.json");
  const std::string jwt = jwt_assertion(c, kSheetsScope, "", 1700000000);
  const auto header = part(jwt, 0), claims = part(jwt, 1);
  EXPECT_EQ(header.find("alg")->text(), "RS256");
  EXPECT_EQ(header.find("typ")->text(), "JWT");
  EXPECT_EQ(header.find("kid")->text(), sa.private_key_id) << "kid is the key's id, never the key";
  EXPECT_EQ(claims.find("iss")->text(), sa.email);
  EXPECT_EQ(claims.find("scope")->text(), "https://www.googleapis.com/auth/spreadsheets");
  EXPECT_EQ(claims.find("aud")->text(), "https://oauth2.googleapis.com/token");
  EXPECT_EQ(claims.find("iat")->text(), "1700000000");
  EXPECT_EQ(claims.find("exp")->text(), "1700003600");
  EXPECT_EQ(claims.find("sub"), nullptr) << "no sub without impersonation";
  const std::size_t last = jwt.rfind('.');
  EXPECT_TRUE(g::rs256_verify(sa.public_key_pem, jwt.substr(0, last), *g::b64url_decode(jwt.substr(last + 1))));
  EXPECT_EQ(part(jwt_assertion(c, kSheetsScope, "ann@example.com", 1700000000), 1).find("sub")->text(),
            "ann@example.com");
}

TEST(GsheetsAuth, AuthorizedUserFilesKeepTheQuotaProjectAndTokenUri) {
  const std::string text = R"({"type":"authorized_user","client_id":"1-x.apps.googleusercontent.com",)"
                           R"("client_secret":"sec-123","refresh_token":"1//refresh","quota_project_id":"billing-proj",)"
                           R"("account":"ann@example.com","token_uri":"http://127.0.0.1:9/token"})";
  const Credentials c = parse_credentials(text, "adc.json");
  EXPECT_EQ(c.type, Credentials::Type::AuthorizedUser);
  EXPECT_EQ(c.quota_project_id, "billing-proj");
  EXPECT_EQ(c.identity, "ann@example.com");
  EXPECT_EQ(c.token_uri, "http://127.0.0.1:9/token");
}

std::string error_of(const std::string& text) {
  try {
    parse_credentials(text, "bad.json");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(GsheetsAuth, WrongCredentialFilesAreRefusedNamingWhatIsWrong) {
  EXPECT_NE(error_of("not json").find("bad.json is not JSON"), std::string::npos);
  EXPECT_NE(error_of("[]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(error_of(R"({"type":"external_account"})").find("not supported"), std::string::npos);
  EXPECT_NE(error_of(R"({"type":"service_account","private_key":"k"})").find("client_email"), std::string::npos);
  EXPECT_NE(error_of(R"({"type":"authorized_user","client_id":"a","client_secret":"s3cret"})").find("refresh_token"),
            std::string::npos);
  const std::string evil = R"({"type":"service_account","client_email":"a@b","private_key":"TOPSECRET",)"
                           R"("token_uri":"http://evil.example/token"})";
  const std::string msg = error_of(evil);
  EXPECT_NE(msg.find("token_uri must be https://"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("TOPSECRET"), std::string::npos) << msg;
  EXPECT_EQ(error_of(std::string(R"({"type":")") + std::string(5000, 'x') + "\"}").size() < 300, true);
}

struct Env {
  std::map<std::string, std::string> vars;
  EnvFn fn() const {
    return [this](const char* n) -> const char* {
      auto it = vars.find(n);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

TEST(GsheetsAuth, ApplicationDefaultCredentialsFollowGooglesOrder) {
  sinkhub::testkit::TempDir dir;
  const g::ServiceAccount sa = g::make_service_account("env@proj.iam.gserviceaccount.com");
  g::write_private_file(dir.file("env.json"), g::service_account_json(sa, "https://oauth2.googleapis.com/token"));
  std::filesystem::create_directories(dir.file("home/.config/gcloud"));
  g::write_private_file(dir.file("home/.config/gcloud/application_default_credentials.json"),
                        R"({"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"})");
  Env env;
  env.vars["HOME"] = dir.file("home");
  EXPECT_EQ(load_credentials("", env.fn()).type, Credentials::Type::AuthorizedUser) << "gcloud's ADC file";
  env.vars["GOOGLE_APPLICATION_CREDENTIALS"] = dir.file("env.json");
  EXPECT_EQ(load_credentials("", env.fn()).identity, sa.email) << "the variable comes first";
  EXPECT_EQ(load_credentials(dir.file("home/.config/gcloud/application_default_credentials.json"), env.fn()).type,
            Credentials::Type::AuthorizedUser)
      << "credentials_file beats ADC";
  env.vars.erase("GOOGLE_APPLICATION_CREDENTIALS");
  env.vars["HOME"] = dir.file("nowhere");
  try {
    load_credentials("", env.fn());
    FAIL() << "found credentials in an empty home";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("GOOGLE_APPLICATION_CREDENTIALS is not set"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nowhere/.config/gcloud/application_default_credentials.json"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(load_credentials(dir.file("missing.json"), env.fn()), std::runtime_error);
}

}  // namespace
