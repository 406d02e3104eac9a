// Several daemons on one PostgreSQL ledger (ledger.url), end to end: the real binaries, a
// real PostgreSQL started by the test (testkit::Postgres), the fake Apify API, the real file
// sink and the scriptable test sinks. Each webhook recorded once whichever daemons receive it,
// each delivery done once, a daemon killed with -9 mid-delivery taken over by another, and
// PostgreSQL restarted under load without one 200 for an unrecorded event.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>

#include <sqlite3.h>

#include "delivery_fixture.hpp"
#ifdef S3RVER_DIR
#include "s3_harness.hpp"
#endif

namespace sinkhub::dt {
namespace {

constexpr const char* kPasswordVar = "SINKHUB_TEST_PG_PASSWORD";

// An empty SQLite ledger file, as a daemon leaves it after its first start.
void config_free_sqlite_ledger(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_close(db);
}

// N daemons sharing one fresh database, the password given through ${env:}.
class ScaleOut : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& d : daemons_) {
      if (d->running()) {
        EXPECT_EQ(d->stop(scaled(seconds(20))), 0) << "did not stop cleanly:\n" << d->log();
      }
      if (HasFailure()) std::cerr << "---- daemon " << d->port() << " ----\n" << d->log() << "---- end ----\n";
      EXPECT_EQ(d->log().find(Postgres::kPassword), std::string::npos) << "the database password was logged";
    }
  }

  void start(int n, Conf conf, const std::string& database_url) {
    url_ = database_url;
    std::string yaml = render(conf, fake_.base_url());
    const std::string with_env = replace_all(url_, Postgres::kPassword, std::string("${env:") + kPasswordVar + "}");
    yaml = replace_all(yaml, "  path: \"{{DIR}}/ledger.db\"\n  synchronous: normal\n",
                       "  url: \"" + with_env + "\"\n  pool: 4\n");
    // Each daemon keeps its sinks' local files in a directory of its own, as on its own host.
    yaml = replace_all(yaml, "plugins:\n  dirs:", "plugins:\n  data_dir: \"{{DIR}}/sinks\"\n  dirs:");
    for (int i = 0; i < n; ++i) {
      Daemon::Options opts;
      opts.env[kPasswordVar] = Postgres::kPassword;
      daemons_.push_back(std::make_unique<Daemon>(yaml, opts));
      daemons_.back()->start();
    }
  }
  std::vector<std::string> sql(const std::string& q) { return Postgres::query(url_, q); }
  long long scalar(const std::string& q) { return Postgres::scalar(url_, q); }
  bool all_done(long long expected) {
    return scalar("SELECT COUNT(*) FROM deliveries WHERE state='done'") == expected;
  }
  RunInfo add_run() {
    RunInfo r = new_run("ACTOR.RUN.SUCCEEDED");
    FakeRun fr;
    fr.id = r.run_id;
    fr.act_id = r.actor_id;
    fr.status = r.status;
    fr.default_dataset_id = r.dataset_id;
    fake_.add_run(fr);
    return r;
  }

  FakeApify fake_;
  std::string url_;
  std::vector<std::unique_ptr<Daemon>> daemons_;
};

TEST_F(ScaleOut, ThreeDaemonsReceiveTheSameWebhooksEachRecordedAndDeliveredOnce) {
  constexpr int kEvents = 10000, kThreads = 6;
  Conf conf;
  conf.test_sink("rec", {}, {}, "delivery-test-noitems").route("ACTOR.RUN.SUCCEEDED", "rec");
  conf.delivery["workers"] = "4";
  start(3, conf, Postgres::shared().create_database());

  // Every webhook goes to all three daemons, the 30,000 posts in random order.
  std::vector<std::string> payloads;
  for (int i = 0; i < kEvents; ++i) payloads.push_back(default_payload(new_run()));
  std::vector<std::pair<int, int>> posts;  // (event, daemon)
  for (int i = 0; i < kEvents; ++i)
    for (int d = 0; d < 3; ++d) posts.emplace_back(i, d);
  std::shuffle(posts.begin(), posts.end(), std::mt19937(20261203));
  std::atomic<std::size_t> next{0};
  std::atomic<int> accepted{0}, duplicate{0}, other{0};
  std::mutex mu;
  std::string first_problem;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (std::size_t k; (k = next++) < posts.size();) {
        const auto r = daemons_[posts[k].second]->post_webhook(payloads[posts[k].first]);
        const std::string status = r.status == 200 ? r.json_string("status") : "";
        if (status == "accepted") ++accepted;
        else if (status == "duplicate") ++duplicate;
        else if (++other == 1) {
          std::lock_guard<std::mutex> lk(mu);
          first_problem = std::to_string(r.status) + " " + r.body;
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(other.load(), 0) << first_problem;
  EXPECT_EQ(accepted.load(), kEvents) << "each event accepted once, by one of the daemons";
  EXPECT_EQ(duplicate.load(), 2 * kEvents);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events"), kEvents);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM deliveries"), kEvents);

  ASSERT_TRUE(wait_until([&] { return all_done(kEvents); }, seconds(240)))
      << scalar("SELECT COUNT(*) FROM deliveries WHERE state='done'") << " of " << kEvents << " done";
  std::map<std::string, int> calls_of;
  std::set<int> daemons_that_delivered;
  for (int d = 0; d < 3; ++d)
    for (const auto& c : parse_calls(read_file(daemons_[d]->dir() + "/rec.log"))) {
      ++calls_of[c.id];
      daemons_that_delivered.insert(d);
      EXPECT_EQ(c.rc, SINKHUB_OK) << c.id;
    }
  EXPECT_EQ(calls_of.size(), static_cast<std::size_t>(kEvents));
  for (const auto& [id, n] : calls_of) EXPECT_EQ(n, 1) << "delivery " << id << " was called " << n << " times";
  EXPECT_EQ(daemons_that_delivered.size(), 3u) << "the work was shared";
}

TEST_F(ScaleOut, ADaemonKilledMidDeliveryIsTakenOverByAnotherByteExactWrittenOnce) {
  constexpr std::int64_t kItems = 200000, kPage = 5000;
  TempDir shared;  // the file sink's output, on storage both daemons reach
  Conf conf;
  conf.page_size = static_cast<int>(kPage);
  conf.sinks.emplace_back("files", "    plugin: file\n    dir: \"" + shared.path() + "/out\"\n");
  conf.route("ACTOR.RUN.SUCCEEDED", "files");
  start(2, conf, Postgres::shared().create_database());
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{kItems, 100, 0, 0});
  fake_.set_delay(milliseconds(40));
  ASSERT_EQ(daemons_[0]->post_webhook(default_payload(run)).status, 200);

  ASSERT_TRUE(wait_until([&] { return scalar("SELECT items_done FROM deliveries") >= 20000; }, seconds(60)));
  const std::string owner = sql("SELECT lease_owner FROM deliveries").at(0);
  const int victim = owner.find(":" + std::to_string(daemons_[0]->pid()) + ":") != std::string::npos ? 0 : 1;
  ASSERT_NE(owner.find(":" + std::to_string(daemons_[victim]->pid()) + ":"), std::string::npos) << owner;
  daemons_[victim]->kill9();
  const long long committed = scalar("SELECT items_done FROM deliveries");
  ASSERT_LT(committed, kItems) << "finished before the kill: slow the fake down";
  fake_.set_delay(milliseconds(0));

  // The survivor claims it once the lease (delivery.lease, 2 s) has expired, from the checkpoint.
  ASSERT_TRUE(wait_until([&] { return all_done(1); }, seconds(90)))
      << sql("SELECT state || ' ' || items_done || ' ' || COALESCE(last_error,'') FROM deliveries").at(0);
  EXPECT_EQ(scalar("SELECT attempts FROM deliveries"), 2);
  EXPECT_NE(sql("SELECT message FROM attempts").size(), 0u);
  const std::string out = shared.path() + "/out/" + run.actor_id + "/" + run.run_id + ".jsonl";
  EXPECT_TRUE(SameBytes(read_file(out), jsonl(fake_.items(run.dataset_id))));
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(shared.path() + "/out"))
    files += e.is_regular_file();
  EXPECT_EQ(files, 1u) << "one object written, no temp file left behind";
}

#ifdef S3RVER_DIR
// The s3 sink spools the part in progress in its daemon's own data_dir. The daemon uploading
// is killed with -9 after some parts are committed; the survivor, whose data_dir never held
// that spool, takes the delivery over: it keeps the uploaded parts, resumes (ABI 1.2 rewind)
// at the last batch boundary before their end, rebuilds the part in progress in a spool of
// its own, and completes the same upload: the object is byte-exact and made of exactly the
// parts it needs, none uploaded twice by the survivor. No replay, no manual step.
TEST_F(ScaleOut, AnS3UploadTakenOverByADaemonWithoutItsSpoolEndsByteExactWithoutDuplicateParts) {
  constexpr std::int64_t kItems = 200000, kPage = 5000;
  constexpr std::uint64_t kPart = 5u << 20;
  s3test::S3rver s3rver;
  ASSERT_EQ(s3rver.error(), "");
  Conf conf;
  conf.page_size = static_cast<int>(kPage);
  conf.sinks.emplace_back("archive", s3test::s3_sink_yaml(s3rver.endpoint(), "S3RVER", "S3RVER"));
  conf.route("ACTOR.RUN.SUCCEEDED", "archive");
  start(2, conf, Postgres::shared().create_database());
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{kItems, 100, 0, 0});
  fake_.set_delay(milliseconds(120));  // the kill must come before the end: ~2 s of pages left
  ASSERT_EQ(daemons_[0]->post_webhook(default_payload(run)).status, 200);

  // Committed parts, from the checkpoint the ledger holds (0 while there is none).
  const auto parts_committed = [&] {
    const auto cp = sql("SELECT COALESCE(convert_from(checkpoint, 'UTF8'), '') FROM deliveries").at(0);
    if (cp.empty()) return std::size_t{0};
    return Poco::JSON::Parser().parse(cp).extract<Poco::JSON::Object::Ptr>()->getArray("parts")->size();
  };
  ASSERT_TRUE(wait_until([&] { return parts_committed() >= 2; }, seconds(90)));
  const std::string owner = sql("SELECT lease_owner FROM deliveries").at(0);
  const int victim = owner.find(":" + std::to_string(daemons_[0]->pid()) + ":") != std::string::npos ? 0 : 1;
  const int survivor = 1 - victim;
  daemons_[victim]->kill9();
  const std::size_t kept = parts_committed();
  ASSERT_LT(scalar("SELECT items_done FROM deliveries"), kItems) << "finished before the kill: slow the fake down";
  for (const auto& e : std::filesystem::directory_iterator(daemons_[survivor]->dir() + "/sinks/archive/spool"))
    ASSERT_NE(e.path().extension(), ".spool") << "the survivor must not see the victim's spool: " << e.path();
  fake_.set_delay(milliseconds(0));

  ASSERT_TRUE(wait_until([&] { return all_done(1); }, seconds(120)))
      << sql("SELECT state || ' ' || items_done || ' ' || COALESCE(last_error,'') FROM deliveries").at(0);
  const std::string want = jsonl(fake_.items(run.dataset_id));
  const auto got = s3rver.get("runs/" + run.actor_id + "/" + run.run_id + ".jsonl");
  ASSERT_EQ(got.status, 200) << got.body.substr(0, 300);
  // s3rver concatenates the parts CompleteMultipartUpload lists: a part listed twice, or one
  // holding other bytes, would show here.
  EXPECT_TRUE(SameBytes(got.body, want));
  const std::size_t parts = (want.size() + kPart - 1) / kPart;

  Daemon& d = *daemons_[survivor];
  EXPECT_NE(d.log().find("rebuilding the part in progress from item"), std::string::npos) << d.log();
  EXPECT_EQ(d.log().find("again from item 0"), std::string::npos) << "the upload was not started over";
  const std::string metrics = d.get("/metrics").body;
  const auto at = metrics.find("sinkhub_plugin_s3_parts_uploaded_total{");
  ASSERT_NE(at, std::string::npos) << metrics;
  const std::string line = metrics.substr(at, metrics.find('\n', at) - at);
  EXPECT_EQ(std::stod(line.substr(line.rfind(' ') + 1)), static_cast<double>(parts - kept))
      << line << ": the survivor uploaded only the parts after the " << kept << " committed ones";
  std::string history;
  for (const auto& row : sql("SELECT outcome || ': ' || message FROM attempts ORDER BY id")) history += row + "\n";
  EXPECT_NE(history.find("resumes the delivery at item"), std::string::npos) << history;
  EXPECT_EQ(history.find("replay"), std::string::npos) << history;
}
#endif

// A sink busy with another delivery (ABI 1.3 BUSY) on the PostgreSQL ledger: each wait for its
// turn ends the claim without counting or recording an attempt (the one statement of finish),
// so 8 waits leave the delivery's 2 attempts untouched and the one real attempt is attempt 1.
TEST_F(ScaleOut, WaitingForABusySinkSpendsNoAttemptOnPostgres) {
  Conf conf;
  conf.delivery["max_attempts"] = "2";
  conf.test_sink("sheet", {{"busy", "8"}, {"message", "tab 'Leads' is being written by another delivery"}})
      .route("ACTOR.RUN.SUCCEEDED", "sheet");
  start(1, conf, Postgres::shared().create_database());
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{10, 100, 0, 0});
  ASSERT_EQ(daemons_[0]->post_webhook(default_payload(run)).status, 200);
  ASSERT_TRUE(wait_until([&] { return all_done(1); }, seconds(60)))
      << sql("SELECT state || ' ' || attempts || ' ' || COALESCE(last_error,'') FROM deliveries").at(0);
  EXPECT_EQ(scalar("SELECT attempts FROM deliveries"), 1);
  EXPECT_EQ(sql("SELECT attempt || ' ' || outcome FROM attempts"), std::vector<std::string>{"1 ok"});
  const auto calls = parse_calls(read_file(daemons_[0]->dir() + "/sheet.log"));
  ASSERT_EQ(calls.size(), 9u);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].busy, i < 8) << "call " << i;
    EXPECT_EQ(calls[i].attempt, 1u) << "call " << i;
  }
}

// PostgreSQL stops while webhooks arrive: every 200 is for an event in the ledger, the others
// are 503 with Retry-After, /readyz says so; once it is back the daemon serves by itself.
TEST_F(ScaleOut, PostgresRestartedUnderLoadNeverAcknowledgesAnUnrecordedEvent) {
  Postgres server;  // of its own: it is stopped
  Conf conf;
  conf.test_sink("rec", {}, {}, "delivery-test-noitems").route("ACTOR.RUN.SUCCEEDED", "rec");
  start(1, conf, server.create_database());
  Daemon& d = *daemons_[0];
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::string> acknowledged;
  int unavailable = 0, without_retry_after = 0;
  std::thread load([&] {
    while (!stop) {
      const RunInfo r = new_run();
      const auto resp = d.post_webhook(default_payload(r));
      std::lock_guard<std::mutex> lk(mu);
      if (resp.status == 200) acknowledged.push_back(r.run_id);
      if (resp.status == 503) {
        ++unavailable;
        without_retry_after += resp.header("Retry-After").empty();
      }
    }
  });
  std::this_thread::sleep_for(milliseconds(500));
  server.stop();
  std::this_thread::sleep_for(milliseconds(1500));
  const auto ready_down = d.get("/readyz");
  server.start();
  bool back = wait_until([&] { return d.get("/readyz").status == 200; }, seconds(30));
  std::this_thread::sleep_for(milliseconds(500));
  stop = true;
  load.join();
  EXPECT_EQ(ready_down.status, 503);
  EXPECT_TRUE(back) << "the daemon did not reconnect by itself";
  EXPECT_GT(unavailable, 0);
  EXPECT_EQ(without_retry_after, 0);
  ASSERT_FALSE(acknowledged.empty());
  std::set<std::string> recorded;
  for (const auto& row : sql("SELECT run_id FROM events")) recorded.insert(row);
  for (const auto& run : acknowledged) EXPECT_EQ(recorded.count(run), 1u) << "200 for unrecorded run " << run;
  EXPECT_TRUE(wait_until([&] { return all_done(static_cast<long long>(recorded.size())); }, seconds(60)));
}

// One daemon on SQLite is killed mid-delivery; its ledger is moved into PostgreSQL with
// `sinkhub ledger migrate`; a daemon on PostgreSQL finishes the delivery from the checkpoint,
// byte-exact, and the dedup history came along.
TEST_F(ScaleOut, ASqliteLedgerMovedToPostgresKeepsDedupAndFinishesInFlightWork) {
  constexpr std::int64_t kItems = 100000, kPage = 5000;
  TempDir shared;
  Conf conf;
  conf.page_size = static_cast<int>(kPage);
  conf.sinks.emplace_back("files", "    plugin: file\n    dir: \"" + shared.path() + "/out\"\n");
  conf.test_sink("rec").route("ACTOR.RUN.SUCCEEDED", "files, rec");
  Daemon old(render(conf, fake_.base_url()));
  old.start();
  const RunInfo done = add_run(), moving = add_run();
  fake_.add_generated_dataset(done.dataset_id, GeneratedSpec{10, 100, 0, 0});
  ASSERT_EQ(old.post_webhook(default_payload(done)).status, 200);
  const auto progress = [&](const std::string& run, const std::string& sink) {
    const auto rows = LedgerView(old.ledger_path())
                          .query("SELECT d.items_done, d.state FROM deliveries d JOIN events e ON e.id = d.event_id "
                                 "WHERE e.run_id = ?1 AND d.sink = ?2",
                                 {run, sink});
    return rows.empty() ? std::make_pair(std::string("-1"), std::string()) : std::make_pair(rows[0].at("items_done"), rows[0].at("state"));
  };
  ASSERT_TRUE(wait_until([&] { return progress(done.run_id, "files").second == "done"; }, seconds(30)));
  fake_.add_generated_dataset(moving.dataset_id, GeneratedSpec{kItems, 100, 0, 0});
  fake_.set_delay(milliseconds(40));
  ASSERT_EQ(old.post_webhook(default_payload(moving)).status, 200);
  ASSERT_TRUE(wait_until([&] { return std::stoll(progress(moving.run_id, "rec").first) >= 20000; }, seconds(60)));
  old.kill9();
  const long long committed = std::stoll(progress(moving.run_id, "rec").first);
  ASSERT_LT(committed, kItems);
  fake_.set_delay(milliseconds(0));

  const std::string url = Postgres::shared().create_database();
  const std::string to = replace_all(url, Postgres::kPassword, std::string("${env:") + kPasswordVar + "}");
  const auto migrated = run_cli({"ledger", "migrate", "--from", "sqlite:" + old.ledger_path(), "--to", to},
                                {{kPasswordVar, Postgres::kPassword}}, scaled(seconds(60)));
  ASSERT_EQ(migrated.exit_code, 0) << migrated.out << migrated.err;
  EXPECT_NE(migrated.out.find("events: 2 rows"), std::string::npos) << migrated.out;
  EXPECT_EQ((migrated.out + migrated.err).find(Postgres::kPassword), std::string::npos);
  const auto again = run_cli({"ledger", "migrate", "--from", "sqlite:" + old.ledger_path(), "--to", to},
                             {{kPasswordVar, Postgres::kPassword}}, scaled(seconds(60)));
  EXPECT_EQ(again.exit_code, 1) << "a second copy into a non-empty ledger is refused";
  EXPECT_NE(again.err.find("already holds events"), std::string::npos) << again.err;

  start(1, conf, url);
  EXPECT_EQ(daemons_[0]->post_webhook(default_payload(done)).json_string("status"), "duplicate")
      << "the dedup history moved";
  ASSERT_TRUE(wait_until([&] { return all_done(4); }, seconds(90)))
      << scalar("SELECT COUNT(*) FROM deliveries WHERE state='done'") << " of 4 done";
  const auto resumed = parse_calls(read_file(daemons_[0]->dir() + "/rec.log")).at(0);
  EXPECT_EQ(static_cast<long long>(resumed.offset), committed) << "resumed at the first unaccepted item";
  EXPECT_EQ(resumed.cp, "cp-" + std::to_string(committed)) << "with the checkpoint of the SQLite ledger";
  const auto before = parse_calls(read_file(old.dir() + "/rec.log"));
  ASSERT_FALSE(before.empty());
  EXPECT_EQ(resumed.id, before.back().id) << "the delivery keeps its name: the ledger's identity moved too";
  EXPECT_NE(resumed.id.find('-'), std::string::npos) << resumed.id;
  EXPECT_TRUE(SameBytes(read_file(shared.path() + "/out/" + moving.actor_id + "/" + moving.run_id + ".jsonl"),
                        jsonl(fake_.items(moving.dataset_id))));
  EXPECT_GE(scalar("SELECT COUNT(*) FROM attempts"), 2) << "the attempt history moved";
  // New rows continue after the copied ids (PostgreSQL may leave gaps: a duplicate's insert
  // takes a number too).
  const RunInfo fresh = add_run();
  fake_.add_generated_dataset(fresh.dataset_id, GeneratedSpec{1, 100, 0, 0});
  EXPECT_EQ(daemons_[0]->post_webhook(default_payload(fresh)).json_string("status"), "accepted");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events"), 3);
  EXPECT_GT(scalar("SELECT MAX(id) FROM events"), 2);
}

TEST(LedgerMigrateCli, WrongMissingAndMaliciousArgumentsAreRefusedClearly) {
  TempDir dir;
  const std::string pw_url = "postgresql://u:" + std::string(Postgres::kPassword) + "@127.0.0.1:1/x";
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string want;
  };
  const std::vector<Case> cases = {
      {{"ledger"}, 2, "usage: sinkhub ledger migrate"},
      {{"ledger", "copy"}, 2, "usage: sinkhub ledger migrate"},
      {{"ledger", "migrate", "--to", pw_url}, 2, "from"},
      {{"ledger", "migrate", "--from", dir.file("x.db"), "--to", pw_url}, 2, "--from must be sqlite:PATH"},
      {{"ledger", "migrate", "--from", "sqlite:", "--to", pw_url}, 2, "--from must be sqlite:PATH"},
      {{"ledger", "migrate", "--from", "sqlite:" + dir.file("x.db"), "--to", "mysql://u:" +
        std::string(Postgres::kPassword) + "@db/x"}, 2, "must be a postgresql:// URL"},
      {{"ledger", "migrate", "--from", "sqlite:" + dir.file("x.db"), "--to", "postgresql://u:${env:SINKHUB_T_UNSET_PW}@db/x"},
       2, "SINKHUB_T_UNSET_PW"},
      {{"ledger", "migrate", "--from", "sqlite:" + dir.file("missing.db"), "--to", pw_url}, 1, "no SQLite ledger at"},
  };
  for (const auto& c : cases) {
    const auto r = run_cli(c.args);
    EXPECT_EQ(r.exit_code, c.code) << c.args.back() << "\n" << r.out << r.err;
    EXPECT_NE((r.out + r.err).find(c.want), std::string::npos) << c.args.back() << "\n" << r.out << r.err;
    EXPECT_EQ((r.out + r.err).find(Postgres::kPassword), std::string::npos) << r.out << r.err;
  }
  // A real SQLite ledger, an unreachable server: exit 1, the password redacted.
  config_free_sqlite_ledger(dir.file("real.db"));
  const auto r = run_cli({"ledger", "migrate", "--from", "sqlite:" + dir.file("real.db"), "--to", pw_url});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("postgresql://u:***@127.0.0.1:1/x"), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find(Postgres::kPassword), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sinkhub::dt
