// The Apify API client against the fake Apify API: pagination, filters, retries, errors,
// secrecy of the token, cancellation and encoding of untrusted ids.
#include <gtest/gtest.h>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "apify/client.hpp"
#include "net/outbound.hpp"
#include "fake_apify.hpp"

namespace sinkhub::apify {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr const char* kToken = "apify_api_S3cretT0kenForTests";

ClientOptions fast_options() {
  ClientOptions o;
  o.connect_timeout = milliseconds(2000);
  o.receive_timeout = milliseconds(5000);
  o.min_retry_delay = milliseconds(5);
  o.max_retry_delay = milliseconds(50);
  o.cancel_poll = milliseconds(10);
  return o;
}

config::ApifyConfig config_for(const fake::FakeApify& api, int page_size = 1000, std::string token = kToken) {
  config::ApifyConfig c;
  c.base_url = api.base_url();
  c.token = std::move(token);
  c.page_size = page_size;
  return c;
}

struct SeenPage {
  std::string body;
  std::int64_t offset, returned, scanned, total;
};

// Streams a dataset and keeps every page (copies: Page is only valid during the callback).
struct Collector {
  std::vector<SeenPage> pages;
  PageFn fn() {
    return [this](const Page& p) {
      pages.push_back({std::string(p.body), p.offset, p.returned, p.scanned, p.total});
      return true;
    };
  }
  std::string bytes() const {
    std::string all;
    for (const auto& p : pages) all += p.body;
    return all;
  }
  std::vector<std::string> items() const {
    std::vector<std::string> out;
    const std::string all = bytes();
    std::size_t start = 0;
    while (start < all.size()) {
      const auto nl = all.find('\n', start);
      const std::string line = all.substr(start, nl - start);
      if (!line.empty()) out.push_back(line);
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    return out;
  }
};

std::string join_lines(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += i + "\n";
  return s;
}

// Items of assorted shapes: unicode, escapes, nested values, numbers.
std::vector<std::string> assorted_items(int n) {
  std::vector<std::string> items;
  for (int i = 0; i < n; ++i) {
    std::string s = "{\"n\":" + std::to_string(i) + ",\"name\":\"caf\xc3\xa9 \\\"quoted\\\" \\\\ " + std::to_string(i * 7) +
                    "\",\"nested\":{\"a\":[1,2," + std::to_string(i % 13) + "],\"b\":null},\"price\":" +
                    std::to_string(i) + ".25}";
    items.push_back(s);
  }
  return items;
}

std::vector<const fake::LoggedRequest*> item_requests(const std::vector<fake::LoggedRequest>& log) {
  std::vector<const fake::LoggedRequest*> out;
  for (const auto& r : log)
    if (r.path().find("/items") != std::string::npos) out.push_back(&r);
  return out;
}

// ---------------------------------------------------------------------------------------
// Pagination

TEST(ApifyClient, DatasetArrivesCompleteByteExactAndInOrderInPages) {
  fake::FakeApify api({kToken});
  const auto items = assorted_items(2500);
  api.add_dataset("ds1", items);
  Client client(config_for(api, 1000), fast_options());
  Collector c;
  const StreamResult r = client.stream_items("ds1", 0, {}, c.fn());
  ASSERT_TRUE(r.ok) << r.error.describe();

  ASSERT_EQ(c.pages.size(), 3u);
  EXPECT_EQ(c.pages[0].offset, 0);
  EXPECT_EQ(c.pages[1].offset, 1000);
  EXPECT_EQ(c.pages[2].offset, 2000);
  EXPECT_EQ(c.pages[0].returned, 1000);
  EXPECT_EQ(c.pages[2].returned, 500);
  EXPECT_EQ(c.pages[2].scanned, 500);
  EXPECT_EQ(c.pages[0].total, 2500);
  EXPECT_EQ(c.bytes(), join_lines(items));  // byte-exact, in order, nothing twice
  EXPECT_EQ(r.items, 2500);
  EXPECT_EQ(r.scanned, 2500);
  EXPECT_EQ(r.pages, 3);
  EXPECT_EQ(r.next_offset, 2500);
  EXPECT_FALSE(r.stopped);

  // 3 pages + the terminating empty one, all jsonl, ascending, limit = page_size.
  const auto log = api.requests();
  const auto reqs = item_requests(log);
  ASSERT_EQ(reqs.size(), 4u);
  const char* offsets[] = {"offset=0&", "offset=1000&", "offset=2000&", "offset=2500&"};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(reqs[i]->path(), "/v2/datasets/ds1/items");
    EXPECT_NE(reqs[i]->uri.find(offsets[i]), std::string::npos) << reqs[i]->uri;
    EXPECT_NE(reqs[i]->uri.find("format=jsonl"), std::string::npos);
    EXPECT_NE(reqs[i]->uri.find("limit=1000"), std::string::npos);
    EXPECT_EQ(reqs[i]->uri.find("desc"), std::string::npos);
    EXPECT_EQ(reqs[i]->uri.find("clean"), std::string::npos);
    EXPECT_EQ(reqs[i]->status, 200);
  }
}

TEST(ApifyClient, OneKeepAliveConnectionServesAllPages) {
  fake::FakeApify api({kToken});
  api.add_generated_dataset("gen", {5000, 80});
  Client client(config_for(api, 1000), fast_options());
  Collector c;
  ASSERT_TRUE(client.stream_items("gen", 0, {}, c.fn()).ok);
  std::set<std::string> peers;
  for (const auto& r : api.requests()) peers.insert(r.peer);
  EXPECT_EQ(api.request_count(), 6u);
  EXPECT_EQ(peers.size(), 1u);
  for (const auto& r : api.requests())
    EXPECT_EQ(r.header("User-Agent"), std::string("sinkhub/") + SINKHUB_VERSION);
}

TEST(ApifyClient, GeneratedDatasetStreamsExactlyAlsoWhenChunked) {
  fake::FakeApify api({kToken});
  fake::GeneratedSpec spec{12345, 300};
  api.add_generated_dataset("big", spec);
  api.set_chunked(true);
  Client client(config_for(api, 1000), fast_options());
  Collector c;
  const StreamResult r = client.stream_items("big", 0, {}, c.fn());
  ASSERT_TRUE(r.ok) << r.error.describe();
  EXPECT_EQ(c.pages.size(), 13u);
  EXPECT_EQ(c.items(), api.items("big"));
  EXPECT_EQ(r.next_offset, 12345);
}

TEST(ApifyClient, PageWithoutFinalNewlineGetsOneAndEmptyLinesAreNotItems) {
  fake::FakeApify api({kToken});
  api.add_dataset("nonl", {"{\"a\":1}", "{\"a\":2}", "{\"a\":3}"});
  api.set_trailing_newline(false);
  Client client(config_for(api, 2), fast_options());
  Collector c;
  const StreamResult r = client.stream_items("nonl", 0, {}, c.fn());
  ASSERT_TRUE(r.ok) << r.error.describe();
  ASSERT_EQ(c.pages.size(), 2u);
  EXPECT_EQ(c.pages[0].body, "{\"a\":1}\n{\"a\":2}\n");
  EXPECT_EQ(c.pages[1].body, "{\"a\":3}\n");
  EXPECT_EQ(r.items, 3);
}

// ---------------------------------------------------------------------------------------
// clean=1: X-Apify-Pagination-Count counts scanned items, not returned ones

TEST(ApifyClient, CleanAdvancesByScannedCountWithoutLossOrDuplicates) {
  fake::FakeApify api({kToken});
  fake::GeneratedSpec spec{2500, 100, /*hidden_every=*/7, /*empty_every=*/5};
  api.add_generated_dataset("dirty", spec);
  Client client(config_for(api, 1000), fast_options());
  Collector c;
  ItemsQuery q;
  q.clean = true;
  const StreamResult r = client.stream_items("dirty", 0, q, c.fn());
  ASSERT_TRUE(r.ok) << r.error.describe();

  const auto expected = api.items("dirty", /*clean=*/true);
  ASSERT_LT(expected.size(), 2500u * 3 / 4);  // the filter really removes items
  EXPECT_EQ(c.items(), expected);
  ASSERT_EQ(c.pages.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(c.pages[i].offset, static_cast<std::int64_t>(i) * 1000);
    EXPECT_LT(c.pages[i].returned, c.pages[i].scanned);  // returned < Count
  }
  EXPECT_EQ(c.pages[0].scanned, 1000);
  EXPECT_EQ(c.pages[2].scanned, 500);
  EXPECT_EQ(r.next_offset, 2500);
  EXPECT_EQ(r.items, static_cast<std::int64_t>(expected.size()));
  const auto log = api.requests();
  for (const auto* req : item_requests(log)) EXPECT_NE(req->uri.find("clean=1"), std::string::npos);
}

TEST(ApifyClient, CleanStripsHiddenFieldsAndKeepsGoingPastFullyFilteredPages) {
  fake::FakeApify api({kToken});
  std::vector<std::string> items;
  for (int i = 0; i < 12; ++i) items.push_back(i < 6 ? "{\"#only\":" + std::to_string(i) + "}" : "{}");
  items.push_back("{\"keep\":1,\"#secret\":\"x\"}");
  items.push_back("{\"keep\":2}");
  api.add_dataset("mostly-empty", items);
  Client client(config_for(api, 5), fast_options());
  Collector c;
  ItemsQuery q;
  q.clean = true;
  const StreamResult r = client.stream_items("mostly-empty", 0, q, c.fn());
  ASSERT_TRUE(r.ok) << r.error.describe();
  // Pages 0 and 5 scanned 5 items each and returned none: the stream must not stop there.
  ASSERT_EQ(c.pages.size(), 3u);
  EXPECT_EQ(c.pages[0].returned, 0);
  EXPECT_EQ(c.pages[0].scanned, 5);
  EXPECT_EQ(c.pages[1].returned, 0);
  EXPECT_EQ(c.pages[2].offset, 10);
  EXPECT_EQ(c.items(), (std::vector<std::string>{"{\"keep\":1}", "{\"keep\":2}"}));
  EXPECT_EQ(c.items(), api.items("mostly-empty", true));
  EXPECT_EQ(r.next_offset, 14);
}

TEST(ApifyClient, FieldsAndOmitAreSent) {
  fake::FakeApify api({kToken});
  api.add_dataset("f", {"{\"a\":1,\"b\":2,\"c\":3}"});
  Client client(config_for(api), fast_options());
  Collector c;
  ItemsQuery q;
  q.fields = {"c", "a", "b"};
  q.omit = {"b"};
  ASSERT_TRUE(client.stream_items("f", 0, q, c.fn()).ok);
  EXPECT_EQ(c.items(), (std::vector<std::string>{"{\"c\":3,\"a\":1}"}));
  EXPECT_NE(api.requests()[0].uri.find("&fields=c,a,b&omit=b"), std::string::npos) << api.requests()[0].uri;
}

// ---------------------------------------------------------------------------------------
// Resuming and bounding

TEST(ApifyClient, StartOffsetResumesMidDataset) {
  fake::FakeApify api({kToken});
  const auto items = assorted_items(2500);
  api.add_dataset("ds", items);
  Client client(config_for(api, 1000), fast_options());
  Collector c;
  const StreamResult r = client.stream_items("ds", 1700, {}, c.fn());
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(c.pages.size(), 1u);
  EXPECT_EQ(c.pages[0].offset, 1700);
  EXPECT_EQ(c.bytes(), join_lines({items.begin() + 1700, items.end()}));
  EXPECT_EQ(r.next_offset, 2500);
}

TEST(ApifyClient, MaxItemsLimitsTheLastPageAndNeedsNoTerminatingRequest) {
  fake::FakeApify api({kToken});
  api.add_generated_dataset("g", {5000, 60});
  Client client(config_for(api, 1000), fast_options());
  Collector c;
  ItemsQuery q;
  q.max_items = 1500;
  const StreamResult r = client.stream_items("g", 100, q, c.fn());
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(c.pages.size(), 2u);
  EXPECT_EQ(c.pages[1].offset, 1100);
  EXPECT_EQ(c.pages[1].returned, 500);
  EXPECT_EQ(r.next_offset, 1600);
  const auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE(reqs[1].uri.find("limit=500"), std::string::npos);
}

TEST(ApifyClient, OnPageReturningFalseStops) {
  fake::FakeApify api({kToken});
  api.add_generated_dataset("g", {5000, 60});
  Client client(config_for(api, 1000), fast_options());
  int calls = 0;
  const StreamResult r = client.stream_items("g", 0, {}, [&](const Page&) { return ++calls < 2; });
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(r.next_offset, 2000);
  EXPECT_EQ(api.request_count(), 2u);
}

// ---------------------------------------------------------------------------------------
// Retries

TEST(ApifyClient, RateLimitWithRetryAfterIsRetriedNoSoonerThanAsked) {
  fake::FakeApify api({kToken});
  api.add_dataset("ds", assorted_items(10));
  api.fail_next(1, 429, /*retry_after_s=*/1);
  Client client(config_for(api), fast_options());
  Collector c;
  const auto t0 = Clock::now();
  const StreamResult r = client.stream_items("ds", 0, {}, c.fn());
  const auto waited = Clock::now() - t0;
  ASSERT_TRUE(r.ok) << r.error.describe();
  EXPECT_GE(waited, milliseconds(1000));
  EXPECT_LT(waited, milliseconds(5000));
  EXPECT_EQ(c.items().size(), 10u);
  const auto log = api.requests();
  ASSERT_EQ(log.size(), 3u);  // 429, the page, the empty page
  EXPECT_EQ(log[0].status, 429);
  EXPECT_EQ(log[0].uri, log[1].uri);
}

TEST(ApifyClient, ServerErrorsTwiceThenSuccess) {
  fake::FakeApify api({kToken});
  const auto items = assorted_items(30);
  api.add_dataset("ds", items);
  api.fail_next(1, 500);
  api.fail_next(1, 503);  // an HTML page from a load balancer
  Client client(config_for(api, 1000), fast_options());
  Collector c;
  const StreamResult r = client.stream_items("ds", 0, {}, c.fn());
  ASSERT_TRUE(r.ok) << r.error.describe();
  EXPECT_EQ(c.bytes(), join_lines(items));
  const auto log = api.requests();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0].status, 500);
  EXPECT_EQ(log[1].status, 503);
  EXPECT_EQ(log[2].status, 200);
}

TEST(ApifyClient, ConnectionDroppedMidPageIsRetriedAndThePageDeliveredOnce) {
  for (const bool chunked : {false, true}) {
    SCOPED_TRACE(chunked ? "chunked" : "content-length");
    fake::FakeApify api({kToken});
    const auto items = assorted_items(2500);
    api.add_dataset("ds", items);
    api.set_chunked(chunked);
    api.drop_next(1, "/v2/datasets/ds/items");  // the first page is cut in half
    Client client(config_for(api, 1000), fast_options());
    Collector c;
    const StreamResult r = client.stream_items("ds", 0, {}, c.fn());
    ASSERT_TRUE(r.ok) << r.error.describe();
    EXPECT_EQ(c.pages.size(), 3u);
    EXPECT_EQ(c.bytes(), join_lines(items));  // not truncated, not twice
    const auto log = api.requests();
    ASSERT_EQ(log.size(), 5u);
    EXPECT_TRUE(log[0].dropped);
    EXPECT_EQ(log[0].uri, log[1].uri);
    EXPECT_NE(log[0].peer, log[1].peer);  // a fresh connection after the cut
  }
}

TEST(ApifyClient, MaxAttemptsExhaustedGivesRetryableErrorAfterExactlyThatMany) {
  fake::FakeApify api({kToken});
  api.add_dataset("ds", assorted_items(3));
  api.fail_next(100, 500);
  ClientOptions o = fast_options();
  o.max_attempts = 4;
  Client client(config_for(api), o);
  Collector c;
  const StreamResult r = client.stream_items("ds", 0, {}, c.fn());
  ASSERT_FALSE(r.ok);
  EXPECT_TRUE(r.error.retryable);
  EXPECT_EQ(r.error.attempts, 4);
  EXPECT_EQ(r.error.status, 500);
  EXPECT_EQ(r.error.type, "internal-server-error");
  EXPECT_EQ(api.request_count(), 4u);
  EXPECT_TRUE(c.pages.empty());
  EXPECT_EQ(r.next_offset, 0);
}

TEST(ApifyClient, NonJsonErrorBodyIsReportedAsHttpError) {
  fake::FakeApify api({kToken});
  api.add_dataset("ds", assorted_items(3));
  api.fail_next(100, 503);
  ClientOptions o = fast_options();
  o.max_attempts = 2;
  Client client(config_for(api), o);
  const StreamResult r = client.stream_items("ds", 0, {}, [](const Page&) { return true; });
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.status, 503);
  EXPECT_EQ(r.error.type, "http-error");
  EXPECT_NE(r.error.message.find("503"), std::string::npos);
  EXPECT_TRUE(r.error.retryable);
}

TEST(ApifyClient, BackoffGrowsExponentiallyFromTheMinimumDelay) {
  fake::FakeApify api({kToken});
  api.add_dataset("ds", assorted_items(3));
  api.fail_next(3, 500);
  ClientOptions o = fast_options();
  o.min_retry_delay = milliseconds(40);
  o.max_retry_delay = milliseconds(10000);
  Client client(config_for(api), o);
  const auto t0 = Clock::now();
  ASSERT_TRUE(client.stream_items("ds", 0, {}, [](const Page&) { return true; }).ok);
  // 3 retries: >= 40 + 80 + 160 ms, < 2x that (+ slack).
  const auto waited = Clock::now() - t0;
  EXPECT_GE(waited, milliseconds(280));
  EXPECT_LT(waited, milliseconds(1500));
}

TEST(ApifyClient, NetworkErrorsAreRetriedThenReportedRetryable) {
  std::string base;
  {
    fake::FakeApify gone;
    base = gone.base_url();
  }  // nothing listens there any more
  config::ApifyConfig cfg;
  cfg.base_url = base;
  cfg.token = kToken;
  ClientOptions o = fast_options();
  o.max_attempts = 3;
  Client client(cfg, o);
  const StreamResult r = client.stream_items("ds", 0, {}, [](const Page&) { return true; });
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.type, "network-error");
  EXPECT_EQ(r.error.status, 0);
  EXPECT_TRUE(r.error.retryable);
  EXPECT_EQ(r.error.attempts, 3);
  EXPECT_EQ(r.error.describe().find(kToken), std::string::npos);
}

TEST(ApifyClient, ReceiveTimeoutIsARetryableNetworkError) {
  fake::FakeApify api({kToken});
  api.add_dataset("ds", assorted_items(3));
  api.set_delay(milliseconds(1500));
  ClientOptions o = fast_options();
  o.receive_timeout = milliseconds(200);
  o.max_attempts = 2;
  Client client(config_for(api), o);
  const auto t0 = Clock::now();
  const StreamResult r = client.stream_items("ds", 0, {}, [](const Page&) { return true; });
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.type, "network-error");
  EXPECT_TRUE(r.error.retryable);
  EXPECT_EQ(r.error.attempts, 2);
  EXPECT_LT(Clock::now() - t0, milliseconds(1500));
  api.set_delay(milliseconds(0));
}

TEST(ApifyClient, PageAboveMaxPageBytesIsAFinalError) {
  fake::FakeApify api({kToken});
  api.add_generated_dataset("g", {100, 100});
  ClientOptions o = fast_options();
  o.max_page_bytes = 5000;
  Client client(config_for(api, 100), o);
  const StreamResult r = client.stream_items("g", 0, {}, [](const Page&) { return true; });
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.type, "page-too-large");
  EXPECT_FALSE(r.error.retryable);
  EXPECT_EQ(api.request_count(), 1u);
}

// ---------------------------------------------------------------------------------------
// Final errors

TEST(ApifyClient, WrongTokenIsFinalWithTypeAndMessage) {
  fake::FakeApify api({kToken});
  api.add_dataset("ds", assorted_items(3));
  config::ApifyConfig cfg = config_for(api, 1000, "apify_api_WrongWrongWrong");
  Client client(cfg, fast_options());
  const StreamResult r = client.stream_items("ds", 0, {}, [](const Page&) { return true; });
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.status, 401);
  EXPECT_EQ(r.error.type, "invalid-token");
  EXPECT_EQ(r.error.message, "User was not found or authentication token is not valid");
  EXPECT_FALSE(r.error.retryable);
  EXPECT_EQ(r.error.attempts, 1);
  EXPECT_EQ(api.request_count(), 1u);
  EXPECT_EQ(r.error.describe().find("WrongWrongWrong"), std::string::npos);
}

TEST(ApifyClient, MissingTokenIsFinal) {
  fake::FakeApify api({kToken});
  api.add_dataset("ds", assorted_items(3));
  Client client(config_for(api, 1000, ""), fast_options());
  const StreamResult r = client.stream_items("ds", 0, {}, [](const Page&) { return true; });
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.status, 401);
  EXPECT_EQ(r.error.type, "token-not-provided");
  EXPECT_EQ(api.request_count(), 1u);
  EXPECT_FALSE(api.requests()[0].has_header("Authorization"));
}

TEST(ApifyClient, UnknownDatasetIsFinalNotFound) {
  fake::FakeApify api({kToken});
  Client client(config_for(api), fast_options());
  const StreamResult r = client.stream_items("nope", 0, {}, [](const Page&) { return true; });
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.status, 404);
  EXPECT_EQ(r.error.type, "record-not-found");
  EXPECT_EQ(r.error.message, "Dataset was not found");
  EXPECT_TRUE(r.error.not_found());
  EXPECT_FALSE(r.error.retryable);
  EXPECT_EQ(r.error.attempts, 1);
  EXPECT_EQ(api.request_count(), 1u);
}

TEST(ApifyClient, TokenTravelsOnlyInTheAuthorizationHeader) {
  fake::FakeApify api({kToken});
  api.add_generated_dataset("g", {1500, 50});
  api.add_run({"run1", "act1", "", "SUCCEEDED", "g"});
  api.fail_next(1, 429, 0);
  Client client(config_for(api, 1000), fast_options());
  ASSERT_TRUE(client.stream_items("g", 0, {}, [](const Page&) { return true; }).ok);
  ASSERT_TRUE(client.get_run("run1").ok);
  const auto missing = client.get_run("missing");
  ASSERT_FALSE(missing.ok);
  const auto log = api.requests();
  ASSERT_EQ(log.size(), 6u);
  for (const auto& r : log) {
    EXPECT_EQ(r.header("Authorization"), std::string("Bearer ") + kToken);
    EXPECT_EQ(r.uri.find(kToken), std::string::npos) << r.uri;
    EXPECT_EQ(r.uri.find("token"), std::string::npos) << r.uri;
  }
  EXPECT_EQ(missing.error.describe().find(kToken), std::string::npos);
}

// ---------------------------------------------------------------------------------------
// Cancellation

TEST(ApifyClient, CancelledStopsARetrySleepPromptly) {
  fake::FakeApify api({kToken});
  api.add_dataset("ds", assorted_items(3));
  api.fail_next(1, 429, /*retry_after_s=*/30);
  Client client(config_for(api), fast_options());
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(200));
    stop = true;
  });
  const auto t0 = Clock::now();
  const StreamResult r =
      client.stream_items("ds", 0, {}, [](const Page&) { return true; }, [&] { return stop.load(); });
  const auto took = Clock::now() - t0;
  stopper.join();
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.type, "cancelled");
  EXPECT_TRUE(r.error.retryable);
  EXPECT_LT(took, milliseconds(1500));
  EXPECT_EQ(api.request_count(), 1u);
}

TEST(ApifyClient, CancelledBeforeStartSendsNothing) {
  fake::FakeApify api({kToken});
  api.add_dataset("ds", assorted_items(3));
  Client client(config_for(api), fast_options());
  const StreamResult r = client.stream_items("ds", 0, {}, [](const Page&) { return true; }, [] { return true; });
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.type, "cancelled");
  EXPECT_EQ(api.request_count(), 0u);
}

TEST(ApifyClient, RetryAfterAboveTheLimitFailsAtOnceRetryable) {
  fake::FakeApify api({kToken});
  api.add_dataset("ds", assorted_items(3));
  api.fail_next(1, 429, 3600);
  ClientOptions o = fast_options();
  o.max_retry_after = milliseconds(60000);
  Client client(config_for(api), o);
  const auto t0 = Clock::now();
  const StreamResult r = client.stream_items("ds", 0, {}, [](const Page&) { return true; });
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.status, 429);
  EXPECT_EQ(r.error.type, "rate-limit-exceeded");
  EXPECT_TRUE(r.error.retryable);
  EXPECT_LT(Clock::now() - t0, milliseconds(1000));
}

TEST(ApifyClient, ParsesRetryAfterSecondsAndHttpDates) {
  EXPECT_EQ(net::parse_retry_after("120"), 120000);
  EXPECT_EQ(net::parse_retry_after(" 0 "), 0);
  EXPECT_EQ(net::parse_retry_after(""), -1);
  EXPECT_EQ(net::parse_retry_after("soon"), -1);
  const auto in = [](int secs) {
    return Poco::DateTimeFormatter::format(Poco::Timestamp() + Poco::Timespan(secs, 0), Poco::DateTimeFormat::HTTP_FORMAT);
  };
  const std::int64_t ten = net::parse_retry_after(in(10));
  EXPECT_GE(ten, 8000);
  EXPECT_LE(ten, 11000);
  EXPECT_EQ(net::parse_retry_after(in(-100)), 0);
}

TEST(ApifyClient, RetryAfterAsHttpDateIsHonoured) {
  fake::FakeApify api({kToken});
  api.add_dataset("ds", assorted_items(3));
  api.fail_next_with_date(1, 503, 2);  // "now + 2 s", at one-second resolution
  Client client(config_for(api), fast_options());
  const auto t0 = Clock::now();
  ASSERT_TRUE(client.stream_items("ds", 0, {}, [](const Page&) { return true; }).ok);
  EXPECT_GE(Clock::now() - t0, milliseconds(900));
}

// ---------------------------------------------------------------------------------------
// Runs and Actors

TEST(ApifyClient, GetRunParsesTheFieldsWebhookVerificationNeeds) {
  fake::FakeApify api({kToken});
  fake::FakeRun run;
  run.id = "HG7ML7M8z78YcAPEB";
  run.act_id = "moJRLRc85AitArpNN";
  run.actor_task_id = "KJHGFDSA12345678";
  run.default_dataset_id = "wmKPijuyDnPZAPRMk";
  run.resurrect_count = 2;
  api.add_run(run);
  fake::FakeRun running;
  running.id = "stillRunning";
  running.status = "RUNNING";
  running.finished_at = "";
  running.actor_task_id = "";
  api.add_run(running);
  Client client(config_for(api), fast_options());

  const auto got = client.get_run("HG7ML7M8z78YcAPEB");
  ASSERT_TRUE(got.ok) << got.error.describe();
  EXPECT_EQ(got.value.id, "HG7ML7M8z78YcAPEB");
  EXPECT_EQ(got.value.act_id, "moJRLRc85AitArpNN");
  EXPECT_EQ(got.value.actor_task_id, "KJHGFDSA12345678");
  EXPECT_EQ(got.value.status, "SUCCEEDED");
  EXPECT_EQ(got.value.default_dataset_id, "wmKPijuyDnPZAPRMk");
  EXPECT_EQ(got.value.started_at, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(got.value.finished_at, "2026-01-01T00:01:00.000Z");
  EXPECT_EQ(got.value.resurrect_count, 2);
  EXPECT_EQ(api.requests().back().path(), "/v2/actor-runs/HG7ML7M8z78YcAPEB");

  const auto r2 = client.get_run("stillRunning");
  ASSERT_TRUE(r2.ok);
  EXPECT_EQ(r2.value.status, "RUNNING");
  EXPECT_EQ(r2.value.finished_at, "");  // null
  EXPECT_EQ(r2.value.actor_task_id, "");

  const auto missing = client.get_run("nope");
  ASSERT_FALSE(missing.ok);
  EXPECT_TRUE(missing.error.not_found());
  EXPECT_EQ(missing.error.message, "Actor run was not found");
}

TEST(ApifyClient, GetActorByIdAndByUsernameName) {
  fake::FakeApify api({kToken});
  api.add_actor({"moJRLRc85AitArpNN", "web-scraper", "apify"});
  Client client(config_for(api), fast_options());
  for (const std::string key : {"moJRLRc85AitArpNN", "apify~web-scraper", "apify/web-scraper"}) {
    const auto got = client.get_actor(key);
    ASSERT_TRUE(got.ok) << key << ": " << got.error.describe();
    EXPECT_EQ(got.value.id, "moJRLRc85AitArpNN");
    EXPECT_EQ(got.value.name, "web-scraper");
    EXPECT_EQ(got.value.username, "apify");
  }
  const auto log = api.requests();
  EXPECT_EQ(log[1].path(), "/v2/acts/apify~web-scraper");
  EXPECT_EQ(log[2].path(), "/v2/acts/apify~web-scraper");  // "/" became "~"
  EXPECT_TRUE(client.get_actor("apify/other").error.not_found());
}

TEST(ApifyClient, GetRunRetriesServerErrors) {
  fake::FakeApify api({kToken});
  api.add_run({"r1", "a1", "", "SUCCEEDED", "d1"});
  api.fail_next(2, 502, -1, "/v2/actor-runs/");
  Client client(config_for(api), fast_options());
  const auto got = client.get_run("r1");
  ASSERT_TRUE(got.ok) << got.error.describe();
  EXPECT_EQ(got.value.default_dataset_id, "d1");
  EXPECT_EQ(api.request_count(), 3u);
}

// ---------------------------------------------------------------------------------------
// Untrusted ids

TEST(ApifyClient, HostileIdsAreUrlEncoded) {
  fake::FakeApify api({kToken});
  const std::string run_id = "../../v2/acts/x?token=1&a=b#frag %00\xc3\xa9";
  api.add_run({run_id, "a1", "", "SUCCEEDED", "d1"});
  const std::string ds_id = "a b/c?d=e&f#g";
  api.add_dataset(ds_id, {"{\"x\":1}"});
  api.add_run({"..", "a1", "", "SUCCEEDED", "d1"});
  Client client(config_for(api), fast_options());

  const auto got = client.get_run(run_id);
  ASSERT_TRUE(got.ok) << got.error.describe();  // the fake decoded exactly the id we meant
  EXPECT_EQ(got.value.id, run_id);
  Collector c;
  ASSERT_TRUE(client.stream_items(ds_id, 0, {}, c.fn()).ok);
  EXPECT_EQ(c.items(), (std::vector<std::string>{"{\"x\":1}"}));
  ASSERT_TRUE(client.get_run("..").ok);

  const auto log = api.requests();
  EXPECT_EQ(log[0].uri, "/v2/actor-runs/..%2F..%2Fv2%2Facts%2Fx%3Ftoken%3D1%26a%3Db%23frag%20%2500%C3%A9");
  EXPECT_EQ(log[1].path(), "/v2/datasets/a%20b%2Fc%3Fd%3De%26f%23g/items");
  EXPECT_EQ(log[1].uri.find("d=e"), std::string::npos);
  EXPECT_EQ(log.back().uri, "/v2/actor-runs/%2E%2E");
}

TEST(ApifyClient, EncodesComponents) {
  EXPECT_EQ(Client::encode_component("abcXYZ019-._~", true), "abcXYZ019-._~");
  EXPECT_EQ(Client::encode_component("a/b", true), "a%2Fb");
  EXPECT_EQ(Client::encode_component(".", true), "%2E");
  EXPECT_EQ(Client::encode_component("..", false), "..");
  EXPECT_EQ(Client::encode_component("\r\n", true), "%0D%0A");
}

// On demand: ./apify_tests --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
TEST(ApifyClient, DISABLED_ThroughputOneMillionItems) {
  fake::FakeApify api({kToken});
  api.add_generated_dataset("m", {1000000, 200});
  Client client(config_for(api, 1000), fast_options());
  std::int64_t bytes = 0;
  const auto t0 = Clock::now();
  const StreamResult r = client.stream_items("m", 0, {}, [&](const Page& p) {
    bytes += static_cast<std::int64_t>(p.body.size());
    return true;
  });
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_TRUE(r.ok) << r.error.describe();
  EXPECT_EQ(r.items, 1000000);
  std::printf("1M items, %.1f MB in %.2f s: %.0f items/s\n", static_cast<double>(bytes) / 1e6, secs, 1e6 / secs);
}

TEST(ApifyClient, InvalidBaseUrlIsRejectedAtConstruction) {
  config::ApifyConfig cfg;
  cfg.base_url = "ftp://example.com";
  EXPECT_THROW(Client{cfg}, std::invalid_argument);
}

}  // namespace
}  // namespace sinkhub::apify
