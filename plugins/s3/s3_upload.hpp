// The multipart upload of one delivery: its state (the checkpoint: key, upload id, spool
// length, items, every uploaded part's number, byte range and ETag, and where the spool is)
// and the S3 calls that move the spool's bytes up, part by part, to a completed object.
#pragma once

#include <sinkhub/sink.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s3_client.hpp"
#include "s3_options.hpp"

namespace sinkhub_s3 {

constexpr uint32_t kMaxParts = 10000;  // S3's limit

struct Part {
  uint32_t number = 0;
  uint64_t offset = 0, size = 0;
  std::string etag;
};

struct State {
  std::string key, upload_id;
  uint64_t bytes = 0, items = 0;  // spool length and items it holds
  std::vector<Part> parts;
  // Where the spool is: the id of the spool directory holding it (its host's data_dir;
  // "" in checkpoints of s3 sink 1.0: whichever spool this host has) and that host's name
  // (for messages). A spool rebuilt from the middle holds bytes [base, bytes) only.
  std::string spool, host;
  uint64_t base = 0;
  // The rebuild point, set whenever parts are uploaded: the last batch boundary at or before
  // uploaded() (mark_items items, mark_bytes bytes) and the SHA-256 of the spool's bytes
  // [mark_bytes, uploaded()). A host without the spool rebuilds it from mark_items on and
  // proves with the digest that it made the same bytes before it uploads more (verify).
  bool marked = false, verify = false;
  uint64_t mark_items = 0, mark_bytes = 0;
  std::string mark_digest;

  uint64_t uploaded() const { return parts.empty() ? 0 : parts.back().offset + parts.back().size; }

  std::string encode() const;
  /// A checkpoint (or .done marker) of this or an earlier version; nullopt with `why`.
  static std::optional<State> decode(std::string_view blob, std::string& why);
};

/// An S3 failure that ends the call, carrying the mapped outcome.
struct Failure {
  sinkhub::Outcome outcome;
};

/// The upload cannot go on from this spool (it holds only part of the object, and S3 forgot
/// the upload, or the rebuilt bytes are not the uploaded ones): it starts over from item 0.
struct Lost {
  std::string why;
};

/// Metric ids of the instance (-1: undefined).
struct Metrics {
  int32_t parts = -1, bytes = -1, objects = -1;
};

/// The uploads of one call: every method throws Failure on an S3 error (and
/// std::runtime_error when the spool cannot be read back).
class Upload {
 public:
  Upload(const Client& client, const Config& cfg, const sinkhub::Host& host, const Metrics& metrics,
         const sinkhub::Context& ctx, int spool_fd, State& st)
      : client_(client), cfg_(cfg), host_(host), metrics_(metrics), ctx_(ctx), fd_(spool_fd), st_(st) {}

  /// Every part but the last is exactly part_size bytes; the rest waits in the spool. With
  /// `before` (the state before this call's batch), uploading a part moves the rebuild point.
  void upload_full_parts(const State* before = nullptr);
  /// After a rebuild (verify): once the spool reaches uploaded(), its bytes from the rebuild
  /// point must be the uploaded ones (throws Lost otherwise, or when the last batch ends first).
  void check_rebuilt(bool last_batch);
  /// The last batch: one PutObject when the object fits one part, else the remaining parts
  /// and CompleteMultipartUpload.
  void finish();
  /// Aborts the multipart upload, if any (a failure is only logged).
  void abort() const;

 private:
  sigv4::Pairs object_headers() const;
  void check(const std::string& op, const Response& r) const;
  void create();
  Response put_part(const Part& p) const;
  void record_part(const Part& p) const;
  void restart();
  void upload_part(uint64_t end);
  Response complete() const;

  const Client& client_;
  const Config& cfg_;
  const sinkhub::Host& host_;
  const Metrics& metrics_;
  const sinkhub::Context& ctx_;
  int fd_;
  State& st_;
};

}  // namespace sinkhub_s3
