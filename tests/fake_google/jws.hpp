// RS256 JSON Web Signatures and Google credential files, for both sides of the fake: the
// token endpoint verifies assertions with them, and tests (and later the sink's tests) use
// them to make keys, service-account / authorized_user JSON files and assertions.
// RSA and base64 come from Poco (Crypto, Foundation); nothing is hand-rolled.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "json.hpp"

namespace sinkhub::fake::google {

std::string b64url_encode(const std::string& bytes);  // no padding
std::optional<std::string> b64url_decode(const std::string& text);  // nullopt: not base64url

// RSASSA-PKCS1-v1_5 with SHA-256 over `signing_input`; the key is a PEM private key (PKCS#1
// "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY"). Returns the raw 256-byte signature.
std::string rs256_sign(const std::string& private_key_pem, const std::string& signing_input);
bool rs256_verify(const std::string& public_key_pem, const std::string& signing_input, const std::string& signature);

struct RsaKeyPair {
  std::string private_pem;  // PKCS#8, as a service-account key file carries it
  std::string public_pem;   // SubjectPublicKeyInfo
};
RsaKeyPair generate_rsa_key();  // 2048 bits
std::string public_key_of(const std::string& private_pem);

struct ServiceAccount {
  std::string email;  // client_email, the JWT "iss"
  std::string project_id = "sinkhub-fake";
  std::string project_number = "123456789012";
  std::string client_id;       // numeric
  std::string private_key_id;  // 40 hex digits, the JWT header "kid"
  std::string private_key_pem;
  std::string public_key_pem;
};
// A service account with a fresh RSA key.
ServiceAccount make_service_account(const std::string& email, const std::string& project_id = "sinkhub-fake",
                                    const std::string& project_number = "123456789012");
// The key file Google's console downloads, with token_uri pointing where the caller says.
std::string service_account_json(const ServiceAccount& sa, const std::string& token_uri);
// Reads a service-account key file's fields back (throws std::runtime_error on a bad file).
ServiceAccount parse_service_account_json(const std::string& text);

struct AuthorizedUser {
  std::string email;
  std::string client_id;  // "<n>-<x>.apps.googleusercontent.com"
  std::string client_secret;
  std::string refresh_token;
  std::string quota_project_id;   // optional
  std::string project_number;     // the OAuth client's project
};
// gcloud's application_default_credentials.json shape, plus "token_uri" (Google's libraries
// ignore a token_uri in this file; a client tested against the fake must honour it or be
// pointed at the fake some other way).
std::string authorized_user_json(const AuthorizedUser& u, const std::string& token_uri);

// Writes a credentials file readable by its owner only (0600).
void write_private_file(const std::string& path, const std::string& content);

// A compact JWS: b64url(header).b64url(claims).b64url(RS256 signature).
std::string make_jwt(const std::string& private_key_pem, const json::Obj& header, const json::Obj& claims);
// The assertion Google's client libraries make for a service account: header {alg, typ, kid},
// claims {iss, scope, aud, iat, exp = iat + 3600[, sub]}.
std::string google_assertion(const ServiceAccount& sa, const std::string& aud, const std::string& scope,
                             std::int64_t iat, const std::string& sub = {});

}  // namespace sinkhub::fake::google
