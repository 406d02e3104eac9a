// Decodes a (multi-member) gzip stream with zlib, as `gzip -dc` does; a test failure on
// corrupt input. For the tests of the sinks that write gzip.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace sinkhub_test {

inline std::string gunzip(const std::string& in) {
  std::string out;
  for (size_t pos = 0; pos < in.size();) {
    z_stream zs{};
    EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + pos));
    zs.avail_in = static_cast<uInt>(in.size() - pos);
    char buf[4096];
    int rc;
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      rc = inflate(&zs, Z_NO_FLUSH);
      out.append(buf, sizeof buf - zs.avail_out);
    } while (rc == Z_OK);
    pos += zs.total_in;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) {
      ADD_FAILURE() << "inflate error " << rc;
      break;
    }
  }
  return out;
}

}  // namespace sinkhub_test
