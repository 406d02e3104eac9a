// RS256 and Google credential files: the signature of RFC 7515 A.2 is reproduced byte for byte
// with both PEM encodings of the RFC's key, and what the helpers write is what Google's
// libraries read.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "jws.hpp"

namespace g = sinkhub::fake::google;

namespace {

std::string vector_file(const std::string& name) {
  std::ifstream in(std::string(JWS_RS256_VECTORS) + "/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  if (!in && !in.eof()) throw std::runtime_error("cannot read " + name);
  return out.str();
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

TEST(Rs256, RfcA2SignatureIsReproducedWithThePkcs1AndPkcs8Keys) {
  const std::string input = trimmed(vector_file("signing-input.txt"));
  const std::string expected = trimmed(vector_file("signature.b64url"));
  EXPECT_EQ(g::b64url_encode(g::rs256_sign(vector_file("rsa-private-pkcs1.pem"), input)), expected);
  EXPECT_EQ(g::b64url_encode(g::rs256_sign(vector_file("rsa-private-pkcs8.pem"), input)), expected);
}

TEST(Rs256, RfcA2SigningInputIsTheBase64urlOfHeaderAndPayload) {
  EXPECT_EQ(g::b64url_encode(vector_file("header.json")) + "." + g::b64url_encode(vector_file("payload.json")),
            trimmed(vector_file("signing-input.txt")));
  EXPECT_EQ(trimmed(vector_file("signing-input.txt")) + "." + trimmed(vector_file("signature.b64url")),
            trimmed(vector_file("jws-compact.txt")));
}

TEST(Rs256, TheRfcSignatureVerifiesAndATamperedOneDoesNot) {
  const std::string input = trimmed(vector_file("signing-input.txt"));
  const std::string pub = vector_file("rsa-public.pem");
  const auto sig = g::b64url_decode(trimmed(vector_file("signature.b64url")));
  ASSERT_TRUE(sig);
  EXPECT_TRUE(g::rs256_verify(pub, input, *sig));
  std::string flipped = *sig;
  flipped[17] = static_cast<char>(flipped[17] ^ 0x01);
  EXPECT_FALSE(g::rs256_verify(pub, input, flipped));
  EXPECT_FALSE(g::rs256_verify(pub, input + "x", *sig));
  EXPECT_FALSE(g::rs256_verify("not a key", input, *sig));
}

TEST(Rs256, PublicKeyDerivedFromThePrivateOneMatchesTheRfcs) {
  EXPECT_EQ(g::public_key_of(vector_file("rsa-private-pkcs8.pem")), vector_file("rsa-public.pem"));
}

TEST(Base64url, RoundTripsWithoutPaddingAndRejectsOtherAlphabets) {
  const std::string bytes("\xfb\xff\x00\x3e\x3f", 5);
  EXPECT_EQ(g::b64url_encode(bytes), "-_8APj8");
  EXPECT_EQ(g::b64url_decode("-_8APj8"), bytes);
  EXPECT_FALSE(g::b64url_decode("+/8APj8"));  // standard alphabet
  EXPECT_FALSE(g::b64url_decode("-_8APj8="));  // padding
  EXPECT_FALSE(g::b64url_decode("a"));         // impossible length
  EXPECT_EQ(g::b64url_decode(""), std::string());
}

TEST(ServiceAccountKey, GeneratedKeyIsRsa2048Pkcs8WithA40HexKeyId) {
  const auto sa = g::make_service_account("a@p.iam.gserviceaccount.com");
  EXPECT_EQ(sa.private_key_pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
  EXPECT_EQ(sa.public_key_pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
  EXPECT_EQ(sa.private_key_id.size(), 40u);
  EXPECT_EQ(sa.private_key_id.find_first_not_of("0123456789abcdef"), std::string::npos);
  const std::string sig = g::rs256_sign(sa.private_key_pem, "x");
  EXPECT_EQ(sig.size(), 256u);  // 2048-bit modulus
  EXPECT_TRUE(g::rs256_verify(sa.public_key_pem, "x", sig));
}

TEST(ServiceAccountKey, KeyFileHasGooglesFieldsAndRoundTrips) {
  const auto sa = g::make_service_account("writer@proj.iam.gserviceaccount.com", "proj", "42");
  const auto o = g::json::as_object(g::json::parse(g::service_account_json(sa, "http://127.0.0.1:9/token")));
  for (const char* f : {"type", "project_id", "private_key_id", "private_key", "client_email", "client_id", "auth_uri",
                        "token_uri", "auth_provider_x509_cert_url", "client_x509_cert_url", "universe_domain"})
    EXPECT_TRUE(g::json::has(o, f)) << f;
  EXPECT_EQ(g::json::str(o, "type"), "service_account");
  EXPECT_EQ(g::json::str(o, "token_uri"), "http://127.0.0.1:9/token");
  EXPECT_EQ(g::json::str(o, "client_x509_cert_url"),
            "https://www.googleapis.com/robot/v1/metadata/x509/writer%40proj.iam.gserviceaccount.com");
  const auto back = g::parse_service_account_json(g::service_account_json(sa, "x"));
  EXPECT_EQ(back.email, sa.email);
  EXPECT_EQ(back.private_key_id, sa.private_key_id);
  EXPECT_EQ(back.public_key_pem, sa.public_key_pem);
  EXPECT_THROW(g::parse_service_account_json("{\"type\":\"authorized_user\"}"), std::runtime_error);
}

TEST(ServiceAccountKey, CredentialFilesAreWrittenOwnerReadableOnly) {
  const std::string path = ::testing::TempDir() + "/fake_google_key.json";
  g::write_private_file(path, "{}");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ::unlink(path.c_str());
  EXPECT_THROW(g::write_private_file("/nonexistent-dir/key.json", "{}"), std::runtime_error);
}

TEST(GoogleAssertion, CarriesTheClaimsGooglesLibrariesSend) {
  const auto sa = g::make_service_account("a@p.iam.gserviceaccount.com");
  const std::string jwt = g::google_assertion(sa, "https://oauth2.googleapis.com/token", "s1 s2", 1700000000, "u@x.com");
  const auto d1 = jwt.find('.'), d2 = jwt.rfind('.');
  const auto header = g::json::as_object(g::json::parse(*g::b64url_decode(jwt.substr(0, d1))));
  const auto claims = g::json::as_object(g::json::parse(*g::b64url_decode(jwt.substr(d1 + 1, d2 - d1 - 1))));
  EXPECT_EQ(g::json::str(header, "alg"), "RS256");
  EXPECT_EQ(g::json::str(header, "typ"), "JWT");
  EXPECT_EQ(g::json::str(header, "kid"), sa.private_key_id);
  EXPECT_EQ(g::json::str(claims, "iss"), sa.email);
  EXPECT_EQ(g::json::str(claims, "aud"), "https://oauth2.googleapis.com/token");
  EXPECT_EQ(g::json::str(claims, "scope"), "s1 s2");
  EXPECT_EQ(g::json::integer(claims, "iat"), 1700000000);
  EXPECT_EQ(g::json::integer(claims, "exp"), 1700003600);
  EXPECT_EQ(g::json::str(claims, "sub"), "u@x.com");
  EXPECT_TRUE(g::rs256_verify(sa.public_key_pem, jwt.substr(0, d2), *g::b64url_decode(jwt.substr(d2 + 1))));
}

TEST(AuthorizedUser, FileHasTheGcloudAdcFields) {
  g::AuthorizedUser u{"me@example.com", "1-abc.apps.googleusercontent.com", "GOCSPX-x", "1//0gtoken", "quota-proj", "1"};
  const auto o = g::json::as_object(g::json::parse(g::authorized_user_json(u, "http://127.0.0.1:9/token")));
  EXPECT_EQ(g::json::str(o, "type"), "authorized_user");
  EXPECT_EQ(g::json::str(o, "client_id"), u.client_id);
  EXPECT_EQ(g::json::str(o, "client_secret"), u.client_secret);
  EXPECT_EQ(g::json::str(o, "refresh_token"), u.refresh_token);
  EXPECT_EQ(g::json::str(o, "quota_project_id"), "quota-proj");
  EXPECT_EQ(g::json::str(o, "token_uri"), "http://127.0.0.1:9/token");
}
