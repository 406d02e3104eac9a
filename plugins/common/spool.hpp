// A delivery's spool: the one local file its bytes are appended to across the calls and
// attempts of the delivery (the file sink's temp file, the s3 sink's upload spool). A call
// either starts it (first batch: create or truncate) or resumes it from the checkpoint's
// length, dropping bytes a failed call wrote after the last committed batch; then it appends
// this batch at that length and syncs before answering OK.
#pragma once

#include <sinkhub/sink.hpp>

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "file_io.hpp"

namespace sinkhub_kit {

/// True when this call starts the delivery's bytes from nothing: its first batch, or a
/// restart at item 0 without a checkpoint.
bool starts_fresh(const sinkhub::Context& ctx);

/// For a call that resumes (not starts_fresh): the REJECT to answer when the checkpoint's item
/// count (nullopt: no usable checkpoint, `why` says why) is not where the host resumes.
std::optional<sinkhub::Outcome> resume_mismatch(const sinkhub::Context& ctx, std::optional<std::uint64_t> items,
                                                const std::string& why = "no valid checkpoint");

class Spool {
 public:
  /// `noun` names the file in messages ("temp file", "spool file").
  Spool(std::string path, std::string noun) : path_(std::move(path)), noun_(std::move(noun)) {}

  /// First call: an empty file. RETRY when it cannot be created. With `start` > 0 the file
  /// begins `start` bytes long, all of them a hole (a spool rebuilt from the middle of a
  /// delivery on a host that never had its beginning): appends go on from there.
  std::optional<sinkhub::Outcome> create(mode_t mode, std::uint64_t start = 0);

  enum class Resume { Ok, Missing, Failed };
  /// Later calls: reopens the file and cuts it to `committed` bytes. Missing: the file is
  /// gone (the caller may know why: a finished delivery, a rename); Failed: `failure` says
  /// what to answer (REJECT when the file is shorter than its checkpoint, else RETRY).
  Resume resume(std::uint64_t committed, sinkhub::Outcome& failure);
  /// The REJECT for a missing file nobody could explain.
  sinkhub::Outcome missing() const;

  /// Writes `bytes` at the current length and syncs them; RETRY (0 items accepted) on failure.
  std::optional<sinkhub::Outcome> append(std::string_view bytes);
  /// Closes the file, reporting a failed close as RETRY (0 items accepted).
  std::optional<sinkhub::Outcome> close();

  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }
  std::uint64_t length() const { return length_; }

 private:
  std::string path_, noun_;
  Fd fd_;
  std::uint64_t length_ = 0;
};

}  // namespace sinkhub_kit
