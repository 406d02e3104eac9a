// ledger.retention on both ledgers: finished deliveries past their age go with their history,
// events keep their dedup key at least dedup_keys and as long as any delivery of theirs is left,
// nothing unfinished is touched, and every prune transaction stays within its batch.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "ledger/ledger.hpp"
#include "ledger/pruner.hpp"
#include "ledger_backends.hpp"
#include "util/clock.hpp"

namespace sinkhub::ledger {
namespace {

constexpr std::int64_t kDay = 24LL * 3600 * 1000;

class RetentionLedger : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    store_.create(GetParam(), "r-" + current_test_name());
    l_ = store_.open();
  }
  void TearDown() override {
    l_.reset();
    store_.remove();
  }

  static IncomingEvent event(const std::string& run, std::vector<model::PlannedDelivery> d) {
    IncomingEvent in;
    in.event.event_type = "ACTOR.RUN.SUCCEEDED";
    in.event.run_id = run;
    in.event.dataset_id = "ds-" + run;
    in.event.actor_id = "actor";
    in.event.finished_at = "2026-01-01T00:00:00Z";
    in.dedup_key = in.event.dedup_key("");
    in.body = "{\"runId\":\"" + run + "\",\"pad\":\"" + std::string(200, 'x') + "\"}";
    in.headers_json = "{}";
    in.deliveries = std::move(d);
    return in;
  }
  RecordOutcome::Kind record(const std::string& run, std::vector<model::PlannedDelivery> d = {{"files", true}}) {
    return l_->record(event(run, std::move(d))).kind;
  }

  // Claims every due delivery of `sink` and ends it in `state` after `attempts` attempts (the
  // earlier ones retried, due again at once).
  void finish_all(const std::string& sink, DeliveryState state, int attempts = 1) {
    for (int a = 1; a <= attempts; ++a) {
      for (const auto& c : l_->claim("w", 60000, {sink}, 1000)) {
        const bool last = a == attempts;
        const Finish how{last ? state : DeliveryState::Retrying, 0, true, last ? "" : "busy"};
        ASSERT_TRUE(l_->finish(c.id, "w", how, {1, 2, last ? AttemptOutcome::Ok : AttemptOutcome::Retry, 0, "m", 200}));
      }
    }
  }

  // The event of `run` arrived, and its finished deliveries finished, `days` ago.
  void age(const std::string& run, double days) {
    const std::string at = std::to_string(util::unix_ms() - static_cast<std::int64_t>(days * kDay));
    store_.exec("UPDATE deliveries SET next_attempt_at = " + at + ", created_at = " + at +
                " WHERE state IN ('done', 'dead') AND event_id IN (SELECT id FROM events WHERE run_id = '" + run + "')");
    store_.exec("UPDATE events SET received_at = " + at + " WHERE run_id = '" + run + "'");
  }

  static PrunePlan plan(double done_days, double dead_days, double key_days, int limit = 256) {
    const std::int64_t now = util::unix_ms();
    const auto before = [now](double days) { return days > 0 ? now - static_cast<std::int64_t>(days * kDay) : 0; };
    PrunePlan p;
    p.done_before = before(done_days);
    p.dead_before = before(dead_days);
    p.keys_before = before(key_days);
    p.idle_before = p.done_before;
    p.limit = limit;
    return p;
  }

  // prune() until it finds nothing, every call within the plan's limit; the sums.
  PruneResult prune_all(PrunePlan p, int* calls = nullptr) {
    PruneResult sum;
    for (int n = 1;; ++n) {
      const PruneResult r = l_->prune(p);
      EXPECT_LE(r.attempts, p.limit);
      EXPECT_LE(r.deliveries, p.limit);
      EXPECT_LE(r.events + r.bodies, p.limit) << "events deleted and emptied in one call";
      sum.attempts += r.attempts;
      sum.deliveries += r.deliveries;
      sum.events += r.events;
      sum.bodies += r.bodies;
      p.walked_to = sum.walked_to = r.walked_to;
      if (calls) *calls = n;
      if (!r.more || n > 100000) return sum;
    }
  }

  std::int64_t count(const std::string& sql) { return store_.scalar(sql); }
  std::int64_t deliveries_of(const std::string& run) {
    return count("SELECT COUNT(*) FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.run_id = '" + run + "'");
  }
  std::int64_t attempts_of(const std::string& run) {
    return count("SELECT COUNT(*) FROM attempts a JOIN deliveries d ON d.id = a.delivery_id JOIN events e ON "
                 "e.id = d.event_id WHERE e.run_id = '" + run + "'");
  }
  bool has_event(const std::string& run) { return !l_->events_for_run(run).empty(); }

  LedgerStore store_;
  std::unique_ptr<Ledger> l_;
};

INSTANTIATE_TEST_SUITE_P(ledger, RetentionLedger, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

TEST_P(RetentionLedger, FinishedDeliveriesPastTheirAgeGoWithTheirHistoryAndNothingElse) {
  for (const char* run : {"old-done", "new-done"}) record(run, {{"files", true}});
  for (const char* run : {"old-dead", "older-dead"}) record(run, {{"slack", false}});
  finish_all("files", DeliveryState::Done, 3);
  finish_all("slack", DeliveryState::Dead, 2);
  record("old-pending", {{"pending-sink", true}});
  record("old-retrying", {{"retry-sink", true}});
  record("old-running", {{"run-sink", true}});
  for (const auto& c : l_->claim("w", 60000, {"retry-sink"}, 10))
    ASSERT_TRUE(l_->finish(c.id, "w", {DeliveryState::Retrying, util::unix_ms() + kDay, true, "later"},
                           {1, 2, AttemptOutcome::Retry, 0, "busy", 503}));
  ASSERT_EQ(l_->claim("w", 600000, {"run-sink"}, 10).size(), 1u);
  age("old-done", 40);
  age("new-done", 10);
  age("old-dead", 60);
  age("older-dead", 100);
  for (const char* run : {"old-pending", "old-retrying", "old-running"}) age(run, 400);

  const PruneResult sum = prune_all(plan(30, 90, 14));
  EXPECT_EQ(sum.deliveries, 2);
  EXPECT_EQ(sum.attempts, 3 + 2);
  EXPECT_EQ(sum.events, 2) << "past dedup_keys too: the rows go";
  EXPECT_FALSE(has_event("old-done"));
  EXPECT_FALSE(has_event("older-dead"));
  EXPECT_EQ(deliveries_of("new-done"), 1);
  EXPECT_EQ(attempts_of("new-done"), 3);
  EXPECT_EQ(deliveries_of("old-dead"), 1) << "dead ones are kept longer";
  EXPECT_EQ(attempts_of("old-dead"), 2);
  for (const char* run : {"old-pending", "old-retrying", "old-running"}) {
    EXPECT_EQ(deliveries_of(run), 1) << run << ": unfinished, however old";
    ASSERT_TRUE(has_event(run)) << run;
    EXPECT_EQ(l_->events_for_run(run).at(0).pruned_at, 0) << run;
    EXPECT_NE(l_->events_for_run(run).at(0).body, "") << run;
  }
  EXPECT_EQ(attempts_of("old-retrying"), 1);
  // Nothing more is due: a second pass finds nothing.
  const PruneResult again = prune_all(plan(30, 90, 14));
  EXPECT_EQ(again.deliveries + again.attempts + again.events + again.bodies, 0);
}

// "a duplicate webhook within dedup_keys is still a duplicate after a prune"
TEST_P(RetentionLedger, AnEventKeepsItsDedupKeyAfterItsDeliveriesGo) {
  ASSERT_EQ(record("kept"), RecordOutcome::Kind::Accepted);
  ASSERT_EQ(record("half", {{"files", true}, {"slow", true}}), RecordOutcome::Kind::Accepted);
  finish_all("files", DeliveryState::Done);
  age("kept", 10);
  age("half", 10);
  const PruneResult sum = prune_all(plan(1, 1, 14));
  EXPECT_EQ(sum.deliveries, 2);
  EXPECT_EQ(sum.events, 0);
  EXPECT_EQ(sum.bodies, 1);
  EXPECT_EQ(deliveries_of("kept"), 0);
  ASSERT_TRUE(has_event("kept"));
  const EventRow kept = l_->events_for_run("kept").at(0);
  EXPECT_GT(kept.pruned_at, 0);
  EXPECT_EQ(kept.body, "") << "the body went with the deliveries";
  EXPECT_EQ(record("kept"), RecordOutcome::Kind::Duplicate) << "Apify's retry is still a duplicate";
  // An event with a delivery left keeps all of itself.
  EXPECT_EQ(deliveries_of("half"), 1);
  EXPECT_EQ(l_->events_for_run("half").at(0).pruned_at, 0);
  EXPECT_NE(l_->events_for_run("half").at(0).body, "");

  // Past dedup_keys the row goes; the same webhook is new work again.
  age("kept", 20);
  EXPECT_EQ(prune_all(plan(1, 1, 14)).events, 1);
  EXPECT_FALSE(has_event("kept"));
  EXPECT_EQ(record("kept"), RecordOutcome::Kind::Accepted);
  EXPECT_TRUE(has_event("half"));
}

TEST_P(RetentionLedger, EventsThatPlannedNoDeliveryAreFinishedWhenTheyArrive) {
  ASSERT_EQ(record("idle-old", {}), RecordOutcome::Kind::Accepted);
  record("busy");  // an event with a pending delivery between them does not stop the walk
  ASSERT_EQ(record("idle-mid", {}), RecordOutcome::Kind::Accepted);
  ASSERT_EQ(record("idle-new", {}), RecordOutcome::Kind::Accepted);
  age("idle-old", 40);
  age("busy", 40);
  age("idle-mid", 10);
  age("idle-new", 1);
  EXPECT_EQ(prune_all(plan(0, 0, 14)).bodies, 0) << "done: 0 keeps them all";
  const PruneResult sum = prune_all(plan(7, 90, 14));
  EXPECT_EQ(sum.events, 1);
  EXPECT_EQ(sum.bodies, 1);
  EXPECT_FALSE(has_event("idle-old"));
  ASSERT_TRUE(has_event("idle-mid"));
  EXPECT_GT(l_->events_for_run("idle-mid").at(0).pruned_at, 0);
  EXPECT_EQ(record("idle-mid", {}), RecordOutcome::Kind::Duplicate);
  EXPECT_EQ(l_->events_for_run("idle-new").at(0).pruned_at, 0);
  EXPECT_EQ(deliveries_of("busy"), 1);
  EXPECT_GT(sum.walked_to, 0);
}

// Pruning a large backlog never takes more than `limit` rows of a table in one transaction:
// webhooks wait for one small batch at most.
TEST_P(RetentionLedger, EveryPruneTransactionStaysWithinItsBatch) {
  constexpr int kEvents = 60, kLimit = 25;
  for (int i = 0; i < kEvents; ++i) {
    record("b" + std::to_string(i), {{"files", true}, {"slack", false}});
    record("idle" + std::to_string(i), {});
  }
  finish_all("files", DeliveryState::Done, 3);
  finish_all("slack", DeliveryState::Dead, 1);
  store_.exec("UPDATE deliveries SET next_attempt_at = 1000, created_at = 1000");
  store_.exec("UPDATE events SET received_at = 1000");
  int calls = 0;
  const PruneResult sum = prune_all(plan(30, 30, 14, kLimit), &calls);
  EXPECT_EQ(sum.attempts, kEvents * 4);
  EXPECT_EQ(sum.deliveries, kEvents * 2);
  EXPECT_EQ(sum.events, kEvents * 2);
  EXPECT_GE(calls, kEvents * 4 / kLimit) << "the backlog took many small transactions";
  EXPECT_EQ(count("SELECT COUNT(*) FROM events"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM attempts"), 0);
}

// The daemon's pruner: one pass in bounded batches while webhooks keep arriving; every one is
// recorded, and retries of pruned deliveries' events stay duplicates.
TEST_P(RetentionLedger, ThePrunerPassesInSmallBatchesBesideIngest) {
  constexpr int kOld = 150;
  for (int i = 0; i < kOld; ++i) record("old" + std::to_string(i));
  finish_all("files", DeliveryState::Done, 2);
  store_.exec("UPDATE deliveries SET next_attempt_at = " + std::to_string(util::unix_ms() - 40 * kDay));
  store_.exec("UPDATE events SET received_at = " + std::to_string(util::unix_ms() - 10 * kDay));
  config::RetentionConfig retention;  // done 30d, dedup_keys 14d: deliveries go, keys stay
  PrunerOptions options;
  options.batch = 16;
  options.min_pause = std::chrono::milliseconds(1);
  Pruner pruner(*l_, retention, options);
  std::atomic<int> failed{0}, accepted{0};
  std::thread ingest([&] {
    for (int i = 0; i < 200; ++i) {
      const auto k = record("new" + std::to_string(i));
      failed += k == RecordOutcome::Kind::Failed;
      accepted += k == RecordOutcome::Kind::Accepted;
    }
  });
  const PassReport pass = pruner.run_pass();
  ingest.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(accepted.load(), 200);
  EXPECT_EQ(pass.deliveries, kOld);
  EXPECT_EQ(pass.attempts, 2 * kOld);
  EXPECT_EQ(pass.bodies, kOld);
  EXPECT_LE(pass.largest, options.batch) << "no transaction removed more than one batch of a table";
  EXPECT_GE(pass.transactions, 2 * kOld / options.batch);
  EXPECT_FALSE(pass.stopped);
  EXPECT_EQ(record("old7"), RecordOutcome::Kind::Duplicate);
  EXPECT_EQ(count("SELECT COUNT(*) FROM deliveries"), 200);
}

// Several daemons on one store each run a pruner: every row goes once, nobody fails.
TEST_P(RetentionLedger, TwoLedgersPruningOneStoreAtOnceDeleteEachRowOnce) {
  constexpr int kEvents = 120;
  for (int i = 0; i < kEvents; ++i) record("t" + std::to_string(i));
  finish_all("files", DeliveryState::Done, 2);
  store_.exec("UPDATE deliveries SET next_attempt_at = 1000");
  store_.exec("UPDATE events SET received_at = 1000");
  auto other = store_.open();
  std::atomic<std::int64_t> deliveries{0}, attempts{0}, events{0};
  std::atomic<int> errors{0};
  const auto prune_with = [&](Ledger& l) {
    PrunePlan p = plan(30, 30, 14, 10);
    try {
      for (PruneResult r = l.prune(p);; r = l.prune(p)) {
        deliveries += r.deliveries;
        attempts += r.attempts;
        events += r.events;
        p.walked_to = r.walked_to;
        if (!r.more) break;
      }
    } catch (const std::exception& e) {
      ++errors;
      ADD_FAILURE() << e.what();
    }
  };
  std::thread a([&] { prune_with(*l_); });
  std::thread b([&] { prune_with(*other); });
  a.join();
  b.join();
  prune_with(*l_);  // whatever the other's busy turn left
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(deliveries.load(), kEvents);
  EXPECT_EQ(attempts.load(), 2 * kEvents);
  EXPECT_EQ(events.load(), kEvents);
  EXPECT_EQ(count("SELECT COUNT(*) FROM events"), 0);
}

TEST_P(RetentionLedger, StatusShowsTheStoreSizeAndTheOldestEvent) {
  Status st = l_->status();
  EXPECT_GT(st.store_bytes, 0);
  EXPECT_EQ(st.oldest_event_at, 0) << "no event yet";
  EXPECT_FALSE(st.space_reuse.empty());
  record("first");
  record("second");
  age("first", 3);
  st = l_->status();
  const std::int64_t first = count("SELECT received_at FROM events WHERE run_id = 'first'");
  EXPECT_EQ(st.oldest_event_at, first);
  EXPECT_NEAR(static_cast<double>(util::unix_ms() - st.oldest_event_at), 3.0 * kDay, 60000.0);
}

// SQLite gives pruned space back: a new ledger by itself (auto_vacuum=incremental), an older
// one after `sinkhub ledger vacuum` (until then its free pages are reused in place).
class SqliteSpace : public ::testing::Test {
 protected:
  void SetUp() override { store_.create(Backend::Sqlite, "space-" + current_test_name()); }
  void TearDown() override { store_.remove(); }

  // `n` events with 8 KiB bodies, received and finished 40 days ago, then pruned.
  void fill_and_prune(Ledger& l, int n) {
    for (int i = 0; i < n; ++i) {
      IncomingEvent in;
      in.event.event_type = "ACTOR.RUN.SUCCEEDED";
      in.event.run_id = "r" + std::to_string(i);
      in.dedup_key = in.event.dedup_key("");
      in.body = std::string(8192, 'b');
      in.headers_json = "{}";
      ASSERT_EQ(l.record(in).kind, RecordOutcome::Kind::Accepted);
    }
    store_.exec("UPDATE events SET received_at = 1000");
    PrunePlan p;
    p.done_before = p.idle_before = p.keys_before = util::unix_ms() - 30 * kDay;
    for (PruneResult r = l.prune(p); r.more; r = l.prune(p)) p.walked_to = r.walked_to;
    ASSERT_EQ(store_.scalar("SELECT COUNT(*) FROM events"), 0);
  }
  std::int64_t file_bytes() { return static_cast<std::int64_t>(std::filesystem::file_size(store_.cfg.path)); }

  LedgerStore store_;
};

TEST_F(SqliteSpace, ANewLedgerGivesPrunedPagesBackToTheFilesystem) {
  auto l = store_.open();
  EXPECT_EQ(store_.scalar("PRAGMA auto_vacuum"), 2) << "incremental, set before the first table";
  fill_and_prune(*l, 400);
  const Status before = l->status();
  EXPECT_GT(before.free_bytes, 400 * 8192 / 2) << "the pruned bodies' pages are free";
  EXPECT_NE(before.space_reuse.find("auto_vacuum=incremental"), std::string::npos) << before.space_reuse;
  std::int64_t released = 0;
  for (std::int64_t n = 1; n > 0;) released += n = l->release_space(64);  // bounded steps
  EXPECT_GT(released, 400 * 8192 / 4096 / 2);
  EXPECT_LT(l->status().free_bytes, before.free_bytes);
  l->close();
  l.reset();
  store_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  EXPECT_LT(file_bytes(), 400 * 8192 / 2) << "the file shrank";
}

TEST_F(SqliteSpace, AnOlderLedgerReusesItsPagesUntilVacuumedOnce) {
  store_.open()->close();
  store_.exec("PRAGMA auto_vacuum=NONE; VACUUM;");  // as a sinkhub before retention made it
  ASSERT_EQ(store_.scalar("PRAGMA auto_vacuum"), 0);
  {
    auto l = store_.open();
    fill_and_prune(*l, 300);
    EXPECT_EQ(l->release_space(1000), 0) << "cannot give pages back without auto_vacuum";
    EXPECT_NE(l->status().space_reuse.find("sinkhub ledger vacuum"), std::string::npos);
    l->close();
  }
  store_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const std::int64_t big = file_bytes();
  std::vector<std::string> said;
  vacuum(store_.cfg, [&](const std::string& line) { said.push_back(line); });
  EXPECT_EQ(store_.scalar("PRAGMA auto_vacuum"), 2);
  EXPECT_LT(file_bytes(), big / 2);
  ASSERT_EQ(said.size(), 2u);
  EXPECT_NE(said[1].find("auto_vacuum=incremental"), std::string::npos) << said[1];
  // Reused from now on, and a missing ledger is a clear error.
  auto l = store_.open();
  EXPECT_NE(l->status().space_reuse.find("auto_vacuum=incremental"), std::string::npos);
  config::LedgerConfig none;
  none.path = store_.cfg.path + ".missing";
  EXPECT_THROW(vacuum(none, [](const std::string&) {}), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(none.path)) << "vacuum never creates a ledger";
}

}  // namespace
}  // namespace sinkhub::ledger
