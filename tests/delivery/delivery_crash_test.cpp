// The daemon dying or stopping in the middle of a delivery: kill -9 (lease reclaimed after a
// restart, resume at the last committed batch) and SIGTERM (checkpointed, given back, exit 0).
#include <csignal>
#include <filesystem>

#include "delivery_fixture.hpp"

namespace sinkhub::dt {
namespace {

std::uint64_t items_done(const std::map<std::string, Row>& d, const std::string& sink) {
  return std::stoull(d.at(sink).at("items_done"));
}

// Every accepted item range of the calls, checked for order and gaps; returns how many
// items were delivered more than once.
std::uint64_t duplicates(const std::vector<Call>& calls, std::uint64_t total, std::string& problem) {
  std::uint64_t delivered = 0, next = 0;
  for (const auto& c : calls) {
    if (c.rc != SINKHUB_OK) continue;
    if (c.offset > next) problem += "gap before offset " + std::to_string(c.offset) + "; ";
    delivered += c.count;
    next = std::max<std::uint64_t>(next, c.offset + c.count);
  }
  if (next != total) problem += "ends at " + std::to_string(next) + "; ";
  return delivered - std::min(delivered, total);
}

std::vector<std::string> temp_files(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->path().filename().string().rfind(".", 0) == 0) out.push_back(it->path().string());
  return out;
}

TEST_F(DeliveryTest, KillNineMidDeliveryResumesAtTheLastCommittedBatchByteExact) {
  constexpr std::uint64_t kItems = 300000, kPage = 5000;
  Conf s;
  s.page_size = static_cast<int>(kPage);
  s.file_sink("files").test_sink("rec").route("ACTOR.RUN.SUCCEEDED", "files, rec");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{static_cast<std::int64_t>(kItems), 100, 0, 0});
  fake_.set_delay(milliseconds(40));
  post(run);
  ASSERT_TRUE(wait_until(
      [&] {
        const auto d = deliveries(run.run_id);
        return d.size() == 2 && items_done(d, "rec") >= 50000 && items_done(d, "files") >= 10000;
      },
      seconds(30)));
  daemon().kill9();

  const auto before = deliveries(run.run_id);
  const std::uint64_t committed = items_done(before, "rec");
  ASSERT_LT(committed, kItems) << "the delivery finished before the kill: slow the fake down";
  ASSERT_LT(items_done(before, "files"), kItems);
  EXPECT_EQ(before.at("rec").at("state"), "running");
  EXPECT_EQ(committed % kPage, 0u) << "progress is committed per accepted batch";
  const auto before_calls = calls("rec");
  std::size_t uncommitted = 0;
  for (const auto& c : before_calls)
    if (c.offset + c.count > committed) ++uncommitted;
  EXPECT_LE(uncommitted, 1u) << "at most the batch in flight was not committed";

  fake_.set_delay(milliseconds(0));
  daemon().start();  // same ledger; the dead process's leases expire after delivery.lease
  ASSERT_TRUE(reaches(run.run_id, "rec", "done", seconds(40)));
  ASSERT_TRUE(reaches(run.run_id, "files", "done", seconds(40)));

  const auto all = calls("rec");
  ASSERT_GT(all.size(), before_calls.size());
  const Call& resumed = all[before_calls.size()];
  EXPECT_EQ(resumed.offset, committed) << "the restart resumes at the first unaccepted item";
  EXPECT_EQ(resumed.cp, "cp-" + std::to_string(committed)) << "with the checkpoint saved with that progress";
  EXPECT_EQ(resumed.attempt, 2u);
  EXPECT_GE(resumed.t, std::stoll(before.at("rec").at("lease_until"))) << "reclaimed only once the lease expired";
  EXPECT_FALSE(resumed.flags & SINKHUB_CTX_FIRST_BATCH);
  std::string problem;
  const auto dup = duplicates(all, kItems, problem);
  EXPECT_EQ(problem, "");
  EXPECT_LE(dup, kPage) << "at most one batch was delivered twice";

  EXPECT_TRUE(SameBytes(file_of("files", run), jsonl(fake_.items(run.dataset_id))));
  EXPECT_TRUE(temp_files(dir() + "/files").empty()) << "the file sink's temp file was reused and renamed";
  EXPECT_EQ(deliveries(run.run_id)["files"].at("items_done"), std::to_string(kItems));
}

TEST_F(DeliveryTest, SigtermDuringALongDeliveryCheckpointsExitsZeroAndResumesAfterRestart) {
  constexpr std::uint64_t kItems = 50000;
  Conf s;
  s.delivery["max_attempts"] = "1";  // a shutdown must not spend the budget
  s.file_sink("files")
      .test_sink("slow", {{"delay_ms", "250"}, {"batch_items", "1000"}, {"marker", "{{DIR}}/fast"}})
      .route("ACTOR.RUN.SUCCEEDED", "files, slow");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{static_cast<std::int64_t>(kItems), 100, 0, 0});
  fake_.set_delay(milliseconds(60));
  post(run);
  ASSERT_TRUE(wait_until(
      [&] {
        const auto d = deliveries(run.run_id);
        return d.size() == 2 && items_done(d, "slow") >= 2000 && items_done(d, "files") >= 2000;
      },
      seconds(30)));
  const auto t0 = std::chrono::steady_clock::now();
  daemon().signal(SIGTERM);
  const auto code = daemon().wait_exit(scaled(seconds(2 + 3)));
  ASSERT_TRUE(code.has_value()) << "no exit within shutdown_grace + 3 s";
  EXPECT_EQ(*code, 0);
  EXPECT_LE(elapsed_ms(t0), scaled(milliseconds(5000)).count());
  EXPECT_NE(daemon().log().find("stopped cleanly"), std::string::npos);

  const auto after = deliveries(run.run_id);
  std::map<std::string, std::uint64_t> committed;
  for (const char* sink : {"files", "slow"}) {
    EXPECT_EQ(after.at(sink).at("state"), "retrying") << sink << ": given back to the queue";
    EXPECT_EQ(after.at(sink).at("attempts"), "0") << sink << ": the interrupted attempt is not counted";
    committed[sink] = items_done(after, sink);
    EXPECT_GT(committed[sink], 0u) << sink;
    EXPECT_LT(committed[sink], kItems) << sink;
    LedgerView v(daemon().ledger_path());
    const auto hist = v.query("SELECT outcome FROM attempts WHERE delivery_id = ?1 ORDER BY id", {after.at(sink).at("id")});
    ASSERT_EQ(hist.size(), 1u) << sink;
    EXPECT_EQ(hist[0].at("outcome"), "interrupted") << sink;
  }
  const auto before_calls = calls("slow");

  write_file(dir() + "/fast", "");
  fake_.set_delay(milliseconds(0));
  daemon().start();
  ASSERT_TRUE(reaches(run.run_id, "files", "done", seconds(30)));
  ASSERT_TRUE(reaches(run.run_id, "slow", "done", seconds(30)));
  EXPECT_TRUE(SameBytes(file_of("files", run), jsonl(fake_.items(run.dataset_id))));
  const auto all = calls("slow");
  ASSERT_GT(all.size(), before_calls.size());
  EXPECT_EQ(all[before_calls.size()].offset, committed["slow"]);
  std::string problem;
  EXPECT_EQ(duplicates(all, kItems, problem), 0u) << "a clean stop delivers nothing twice";
  EXPECT_EQ(problem, "");
}

// A sink call that outlasts shutdown_grace is cancelled; the delivery is given back, not
// retried against its budget (max_attempts: 1 would bury it) and not dead.
TEST_F(DeliveryTest, SigtermCancelsACallLongerThanTheGraceAndGivesTheDeliveryBack) {
  Conf s;
  s.delivery["max_attempts"] = "1";
  s.delivery["shutdown_grace"] = "500ms";
  s.test_sink("stuck", {{"delay_ms", "20000"}, {"marker", "{{DIR}}/unstuck"}}).route("ACTOR.RUN.SUCCEEDED", "stuck");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{100, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "stuck", "running"));
  std::this_thread::sleep_for(milliseconds(300));  // inside deliver() now
  const auto t0 = std::chrono::steady_clock::now();
  daemon().signal(SIGTERM);
  const auto code = daemon().wait_exit(scaled(seconds(4)));
  ASSERT_TRUE(code.has_value()) << "the stuck call was not cancelled";
  EXPECT_EQ(*code, 0);
  EXPECT_LE(elapsed_ms(t0), scaled(milliseconds(3500)).count());
  const auto row = deliveries(run.run_id)["stuck"];
  EXPECT_EQ(row.at("state"), "retrying") << row.at("last_error");
  EXPECT_EQ(row.at("attempts"), "0");
  write_file(dir() + "/unstuck", "");
  daemon().start();
  ASSERT_TRUE(reaches(run.run_id, "stuck", "done"));
}

// SIGTERM while the Apify client waits out a long Retry-After (30 s), once while reading the
// dataset and once while verifying the run (auth.verify_with_api): the waits are cancelled,
// the daemon exits 0 within the grace period, and both deliveries are given back without
// spending an attempt.
TEST_F(DeliveryTest, SigtermCancelsApifyRetryWaitsAndGivesTheDeliveriesBack) {
  Conf s;
  s.verify_with_api = true;
  s.delivery["max_attempts"] = "1";
  // Two sink instances (one call in flight each), one per actor.
  s.test_sink("rec").test_sink("rec2");
  s.route("ACTOR.RUN.SUCCEEDED", "rec", "fW4MyDhgwtMLrB987").route("ACTOR.RUN.SUCCEEDED", "rec2", "otherActor000001");
  start(s);
  const RunInfo reading = add_run();
  RunInfo verifying = new_run();
  verifying.actor_id = "otherActor000001";
  {
    FakeRun fr;
    fr.id = verifying.run_id;
    fr.act_id = verifying.actor_id;
    fr.default_dataset_id = verifying.dataset_id;
    fake_.add_run(fr);
  }
  fake_.add_generated_dataset(reading.dataset_id, GeneratedSpec{100, 100, 0, 0});
  fake_.add_generated_dataset(verifying.dataset_id, GeneratedSpec{100, 100, 0, 0});
  fake_.fail_next(1, 429, 30, "/v2/datasets/" + reading.dataset_id + "/items");
  fake_.fail_next(1, 429, 30, "/v2/actor-runs/" + verifying.run_id);
  post(reading);
  post(verifying);
  auto got_429 = [&](const std::string& prefix) {
    for (const auto& r : requests(prefix))
      if (r.status == 429) return true;
    return false;
  };
  ASSERT_TRUE(wait_until(
      [&] { return got_429("/v2/datasets/" + reading.dataset_id) && got_429("/v2/actor-runs/" + verifying.run_id); },
      seconds(10)));
  std::this_thread::sleep_for(milliseconds(200));
  const auto t0 = std::chrono::steady_clock::now();
  daemon().signal(SIGTERM);
  const auto code = daemon().wait_exit(scaled(seconds(2 + 3)));
  ASSERT_TRUE(code.has_value()) << "the Retry-After wait was not cancelled";
  EXPECT_EQ(*code, 0);
  EXPECT_LE(elapsed_ms(t0), scaled(milliseconds(5000)).count());
  EXPECT_TRUE(calls("rec").empty());
  EXPECT_TRUE(calls("rec2").empty());
  for (const RunInfo* r : std::vector<const RunInfo*>{&reading, &verifying}) {
    const auto d = deliveries(r->run_id);
    ASSERT_EQ(d.size(), 1u);
    const auto row = d.begin()->second;
    EXPECT_EQ(row.at("state"), "retrying") << r->run_id << ": " << row.at("last_error");
    EXPECT_EQ(row.at("attempts"), "0") << r->run_id;
    LedgerView v(daemon().ledger_path());
    const auto hist = v.query("SELECT outcome FROM attempts WHERE delivery_id = ?1 ORDER BY id", {row.at("id")});
    ASSERT_EQ(hist.size(), 1u) << r->run_id;
    EXPECT_EQ(hist[0].at("outcome"), "interrupted") << r->run_id;
  }
  daemon().start();
  ASSERT_TRUE(reaches(reading.run_id, "rec", "done"));
  ASSERT_TRUE(reaches(verifying.run_id, "rec2", "done"));
}

// The same with `clean`: raw offsets and delivered items differ; the resumed file is still
// exactly the clean items.
TEST_F(DeliveryTest, KillNineWithCleanResumesByteExact) {
  Conf s;
  s.page_size = 3000;
  s.file_sink("files", "    dataset:\n      clean: true\n").route("ACTOR.RUN.SUCCEEDED", "files");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{120000, 100, 7, 5});
  fake_.set_delay(milliseconds(40));
  post(run);
  const auto want = fake_.items(run.dataset_id, true);
  ASSERT_TRUE(wait_until(
      [&] {
        const auto d = deliveries(run.run_id);
        return d.size() == 1 && items_done(d, "files") >= 20000;
      },
      seconds(30)));
  daemon().kill9();
  const auto before = deliveries(run.run_id);
  ASSERT_LT(items_done(before, "files"), want.size()) << "finished before the kill: slow the fake down";
  EXPECT_LT(std::stoull(before.at("files").at("source_items")), items_done(before, "files") + 1);
  fake_.set_delay(milliseconds(0));
  daemon().start();
  ASSERT_TRUE(reaches(run.run_id, "files", "done", seconds(40)));
  EXPECT_TRUE(SameBytes(file_of("files", run), jsonl(want)));
  EXPECT_EQ(deliveries(run.run_id)["files"].at("items_done"), std::to_string(want.size()));
}

}  // namespace
}  // namespace sinkhub::dt
