// A verifying S3 test double: Poco HTTPServer on 127.0.0.1, path-style, one bucket, objects
// and multipart uploads in memory. Unlike s3rver it checks every request's SigV4 signature:
// it rebuilds the canonical request from what it received (its own canonicalisation, not the
// plugin's), recomputes the signature with the known secret and answers 403
// SignatureDoesNotMatch on a mismatch (403 InvalidAccessKeyId for an unknown key, 400
// XAmzContentSHA256Mismatch when the body does not hash to x-amz-content-sha256).
// Supports PutObject, GetObject, Create/UploadPart/Complete/AbortMultipartUpload, S3's part
// rules (5 MiB minimum but for the last part, ETags checked at Complete), injectable faults
// and a stall to kill a client mid-upload. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sinkhub::s3test {

class S3Double {
 public:
  struct Options {
    std::string access_key = "AKIDS3DOUBLE0001";
    std::string secret = "double/secret+KEY0123456789";
    std::string region = "us-east-1";
    std::string bucket = "test-bucket";
    std::uint64_t min_part_size = 5ull << 20;
  };
  struct Logged {
    std::string op;      // PutObject, GetObject, CreateMultipartUpload, UploadPart, ...
    std::string method, uri;
    std::string key, upload_id;
    int part_number = 0;
    std::uint64_t body_bytes = 0;
    int status = 0;
    std::string code;    // S3 error code answered, "" on success
  };

  S3Double();
  explicit S3Double(Options o);
  ~S3Double();
  S3Double(const S3Double&) = delete;
  S3Double& operator=(const S3Double&) = delete;

  std::uint16_t port() const;
  std::string endpoint() const;  // "http://127.0.0.1:PORT"
  const Options& options() const;

  std::optional<std::string> object(const std::string& key) const;
  std::map<std::string, std::string> object_headers(const std::string& key) const;  // lower-case names
  std::vector<std::string> upload_ids() const;  // uploads neither completed nor aborted
  std::vector<Logged> requests() const;

  // The next n requests of operation `op` ("" = any) answer `status` with S3 error `code`.
  void fail_next(int n, const std::string& op, int status, const std::string& code);
  // Forgets every open multipart upload: later requests about them get 404 NoSuchUpload.
  void forget_uploads();
  // UploadPart requests after `parts` successful ones block (up to 60 s) until release().
  void stall_after_parts(int parts);
  // Requests of `op` are carried out, then their answer is held back (up to 60 s) until
  // release(): the client may die after S3 acted but before it heard so.
  void stall_answers(const std::string& op);
  void release();
  int stalled() const;  // requests currently blocked

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace sinkhub::s3test
