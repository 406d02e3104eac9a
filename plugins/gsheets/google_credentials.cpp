#include "google_credentials.hpp"

#include <sinkhub/json.hpp>

#include <Poco/Base64Encoder.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace sinkhub_gsheets {

namespace json = sinkhub::json;

namespace {

std::string field(const json::Value& doc, const char* name) {
  const json::Value* v = doc.find(name);
  return v && v->is_string() ? v->text() : std::string();
}

std::string need(const json::Value& doc, const char* name, const std::string& source) {
  std::string v = field(doc, name);
  if (v.empty()) throw std::runtime_error("credentials file " + source + ": \"" + name + "\" is missing");
  return v;
}

// A token_uri from a file is where assertions and refresh tokens are sent: https only, or
// http to a loopback test server.
void check_token_uri(const std::string& uri, const std::string& source) {
  const bool https = uri.rfind("https://", 0) == 0;
  const bool loopback = uri.rfind("http://127.0.0.1", 0) == 0 || uri.rfind("http://[::1]", 0) == 0 ||
                        uri.rfind("http://localhost", 0) == 0;
  if (!https && !loopback) throw std::runtime_error("credentials file " + source + ": token_uri must be https://");
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return out.size() <= (1u << 20);
}

}  // namespace

Credentials parse_credentials(const std::string& json_text, const std::string& source) {
  json::Value doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::ParseError& e) {
    throw std::runtime_error("credentials file " + source + " is not JSON (" + e.what() + ")");
  }
  if (!doc.is_object()) throw std::runtime_error("credentials file " + source + " is not a JSON object");
  Credentials c;
  c.source = source;
  const std::string type = field(doc, "type");
  if (type == "service_account") {
    c.type = Credentials::Type::ServiceAccount;
    c.identity = need(doc, "client_email", source);
    c.private_key_pem = need(doc, "private_key", source);
    c.private_key_id = field(doc, "private_key_id");
    c.token_uri = field(doc, "token_uri");
    if (c.token_uri.empty()) c.token_uri = kGoogleTokenUri;
  } else if (type == "authorized_user") {
    c.type = Credentials::Type::AuthorizedUser;
    c.client_id = need(doc, "client_id", source);
    c.client_secret = need(doc, "client_secret", source);
    c.refresh_token = need(doc, "refresh_token", source);
    c.quota_project_id = field(doc, "quota_project_id");
    c.identity = field(doc, "account");
    if (c.identity.empty()) c.identity = "the user who authorized OAuth client " + c.client_id;
    // Google's libraries always use Google's endpoint here; a token_uri in the file is honoured
    // so that a test (or a proxy) can stand in for it.
    c.token_uri = field(doc, "token_uri");
    if (c.token_uri.empty()) c.token_uri = kGoogleTokenUri;
  } else {
    throw std::runtime_error("credentials file " + source + ": type \"" + type.substr(0, 40) +
                             "\" is not supported (service_account or authorized_user)");
  }
  check_token_uri(c.token_uri, source);
  return c;
}

Credentials load_credentials(const std::string& credentials_file, const EnvFn& env) {
  std::string text;
  if (!credentials_file.empty()) {
    if (!read_file(credentials_file, text))
      throw std::runtime_error("cannot read credentials_file " + credentials_file + " (missing, unreadable or over 1 MiB)");
    return parse_credentials(text, credentials_file);
  }
  std::string looked;
  if (const char* p = env("GOOGLE_APPLICATION_CREDENTIALS"); p && *p) {
    if (!read_file(p, text))
      throw std::runtime_error(std::string("cannot read GOOGLE_APPLICATION_CREDENTIALS file ") + p);
    return parse_credentials(text, p);
  }
  looked = "GOOGLE_APPLICATION_CREDENTIALS is not set";
  std::string gcloud;
  if (const char* cfg = env("CLOUDSDK_CONFIG"); cfg && *cfg) gcloud = std::string(cfg);
  else if (const char* home = env("HOME"); home && *home) gcloud = std::string(home) + "/.config/gcloud";
  if (!gcloud.empty()) {
    const std::string adc = gcloud + "/application_default_credentials.json";
    if (read_file(adc, text)) return parse_credentials(text, adc);
    looked += ", no " + adc;
  }
  throw std::runtime_error("no Google credentials: credentials_file is not set, " + looked +
                           " (the metadata server is not used); see plugins/gsheets/README.md");
}

std::string base64url(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  enc.rdbuf()->setLineLength(0);
  enc << bytes;
  enc.close();
  return out.str();
}

std::string rs256_sign(const std::string& private_key_pem, const std::string& input) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())),
                                                &BIO_free);
  if (!bio) throw std::runtime_error("out of memory reading the private key");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr),
                                                         &EVP_PKEY_free);
  if (!key) throw std::runtime_error("the private_key is not a PEM RSA private key");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    throw std::runtime_error("RS256 signing failed (is private_key an RSA key?)");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(&sig[0]), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    throw std::runtime_error("RS256 signing failed");
  sig.resize(len);
  return sig;
}

std::string jwt_assertion(const Credentials& c, const std::string& scope, const std::string& subject,
                          std::int64_t iat_unix_s) {
  json::Value header = json::Value::object({{"alg", json::Value::string("RS256")}, {"typ", json::Value::string("JWT")}});
  if (!c.private_key_id.empty()) header.members().emplace_back("kid", json::Value::string(c.private_key_id));
  json::Value claims = json::Value::object({{"iss", json::Value::string(c.identity)},
                                            {"scope", json::Value::string(scope)},
                                            {"aud", json::Value::string(kGoogleTokenUri)},
                                            {"iat", json::Value::number(iat_unix_s)},
                                            {"exp", json::Value::number(iat_unix_s + 3600)}});
  if (!subject.empty()) claims.members().emplace_back("sub", json::Value::string(subject));
  const std::string input = base64url(json::write(header)) + "." + base64url(json::write(claims));
  return input + "." + base64url(rs256_sign(c.private_key_pem, input));
}

}  // namespace sinkhub_gsheets
