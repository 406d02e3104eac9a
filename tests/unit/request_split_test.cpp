// Issue 15 item 9: the listener's answer does not depend on how TCP cut the bytes. Every case
// is fed whole, cut once at every offset, and byte by byte; all must read alike. Plus the
// chunk-extension grammar (RFC 9112 7.1.1) and the Host requirement (RFC 9112 3.2).
#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <vector>

#include "http_wire_model.hpp"

namespace sinkhub::http {
namespace {

using fuzz::transcript;

std::string trickle(const std::string& data) {
  std::vector<std::size_t> cuts(data.size());
  std::iota(cuts.begin(), cuts.end(), std::size_t{0});
  return transcript(data, cuts);
}

// Whole, every single cut, and byte by byte give the same transcript; returns it.
std::string split_invariant(const std::string& data) {
  const std::string whole = transcript(data, {});
  for (std::size_t k = 1; k < data.size(); ++k) {
    const std::string cut = transcript(data, {k});
    if (cut != whole) {
      ADD_FAILURE() << "cut at " << k << " of " << data.size() << ":\n" << cut << "whole:\n" << whole;
      return whole;
    }
  }
  EXPECT_EQ(trickle(data), whole) << "byte by byte";
  return whole;
}

const std::string kChunkedHead =
    "POST /h HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

TEST(RequestSplit, RequestLineOfExactlyTheLimitIsAcceptedWhetherCrAndLfArriveTogetherOrApart) {
  const std::string target = "/" + std::string(8192 - 14, 'a');  // "GET " + target + " HTTP/1.1" = 8192
  const std::string data = "GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n";
  ASSERT_EQ(data.find("\r\n"), 8192u);
  const std::size_t cr = data.find('\r');
  EXPECT_EQ(transcript(data, {cr + 1}), transcript(data, {}));
  EXPECT_EQ(split_invariant(data), "head GET " + target + "\n");
}

TEST(RequestSplit, RequestLineOneByteOverTheLimitIsRefusedWithWhateverCut) {
  const std::string data = "GET /" + std::string(8192 - 13, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_EQ(split_invariant(data), "refused 414: request line too long\n");
}

TEST(RequestSplit, ChunkLineWithAnOverlongExtensionIsRefusedWholeAndSplit) {
  const std::string data = kChunkedHead + "3;ext=" + std::string(1100, 'x') + "\r\nabc\r\n0\r\n\r\n";
  EXPECT_EQ(split_invariant(data), "head POST /h\nrefused 400: chunk framing line too long\n");
}

TEST(RequestSplit, ChunkLineOfExactlyTheLimitIsAcceptedWithWhateverCut) {
  const std::string ext = ";e=" + std::string(1024 - 4, 'x');  // "3" + ext = 1024 bytes
  const std::string data = kChunkedHead + "3" + ext + "\r\nabc\r\n0\r\n\r\n";
  EXPECT_EQ(split_invariant(data), "head POST /h\nbody 3: abc\n");
}

TEST(RequestSplit, ErrorsAreReportedInByteOrderWhateverTheCut) {
  // A NUL after the request line's limit: the 414 comes first, fed whole or in pieces.
  std::string late_nul = "GET /" + std::string(9000, 'a');
  late_nul += std::string(1, '\0') + " HTTP/1.1\r\n\r\n";
  EXPECT_EQ(split_invariant(late_nul), "refused 414: request line too long\n");
  // A bare LF in the framing line of a chunk after a too long line.
  const std::string data = kChunkedHead + std::string(1030, '1') + "\nx\r\n";
  EXPECT_EQ(split_invariant(data), "head POST /h\nrefused 400: chunk framing line too long\n");
  EXPECT_EQ(split_invariant(kChunkedHead + "3\r\r\nabc\r\n0\r\n\r\n"), "head POST /h\nrefused 400: bare CR in chunk framing\n");
}

TEST(RequestSplit, PipelinedRequestsWithBodiesReadAlikeWithWhateverCut) {
  const std::string data = "POST /h HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" + kChunkedHead +
                           "5;a=b;c=\"q\\\"d\"\r\nworld\r\n0\r\nX-T: 1\r\n\r\n" + "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_EQ(split_invariant(data),
            "head POST /h\nbody 5: hello\nhead POST /h\nbody 5: world\nhead GET /healthz\n");
}

TEST(RequestSplit, ChunkExtensionsFollowTheGrammar) {
  for (const char* ok : {"3;a\r\n", "3;a=b\r\n", "3 ; a = b\r\n", "3;a=\"x y;z\"\r\n", "3;a;b=c\r\n",
                         "3;a=\"\\\"\"\r\n", "3\t;a\r\n"}) {
    SCOPED_TRACE(ok);
    EXPECT_EQ(split_invariant(kChunkedHead + ok + "abc\r\n0\r\n\r\n"), "head POST /h\nbody 3: abc\n");
  }
  for (const char* bad : {"3b 5\r\n", "3 \r\n", "3;\r\n", "3;=b\r\n", "3;a=\r\n", "3;a=\"open\r\n", "3;a b\r\n",
                          "3;a=b c\r\n", "3;a=\"\x01\"\r\n", "3x\r\n", "3;a=b;\r\n"}) {
    SCOPED_TRACE(bad);
    const std::string t = split_invariant(kChunkedHead + bad + "abc\r\n0\r\n\r\n");
    EXPECT_EQ(t.rfind("head POST /h\nrefused 400: malformed chunk", 0), 0u) << t;
  }
}

TEST(RequestSplit, MalformedTrailerFieldsAreRefused) {
  for (const char* bad : {"X T: 1\r\n", "X-T 1\r\n", ": v\r\n", "X-T: a\x01\r\n", " X-T: 1\r\n"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(split_invariant(kChunkedHead + "0\r\n" + bad + "\r\n"), "head POST /h\nrefused 400: malformed trailer field\n");
  }
}

TEST(RequestSplit, Http11RequestWithoutHostIsRefusedAndHttp10MayOmitIt) {
  EXPECT_EQ(split_invariant("GET /healthz HTTP/1.1\r\n\r\n"), "refused 400: missing Host header\n");
  EXPECT_EQ(split_invariant("GET /healthz HTTP/1.1\r\nX-Host: a\r\n\r\n"), "refused 400: missing Host header\n");
  EXPECT_EQ(split_invariant("GET /healthz HTTP/1.0\r\n\r\n"), "head GET /healthz\n");
}

}  // namespace
}  // namespace sinkhub::http
