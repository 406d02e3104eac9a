// How the file and s3 sinks turn batches into bytes, shared so both write the same objects:
//   jsonl: the batch's data as Apify returned it;
//   json:  "[\n" item ",\n" item ... "\n]\n" across all batches ("[]\n" when empty);
//   gzip:  each call's bytes as one complete gzip member (concatenated members are one valid
//          gzip stream, so a resumed delivery can append). A call with no bytes adds no
//          member, except that an empty delivery still becomes one (empty) gzip member.
#pragma once

#include <sinkhub/sink.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sinkhub_kit {

struct BatchFormat {
  bool json_array = false;
  bool gzip = false;
};

/// Where the delivery stands before this call's bytes.
struct Written {
  std::uint64_t items = 0;  ///< items already written
  std::uint64_t bytes = 0;  ///< bytes already written (after compression)
};

/// This call's bytes: a view of the batch (jsonl) or of `buf`. FATAL when zlib fails.
std::optional<sinkhub::Outcome> format_batch(const sinkhub::Batch& batch, const BatchFormat& format,
                                             const Written& before, bool last, std::string& buf,
                                             std::string_view& bytes);

/// Appends this batch's part of one JSON array to `out` (`last` closes the array).
void append_json_array_part(std::string& out, const sinkhub::Batch& batch, const Written& before, bool last);

/// Compresses `in` into one complete gzip member appended to `out`.
bool gzip_member(std::string_view in, std::string& out);

}  // namespace sinkhub_kit
