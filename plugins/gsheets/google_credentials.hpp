// Google credentials for a server: a service-account key file (JWT bearer, RS256) or an
// `authorized_user` refresh-token JSON (gcloud's ADC format), found in the file named by the
// options or by Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, then gcloud's
// application_default_credentials.json; the GCE metadata server is not used). The key never
// leaves this struct: messages name the identity (client_email / account) only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace sinkhub_gsheets {

constexpr const char* kSheetsScope = "https://www.googleapis.com/auth/spreadsheets";
constexpr const char* kGoogleTokenUri = "https://oauth2.googleapis.com/token";

struct Credentials {
  enum class Type { ServiceAccount, AuthorizedUser };
  Type type = Type::ServiceAccount;
  std::string identity;          // client_email, or the user's account / client id: for messages
  std::string token_uri;         // where tokens are asked for
  std::string private_key_pem;   // service account (secret)
  std::string private_key_id;    // the JWT "kid"
  std::string client_id, client_secret, refresh_token;  // authorized_user (secrets)
  std::string quota_project_id;  // authorized_user: sent as x-goog-user-project
  std::string source;            // the file it came from, for messages
};

using EnvFn = std::function<const char*(const char*)>;

/// Reads a credentials JSON (service_account or authorized_user). Throws std::runtime_error
/// naming the file and what is wrong (never a secret).
Credentials parse_credentials(const std::string& json_text, const std::string& source);

/// The file the options name, else Application Default Credentials in Google's order.
/// Throws std::runtime_error naming every place looked at.
Credentials load_credentials(const std::string& credentials_file, const EnvFn& env);

/// base64url without padding (RFC 7515 §2).
std::string base64url(const std::string& bytes);

/// RSASSA-PKCS1-v1_5 SHA-256 signature of `input` with a PEM private key (PKCS#8 or PKCS#1).
/// Throws std::runtime_error when the key cannot be read.
std::string rs256_sign(const std::string& private_key_pem, const std::string& input);

/// The JWT-bearer assertion Google's own libraries make: header {alg RS256, typ JWT, kid},
/// claims {iss, scope, aud (Google's token URL), iat, exp = iat + 3600[, sub]}.
std::string jwt_assertion(const Credentials& c, const std::string& scope, const std::string& subject,
                          std::int64_t iat_unix_s);

}  // namespace sinkhub_gsheets
