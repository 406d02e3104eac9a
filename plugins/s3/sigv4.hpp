// AWS Signature Version 4, as S3 applies it: the canonical request, the string to sign, the
// signing key and the Authorization header; plus presigned URLs and aws-chunked chunk
// signatures (not used by the sink, kept so the S3 test vectors can be checked in full).
//
// S3's rules, which differ from the generic SigV4 ones:
//   - the canonical URI is the raw object path with each byte percent-encoded ONCE
//     (A-Z a-z 0-9 - _ . ~ and '/' kept, everything else %XX in uppercase hex), without any
//     normalisation: "//", "/./" and "/../" stay as they are;
//   - x-amz-content-sha256 is always sent and signed (Mode::S3 adds it when absent), and its
//     value is the last line of the canonical request.
// Pure functions over bytes: no I/O, no clock, thread-safe. SHA-256 and HMAC come from OpenSSL.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sinkhub_s3::sigv4 {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Lowercase hex of bytes.
std::string hex(std::string_view bytes);
// Raw 32-byte digest / its hex form.
std::string sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
// Raw 32-byte HMAC-SHA256.
std::string hmac_sha256(std::string_view key, std::string_view data);

// Incremental SHA-256 (hashing a part read from disk in pieces).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t len);
  std::string final_hex();

 private:
  void* ctx_;
};

// Percent-encodes every byte outside A-Z a-z 0-9 - _ . ~ (and '/' when keep_slash) once.
std::string uri_encode(std::string_view raw, bool keep_slash);
// S3 canonical URI of a raw (unencoded) path: uri_encode(path, true), "/" when empty.
std::string canonical_uri(std::string_view raw_path);
// Names and values encoded, sorted by name then value, "name=value" joined by '&'.
std::string canonical_query(const Pairs& raw_query);

struct CanonicalHeaders {
  std::string canonical;  // "name:value\n" per header, names lowercased and sorted
  std::string signed_headers;  // "a;b;c"
};
// Lowercases names, trims values and squeezes inner whitespace runs to one space, joins the
// values of a repeated name with ',' in their original order, sorts by name.
CanonicalHeaders canonical_headers(const Pairs& headers);

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: long-term credentials
};

enum class Mode {
  Generic,  // the AWS test suite: headers signed exactly as given
  S3,       // adds x-amz-content-sha256 (= payload_hash) when the request lacks it
};

struct Request {
  std::string method;
  std::string path;    // raw, unencoded, starting with '/'
  Pairs query;         // raw, unencoded
  Pairs headers;       // every header to sign; must include host and x-amz-date
  std::string payload_hash;  // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct Signed {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;
  std::string signature;
  std::string authorization;  // the Authorization header value
  Pairs headers;              // the request's headers plus any added (token, content sha)
};

// "YYYYMMDDTHHMMSSZ" for a Unix time in ms (UTC).
std::string amz_date(int64_t unix_ms);
// "<date>/<region>/<service>/aws4_request".
std::string scope(std::string_view amz_date, std::string_view region, std::string_view service);
std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request);
std::string signing_key(std::string_view secret, std::string_view date8, std::string_view region,
                        std::string_view service);
std::string canonical_request(const Request& r);

// Signs `r`: when creds.session_token is set and no x-amz-security-token header is present,
// the token header is added and signed. `x-amz-date` is taken from r's headers. `separator`
// goes between the Credential, SignedHeaders and Signature parts (", " as SDKs send).
Signed sign(Request r, const Credentials& creds, std::string_view region, std::string_view service, Mode mode,
            std::string_view separator = ", ");

// A presigned URL (query auth, payload UNSIGNED-PAYLOAD, only `host` signed).
// base: "https://host" (no trailing slash). extra_query: raw pairs added before signing.
Signed presign(std::string_view method, std::string_view base, std::string_view host, std::string_view raw_path,
               const Pairs& extra_query, const Credentials& creds, std::string_view region, std::string_view service,
               std::string_view amz_date, int64_t expires_seconds, std::string* url);

// Signature of one aws-chunked chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD).
std::string chunk_string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view previous_signature,
                                 std::string_view chunk_sha256_hex);

}  // namespace sinkhub_s3::sigv4
