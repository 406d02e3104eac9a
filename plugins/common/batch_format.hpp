// How the file and s3 sinks turn batches into bytes, shared so both write the same objects:
//   jsonl: the batch's data as Apify returned it;
//   json:  "[\n" item ",\n" item ... "\n]\n" across all batches ("[]\n" when empty);
//   gzip:  each call's bytes as one complete gzip member (concatenated members are one valid
//          gzip stream, so a resumed delivery can append).
// Header-only and SDK-only; the plugin links zlib.
#pragma once

#include <sinkhub/sink.hpp>

#include <zlib.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace sinkhub_fmt {

// Appends this batch's part of one JSON array to `out`: `items_before` items (and
// `bytes_before` bytes) of the delivery precede it; `last` closes the array.
inline void append_json_array_part(std::string& out, const sinkhub::Batch& batch, uint64_t items_before,
                                   uint64_t bytes_before, bool last) {
  if (items_before == 0 && bytes_before == 0) out += '[';
  for (uint64_t i = 0; i < batch.size(); ++i) {
    out += (items_before + i == 0) ? "\n" : ",\n";
    out.append(batch.item(i));
  }
  if (last) out += (items_before + batch.size() == 0) ? "]\n" : "\n]\n";
}

// Compresses `in` into one complete gzip member appended to `out`.
inline bool gzip_member(std::string_view in, std::string& out) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());  // batches are far below 4 GiB (max_batch_bytes)
  const size_t base = out.size();
  out.resize(base + deflateBound(&zs, static_cast<uLong>(in.size())) + 32);
  zs.next_out = reinterpret_cast<Bytef*>(&out[base]);
  zs.avail_out = static_cast<uInt>(out.size() - base);
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(base + zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END;
}

}  // namespace sinkhub_fmt
