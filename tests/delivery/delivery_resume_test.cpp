// Where a delivery resumes and what it reads: partial acceptance with `clean` (raw offsets and
// delivered items differ), a sink's max_items, actor names in routes.
#include "delivery_fixture.hpp"

namespace sinkhub::dt {
namespace {

// Pages scan raw items and return fewer (clean); batches (300) do not line up with pages
// (500 raw); the 3rd call accepts 120 of its items and asks for a retry. The retry must
// resume at exactly the first unaccepted item, and every item arrives once, in order.
TEST_F(DeliveryTest, PartialRetryWithCleanResumesAtTheFirstUnacceptedItem) {
  Conf s;
  s.page_size = 500;
  s.test_sink("rec", {{"batch_items", "300"}, {"retry_at", "3"}, {"accept", "120"}}, "    dataset:\n      clean: true\n")
      .route("ACTOR.RUN.SUCCEEDED", "rec");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{6000, 90, 7, 5});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "rec", "done", seconds(20)));
  const auto want = fake_.items(run.dataset_id, true);
  const auto c = calls("rec");
  ASSERT_GE(c.size(), 4u);
  EXPECT_EQ(c[2].rc, SINKHUB_RETRY);
  EXPECT_EQ(c[2].offset, 600u);
  EXPECT_EQ(c[3].attempt, 2u);
  EXPECT_EQ(c[3].offset, 720u) << "resumes after the 120 accepted items";
  EXPECT_EQ(c[3].cp, "cp-720");
  std::uint64_t next = 0;
  for (std::size_t k = 0; k < c.size(); ++k) {
    const Call& call = c[k];
    EXPECT_EQ(call.offset, next) << "call " << k;
    ASSERT_LT(call.offset, want.size());
    EXPECT_EQ(call.first, index_of(want[call.offset])) << "call " << k << ": the batch starts at the right item";
    EXPECT_LE(call.count, 300u);
    next = call.offset + (call.rc == SINKHUB_OK ? call.count : 120);
  }
  EXPECT_EQ(next, want.size());
  EXPECT_TRUE(c.back().flags & SINKHUB_CTX_LAST_BATCH);
  EXPECT_EQ(c.back().total, static_cast<long long>(want.size()));
  EXPECT_EQ(deliveries(run.run_id)["rec"].at("items_done"), std::to_string(want.size()));
}

TEST_F(DeliveryTest, SinkMaxItemsStopsFetchingEarly) {
  Conf s;
  s.test_sink("chat", {{"max_items", "10"}}).route("ACTOR.RUN.SUCCEEDED", "chat");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{5000, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "chat", "done"));
  const auto c = calls("chat");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].count, 10u);
  EXPECT_EQ(c[0].first, 0);
  EXPECT_EQ(c[0].flags, static_cast<unsigned>(SINKHUB_CTX_FIRST_BATCH | SINKHUB_CTX_LAST_BATCH));
  const auto reqs = requests("/v2/datasets/" + run.dataset_id + "/items");
  ASSERT_EQ(reqs.size(), 1u) << "the sink needs 10 items: one small page";
  EXPECT_NE(reqs[0].uri.find("limit=10"), std::string::npos) << reqs[0].uri;
}

TEST_F(DeliveryTest, ActorNamesInRoutesAreResolvedAtStartup) {
  Conf s;
  s.test_sink("rec").route("ACTOR.RUN.SUCCEEDED", "rec", "\"jane/my-scraper\"");
  fake_.add_actor({"fW4MyDhgwtMLrB987", "my-scraper", "jane"});
  start(s);
  EXPECT_EQ(requests("/v2/acts/jane~my-scraper").size(), 1u);
  const RunInfo mine = add_run();
  fake_.add_generated_dataset(mine.dataset_id, GeneratedSpec{20, 100, 0, 0});
  RunInfo other = new_run();
  other.actor_id = "someOtherActor001";
  post(other);
  post(mine);
  ASSERT_TRUE(reaches(mine.run_id, "rec", "done"));
  EXPECT_TRUE(deliveries(other.run_id).empty()) << "the route is for jane/my-scraper only";
}

TEST_F(DeliveryTest, UnresolvableActorNameStopsStartup) {
  Conf s;
  s.test_sink("rec").route("ACTOR.RUN.SUCCEEDED", "rec", "\"jane/no-such-actor\"");
  daemon_ = std::make_unique<Daemon>(render(s, fake_.base_url()));
  EXPECT_THROW(daemon_->start(), std::runtime_error);
  const std::string log = daemon_->log();
  EXPECT_NE(log.find("cannot resolve 'jane/no-such-actor'"), std::string::npos) << log;
  EXPECT_NE(log.find("record-not-found"), std::string::npos) << log;
  EXPECT_EQ(log.find(s.apify_token), std::string::npos);
}

// A sink call longer than delivery.lease: the lease is kept alive, nobody else claims the
// delivery, the call is made once.
TEST_F(DeliveryTest, ACallLongerThanTheLeaseKeepsItsLease) {
  Conf s;
  s.delivery["lease"] = "600ms";
  s.delivery["workers"] = "3";
  s.test_sink("slow", {{"delay_ms", "2500"}}).route("ACTOR.RUN.SUCCEEDED", "slow");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{20, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "slow", "done", seconds(20)));
  const auto c = calls("slow");
  ASSERT_EQ(c.size(), 1u) << "claimed twice while the first call still ran";
  EXPECT_EQ(c[0].conc, 1);
  EXPECT_EQ(deliveries(run.run_id)["slow"].at("attempts"), "1");
  // One page with the items, one empty page that ends the stream; nothing read twice.
  const auto reqs = requests("/v2/datasets/" + run.dataset_id + "/items");
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE(reqs[0].uri, reqs[1].uri);
}

// max_concurrency 1 (the plugin's default): with more workers than sinks the instance still
// never sees two calls at once, and every delivery completes.
TEST_F(DeliveryTest, AnInstanceNeverGetsMoreConcurrentCallsThanItsLimit) {
  Conf s;
  s.delivery["workers"] = "4";
  s.test_sink("one", {{"delay_ms", "100"}, {"batch_items", "50"}}).test_sink("two", {{"delay_ms", "100"}, {"batch_items", "50"}});
  s.route("ACTOR.RUN.SUCCEEDED", "one, two");
  start(s);
  std::vector<RunInfo> runs;
  for (int i = 0; i < 4; ++i) {
    runs.push_back(add_run());
    fake_.add_generated_dataset(runs.back().dataset_id, GeneratedSpec{100, 100, 0, 0});
    post(runs.back());
  }
  for (const auto& r : runs) {
    ASSERT_TRUE(reaches(r.run_id, "one", "done", seconds(30)));
    ASSERT_TRUE(reaches(r.run_id, "two", "done", seconds(30)));
  }
  for (const char* sink : {"one", "two"}) {
    const auto c = calls(sink);
    EXPECT_EQ(c.size(), 8u) << sink;
    for (const auto& call : c) EXPECT_EQ(call.conc, 1) << sink << " got overlapping calls";
  }
  // The two instances did run side by side: some call of each ended within one call's
  // duration (100 ms) of the other's.
  const auto one = calls("one"), two = calls("two");
  bool overlapped = false;
  for (const auto& a : one)
    for (const auto& b : two) overlapped = overlapped || std::llabs(a.t - b.t) < 100;
  EXPECT_TRUE(overlapped);
}

TEST_F(DeliveryTest, MaxAgeExhaustedIsDeadLettered) {
  Conf s;
  s.delivery["max_age"] = "1s";
  s.delivery["max_attempts"] = "1000";
  s.test_sink("flaky", {{"mode", "fail_until_marker"}, {"marker", "{{DIR}}/never"}}).route("ACTOR.RUN.SUCCEEDED", "flaky");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{5, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "flaky", "dead", seconds(10)));
  const auto row = deliveries(run.run_id)["flaky"];
  EXPECT_NE(row.at("last_error").find("retry budget exhausted"), std::string::npos) << row.at("last_error");
  EXPECT_GT(std::stoi(row.at("attempts")), 1);
  EXPECT_LT(std::stoi(row.at("attempts")), 1000);
  const auto c = calls("flaky");
  ASSERT_GE(c.size(), 2u);
  EXPECT_GE(c.back().t - c.front().t, 0);
  EXPECT_LE(c.back().t - c.front().t, scaled(milliseconds(2500)).count()) << "buried soon after max_age";
}

// max_items with clean: the first N visible items, then no more pages.
TEST_F(DeliveryTest, SinkMaxItemsWithCleanGetsTheFirstVisibleItems) {
  Conf s;
  s.page_size = 8;
  s.test_sink("chat", {{"max_items", "10"}}, "    dataset:\n      clean: true\n").route("ACTOR.RUN.SUCCEEDED", "chat");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{5000, 100, 3, 4});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "chat", "done"));
  const auto want = fake_.items(run.dataset_id, true);
  const auto c = calls("chat");
  std::uint64_t total = 0;
  for (const auto& call : c) {
    EXPECT_EQ(call.first, index_of(want[call.offset]));
    total += call.count;
  }
  EXPECT_EQ(total, 10u);
  ASSERT_FALSE(c.empty());
  EXPECT_TRUE(c.back().flags & SINKHUB_CTX_LAST_BATCH);
  EXPECT_LE(requests("/v2/datasets/" + run.dataset_id + "/items").size(), 4u) << "stops fetching once it has 10";
}

// sinks.NAME.dataset.fields / omit reach the API; the sink gets the items as the API
// returned them for that query.
TEST_F(DeliveryTest, DatasetFieldsAndOmitArePassedToTheApi) {
  Conf s;
  s.page_size = 300;
  s.file_sink("picked", "    dataset:\n      fields: [title, i]\n").file_sink("trimmed", "    dataset:\n      omit: [url]\n");
  s.route("ACTOR.RUN.SUCCEEDED", "picked, trimmed");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{1000, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "picked", "done"));
  ASSERT_TRUE(reaches(run.run_id, "trimmed", "done"));
  const std::string base = "/v2/datasets/" + run.dataset_id + "/items?format=jsonl";
  const auto picked = http_request(fake_.port(), "GET", base + "&fields=title,i");
  const auto trimmed = http_request(fake_.port(), "GET", base + "&omit=url");
  ASSERT_EQ(picked.status, 200);
  ASSERT_EQ(trimmed.status, 200);
  ASSERT_EQ(picked.body.rfind("{\"title\":\"Item 0", 0), 0u) << picked.body.substr(0, 100);
  EXPECT_TRUE(SameBytes(file_of("picked", run), picked.body));
  EXPECT_TRUE(SameBytes(file_of("trimmed", run), trimmed.body));
  EXPECT_EQ(trimmed.body.find("\"url\""), std::string::npos);
}

// Chunked page bodies without a final newline are still delivered byte-exact.
TEST_F(DeliveryTest, ChunkedPagesWithoutTrailingNewlineAreByteExact) {
  Conf s;
  s.page_size = 700;
  s.file_sink("files").route("ACTOR.RUN.SUCCEEDED", "files");
  fake_.set_chunked(true);
  fake_.set_trailing_newline(false);
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{5000, 150, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "files", "done"));
  EXPECT_TRUE(SameBytes(file_of("files", run), jsonl(fake_.items(run.dataset_id))));
}

// max_items and a retry in the middle: the retry still delivers up to max_items (the raw
// range read on resume must cover the items skipped before the resume point).
TEST_F(DeliveryTest, SinkMaxItemsIsReachedAfterAPartialRetry) {
  Conf s;
  s.test_sink("chat", {{"max_items", "10"}, {"batch_items", "4"}, {"retry_at", "2"}, {"accept", "1"}})
      .route("ACTOR.RUN.SUCCEEDED", "chat");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{5000, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "chat", "done"));
  const auto c = calls("chat");
  std::uint64_t next = 0;
  for (const auto& call : c) {
    EXPECT_EQ(call.offset, next);
    if (call.count) {
      EXPECT_EQ(call.first, static_cast<long long>(call.offset));
    }
    next += call.rc == SINKHUB_OK ? call.count : 1;
  }
  EXPECT_EQ(next, 10u) << "the sink asked for its first 10 items";
  EXPECT_EQ(deliveries(run.run_id)["chat"].at("items_done"), "10");
}

}  // namespace
}  // namespace sinkhub::dt
