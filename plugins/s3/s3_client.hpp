// S3 requests through the host's HTTP service, each one signed with SigV4 (signed payload
// hash), and the mapping of S3 answers onto sinkhub result codes.
#pragma once

#include <sinkhub/http_outcome.hpp>
#include <sinkhub/sink.hpp>

#include <cstdint>
#include <string>

#include "s3_options.hpp"
#include "sigv4.hpp"

namespace sinkhub_s3 {

// A request body: bytes [offset, offset+len) of a file, or an in-memory buffer (fd < 0).
struct Body {
  int fd = -1;
  uint64_t offset = 0;
  uint64_t len = 0;
  std::string_view buffer;
};

struct Response {
  int32_t error = SINKHUB_E_OK;  // transport error (SINKHUB_E_HTTP_*), or OK when `status` is valid
  int status = 0;
  std::string body;              // at most 64 KiB (S3's XML answers are small)
  std::string etag;              // the ETag header, quotes included
  int64_t retry_after_ms = -1;
  std::string error_message;     // transport error text from the host
  // The S3 error document, if the body is one (also for a 200 CompleteMultipartUpload).
  std::string code, message;
};

class Client {
 public:
  Client(const sinkhub::Host& host, const Config& cfg) : host_(host), cfg_(cfg) {}

  // One signed request to `key` (raw, unencoded). `query` raw pairs. Throws only on local
  // failures (reading the body file), as std::runtime_error.
  Response send(sinkhub_call* call, const std::string& method, const std::string& key, const sigv4::Pairs& query,
                const sigv4::Pairs& extra_headers, const Body& body) const;

  // URL of an object, for logs and tests (no credentials in it).
  std::string url_of(const std::string& key) const;

 private:
  const sinkhub::Host& host_;
  const Config& cfg_;
};

// Lowercase hex SHA-256 of bytes [offset, offset + len) of a file; throws std::runtime_error
// when they cannot be read.
std::string range_sha256_hex(int fd, uint64_t offset, uint64_t len);

// First <Name>text</Name> of an XML document, entities decoded; "" when absent or not XML.
std::string xml_text(const std::string& xml, const std::string& name);

// Maps an answer that is not a success onto RETRY / REJECT / FATAL, with the operation, the
// status, S3's error Code and Message in the result message and the status in dest_status.
// S3's Code first, then the status as every HTTP sink maps it (sinkhub/http_outcome.hpp):
//   SlowDown, InternalError, ServiceUnavailable, RequestTimeout, a 2xx error document,
//   408, 429, 5xx, transport                                                             -> RETRY
//   AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, NoSuchBucket,
//   ExpiredToken, InvalidToken, and 401/403 without a Code                               -> FATAL
//   any other 4xx (and unexpected 1xx/3xx)                                               -> REJECT
sinkhub::Outcome classify(const std::string& operation, const Response& r);

// True for a 2xx answer that is not an S3 error document.
inline bool succeeded(const Response& r) {
  return r.error == SINKHUB_E_OK && r.status >= 200 && r.status < 300 && r.code.empty();
}

}  // namespace sinkhub_s3
