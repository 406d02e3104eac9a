// The listener's HTTP/1.x request parser: well-formed heads, every limit, and the inputs two
// HTTP implementations could read differently (request smuggling), which are refused.
#include <gtest/gtest.h>

#include <string>

#include "http/request_parser.hpp"

namespace sinkhub::http {
namespace {

struct Parsed {
  ParseStatus status = ParseStatus::Incomplete;
  RequestHead head;
  std::size_t consumed = 0;
  ParseError error;
};

Parsed parse(const std::string& data, const HeadLimits& limits = {}) {
  Parsed p;
  std::size_t scanned = 0;
  p.status = parse_head(data, limits, scanned, p.head, p.consumed, p.error);
  return p;
}

// Asserts the head is refused with `status`.
::testing::AssertionResult Refused(const std::string& data, int status) {
  const auto p = parse(data);
  if (p.status != ParseStatus::Error)
    return ::testing::AssertionFailure() << "not refused (status " << static_cast<int>(p.status) << ")";
  if (p.error.status != status)
    return ::testing::AssertionFailure() << "refused with " << p.error.status << " (" << p.error.message << "), want "
                                         << status;
  if (p.error.message.empty()) return ::testing::AssertionFailure() << "no message";
  return ::testing::AssertionSuccess();
}

const std::string kPost = "POST /apify-webhook?x=1 HTTP/1.1\r\nHost: a\r\n";

TEST(RequestParser, ParsesAWellFormedHead) {
  const std::string data = kPost + "Content-Type: application/json\r\nContent-Length: 12\r\nX-Empty:\r\n\r\n{\"a\":1}";
  const auto p = parse(data);
  ASSERT_EQ(p.status, ParseStatus::Done) << p.error.message;
  EXPECT_EQ(p.consumed, data.find("\r\n\r\n") + 4);
  EXPECT_EQ(p.head.method, "POST");
  EXPECT_EQ(p.head.target, "/apify-webhook?x=1");
  EXPECT_EQ(p.head.path(), "/apify-webhook");
  EXPECT_EQ(p.head.minor_version, 1);
  EXPECT_EQ(p.head.get("content-type"), "application/json");
  EXPECT_EQ(p.head.get("CONTENT-LENGTH"), "12");
  ASSERT_NE(p.head.find("X-Empty"), nullptr);
  EXPECT_EQ(*p.head.find("X-Empty"), "");
  EXPECT_EQ(p.head.find("X-Absent"), nullptr);
  ASSERT_TRUE(p.head.content_length);
  EXPECT_EQ(*p.head.content_length, 12u);
  EXPECT_FALSE(p.head.chunked);
  EXPECT_TRUE(p.head.keep_alive);
  EXPECT_TRUE(p.head.has_body());
}

TEST(RequestParser, HeaderValuesAreTrimmedOfSpacesAndTabs) {
  const auto p = parse(kPost + "X-A: \t value with  inner space \t\r\n\r\n");
  ASSERT_EQ(p.status, ParseStatus::Done);
  EXPECT_EQ(p.head.get("X-A"), "value with  inner space");
}

TEST(RequestParser, IncompleteHeadAsksForMoreAtEveryByte) {
  const std::string data = kPost + "Content-Length: 0\r\n\r\n";
  for (std::size_t n = 0; n < data.size(); ++n) {
    SCOPED_TRACE(n);
    EXPECT_EQ(parse(data.substr(0, n)).status, ParseStatus::Incomplete);
  }
  EXPECT_EQ(parse(data).status, ParseStatus::Done);
}

TEST(RequestParser, ByteByByteFeedingWithTheScanOffsetFindsTheEnd) {
  const std::string data = kPost + "A: b\r\n\r\nNEXT";
  std::size_t scanned = 0, consumed = 0;
  RequestHead head;
  ParseError err;
  ParseStatus st = ParseStatus::Incomplete;
  std::size_t n = 0;
  while (st == ParseStatus::Incomplete && n < data.size()) st = parse_head(data.substr(0, ++n), {}, scanned, head, consumed, err);
  ASSERT_EQ(st, ParseStatus::Done);
  EXPECT_EQ(data.substr(consumed), "NEXT");
}

TEST(RequestParser, PipelinedRequestsAreParsedOneAtATime) {
  const std::string second = "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n";
  const std::string data = "GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n" + second;
  const auto p = parse(data);
  ASSERT_EQ(p.status, ParseStatus::Done);
  EXPECT_EQ(p.head.target, "/readyz");
  const auto q = parse(data.substr(p.consumed));
  ASSERT_EQ(q.status, ParseStatus::Done);
  EXPECT_EQ(q.head.target, "/healthz");
}

TEST(RequestParser, LeadingEmptyLinesAreSkipped) {
  const auto p = parse("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(p.status, ParseStatus::Done) << p.error.message;
  EXPECT_EQ(p.head.target, "/");
}

TEST(RequestParser, ConnectionHandlingFollowsTheVersionAndTheConnectionHeader) {
  EXPECT_TRUE(parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n").head.keep_alive);
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").head.keep_alive);
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: TE, Close\r\n\r\n").head.keep_alive);
  const auto v10 = parse("GET / HTTP/1.0\r\n\r\n");
  ASSERT_EQ(v10.status, ParseStatus::Done);
  EXPECT_EQ(v10.head.minor_version, 0);
  EXPECT_FALSE(v10.head.keep_alive);
  EXPECT_TRUE(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").head.keep_alive);
}

TEST(RequestParser, ExpectContinueIsRecognisedAndOtherExpectationsAre417) {
  EXPECT_TRUE(parse(kPost + "Content-Length: 5\r\nExpect: 100-Continue\r\n\r\n").head.expect_continue);
  EXPECT_FALSE(parse("POST / HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n").head.expect_continue)
      << "an HTTP/1.0 client does not wait for 100";
  EXPECT_TRUE(Refused(kPost + "Expect: something-else\r\n\r\n", 417));
}

TEST(RequestParser, ChunkedTransferEncodingIsRecognised) {
  const auto p = parse(kPost + "Transfer-Encoding: Chunked\r\n\r\n");
  ASSERT_EQ(p.status, ParseStatus::Done);
  EXPECT_TRUE(p.head.chunked);
  EXPECT_FALSE(p.head.content_length);
  EXPECT_TRUE(p.head.has_body());
}

TEST(RequestParser, NoFramingHeaderMeansNoBody) {
  const auto p = parse("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(p.status, ParseStatus::Done);
  EXPECT_FALSE(p.head.has_body());
  EXPECT_FALSE(parse(kPost + "Content-Length: 0\r\n\r\n").head.has_body());
}

// --- request line ------------------------------------------------------------------------

TEST(RequestParser, MalformedRequestLinesAre400) {
  for (const char* line : {"GET\r\n\r\n", "GET /\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1 \r\n\r\n",
                           " GET / HTTP/1.1\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n", "GET / HTTP/1.x\r\n\r\n",
                           "GET / http/1.1\r\n\r\n", "GET / HTTP/11\r\n\r\n", "GET /a\x01z HTTP/1.1\r\n\r\n",
                           "GET /a\x7fz HTTP/1.1\r\n\r\n"}) {
    SCOPED_TRACE(line);
    EXPECT_TRUE(Refused(line, 400));
  }
}

TEST(RequestParser, OtherHttpVersionsAre505) {
  EXPECT_TRUE(Refused("GET / HTTP/2.0\r\n\r\n", 505));
  EXPECT_TRUE(Refused("GET / HTTP/1.2\r\n\r\n", 505));
  EXPECT_TRUE(Refused("GET / HTTP/0.9\r\n\r\n", 505));
}

// --- limits ------------------------------------------------------------------------------

TEST(RequestParser, OverlongRequestLineIs414EvenBeforeItEnds) {
  const HeadLimits limits;
  const std::string line = "GET /" + std::string(limits.max_request_line, 'a');
  EXPECT_TRUE(Refused(line, 414)) << "refused while still arriving";
  EXPECT_TRUE(Refused(line + " HTTP/1.1\r\n\r\n", 414));
  const std::string fits = "GET /" + std::string(limits.max_request_line - 14, 'a') + " HTTP/1.1";
  ASSERT_EQ(fits.size(), limits.max_request_line);
  EXPECT_EQ(parse(fits + "\r\nHost: a\r\n\r\n").status, ParseStatus::Done);
}

TEST(RequestParser, OversizedHeaderBlockIs431EvenBeforeItEnds) {
  const HeadLimits limits;
  const std::string big = kPost + "X-Big: " + std::string(limits.max_head_bytes, 'x');
  EXPECT_TRUE(Refused(big, 431));
  EXPECT_TRUE(Refused(big + "\r\n\r\n", 431));
}

TEST(RequestParser, TooManyHeaderFieldsIs431) {
  const HeadLimits limits;
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (std::size_t i = 0; i + 1 < limits.max_header_count; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(parse(many + "\r\n").status, ParseStatus::Done) << "exactly the limit is fine";
  EXPECT_TRUE(Refused(many + "X-One-More: v\r\n\r\n", 431));
}

TEST(RequestParser, TooManyLeadingEmptyLinesAre400) {
  std::string lines;
  for (int i = 0; i < 40; ++i) lines += "\r\n";
  EXPECT_TRUE(Refused(lines + "GET / HTTP/1.1\r\n\r\n", 400));
}

// --- malformed or malicious header fields ------------------------------------------------

TEST(RequestParser, BareLfIsRefused) {
  EXPECT_TRUE(Refused("GET / HTTP/1.1\nHost: a\r\n\r\n", 400));
  EXPECT_TRUE(Refused("GET / HTTP/1.1\r\nHost: a\n\r\n", 400));
  EXPECT_TRUE(Refused("GET / HTTP/1.1\r\nHost: a\n\n", 400)) << "refused before a CRLFCRLF ever arrives";
}

TEST(RequestParser, BareCrIsRefused) {
  EXPECT_TRUE(Refused("GET / HTTP/1.1\r\nX-A: b\rc\r\n\r\n", 400));
}

TEST(RequestParser, NulBytesAreRefusedAnywhereInTheHead) {
  EXPECT_TRUE(Refused(std::string("GET /\0 HTTP/1.1\r\n\r\n", 19), 400));
  EXPECT_TRUE(Refused(std::string("GET / HTTP/1.1\r\nX-A: b\0c\r\n\r\n", 28), 400));
  EXPECT_TRUE(Refused(std::string("GET / HTTP/1.1\r\nX\0A: b\r\n", 24), 400)) << "even before the head ends";
}

TEST(RequestParser, ControlCharactersInHeaderValuesAreRefused) {
  EXPECT_TRUE(Refused(kPost + "X-A: b\x01\r\n\r\n", 400));
  EXPECT_TRUE(Refused(kPost + "X-A: b\x7f\r\n\r\n", 400));
  EXPECT_EQ(parse(kPost + "X-A: b\tc\r\n\r\n").status, ParseStatus::Done) << "a tab inside a value is allowed";
}

TEST(RequestParser, ObsoleteLineFoldingIsRefused) {
  EXPECT_TRUE(Refused(kPost + "X-A: b\r\n c\r\n\r\n", 400));
  EXPECT_TRUE(Refused(kPost + "X-A: b\r\n\tc\r\n\r\n", 400));
}

TEST(RequestParser, MalformedHeaderNamesAreRefused) {
  EXPECT_TRUE(Refused(kPost + "Content-Length : 5\r\n\r\n", 400)) << "whitespace before the colon";
  EXPECT_TRUE(Refused(kPost + ": value\r\n\r\n", 400));
  EXPECT_TRUE(Refused(kPost + "No colon here\r\n\r\n", 400));
  EXPECT_TRUE(Refused(kPost + "X(A): b\r\n\r\n", 400));
}

TEST(RequestParser, InvalidContentLengthsAre400) {
  for (const char* v : {"-1", "+5", "5a", "0x10", "1 2", "", " ", "99999999999999999999", "18446744073709551616",
                        "1.0"}) {
    SCOPED_TRACE(v);
    EXPECT_TRUE(Refused(kPost + "Content-Length: " + v + "\r\n\r\n", 400));
  }
  const auto big = parse(kPost + "Content-Length: 9999999999999999999\r\n\r\n");
  ASSERT_EQ(big.status, ParseStatus::Done) << "a huge but representable length is the endpoint's to refuse (413)";
  EXPECT_EQ(*big.head.content_length, 9999999999999999999u);
}

TEST(RequestParser, DuplicateContentLengthsMustAgree) {
  EXPECT_TRUE(Refused(kPost + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400));
  EXPECT_TRUE(Refused(kPost + "Content-Length: 5, 6\r\n\r\n", 400));
  const auto same = parse(kPost + "Content-Length: 5\r\nContent-Length: 5\r\n\r\n");
  ASSERT_EQ(same.status, ParseStatus::Done);
  EXPECT_EQ(*same.head.content_length, 5u);
  EXPECT_EQ(*parse(kPost + "Content-Length: 7, 7\r\n\r\n").head.content_length, 7u);
}

TEST(RequestParser, ContentLengthAndTransferEncodingTogetherAreRefused) {
  EXPECT_TRUE(Refused(kPost + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400));
  EXPECT_TRUE(Refused(kPost + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400));
}

TEST(RequestParser, TransferCodingsOtherThanChunkedAre501) {
  EXPECT_TRUE(Refused(kPost + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501));
  EXPECT_TRUE(Refused(kPost + "Transfer-Encoding: identity\r\n\r\n", 501));
  EXPECT_TRUE(Refused(kPost + "Transfer-Encoding: chunked, chunked\r\n\r\n", 501));
  EXPECT_TRUE(Refused(kPost + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400));
}

TEST(RequestParser, TransferEncodingInHttp10IsRefused) {
  EXPECT_TRUE(Refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400));
}

TEST(RequestParser, RepeatedHostIsRefused) {
  EXPECT_TRUE(Refused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400));
}

// --- chunked bodies ----------------------------------------------------------------------

struct Decoded {
  ChunkedDecoder::Status status;
  std::string body;
  std::size_t consumed;
  std::string error;
};

Decoded decode(const std::string& in, std::size_t max = 1 << 20) {
  ChunkedDecoder d(max);
  Decoded r{ChunkedDecoder::Status::NeedMore, {}, 0, {}};
  r.status = d.feed(in, r.consumed, r.body);
  r.error = d.error();
  return r;
}

TEST(ChunkedDecoder, DecodesChunksExtensionsAndTrailers) {
  const std::string in = "5\r\nhello\r\n6;name=val\r\n world\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
  const auto r = decode(in);
  ASSERT_EQ(r.status, ChunkedDecoder::Status::Done) << r.error;
  EXPECT_EQ(r.body, "hello world0123456789");
  EXPECT_EQ(in.substr(r.consumed), "NEXT");
}

TEST(ChunkedDecoder, AcceptsTheBodyByteByByte) {
  const std::string in = "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  ChunkedDecoder d;
  std::string buffered, body;
  auto st = ChunkedDecoder::Status::NeedMore;
  for (char ch : in) {
    ASSERT_EQ(st, ChunkedDecoder::Status::NeedMore);
    buffered += ch;
    std::size_t consumed = 0;
    st = d.feed(buffered, consumed, body);
    buffered.erase(0, consumed);
  }
  EXPECT_EQ(st, ChunkedDecoder::Status::Done);
  EXPECT_EQ(body, "abcde");
  EXPECT_TRUE(buffered.empty());
}

TEST(ChunkedDecoder, BodyOverTheLimitIsTooLargeFromTheChunkSizeAlone) {
  EXPECT_EQ(decode("10\r\n", 15).status, ChunkedDecoder::Status::TooLarge);
  EXPECT_EQ(decode("8\r\n12345678\r\n8\r\n", 15).status, ChunkedDecoder::Status::TooLarge);
  EXPECT_EQ(decode("f\r\n123456789012345\r\n0\r\n\r\n", 15).status, ChunkedDecoder::Status::Done)
      << "exactly the limit";
}

TEST(ChunkedDecoder, MalformedFramingIsAnError) {
  for (const char* in : {"z\r\n", "\r\n", "-1\r\n", "5x\r\nhello\r\n", "5\r\nhelloX\r\n", "5\nhello\r\n",
                         "5\r\nhello\n0\r\n\r\n", "0\r\n bad trailer\r\n\r\n", "0\r\nno-colon\r\n\r\n",
                         "10000000000000000\r\n"}) {
    SCOPED_TRACE(in);
    const auto r = decode(in, SIZE_MAX);
    EXPECT_EQ(r.status, ChunkedDecoder::Status::Error);
    EXPECT_FALSE(r.error.empty());
  }
}

TEST(ChunkedDecoder, EndlessSizeLineOrTrailerIsAnError) {
  EXPECT_EQ(decode(std::string(2000, '0')).status, ChunkedDecoder::Status::Error);
  EXPECT_EQ(decode("0\r\n" + std::string(20000, 'x')).status, ChunkedDecoder::Status::Error);
  std::string trailers = "0\r\n";
  for (int i = 0; i < 2000; ++i) trailers += "X-T: vvvvvvvvvv\r\n";
  EXPECT_EQ(decode(trailers + "\r\n").status, ChunkedDecoder::Status::Error);
}

}  // namespace
}  // namespace sinkhub::http
