// What only the PostgreSQL ledger has: daemons starting together migrate once, NOTIFY wakes
// other daemons' workers, a restarted server is survived without acknowledging what was not
// recorded, and the URL's password appears in no message. Against a real server.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "ledger/ledger.hpp"
#include "ledger/postgres_schema.hpp"
#include "observe/metrics.hpp"
#include "files.hpp"
#include "postgres.hpp"

namespace sinkhub::ledger {
namespace {

using testkit::Postgres;

IncomingEvent event(const std::string& run) {
  IncomingEvent in;
  in.event.event_type = "ACTOR.RUN.SUCCEEDED";
  in.event.run_id = run;
  in.event.actor_id = "actor";
  in.event.finished_at = "2026-12-01T00:00:00Z";
  in.dedup_key = in.event.dedup_key("");
  in.body = std::string("{\"runId\":\"") + run + "\",\"raw\":\"\xff\x00 bytes\"}";
  in.body += std::string(1, '\0');  // the body is kept byte for byte, NUL and invalid UTF-8 included
  in.headers_json = "{}";
  in.deliveries = {{"files", true}};
  return in;
}

config::LedgerConfig on(const std::string& url) {
  config::LedgerConfig cfg;
  cfg.url = url;
  cfg.pool = 2;
  return cfg;
}

TEST(PostgresLedger, DaemonsStartingTogetherMigrateOnce) {
  const auto cfg = on(Postgres::shared().create_database());
  std::vector<std::future<std::unique_ptr<Ledger>>> opening;
  for (int i = 0; i < 6; ++i) opening.push_back(std::async(std::launch::async, [&] { return open(cfg); }));
  for (auto& f : opening) EXPECT_NO_THROW(f.get()->close());
  EXPECT_EQ(Postgres::scalar(cfg.url, "SELECT COUNT(*) FROM schema_migrations"),
            static_cast<long long>(postgres_migrations().size()));
  EXPECT_EQ(Postgres::scalar(cfg.url, "SELECT COUNT(*) FROM information_schema.columns WHERE table_name='events' "
                                      "AND column_name='origin' AND column_default LIKE '%webhook%'"),
            1)
      << "events.origin ('webhook' | 'reconciled') is part of the schema";
}

TEST(PostgresLedger, TheBodyIsKeptByteForByte) {
  auto l = open(on(Postgres::shared().create_database()));
  const IncomingEvent in = event("bytes");
  ASSERT_EQ(l->record(in).kind, RecordOutcome::Kind::Accepted);
  EXPECT_EQ(l->events_for_run("bytes").at(0).body, in.body);
  EXPECT_EQ(l->claim("w", 60000, {"files"}, 1).at(0).event_body, in.body);
}

TEST(PostgresLedger, AnEventRecordedByOneDaemonWakesTheOthers) {
  const auto cfg = on(Postgres::shared().create_database());
  auto idle = open(cfg);
  auto busy = open(cfg);
  std::atomic<int> wakes{0};
  idle->on_new_work([&] { ++wakes; });
  ASSERT_EQ(busy->record(event("elsewhere")).kind, RecordOutcome::Kind::Accepted);
  for (int i = 0; i < 500 && wakes == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GT(wakes.load(), 0) << "NOTIFY reached the other daemon";
  const int after_record = wakes;
  EXPECT_EQ(busy->replay({std::nullopt, std::string("elsewhere"), std::nullopt, false}), 1);
  for (int i = 0; i < 500 && wakes == after_record; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GT(wakes.load(), after_record) << "a replay wakes the daemons too";
  idle->on_new_work(nullptr);
}

// What the writer's connection has sent so far (sinkhub_ledger_round_trips_total).
double writer_round_trips() {
  const std::string text = observe::Metrics::instance().prometheus_text();
  const std::string name = "sinkhub_ledger_round_trips_total{connection=\"writer\"} ";
  const auto at = text.find(name);
  return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size()));
}

struct Outcomes final : RecordReceiver {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::uint64_t, RecordOutcome> got;
  void complete(std::uint64_t token, RecordOutcome o, std::unique_ptr<IncomingEvent>) override {
    std::lock_guard<std::mutex> lk(mu);
    got[token] = std::move(o);
    cv.notify_all();
  }
  bool wait_for(std::size_t n) {
    std::unique_lock<std::mutex> lk(mu);
    return cv.wait_for(lk, std::chrono::seconds(30), [&] { return got.size() >= n; });
  }
};

// Group commit on PostgreSQL: a group of webhooks (new ones, ones recorded before, one twice)
// is one statement: one round trip from the writer (counted by its connection), one
// transaction on the server (every row it inserted has the same xmin), and the NOTIFY for the
// other daemons goes with that commit.
TEST(PostgresLedger, AGroupOfWebhooksIsOneRoundTripAndOneTransaction) {
  const auto cfg = on(Postgres::shared().create_database());
  auto l = open(cfg);
  auto other = open(cfg);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(l->record(event("before-" + std::to_string(i))).kind, RecordOutcome::Kind::Accepted);
  std::atomic<int> wakes{0};
  other->on_new_work([&] { ++wakes; });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the NOTIFYs of the records above
  wakes = 0;

  constexpr int kNew = 60;
  std::vector<AsyncRecord> group;
  for (int i = 0; i < kNew; ++i) group.push_back({std::make_unique<IncomingEvent>(event("g-" + std::to_string(i))), group.size()});
  for (int i = 0; i < 5; ++i) group.push_back({std::make_unique<IncomingEvent>(event("before-" + std::to_string(i))), group.size()});
  group.push_back({std::make_unique<IncomingEvent>(event("g-7")), group.size()});
  const std::size_t n = group.size();
  auto c = std::make_shared<Outcomes>();
  const double trips = writer_round_trips();
  ASSERT_GE(trips, 1) << "the writer's round trips are counted";
  l->record_async(std::move(group), c);  // queued together: one group
  ASSERT_TRUE(c->wait_for(n));

  EXPECT_EQ(writer_round_trips() - trips, 1) << "the whole group in one round trip";
  for (std::uint64_t t = 0; t < kNew; ++t) EXPECT_EQ(c->got[t].kind, RecordOutcome::Kind::Accepted) << t << c->got[t].error;
  for (std::uint64_t t = kNew; t < n; ++t) EXPECT_EQ(c->got[t].kind, RecordOutcome::Kind::Duplicate) << t;
  EXPECT_EQ(Postgres::scalar(cfg.url, "SELECT COUNT(DISTINCT xmin::text) FROM events WHERE run_id LIKE 'g-%'"), 1)
      << "one transaction";
  EXPECT_EQ(Postgres::scalar(cfg.url, "SELECT COUNT(DISTINCT d.xmin::text) FROM deliveries d JOIN events e ON "
                                      "e.id = d.event_id WHERE e.run_id LIKE 'g-%'"),
            1);
  EXPECT_EQ(Postgres::scalar(cfg.url, "SELECT COUNT(*) FROM deliveries d JOIN events e ON e.id = d.event_id "
                                      "WHERE e.run_id LIKE 'g-%'"),
            kNew);
  for (const int i : {0, 3, kNew - 1})
    EXPECT_EQ(l->events_for_run("g-" + std::to_string(i)).at(0).body, event("g-" + std::to_string(i)).body)
        << "each body byte for byte, cut from the one binary parameter";
  for (int i = 0; i < 500 && wakes == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GT(wakes.load(), 0) << "NOTIFY went with the group's commit";
  other->on_new_work(nullptr);
}

// The server goes away under a daemon: nothing is acknowledged that was not recorded, the
// readiness check says so, and once the server is back the ledger resumes by itself.
TEST(PostgresLedger, ARestartedServerIsSurvivedWithoutFalseAcknowledgements) {
  Postgres server;  // of its own: it is stopped
  const auto cfg = on(server.create_database());
  auto l = open(cfg);
  ASSERT_EQ(l->record(event("before")).kind, RecordOutcome::Kind::Accepted);
  server.stop();
  const auto down = l->record(event("while-down"));
  EXPECT_EQ(down.kind, RecordOutcome::Kind::Failed);
  EXPECT_EQ(down.error.find(Postgres::kPassword), std::string::npos) << down.error;
  EXPECT_FALSE(l->writable());
  EXPECT_THROW(l->claim("w", 60000, {"files"}, 1), std::runtime_error);
  server.start();
  RecordOutcome again;
  for (int i = 0; i < 100 && again.kind != RecordOutcome::Kind::Accepted; ++i) {
    again = l->record(event("after"));
    if (again.kind != RecordOutcome::Kind::Accepted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(again.kind, RecordOutcome::Kind::Accepted) << again.error;
  EXPECT_TRUE(l->writable());
  EXPECT_EQ(l->events_for_run("while-down").size(), 0u);
  EXPECT_EQ(Postgres::scalar(cfg.url, "SELECT COUNT(*) FROM events"), 2);
}

TEST(PostgresLedger, ErrorsNeverCarryThePassword) {
  const std::string good = Postgres::shared().url("postgres");
  for (const std::string& url :
       {testkit::replace_all(good, Postgres::kPassword, std::string("wrong-") + Postgres::kPassword),
        testkit::replace_all(good, ":" + std::to_string(Postgres::shared().port()) + "/", ":1/"),
        testkit::replace_all(good, "/postgres", "/no_such_database")}) {
    try {
      open(on(url));
      ADD_FAILURE() << "opened " << url;
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find(Postgres::kPassword), std::string::npos) << what;
      EXPECT_NE(what.find("postgresql://sinkhub:***@127.0.0.1"), std::string::npos) << what;
    }
  }
}

}  // namespace
}  // namespace sinkhub::ledger
