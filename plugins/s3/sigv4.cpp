#include "sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>
#include <stdexcept>

namespace sinkhub_s3::sigv4 {

namespace {

std::string lower(std::string_view s) {
  std::string o(s);
  for (char& c : o)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return o;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Trims and squeezes runs of whitespace (incl. folded header lines) into one space.
std::string trimall(std::string_view v) {
  std::string o;
  bool pending = false;
  for (const char c : v) {
    if (is_space(c)) {
      pending = !o.empty();
      continue;
    }
    if (pending) o += ' ';
    pending = false;
    o += c;
  }
  return o;
}

}  // namespace

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string o;
  o.reserve(bytes.size() * 2);
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    o += digits[c >> 4];
    o += digits[c & 15];
  }
  return o;
}

std::string sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return std::string(reinterpret_cast<const char*>(md), n);
}

std::string sha256_hex(std::string_view data) { return hex(sha256(data)); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), md, &n))
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(md), n);
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 init failed");
}
Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Sha256::update(const void* data, std::size_t len) {
  if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, len) != 1) throw std::runtime_error("SHA-256 failed");
}
std::string Sha256::final_hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &n) != 1) throw std::runtime_error("SHA-256 failed");
  return hex(std::string_view(reinterpret_cast<const char*>(md), n));
}

std::string uri_encode(std::string_view raw, bool keep_slash) {
  static const char* digits = "0123456789ABCDEF";
  std::string o;
  o.reserve(raw.size() + raw.size() / 2);
  for (const char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      o += ch;
    } else {
      o += '%';
      o += digits[c >> 4];
      o += digits[c & 15];
    }
  }
  return o;
}

std::string canonical_uri(std::string_view raw_path) {
  return raw_path.empty() ? std::string("/") : uri_encode(raw_path, true);
}

std::string canonical_query(const Pairs& raw_query) {
  Pairs enc;
  enc.reserve(raw_query.size());
  for (const auto& [k, v] : raw_query) enc.emplace_back(uri_encode(k, false), uri_encode(v, false));
  std::sort(enc.begin(), enc.end());
  std::string o;
  for (const auto& [k, v] : enc) {
    if (!o.empty()) o += '&';
    o += k;
    o += '=';
    o += v;
  }
  return o;
}

CanonicalHeaders canonical_headers(const Pairs& headers) {
  // Stable order of first appearance per name, so repeated values keep their order.
  std::vector<std::pair<std::string, std::string>> merged;
  for (const auto& [name, value] : headers) {
    const std::string n = lower(trimall(name));
    const std::string v = trimall(value);
    auto it = std::find_if(merged.begin(), merged.end(), [&](const auto& p) { return p.first == n; });
    if (it == merged.end()) merged.emplace_back(n, v);
    else it->second += "," + v;
  }
  std::stable_sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (const auto& [n, v] : merged) {
    out.canonical += n + ":" + v + "\n";
    if (!out.signed_headers.empty()) out.signed_headers += ';';
    out.signed_headers += n;
  }
  return out;
}

std::string amz_date(int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string scope(std::string_view amz_date, std::string_view region, std::string_view service) {
  return std::string(amz_date.substr(0, 8)) + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request) {
  return "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + std::string(scope) + "\n" + sha256_hex(canonical_request);
}

std::string signing_key(std::string_view secret, std::string_view date8, std::string_view region,
                        std::string_view service) {
  std::string k = hmac_sha256("AWS4" + std::string(secret), date8);
  k = hmac_sha256(k, region);
  k = hmac_sha256(k, service);
  return hmac_sha256(k, "aws4_request");
}

std::string canonical_request(const Request& r) {
  const CanonicalHeaders h = canonical_headers(r.headers);
  return r.method + "\n" + canonical_uri(r.path) + "\n" + canonical_query(r.query) + "\n" + h.canonical + "\n" +
         h.signed_headers + "\n" + r.payload_hash;
}

namespace {
bool has_header(const Pairs& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return lower(h.first) == name; });
}
std::string header_value(const Pairs& headers, std::string_view name) {
  for (const auto& h : headers)
    if (lower(h.first) == name) return trimall(h.second);
  return {};
}
}  // namespace

Signed sign(Request r, const Credentials& creds, std::string_view region, std::string_view service, Mode mode,
            std::string_view separator) {
  if (!creds.session_token.empty() && !has_header(r.headers, "x-amz-security-token"))
    r.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  if (mode == Mode::S3 && !has_header(r.headers, "x-amz-content-sha256"))
    r.headers.emplace_back("x-amz-content-sha256", r.payload_hash);
  const std::string date = header_value(r.headers, "x-amz-date");
  if (date.size() != 16) throw std::invalid_argument("sigv4: the request needs an x-amz-date header");
  Signed s;
  s.canonical_request = canonical_request(r);
  s.signed_headers = canonical_headers(r.headers).signed_headers;
  const std::string sc = scope(date, region, service);
  s.string_to_sign = string_to_sign(date, sc, s.canonical_request);
  s.signature = hex(hmac_sha256(signing_key(creds.secret_access_key, date.substr(0, 8), region, service), s.string_to_sign));
  s.authorization = "AWS4-HMAC-SHA256 Credential=" + creds.access_key_id + "/" + sc + std::string(separator) +
                    "SignedHeaders=" + s.signed_headers + std::string(separator) + "Signature=" + s.signature;
  s.headers = std::move(r.headers);
  return s;
}

Signed presign(std::string_view method, std::string_view base, std::string_view host, std::string_view raw_path,
               const Pairs& extra_query, const Credentials& creds, std::string_view region, std::string_view service,
               std::string_view amz_date, int64_t expires_seconds, std::string* url) {
  const std::string sc = scope(amz_date, region, service);
  Request r;
  r.method = std::string(method);
  r.path = std::string(raw_path);
  r.query = extra_query;
  r.query.emplace_back("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  r.query.emplace_back("X-Amz-Credential", creds.access_key_id + "/" + sc);
  r.query.emplace_back("X-Amz-Date", std::string(amz_date));
  r.query.emplace_back("X-Amz-Expires", std::to_string(expires_seconds));
  if (!creds.session_token.empty()) r.query.emplace_back("X-Amz-Security-Token", creds.session_token);
  r.query.emplace_back("X-Amz-SignedHeaders", "host");
  r.headers = {{"host", std::string(host)}};
  r.payload_hash = "UNSIGNED-PAYLOAD";
  Signed s;
  s.canonical_request = canonical_request(r);
  s.signed_headers = "host";
  s.string_to_sign = string_to_sign(amz_date, sc, s.canonical_request);
  s.signature =
      hex(hmac_sha256(signing_key(creds.secret_access_key, amz_date.substr(0, 8), region, service), s.string_to_sign));
  if (url)
    *url = std::string(base) + canonical_uri(raw_path) + "?" + canonical_query(r.query) +
           "&X-Amz-Signature=" + s.signature;
  s.headers = std::move(r.headers);
  return s;
}

std::string chunk_string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view previous_signature,
                                 std::string_view chunk_sha256_hex) {
  return "AWS4-HMAC-SHA256-PAYLOAD\n" + std::string(amz_date) + "\n" + std::string(scope) + "\n" +
         std::string(previous_signature) + "\n" + sha256_hex("") + "\n" + std::string(chunk_sha256_hex);
}

}  // namespace sinkhub_s3::sigv4
