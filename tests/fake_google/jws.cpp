#include "jws.hpp"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Crypto/EVPPKey.h>
#include <Poco/Crypto/RSADigestEngine.h>
#include <Poco/Crypto/RSAKey.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <sstream>
#include <stdexcept>

namespace sinkhub::fake::google {

namespace {

Poco::Crypto::RSAKey private_key(const std::string& pem) {
  std::istringstream in(pem);
  return Poco::Crypto::RSAKey(nullptr, &in);
}

std::string random_digits(std::size_t n, const char* alphabet, std::size_t size) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, size - 1);
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += alphabet[pick(rng)];
  return out;
}

}  // namespace

std::string b64url_encode(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  enc.rdbuf()->setLineLength(0);
  enc << bytes;
  enc.close();
  return out.str();
}

std::optional<std::string> b64url_decode(const std::string& text) {
  for (char ch : text)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_')) return std::nullopt;
  if (text.size() % 4 == 1) return std::nullopt;
  try {
    std::istringstream in(text);
    Poco::Base64Decoder dec(in, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    std::string out((std::istreambuf_iterator<char>(dec)), std::istreambuf_iterator<char>());
    if (dec.bad()) return std::nullopt;
    return out;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string rs256_sign(const std::string& private_key_pem, const std::string& signing_input) {
  const auto key = private_key(private_key_pem);
  Poco::Crypto::RSADigestEngine engine(key, "SHA256");
  engine.update(signing_input);
  const auto& sig = engine.signature();
  return std::string(sig.begin(), sig.end());
}

bool rs256_verify(const std::string& public_key_pem, const std::string& signing_input, const std::string& signature) {
  try {
    std::istringstream in(public_key_pem);
    Poco::Crypto::RSAKey key(&in);
    Poco::Crypto::RSADigestEngine engine(key, "SHA256");
    engine.update(signing_input);
    return engine.verify(Poco::DigestEngine::Digest(signature.begin(), signature.end()));
  } catch (const std::exception&) {
    return false;
  }
}

RsaKeyPair generate_rsa_key() {
  Poco::Crypto::RSAKey key(Poco::Crypto::RSAKey::KL_2048, Poco::Crypto::RSAKey::EXP_LARGE);
  Poco::Crypto::EVPPKey evp(&key);
  std::ostringstream pub, priv;
  evp.save(&pub, &priv);  // PEM_write_bio_PrivateKey: PKCS#8
  return {priv.str(), pub.str()};
}

std::string public_key_of(const std::string& private_pem) {
  auto key = private_key(private_pem);
  Poco::Crypto::EVPPKey evp(&key);
  std::ostringstream pub;
  evp.save(&pub, nullptr);  // SubjectPublicKeyInfo, "BEGIN PUBLIC KEY"
  return pub.str();
}

ServiceAccount make_service_account(const std::string& email, const std::string& project_id,
                                    const std::string& project_number) {
  ServiceAccount sa;
  sa.email = email;
  sa.project_id = project_id;
  sa.project_number = project_number;
  sa.client_id = "1" + random_digits(20, "0123456789", 10);
  sa.private_key_id = random_digits(40, "0123456789abcdef", 16);
  const RsaKeyPair k = generate_rsa_key();
  sa.private_key_pem = k.private_pem;
  sa.public_key_pem = k.public_pem;
  return sa;
}

std::string service_account_json(const ServiceAccount& sa, const std::string& token_uri) {
  auto o = json::object();
  o->set("type", "service_account");
  o->set("project_id", sa.project_id);
  o->set("private_key_id", sa.private_key_id);
  o->set("private_key", sa.private_key_pem);
  o->set("client_email", sa.email);
  o->set("client_id", sa.client_id);
  o->set("auth_uri", "https://accounts.google.com/o/oauth2/auth");
  o->set("token_uri", token_uri);
  o->set("auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs");
  std::string escaped;
  for (char ch : sa.email) escaped += ch == '@' ? std::string("%40") : std::string(1, ch);
  o->set("client_x509_cert_url", "https://www.googleapis.com/robot/v1/metadata/x509/" + escaped);
  o->set("universe_domain", "googleapis.com");
  return json::pretty(o);
}

ServiceAccount parse_service_account_json(const std::string& text) {
  const json::Obj o = json::as_object(json::parse(text));
  if (!o || json::str(o, "type") != "service_account") throw std::runtime_error("not a service_account key file");
  ServiceAccount sa;
  sa.email = json::str(o, "client_email");
  sa.project_id = json::str(o, "project_id");
  sa.client_id = json::str(o, "client_id");
  sa.private_key_id = json::str(o, "private_key_id");
  sa.private_key_pem = json::str(o, "private_key");
  if (sa.email.empty() || sa.private_key_pem.empty()) throw std::runtime_error("key file lacks client_email or private_key");
  sa.public_key_pem = public_key_of(sa.private_key_pem);
  return sa;
}

std::string authorized_user_json(const AuthorizedUser& u, const std::string& token_uri) {
  auto o = json::object();
  o->set("type", "authorized_user");
  o->set("client_id", u.client_id);
  o->set("client_secret", u.client_secret);
  o->set("refresh_token", u.refresh_token);
  if (!u.quota_project_id.empty()) o->set("quota_project_id", u.quota_project_id);
  o->set("account", u.email);
  o->set("token_uri", token_uri);
  o->set("universe_domain", "googleapis.com");
  return json::pretty(o);
}

void write_private_file(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

std::string make_jwt(const std::string& private_key_pem, const json::Obj& header, const json::Obj& claims) {
  const std::string input = b64url_encode(json::compact(header)) + "." + b64url_encode(json::compact(claims));
  return input + "." + b64url_encode(rs256_sign(private_key_pem, input));
}

std::string google_assertion(const ServiceAccount& sa, const std::string& aud, const std::string& scope,
                             std::int64_t iat, const std::string& sub) {
  auto header = json::object();
  header->set("alg", "RS256");
  header->set("typ", "JWT");
  header->set("kid", sa.private_key_id);
  auto claims = json::object();
  claims->set("iss", sa.email);
  claims->set("scope", scope);
  claims->set("aud", aud);
  claims->set("iat", iat);
  claims->set("exp", iat + 3600);
  if (!sub.empty()) claims->set("sub", sub);
  return make_jwt(sa.private_key_pem, header, claims);
}

}  // namespace sinkhub::fake::google
