#include "batch_format.hpp"

#include <zlib.h>

namespace sinkhub_kit {

void append_json_array_part(std::string& out, const sinkhub::Batch& batch, const Written& before, bool last) {
  if (before.items == 0 && before.bytes == 0) out += '[';
  for (std::uint64_t i = 0; i < batch.size(); ++i) {
    out += (before.items + i == 0) ? "\n" : ",\n";
    out.append(batch.item(i));
  }
  if (last) out += (before.items + batch.size() == 0) ? "]\n" : "\n]\n";
}

bool gzip_member(std::string_view in, std::string& out) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());  // batches are far below 4 GiB (max_batch_bytes)
  const std::size_t base = out.size();
  out.resize(base + deflateBound(&zs, static_cast<uLong>(in.size())) + 32);
  zs.next_out = reinterpret_cast<Bytef*>(&out[base]);
  zs.avail_out = static_cast<uInt>(out.size() - base);
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(base + zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END;
}

std::optional<sinkhub::Outcome> format_batch(const sinkhub::Batch& batch, const BatchFormat& format,
                                             const Written& before, bool last, std::string& buf,
                                             std::string_view& bytes) {
  bytes = batch.data();
  if (format.json_array) {
    buf.clear();
    append_json_array_part(buf, batch, before, last);
    bytes = buf;
  }
  const bool empty_delivery = last && before.bytes == 0;
  if (format.gzip && (!bytes.empty() || empty_delivery)) {
    std::string packed;
    if (!gzip_member(bytes, packed)) return sinkhub::Outcome::fatal("zlib deflate failed");
    buf = std::move(packed);
    bytes = buf;
  }
  return std::nullopt;
}

}  // namespace sinkhub_kit
