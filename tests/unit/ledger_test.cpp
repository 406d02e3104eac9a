// The ledger: one transaction per event and its deliveries, dedup by unique key, group commit.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <map>
#include <set>
#include <mutex>
#include <filesystem>
#include <thread>

#include "ledger/ledger.hpp"
#include "ledger/migrations.hpp"
#include "ledger/postgres_schema.hpp"
#include "ledger_backends.hpp"

namespace sinkhub::ledger {
namespace {

namespace fs = std::filesystem;

// Runs against both ledgers (ledger_backends.hpp): the same semantics, proven by one suite.
class LedgerTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { store_.create(GetParam(), current_test_name()); }
  void TearDown() override { store_.remove(); }

  static IncomingEvent event(const std::string& run, const std::string& finished = "2026-11-27T10:00:00Z",
                             std::vector<model::PlannedDelivery> deliveries = {{"files", true}}) {
    IncomingEvent in;
    in.event.event_type = "ACTOR.RUN.SUCCEEDED";
    in.event.run_id = run;
    in.event.actor_id = "actor";
    in.event.dataset_id = "ds-" + run;
    in.event.finished_at = finished;
    in.dedup_key = in.event.dedup_key("");
    in.body = R"({"runId":")" + run + R"("})";
    in.headers_json = "{}";
    in.deliveries = std::move(deliveries);
    return in;
  }

  std::unique_ptr<Ledger> open() { return store_.open(); }
  std::int64_t scalar(const std::string& sql) { return store_.scalar(sql); }

  LedgerStore store_;
};

INSTANTIATE_TEST_SUITE_P(ledger, LedgerTest, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

TEST_P(LedgerTest, RecordsTheEventWithItsPlannedDeliveries) {
  auto l = open();
  const auto out = l->record(event("r1", "t", {{"files", true}, {"slack", false}}));
  ASSERT_EQ(out.kind, RecordOutcome::Kind::Accepted) << out.error;
  EXPECT_GT(out.event_id, 0);
  l->close();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events WHERE run_id='r1' AND dataset_id='ds-r1'"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM deliveries WHERE event_id=" + std::to_string(out.event_id) +
                   " AND state='pending'"),
            2);
  EXPECT_EQ(scalar("SELECT CAST(with_items AS INTEGER) FROM deliveries WHERE sink='slack'"), 0);
  EXPECT_EQ(scalar("SELECT MAX(version) FROM schema_migrations"),
            (store_.postgres() ? postgres_migrations() : migrations()).back().version);
}

TEST_P(LedgerTest, SameKeyIsADuplicateAndPlansNothing) {
  auto l = open();
  EXPECT_EQ(l->record(event("r1")).kind, RecordOutcome::Kind::Accepted);
  EXPECT_EQ(l->record(event("r1")).kind, RecordOutcome::Kind::Duplicate);
  // A resurrected run finishes again: a new key, a new event.
  EXPECT_EQ(l->record(event("r1", "2026-11-28T10:00:00Z")).kind, RecordOutcome::Kind::Accepted);
  l->close();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events"), 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM deliveries"), 2);
}

TEST_P(LedgerTest, DedupSurvivesReopen) {
  open()->record(event("r1"));
  auto l = open();
  EXPECT_EQ(l->record(event("r1")).kind, RecordOutcome::Kind::Duplicate);
  EXPECT_TRUE(l->writable());
}

TEST_P(LedgerTest, ConcurrentCallersShareCommitsAndDedupExactlyOnce) {
  auto l = open();
  constexpr int kThreads = 16, kPerThread = 50;
  std::atomic<int> accepted{0}, duplicate{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Every thread also posts the shared run "same": exactly one may win.
        const auto a = l->record(event("t" + std::to_string(t) + "-" + std::to_string(i)));
        const auto b = l->record(event("same"));
        for (const auto& o : {a, b}) {
          if (o.kind == RecordOutcome::Kind::Accepted) ++accepted;
          if (o.kind == RecordOutcome::Kind::Duplicate) ++duplicate;
          if (o.kind == RecordOutcome::Kind::Failed) ++failed;
        }
      }
    });
  for (auto& th : threads) th.join();
  l->close();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(accepted.load(), kThreads * kPerThread + 1);
  EXPECT_EQ(duplicate.load(), kThreads * kPerThread - 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events"), kThreads * kPerThread + 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM deliveries"), kThreads * kPerThread + 1);
}

// Plugins know a delivery by its name (sink.h delivery_id). A ledger's ids start at 1 again
// after a reinstall, so the name carries the ledger's identity: another ledger never gives a
// plugin (its markers, its spools) a name it already saw.
TEST_P(LedgerTest, EachLedgerNamesItsDeliveriesApartAndKeepsItsNameAcrossReopen) {
  auto first = open();
  const std::string identity = first->identity();
  first->close();
  EXPECT_TRUE(std::all_of(identity.begin(), identity.end(), [](char c) { return std::isxdigit(c); })) << identity;
  EXPECT_EQ(identity.size(), 12u);
  EXPECT_EQ(open()->identity(), identity) << "a reopened ledger is the same ledger";
  EXPECT_EQ(delivery_name(identity, 17), "d17-" + identity);

  LedgerStore other;
  other.create(GetParam(), current_test_name() + "_other");
  const std::string other_identity = other.open()->identity();
  other.remove();
  EXPECT_NE(other_identity, identity);
  EXPECT_NE(delivery_name(other_identity, 1), delivery_name(identity, 1));
}

TEST_P(LedgerTest, ClosedLedgerRefusesWork) {
  auto l = open();
  l->close();
  EXPECT_EQ(l->record(event("r1")).kind, RecordOutcome::Kind::Failed);
  EXPECT_FALSE(l->writable());
}

// Collects record_async() outcomes as the listener's loops do.
struct Collector final : RecordReceiver {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::uint64_t, RecordOutcome> outcomes;
  int events_back = 0;
  int completes_since_flush = 0;
  std::vector<int> group_sizes;  // complete() calls before each flush()
  std::thread::id thread;

  void complete(std::uint64_t token, RecordOutcome o, std::unique_ptr<IncomingEvent> ev) override {
    std::lock_guard<std::mutex> lk(mu);
    EXPECT_EQ(outcomes.count(token), 0u) << "token " << token << " reported twice";
    outcomes[token] = std::move(o);
    events_back += ev != nullptr;
    ++completes_since_flush;
    thread = std::this_thread::get_id();
  }
  void flush() override {
    {
      std::lock_guard<std::mutex> lk(mu);
      group_sizes.push_back(completes_since_flush);
      completes_since_flush = 0;
    }
    cv.notify_all();
  }
  bool wait_for(std::size_t n) {
    std::unique_lock<std::mutex> lk(mu);
    return cv.wait_for(lk, std::chrono::seconds(10), [&] { return outcomes.size() >= n && completes_since_flush == 0; });
  }
};

TEST_P(LedgerTest, RecordAsyncReportsEveryOutcomeOnTheWriterAndFlushesOncePerGroup) {
  auto l = open();
  auto c = std::make_shared<Collector>();
  constexpr int kEvents = 200;
  for (int i = 0; i < kEvents; ++i)
    l->record_async(std::make_unique<IncomingEvent>(event("r" + std::to_string(i % 150))), c, static_cast<std::uint64_t>(i));
  ASSERT_TRUE(c->wait_for(kEvents));
  int accepted = 0, duplicate = 0;
  for (const auto& [token, o] : c->outcomes) {
    accepted += o.kind == RecordOutcome::Kind::Accepted;
    duplicate += o.kind == RecordOutcome::Kind::Duplicate;
  }
  EXPECT_EQ(accepted, 150);
  EXPECT_EQ(duplicate, 50);
  EXPECT_EQ(c->events_back, kEvents) << "every event is handed back for release";
  EXPECT_NE(c->thread, std::this_thread::get_id()) << "outcomes come from the writer thread";
  int total = 0;
  for (int g : c->group_sizes) {
    EXPECT_GT(g, 0) << "a flush only follows outcomes";
    total += g;
  }
  EXPECT_EQ(total, kEvents);
  EXPECT_LT(c->group_sizes.size(), static_cast<std::size_t>(kEvents)) << "queued events share commits and flushes";
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events"), 150);
}

TEST_P(LedgerTest, RecordAsyncOnAClosedLedgerFailsAtOnceOnTheCallingThread) {
  auto l = open();
  l->close();
  auto c = std::make_shared<Collector>();
  l->record_async(std::make_unique<IncomingEvent>(event("r1")), c, 7);
  ASSERT_EQ(c->outcomes.count(7), 1u) << "reported before record_async returned";
  EXPECT_EQ(c->outcomes[7].kind, RecordOutcome::Kind::Failed);
  EXPECT_EQ(c->thread, std::this_thread::get_id());
  EXPECT_EQ(c->group_sizes, std::vector<int>{1});
}

// The run lookup is a range over the dedup keys: run ids that share a prefix or contain the
// separator must not leak into each other's results.
TEST_P(LedgerTest, EventsForRunMatchesTheExactRunIdOnly) {
  auto l = open();
  for (const std::string run : {"abc", "abc|x", "ab", "abcd", "abc}"})
    ASSERT_EQ(l->record(event(run)).kind, RecordOutcome::Kind::Accepted) << run;
  for (const std::string run : {"abc", "abc|x", "ab", "abcd", "abc}"}) {
    const auto rows = l->events_for_run(run);
    ASSERT_EQ(rows.size(), 1u) << run;
    EXPECT_EQ(rows.front().event.run_id, run);
  }
  EXPECT_TRUE(l->events_for_run("").empty());
}

TEST_P(LedgerTest, ANewerSchemaIsNotTouched) {
  open()->close();
  store_.exec("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)");
  try {
    open();
    FAIL() << "opened a ledger with a newer schema";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("newer than this sinkhub understands"), std::string::npos) << e.what();
  }
}

TEST_P(LedgerTest, AFailedWriteIsNotAcknowledgedAndLeavesNothingBehind) {
  auto l = open();
  ASSERT_EQ(l->record(event("r1")).kind, RecordOutcome::Kind::Accepted);
  // A full disk is hard to stage in a unit test: break the schema under the writer instead,
  // so that its statements fail.
  if (store_.postgres())
    store_.exec("CREATE FUNCTION no_more() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk says "
                "no'; END $$; CREATE TRIGGER no_more BEFORE INSERT ON deliveries FOR EACH ROW EXECUTE FUNCTION no_more()");
  else
    store_.exec("CREATE TRIGGER no_more BEFORE INSERT ON deliveries BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
  const auto out = l->record(event("r2"));
  EXPECT_EQ(out.kind, RecordOutcome::Kind::Failed);
  EXPECT_NE(out.error.find("disk says no"), std::string::npos) << out.error;
  EXPECT_EQ(l->record(event("r3", "t", {})).kind, RecordOutcome::Kind::Accepted) << "the ledger goes on";
  l->close();
  // The event row of the failed batch was rolled back with its deliveries.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events WHERE run_id='r2'"), 0);
}

// Two daemons on one store (for SQLite: two processes on one file) receive the same webhooks
// at the same instant: each event is recorded once, both answer, nobody fails.
TEST_P(LedgerTest, TwoLedgersOnOneStoreRecordEachEventOnce) {
  auto a = open();
  auto b = open();
  constexpr int kEvents = 300;
  std::atomic<int> accepted{0}, duplicate{0}, failed{0};
  const auto post_all = [&](Ledger& l, bool reverse) {
    for (int i = 0; i < kEvents; ++i) {
      const auto o = l.record(event("shared-" + std::to_string(reverse ? kEvents - 1 - i : i)));
      accepted += o.kind == RecordOutcome::Kind::Accepted;
      duplicate += o.kind == RecordOutcome::Kind::Duplicate;
      failed += o.kind == RecordOutcome::Kind::Failed;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&, t] { post_all(t % 2 ? *a : *b, t >= 2); });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(accepted.load(), kEvents);
  EXPECT_EQ(duplicate.load(), 3 * kEvents);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events"), kEvents);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM deliveries"), kEvents);
}

// One group holds new webhooks, webhooks already recorded, the same webhook twice, and one
// the store refuses (its planned deliveries break a constraint): every webhook gets its own
// exact outcome, whether the group went in one statement (PostgreSQL) or in savepoints.
TEST_P(LedgerTest, EveryWebhookOfAGroupGetsItsOwnOutcomeAndARefusedOneFailsAlone) {
  auto l = open();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(l->record(event("old-" + std::to_string(i))).kind, RecordOutcome::Kind::Accepted);
  std::vector<AsyncRecord> group;
  const auto add = [&](IncomingEvent in) {
    group.push_back({std::make_unique<IncomingEvent>(std::move(in)), static_cast<std::uint64_t>(group.size())});
  };
  const auto fresh = [](int i) { return event("new-" + std::to_string(i), "t", {{"files", true}, {"slack", false}}); };
  for (int i = 0; i < 30; ++i) add(fresh(i));
  for (int i = 0; i < 5; ++i) add(event("old-" + std::to_string(i)));
  for (int i = 0; i < 5; ++i) add(fresh(i));  // twice in the same group
  add(event("refused", "t", {{"files", true}, {"files", false}}));             // deliveries (event, sink) unique
  add(event("bare", "t", {}));                                                   // no deliveries
  auto c = std::make_shared<Collector>();
  l->record_async(std::move(group), c);
  ASSERT_TRUE(c->wait_for(42));
  std::set<std::int64_t> ids;
  for (std::uint64_t t = 0; t < 30; ++t) {
    EXPECT_EQ(c->outcomes[t].kind, RecordOutcome::Kind::Accepted) << t << " " << c->outcomes[t].error;
    ids.insert(c->outcomes[t].event_id);
  }
  EXPECT_EQ(ids.size(), 30u) << "each new webhook its own event";
  for (std::uint64_t t = 30; t < 40; ++t) EXPECT_EQ(c->outcomes[t].kind, RecordOutcome::Kind::Duplicate) << t;
  EXPECT_EQ(c->outcomes[40].kind, RecordOutcome::Kind::Failed);
  EXPECT_NE(c->outcomes[40].error.find("deliveries"), std::string::npos) << c->outcomes[40].error;
  EXPECT_EQ(c->outcomes[41].kind, RecordOutcome::Kind::Accepted) << c->outcomes[41].error;
  l->close();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events WHERE run_id LIKE 'new-%'"), 30);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.run_id LIKE 'new-%'"), 60);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events WHERE run_id = 'refused'"), 0) << "nothing of it stays";
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events"), 5 + 30 + 1);
}

// Two daemons get the same big group at the same instant (each record_async call is one
// group): the unique key decides, each webhook is recorded once, nobody fails or deadlocks.
TEST_P(LedgerTest, TwoLedgersRecordingTheSameGroupAtOnceRecordEachWebhookOnce) {
  constexpr int kEvents = 400;
  auto a = open();
  auto b = open();
  const auto group = [&](bool reverse) {
    std::vector<AsyncRecord> g;
    for (int i = 0; i < kEvents; ++i)
      g.push_back({std::make_unique<IncomingEvent>(event("both-" + std::to_string(reverse ? kEvents - 1 - i : i))),
                   static_cast<std::uint64_t>(i)});
    return g;
  };
  auto ca = std::make_shared<Collector>(), cb = std::make_shared<Collector>();
  std::thread ta([&] { a->record_async(group(false), ca); });
  std::thread tb([&] { b->record_async(group(true), cb); });
  ta.join();
  tb.join();
  ASSERT_TRUE(ca->wait_for(kEvents));
  ASSERT_TRUE(cb->wait_for(kEvents));
  int accepted = 0, duplicate = 0;
  for (auto* c : {ca.get(), cb.get()})
    for (const auto& [token, o] : c->outcomes) {
      accepted += o.kind == RecordOutcome::Kind::Accepted;
      duplicate += o.kind == RecordOutcome::Kind::Duplicate;
      EXPECT_NE(o.kind, RecordOutcome::Kind::Failed) << o.error;
    }
  EXPECT_EQ(accepted, kEvents);
  EXPECT_EQ(duplicate, kEvents);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events"), kEvents);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM deliveries"), kEvents);
}

// How an event came is kept: a webhook, or reconciliation (which found a run whose webhook
// never came); the dedup key decides whatever the origin.
TEST_P(LedgerTest, TheOriginOfAnEventIsKeptAndDoesNotChangeDedup) {
  auto l = open();
  IncomingEvent found = event("found");
  found.origin = kOriginReconciled;
  ASSERT_EQ(l->record(found).kind, RecordOutcome::Kind::Accepted);
  ASSERT_EQ(l->record(event("posted")).kind, RecordOutcome::Kind::Accepted);
  EXPECT_EQ(l->record(event("found")).kind, RecordOutcome::Kind::Duplicate);
  ASSERT_EQ(l->events_for_run("found").size(), 1u);
  EXPECT_EQ(l->events_for_run("found").front().origin, kOriginReconciled);
  ASSERT_EQ(l->events_for_run("posted").size(), 1u);
  EXPECT_EQ(l->events_for_run("posted").front().origin, kOriginWebhook);
}

// SQLite's own history and its file: PostgreSQL ledgers start at their own schema 1.
class SqliteLedgerTest : public LedgerTest {
 protected:
  void SetUp() override { store_.create(Backend::Sqlite, current_test_name()); }

  // A ledger as a sinkhub of schema `version` left it, with `rows` (SQL) in it.
  void write_old_ledger(int version, const std::string& rows) {
    fs::create_directories(fs::path(store_.cfg.path).parent_path());
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(store_.cfg.path.c_str(), &db), SQLITE_OK);
    std::string sql =
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
        "applied_at INTEGER NOT NULL);";
    for (const auto& m : migrations())
      if (m.version <= version)
        sql += std::string(m.sql) + "INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 'v', 0);";
    sql += rows;
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << (err ? err : "");
  }
};

// A ledger written by a version-2 sinkhub (dedup keys "type|run|finishedAt", a run-id index)
// opens with its keys rewritten: Apify's retries of old events stay duplicates, a run's
// events are still found, and the second index is gone.
TEST_F(SqliteLedgerTest, Version2KeysAreRewrittenAndStillDeduplicate) {
  const auto old_event = [](const std::string& key, const std::string& type, const std::string& run) {
    return "INSERT INTO events (dedup_key, event_type, run_id, actor_id, task_id, dataset_id, status, finished_at, "
           "dispatch_id, headers, body, received_at) VALUES ('" + key + "', '" + type + "', '" + run +
           "', 'actor', '', 'ds', 'SUCCEEDED', 't', '', '{}', '{}', 0);";
  };
  write_old_ledger(2, old_event("ACTOR.RUN.SUCCEEDED|r1|t", "ACTOR.RUN.SUCCEEDED", "r1") +
                          old_event("TEST|dispatch-1|t", "TEST", ""));
  if (HasFatalFailure()) return;

  auto l = open();
  EXPECT_EQ(l->record(event("r1", "t")).kind, RecordOutcome::Kind::Duplicate);
  IncomingEvent test = event("", "t", {});
  test.event.event_type = "TEST";
  test.dedup_key = test.event.dedup_key("dispatch-1");
  EXPECT_EQ(l->record(test).kind, RecordOutcome::Kind::Duplicate);
  ASSERT_EQ(l->events_for_run("r1").size(), 1u);
  EXPECT_EQ(l->events_for_run("r").size(), 0u) << "a prefix of a run id is another run";
  l->close();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events WHERE dedup_key='r1|ACTOR.RUN.SUCCEEDED|t'"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events WHERE dedup_key='|TEST|dispatch-1|t'"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM sqlite_master WHERE name='events_by_run'"), 0);
  EXPECT_EQ(scalar("SELECT MAX(version) FROM schema_migrations"), migrations().back().version);
}

// Version 6 adds events.origin: every event an older sinkhub recorded came by webhook.
TEST_F(SqliteLedgerTest, OlderEventsBecomeWebhookOriginAndReconciledOnesKeepTheirs) {
  write_old_ledger(5,
                   "INSERT INTO events (dedup_key, event_type, run_id, actor_id, task_id, dataset_id, status, "
                   "finished_at, dispatch_id, headers, body, received_at) VALUES ('old|ACTOR.RUN.SUCCEEDED|t', "
                   "'ACTOR.RUN.SUCCEEDED', 'old', 'actor', '', 'ds', 'SUCCEEDED', 't', 'd1', '{}', '{}', 0);");
  if (HasFatalFailure()) return;

  auto l = open();
  ASSERT_EQ(l->events_for_run("old").size(), 1u);
  EXPECT_EQ(l->events_for_run("old").front().origin, kOriginWebhook);
  IncomingEvent found = event("found");
  found.origin = kOriginReconciled;
  ASSERT_EQ(l->record(found).kind, RecordOutcome::Kind::Accepted);
  ASSERT_EQ(l->events_for_run("found").size(), 1u);
  EXPECT_EQ(l->events_for_run("found").front().origin, kOriginReconciled);
  // The unique key decides whatever the origin: the webhook of a reconciled run is a duplicate.
  EXPECT_EQ(l->record(event("found")).kind, RecordOutcome::Kind::Duplicate);
  l->close();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events WHERE origin='webhook'"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events WHERE origin='reconciled'"), 1);
  EXPECT_EQ(scalar("SELECT MAX(version) FROM schema_migrations"), migrations().back().version);
}

// A ledger upgraded with deliveries in flight keeps their names ("d<id>"): the plugins' spools
// and markers of those deliveries are found again. One whose work is all done gets an identity.
TEST_F(SqliteLedgerTest, AnUpgradedLedgerWithUnfinishedDeliveriesKeepsTheOldNames) {
  const std::string event_row =
      "INSERT INTO events (id, dedup_key, event_type, run_id, actor_id, task_id, dataset_id, status, finished_at, "
      "dispatch_id, headers, body, received_at) VALUES (1, 'r|ACTOR.RUN.SUCCEEDED|t', 'ACTOR.RUN.SUCCEEDED', 'r', "
      "'actor', '', 'ds', 'SUCCEEDED', 't', '', '{}', '{}', 0);";
  const auto delivery_row = [](const std::string& sink, const std::string& state) {
    return "INSERT INTO deliveries (event_id, sink, with_items, state, next_attempt_at, created_at, updated_at) "
           "VALUES (1, '" + sink + "', 1, '" + state + "', 0, 0, 0);";
  };
  write_old_ledger(8, event_row + delivery_row("files", "done") + delivery_row("chat", "retrying"));
  if (HasFatalFailure()) return;
  EXPECT_EQ(open()->identity(), "");
  EXPECT_EQ(delivery_name("", 2), "d2");

  store_.remove();
  write_old_ledger(8, event_row + delivery_row("files", "done") + delivery_row("chat", "done"));
  if (HasFatalFailure()) return;
  EXPECT_EQ(open()->identity().size(), 12u);
}

TEST_F(SqliteLedgerTest, UnusablePathIsAClearError) {
  store_.cfg.path = "/proc/sinkhub-cannot-exist/x.db";
  try {
    open_sqlite(store_.cfg);
    FAIL() << "opened an impossible path";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open ledger"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sinkhub::ledger
