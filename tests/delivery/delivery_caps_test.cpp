// What the engine does for each plugin capability and acceptance pattern: empty datasets,
// SINKHUB_CAP_NO_ITEMS, SINKHUB_CAP_RESTART_ON_RETRY, partial OKs, TEST dispatches.
#include "delivery_fixture.hpp"

namespace sinkhub::dt {
namespace {

TEST_F(DeliveryTest, EmptyDatasetIsOneFirstAndLastCallNotEventOnly) {
  Conf s;
  s.file_sink("files").test_sink("rec").route("ACTOR.RUN.SUCCEEDED", "files, rec");
  start(s);
  const RunInfo run = add_run();
  fake_.add_dataset(run.dataset_id, {});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "rec", "done"));
  ASSERT_TRUE(reaches(run.run_id, "files", "done"));
  const auto c = calls("rec");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].flags, static_cast<unsigned>(SINKHUB_CTX_FIRST_BATCH | SINKHUB_CTX_LAST_BATCH));
  EXPECT_EQ(c[0].count, 0u);
  EXPECT_EQ(c[0].total, 0);
  EXPECT_TRUE(std::ifstream(dir() + "/files/" + run.actor_id + "/" + run.run_id + ".jsonl").good());
  EXPECT_EQ(file_of("files", run), "");
}

TEST_F(DeliveryTest, NoItemsSinkGetsOnlyTheEventAndNoDatasetIsRead) {
  Conf s;
  s.test_sink("ping", {}, {}, "delivery-test-noitems").route("ACTOR.RUN.SUCCEEDED", "ping");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{100, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "ping", "done"));
  const auto c = calls("ping");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].flags, static_cast<unsigned>(SINKHUB_CTX_FIRST_BATCH | SINKHUB_CTX_LAST_BATCH | SINKHUB_CTX_EVENT_ONLY));
  EXPECT_EQ(c[0].count, 0u);
  EXPECT_EQ(requests("/v2/datasets/").size(), 0u);
}

TEST_F(DeliveryTest, TestDispatchReachesAnEventOnlyRoute) {
  Conf s;
  s.test_sink("ping").route("TEST", "ping");
  start(s);
  const auto resp = daemon().post_webhook(to_json(test_envelope()));
  ASSERT_EQ(resp.status, 200) << resp.body;
  ASSERT_TRUE(wait_until([&] { return calls("ping").size() == 1u; }, seconds(10)));
  const auto c = calls("ping");
  EXPECT_EQ(c[0].flags, static_cast<unsigned>(SINKHUB_CTX_FIRST_BATCH | SINKHUB_CTX_LAST_BATCH | SINKHUB_CTX_EVENT_ONLY));
  LedgerView v(daemon().ledger_path());
  EXPECT_TRUE(wait_until([&] { return LedgerView(daemon().ledger_path()).scalar("SELECT COUNT(*) FROM deliveries WHERE state='done'") == 1; },
                         seconds(5)));
  EXPECT_EQ(fake_.requests().size(), 0u);
}

// SINKHUB_CAP_RESTART_ON_RETRY: after a failed call the next attempt starts at item 0 with
// FIRST_BATCH and no checkpoint.
TEST_F(DeliveryTest, RestartOnRetrySinkStartsOverAfterARetry) {
  Conf s;
  s.test_sink("whole", {{"batch_items", "100"}, {"retry_at", "3"}, {"accept", "50"}}, {}, "delivery-test-restart")
      .route("ACTOR.RUN.SUCCEEDED", "whole");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{500, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "whole", "done"));
  const auto c = calls("whole");
  ASSERT_EQ(c.size(), 3u + 5u);
  EXPECT_EQ(c[2].rc, SINKHUB_RETRY);
  EXPECT_EQ(c[3].attempt, 2u);
  EXPECT_EQ(c[3].offset, 0u) << "restarted from item 0";
  EXPECT_EQ(c[3].cp, "-") << "with no checkpoint";
  EXPECT_TRUE(c[3].flags & SINKHUB_CTX_FIRST_BATCH);
  for (std::size_t k = 3; k < c.size(); ++k) {
    EXPECT_EQ(c[k].offset, (k - 3) * 100);
    EXPECT_EQ(c[k].first, static_cast<long long>((k - 3) * 100));
  }
  EXPECT_EQ(deliveries(run.run_id)["whole"].at("items_done"), "500");
}

// SINKHUB_CAP_PARTIAL: OK with fewer items accepted than sent; the rest comes again at the
// start of the next call of the same attempt; nothing is lost or duplicated.
TEST_F(DeliveryTest, PartialOkResendsTheRestInTheSameAttempt) {
  Conf s;
  s.test_sink("part", {{"batch_items", "200"}, {"ok_accept", "70"}}, {}, "delivery-test-partial")
      .route("ACTOR.RUN.SUCCEEDED", "part");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{1000, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "part", "done"));
  const auto c = calls("part");
  std::uint64_t next = 0;
  for (const auto& call : c) {
    EXPECT_EQ(call.attempt, 1u);
    EXPECT_EQ(call.offset, next);
    EXPECT_EQ(call.first, static_cast<long long>(call.offset));
    EXPECT_EQ(call.cp, next ? "cp-" + std::to_string(next) : "-");
    next += std::min<std::uint64_t>(call.count, 70);
  }
  EXPECT_EQ(next, 1000u);
  EXPECT_EQ(c.size(), 5u * 3u) << "each batch of 200 takes 70 + 70 + 60";
}

// A SINKHUB_CAP_PARTIAL sink that answers OK but accepts nothing makes no progress: the
// engine must not call it again and again in a tight loop.
TEST_F(DeliveryTest, OkAcceptingNothingDoesNotSpin) {
  Conf s;
  s.test_sink("stall", {{"ok_accept", "0"}}, {}, "delivery-test-partial").route("ACTOR.RUN.SUCCEEDED", "stall");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{50, 100, 0, 0});
  post(run);
  ASSERT_TRUE(wait_until([&] { return !calls("stall").empty(); }, seconds(10)));
  std::this_thread::sleep_for(milliseconds(1500));
  const auto n = calls("stall").size();
  EXPECT_LE(n, 5u) << "deliver() called " << n << " times in 1.5 s without progress";
  // Each such answer costs an attempt (like a RETRY): the budget (max_attempts 5) runs out.
  ASSERT_TRUE(reaches(run.run_id, "stall", "dead", seconds(10)));
  const auto row = deliveries(run.run_id)["stall"];
  EXPECT_EQ(row.at("items_done"), "0");
  EXPECT_EQ(row.at("attempts"), "5");
  EXPECT_NE(row.at("last_error").find("accepted none"), std::string::npos) << row.at("last_error");
}

}  // namespace
}  // namespace sinkhub::dt

namespace sinkhub::dt {
namespace {

// SINKHUB_CAP_BUFFERED: deliver()'s OK is provisional; nothing counts as delivered until
// flush() confirms it, and a refused flush is a retry with no progress.
TEST_F(DeliveryTest, BufferedSinkCommitsOnlyWhatFlushConfirms) {
  Conf s;
  s.delivery["max_attempts"] = "1000";
  s.test_sink("buf", {{"marker", "{{DIR}}/flush.ok"}, {"batch_items", "500"}}, {}, "delivery-test-buffered")
      .route("ACTOR.RUN.SUCCEEDED", "buf");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{1200, 100, 0, 0});
  post(run);
  ASSERT_TRUE(wait_until([&] { return !read_file(dir() + "/buf.log.flush").empty(); }, seconds(20)));
  ASSERT_TRUE(wait_until([&] { return state_of(run.run_id, "buf") == "retrying"; }, seconds(20)));
  auto row = deliveries(run.run_id)["buf"];
  EXPECT_EQ(row.at("items_done"), "0") << "a refused flush commits nothing";
  EXPECT_NE(row.at("last_error").find("flush failed: flush refused"), std::string::npos) << row.at("last_error");

  write_file(dir() + "/flush.ok", "");
  ASSERT_TRUE(reaches(run.run_id, "buf", "done"));
  row = deliveries(run.run_id)["buf"];
  EXPECT_EQ(row.at("items_done"), "1200");
  const std::string flushes = read_file(dir() + "/buf.log.flush");
  std::size_t ok = 0;
  for (std::size_t at = flushes.find("rc=0"); at != std::string::npos; at = flushes.find("rc=0", at + 1)) ++ok;
  EXPECT_EQ(ok, 3u) << "one confirmed flush per batch of 500: " << flushes;
}

}  // namespace
}  // namespace sinkhub::dt
