// HTTP/1.x as the listener speaks it on the wire: pipelining, HTTP/1.0, Connection: close,
// HEAD, Expect: 100-continue, malformed and ambiguous heads (request smuggling), idle and
// slow connections, the connection limit, and shutdown with connections open.
#include <Poco/String.h>

#include <csignal>
#include <memory>
#include <thread>

#include "integration.hpp"

namespace sinkhub::it {
namespace {

using Clock = std::chrono::steady_clock;
using HttpProtocol = DaemonTest;

Headers auth_json() { return {{"X-Webhook-Secret", kSecret}, {"Content-Type", "application/json"}}; }

// Splits back-to-back responses (each with a Content-Length). A HEAD answer has no body
// whatever its Content-Length says: pass how many of the first responses answer HEAD.
std::vector<HttpResponse> split_responses(std::string raw, std::size_t heads = 0) {
  std::vector<HttpResponse> out;
  while (!raw.empty()) {
    const auto end = raw.find("\r\n\r\n");
    if (end == std::string::npos) break;
    HttpResponse r = parse_http_response(raw.substr(0, end + 4));
    const std::size_t len = out.size() < heads || r.header("Content-Length").empty()
                                ? 0
                                : static_cast<std::size_t>(std::stoull(r.header("Content-Length")));
    if (raw.size() < end + 4 + len) break;
    r.body = raw.substr(end + 4, len);
    out.push_back(r);
    raw.erase(0, end + 4 + len);
  }
  return out;
}

// Reads until `n` complete responses arrived (or the timeout).
std::vector<HttpResponse> read_responses(RawClient& client, std::size_t n, std::size_t heads = 0,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = Clock::now() + timeout;
  std::string raw;
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const std::string got = client.read_response(left);
    if (got.empty()) break;
    raw += got;
    if (split_responses(raw, heads).size() >= n) break;
  }
  return split_responses(raw, heads);
}

bool closes_soon(RawClient& client, std::chrono::milliseconds within = std::chrono::seconds(3)) {
  bool eof = false;
  client.read_until_close(within, &eof);
  return eof;
}

// --- keep-alive, pipelining, versions ---------------------------------------------------

TEST_F(HttpProtocol, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
  RawClient client(daemon().port());
  const RunInfo a = new_run(), b = new_run();
  std::string burst = raw_request("POST", "/apify-webhook", auth_json(), default_payload(a)) +
                      raw_request("GET", "/healthz", {}, "") +
                      raw_request("POST", "/apify-webhook", auth_json(), default_payload(b)) +
                      raw_request("GET", "/nowhere", {}, "") +
                      raw_request("POST", "/apify-webhook", auth_json(), default_payload(a));
  ASSERT_TRUE(client.send_all(burst));  // one write: the server sees them all at once
  const auto rs = read_responses(client, 5);
  ASSERT_EQ(rs.size(), 5u);
  EXPECT_EQ(rs[0].json_string("status"), "accepted") << rs[0].body;
  EXPECT_EQ(rs[1].json_string("status"), "alive") << rs[1].body;
  EXPECT_EQ(rs[2].json_string("status"), "accepted") << rs[2].body;
  EXPECT_TRUE(IsJsonError(rs[3], 404));
  EXPECT_EQ(rs[4].json_string("status"), "duplicate") << rs[4].body;
  ASSERT_TRUE(rs[0].json() && rs[2].json());
  EXPECT_LT(rs[0].json()->getValue<long>("event"), rs[2].json()->getValue<long>("event"));
  EXPECT_EQ(ledger().event_count(), 2);
}

TEST_F(HttpProtocol, Http10RequestIsAnsweredAndTheConnectionClosed) {
  RawClient client(daemon().port());
  ASSERT_TRUE(client.send_all("GET /healthz HTTP/1.0\r\n\r\n"));
  const auto r = parse_http_response(client.read_response(std::chrono::seconds(5)));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json_string("status"), "alive");
  EXPECT_TRUE(closes_soon(client)) << "HTTP/1.0 without keep-alive closes after the answer";
}

TEST_F(HttpProtocol, Http10KeepAliveKeepsTheConnectionOpen) {
  RawClient client(daemon().port());
  const std::string req = "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  ASSERT_TRUE(client.send_all(req));
  const auto r = parse_http_response(client.read_response(std::chrono::seconds(5)));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Poco::icompare(r.header("Connection"), "keep-alive") == 0) << r.header("Connection");
  ASSERT_TRUE(client.send_all(req));
  EXPECT_EQ(parse_http_response(client.read_response(std::chrono::seconds(5))).status, 200);
}

TEST_F(HttpProtocol, ConnectionCloseIsHonouredAfterTheAnswer) {
  RawClient client(daemon().port());
  Headers h = auth_json();
  h.emplace_back("Connection", "close");
  ASSERT_TRUE(client.send_all(raw_request("POST", "/apify-webhook", h, default_payload(new_run()))));
  const auto r = parse_http_response(client.read_response(std::chrono::seconds(5)));
  EXPECT_EQ(r.json_string("status"), "accepted") << r.body;
  EXPECT_TRUE(Poco::icompare(r.header("Connection"), "close") == 0);
  EXPECT_TRUE(closes_soon(client));
}

TEST_F(HttpProtocol, HeadGetsTheHeadersWithoutABodyAndTheConnectionStaysUsable) {
  RawClient client(daemon().port());
  ASSERT_TRUE(client.send_all(raw_request("HEAD", "/healthz", {}, "") + raw_request("GET", "/healthz", {}, "")));
  const auto rs = read_responses(client, 2, /*heads=*/1);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_NE(rs[0].header("Content-Length"), "0") << "the length the GET body would have";
  EXPECT_EQ(rs[0].body, "");
  EXPECT_EQ(rs[1].status, 200) << "the HEAD answer carried no body bytes, or this would not parse";
  EXPECT_EQ(rs[1].json_string("status"), "alive");
}

TEST_F(HttpProtocol, ReadyzAndMetricsAnswerOnAKeepAliveConnection) {
  RawClient client(daemon().port());
  ASSERT_TRUE(client.send_all(raw_request("GET", "/readyz", {}, "") + raw_request("GET", "/metrics", {}, "") +
                              raw_request("GET", "/healthz", {}, "")));
  const auto rs = read_responses(client, 3);
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].json_string("status"), "ready");
  EXPECT_EQ(rs[1].status, 200);
  EXPECT_EQ(rs[1].header("Content-Type").rfind("text/plain", 0), 0u);
  EXPECT_NE(rs[1].body.find("sinkhub_events"), std::string::npos);
  EXPECT_EQ(rs[2].json_string("status"), "alive");
}

TEST_F(HttpProtocol, AClientThatLeavesRightAfterSendingStillHasItsEventRecorded) {
  const RunInfo run = new_run();
  {
    RawClient client(daemon().port());
    ASSERT_TRUE(client.send_all(raw_request("POST", "/apify-webhook", auth_json(), default_payload(run))));
    client.close();  // before the commit, most likely: the answer has nowhere to go
  }
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (ledger().events_for_run(run.run_id).empty() && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(ledger().events_for_run(run.run_id).size(), 1u) << "a complete request is recorded";
  EXPECT_EQ(daemon().post_webhook(default_payload(run)).json_string("status"), "duplicate");
  EXPECT_EQ(daemon().get("/healthz").status, 200);
}

// --- Expect: 100-continue ---------------------------------------------------------------

TEST_F(HttpProtocol, ExpectContinueGets100BeforeTheBodyThenTheAnswer) {
  const std::string body = default_payload(new_run());
  Headers h = auth_json();
  h.emplace_back("Expect", "100-continue");
  RawClient client(daemon().port());
  ASSERT_TRUE(client.send_all(raw_request("POST", "/apify-webhook", h, "", static_cast<long long>(body.size()))));
  // An interim answer has no Content-Length: read until its blank line.
  std::string interim;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (interim.find("\r\n\r\n") == std::string::npos && Clock::now() < deadline)
    interim += client.read_response(std::chrono::milliseconds(100));
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0), 0u) << interim;
  ASSERT_TRUE(client.send_all(body));
  std::string raw = interim.substr(std::min(interim.size(), std::string("HTTP/1.1 100 Continue\r\n\r\n").size()));
  if (!response_complete(raw)) raw += client.read_response(std::chrono::seconds(5));
  const auto r = parse_http_response(raw);
  EXPECT_EQ(r.status, 200) << raw;
  EXPECT_EQ(r.json_string("status"), "accepted");
}

TEST_F(HttpProtocol, ExpectContinueWithAWrongSecretGetsTheRefusalInsteadOf100) {
  RawClient client(daemon().port());
  const Headers h = {{"X-Webhook-Secret", "wrong"}, {"Content-Type", "application/json"}, {"Expect", "100-continue"}};
  ASSERT_TRUE(client.send_all(raw_request("POST", "/apify-webhook", h, "", 5000)));
  const auto r = parse_http_response(client.read_response(std::chrono::seconds(5)));
  EXPECT_TRUE(IsJsonError(r, 401));
  EXPECT_TRUE(closes_soon(client));
}

TEST_F(HttpProtocol, UnknownExpectationIs417) {
  Headers h = auth_json();
  h.emplace_back("Expect", "teapot");
  RawClient client(daemon().port());
  ASSERT_TRUE(client.send_all(raw_request("POST", "/apify-webhook", h, default_payload(new_run()))));
  EXPECT_TRUE(IsJsonError(parse_http_response(client.read_response(std::chrono::seconds(5))), 417));
  EXPECT_EQ(ledger().event_count(), 0);
}

// --- malformed, oversized and ambiguous heads -------------------------------------------

// Sends `raw`, expects `status` with a JSON error and a closed connection, nothing recorded.
void expect_refused(Daemon& d, const std::string& raw, int status) {
  RawClient client(d.port());
  ASSERT_TRUE(client.send_all(raw));
  const std::string got = client.read_response(std::chrono::seconds(5));
  const auto r = parse_http_response(got);
  EXPECT_TRUE(IsJsonError(r, status)) << got.substr(0, 300);
  EXPECT_TRUE(Poco::icompare(r.header("Connection"), "close") == 0) << r.header("Connection");
  EXPECT_TRUE(closes_soon(client));
}

TEST_F(HttpProtocol, ContentLengthWithTransferEncodingIsRefusedAndNothingSmuggled) {
  // Read by Content-Length, the "body" would hold a second request; by chunked, it ends early.
  const std::string smuggled = raw_request("POST", "/apify-webhook", auth_json(), default_payload(new_run()));
  const std::string body = "0\r\n\r\n" + smuggled;
  Headers h = auth_json();
  h.emplace_back("Transfer-Encoding", "chunked");
  h.emplace_back("Content-Length", std::to_string(body.size()));
  expect_refused(daemon(), raw_request("POST", "/apify-webhook", h, "") + body, 400);
  EXPECT_EQ(ledger().event_count(), 0);
}

TEST_F(HttpProtocol, ConflictingContentLengthsAreRefused) {
  const std::string body = default_payload(new_run());
  Headers h = auth_json();
  h.emplace_back("Content-Length", std::to_string(body.size()));
  h.emplace_back("Content-Length", std::to_string(body.size() - 1));
  expect_refused(daemon(), raw_request("POST", "/apify-webhook", h, "") + body, 400);
  EXPECT_EQ(ledger().event_count(), 0);
}

TEST_F(HttpProtocol, NegativeOrOverflowingContentLengthIsRefused) {
  for (const char* len : {"-1", "18446744073709551617", "1e3"}) {
    SCOPED_TRACE(len);
    Headers h = auth_json();
    h.emplace_back("Content-Length", len);
    expect_refused(daemon(), raw_request("POST", "/apify-webhook", h, "") + "{}", 400);
  }
  EXPECT_EQ(daemon().get("/healthz").status, 200);
}

TEST_F(HttpProtocol, ObsFoldBareLfAndNulAreRefused) {
  expect_refused(daemon(), "GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: b\r\n folded\r\n\r\n", 400);
  expect_refused(daemon(), "GET /healthz HTTP/1.1\nHost: a\n\n", 400);
  expect_refused(daemon(), std::string("GET /healthz HTTP/1.1\r\nX-A: ") + '\0' + "\r\n\r\n", 400);
}

TEST_F(HttpProtocol, UnsupportedTransferEncodingIs501) {
  Headers h = auth_json();
  h.emplace_back("Transfer-Encoding", "gzip, chunked");
  expect_refused(daemon(), raw_request("POST", "/apify-webhook", h, "") + "0\r\n\r\n", 501);
}

TEST_F(HttpProtocol, OversizedHeadersAre431AndAnOverlongRequestLineIs414) {
  expect_refused(daemon(), "GET /healthz HTTP/1.1\r\nX-Big: " + std::string(20000, 'x') + "\r\n\r\n", 431);
  std::string many = "GET /healthz HTTP/1.1\r\n";
  for (int i = 0; i < 150; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  expect_refused(daemon(), many + "\r\n", 431);
  expect_refused(daemon(), "GET /" + std::string(10000, 'a') + " HTTP/1.1\r\n\r\n", 414);
  EXPECT_EQ(daemon().get("/healthz").status, 200);
}

TEST_F(HttpProtocol, GarbageAndOtherVersionsAreRefused) {
  expect_refused(daemon(), "HELLO\r\n\r\n", 400);
  expect_refused(daemon(), "GET /healthz HTTP/2.0\r\n\r\n", 505);
}

TEST_F(HttpProtocol, WebhookWithoutContentLengthOrChunkedIs411) {
  expect_refused(daemon(), "POST /apify-webhook HTTP/1.1\r\nHost: a\r\nX-Webhook-Secret: " + std::string(kSecret) +
                               "\r\nContent-Type: application/json\r\n\r\n",
                 411);
}

TEST_F(HttpProtocol, MalformedChunkedFramingIs400) {
  Headers h = auth_json();
  h.emplace_back("Transfer-Encoding", "chunked");
  expect_refused(daemon(), raw_request("POST", "/apify-webhook", h, "") + "zz\r\n{}\r\n0\r\n\r\n", 400);
  EXPECT_EQ(ledger().event_count(), 0);
}

// --- slow, idle and too many connections --------------------------------------------------

class SlowHttpClient : public DaemonTest {
 protected:
  std::string config() override {
    StockConfig k;
    k.read_timeout_ms = 500;
    return stock_yaml(k);
  }
};

TEST_F(SlowHttpClient, ConnectionThatNeverSendsIsClosedAfterTheReadTimeout) {
  RawClient client(daemon().port());
  const auto start = Clock::now();
  bool eof = false;
  const std::string got = client.read_until_close(std::chrono::seconds(4), &eof);
  EXPECT_TRUE(eof);
  EXPECT_EQ(got, "") << "nothing was asked, nothing is answered";
  const auto took = elapsed_ms(start);
  EXPECT_GE(took, 400);
  EXPECT_LT(took, 2500);
}

TEST_F(SlowHttpClient, TricklingHeadersAreCutWith408) {
  RawClient client(daemon().port());
  const std::string head = "GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: " + std::string(200, 'x');
  const auto start = Clock::now();
  std::string raw;
  // One byte every 50 ms: never idle for read_timeout_ms, far too slow in total.
  for (std::size_t i = 0; i < head.size() && elapsed_ms(start) < 4000; ++i) {
    if (!client.send_all(head.substr(i, 1), std::chrono::seconds(1))) break;
    raw = client.read_response(std::chrono::milliseconds(50));
    if (!raw.empty()) break;
  }
  if (raw.empty()) raw = client.read_response(std::chrono::seconds(2));
  EXPECT_TRUE(IsJsonError(parse_http_response(raw), 408)) << raw.substr(0, 200);
  EXPECT_LT(elapsed_ms(start), 2500);
}

class FewConnections : public DaemonTest {
 protected:
  std::string config() override { return replace_all(stock_yaml(), "max_connections: 64", "max_connections: 4"); }
};

TEST_F(FewConnections, ConnectionsBeyondMaxConnectionsGet503AndTheOthersAreServed) {
  std::vector<std::unique_ptr<RawClient>> held;
  // Each is accepted and served (so the server has counted it) before the next. The start-up
  // health check's connection may not be closed on the server side yet: then retry.
  const auto fill_deadline = Clock::now() + std::chrono::seconds(5);
  while (held.size() < 4 && Clock::now() < fill_deadline) {
    auto c = std::make_unique<RawClient>(daemon().port());
    ASSERT_TRUE(c->send_all(raw_request("GET", "/healthz", {}, "")));
    if (parse_http_response(c->read_response(std::chrono::seconds(5))).status == 200) held.push_back(std::move(c));
    else std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(held.size(), 4u);
  RawClient extra(daemon().port());
  const auto r = parse_http_response(extra.read_response(std::chrono::seconds(5)));
  EXPECT_TRUE(IsJsonError(r, 503)) << r.error;
  EXPECT_FALSE(r.header("Retry-After").empty());
  EXPECT_TRUE(closes_soon(extra));
  // The held connections still work; freeing one lets a new one in.
  ASSERT_TRUE(held[0]->send_all(raw_request("GET", "/healthz", {}, "")));
  EXPECT_EQ(parse_http_response(held[0]->read_response(std::chrono::seconds(5))).status, 200);
  held[3]->close();
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  int status = 0;
  while (status != 200 && Clock::now() < deadline) {  // the close reaches the server asynchronously
    status = daemon().get("/healthz").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(status, 200);
}

// --- shutdown ---------------------------------------------------------------------------

TEST_F(HttpProtocol, SigtermClosesIdleKeepAliveConnectionsAndExitsPromptly) {
  RawClient idle(daemon().port());
  ASSERT_TRUE(idle.send_all(raw_request("GET", "/healthz", {}, "")));
  ASSERT_EQ(parse_http_response(idle.read_response(std::chrono::seconds(5))).status, 200);
  const auto start = Clock::now();
  daemon().signal(SIGTERM);
  EXPECT_TRUE(closes_soon(idle, std::chrono::seconds(3))) << "an idle keep-alive connection is closed at once";
  const auto code = daemon().wait_exit(std::chrono::seconds(10));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  EXPECT_LT(elapsed_ms(start), 2500) << "nothing in flight: no reason to wait for the grace period";
}

}  // namespace
}  // namespace sinkhub::it
