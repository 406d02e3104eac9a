// ledger.retention in the running daemon: old finished rows go by themselves, in the
// background, while webhooks are answered; a webhook whose key was kept is still a duplicate;
// `sinkhub status` and /metrics show the ledger's size and its oldest event; a reload changes
// the retention without a restart.
#include <sqlite3.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <filesystem>
#include <thread>

#include "integration.hpp"

namespace sinkhub::it {
namespace {

constexpr std::int64_t kDay = 24LL * 3600 * 1000;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class RetentionTest : public DaemonTest {
 protected:
  std::string config() override {
    return replace_all(stock_yaml(), "  synchronous: full\n",
                       "  synchronous: full\n  retention: {done: 1h, dead: 1h, dedup_keys: 7d, interval: 1s}\n");
  }

  // A webhook no route matches (no delivery: finished when it arrives), or one that plans a
  // delivery (to local-files: it cannot fetch from the unreachable Apify URL and is retried,
  // then dead-lettered just now, so it is kept for retention.dead).
  RunInfo post(const std::string& event_type) {
    RunInfo run = new_run(event_type);
    const auto r = daemon().post_webhook(default_payload(run));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json_string("status"), "accepted") << r.body;
    return run;
  }

  // Makes the run's event `days` old, as a writer beside the daemon.
  void age(const RunInfo& run, double days) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(daemon().ledger_path().c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    const std::string at = std::to_string(now_ms() - static_cast<std::int64_t>(days * kDay));
    const std::string sql = "UPDATE events SET received_at = " + at + " WHERE run_id = '" + run.run_id + "'";
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  bool wait_for(const std::function<bool()>& pred, std::chrono::seconds timeout = std::chrono::seconds(40)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return pred();
  }

  std::string pruned_at(const RunInfo& run) {
    const auto rows = ledger().query("SELECT COALESCE(pruned_at, 0) AS p FROM events WHERE run_id = ?1", {run.run_id});
    return rows.empty() ? "gone" : rows[0].at("p");
  }
};

TEST_F(RetentionTest, TheDaemonPrunesOldRowsKeepsDedupKeysAndShowsTheLedger) {
  // In arrival order, as ages go (ids grow with arrival).
  const RunInfo waiting = post("ACTOR.RUN.SUCCEEDED");  // a delivery, not finished long enough ago
  const RunInfo gone = post("ACTOR.RUN.FAILED");        // no route: no delivery
  const RunInfo kept = post("ACTOR.RUN.ABORTED");       // no route
  const RunInfo fresh = post("ACTOR.RUN.FAILED");
  age(waiting, 30);
  age(gone, 10);
  age(kept, 3);
  ASSERT_TRUE(wait_for([&] { return pruned_at(gone) == "gone" && pruned_at(kept) != "0"; }))
      << "gone: " << pruned_at(gone) << ", kept: " << pruned_at(kept) << "\n" << daemon().log();
  EXPECT_EQ(pruned_at(fresh), "0") << "younger than retention.done";
  EXPECT_EQ(pruned_at(waiting), "0") << "its delivery is left";
  EXPECT_EQ(ledger().scalar("SELECT COUNT(*) FROM deliveries"), 1);

  // Apify retries the kept one: still a duplicate; the gone one is new again (past dedup_keys).
  auto again = daemon().post_webhook(default_payload(kept));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.json_string("status"), "duplicate") << again.body;
  again = daemon().post_webhook(default_payload(gone));
  EXPECT_EQ(again.json_string("status"), "accepted") << again.body;
  EXPECT_NE(daemon().log().find("ledger retention: pruned"), std::string::npos) << daemon().log();

  const auto shown = run_cli({"events", "show", kept.run_id, "--config", daemon().config_path()});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("PRUNED"), std::string::npos) << shown.out;

  const auto st = run_cli({"status", "--json", "--config", daemon().config_path()});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  const auto o = Poco::JSON::Parser().parse(st.out).extract<Poco::JSON::Object::Ptr>()->getObject("ledger");
  ASSERT_TRUE(o) << st.out;
  EXPECT_GT(o->getValue<std::int64_t>("bytes"), 0) << st.out;
  EXPECT_GE(o->getValue<std::int64_t>("free_bytes"), 0) << st.out;
  EXPECT_GE(o->getValue<std::int64_t>("oldest_event_age_seconds"), 30 * 86400 - 60) << "the waiting event: " << st.out;
  EXPECT_NE(o->getValue<std::string>("space_reuse").find("auto_vacuum=incremental"), std::string::npos) << st.out;
  const auto text = run_cli({"status", "--config", daemon().config_path()});
  EXPECT_NE(text.out.find("\nledger: "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("\noldest event: "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("(30 d 0 h ago)"), std::string::npos) << text.out;

  const auto m = daemon().get("/metrics");
  EXPECT_NE(m.body.find("sinkhub_ledger_pruned_rows_total{table=\"events\"} 1\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("sinkhub_ledger_pruned_bodies_total 1\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("\nsinkhub_ledger_bytes "), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("\nsinkhub_ledger_oldest_event_seconds 2"), std::string::npos) << m.body;
}

// A reload applies a new retention at the next pass: keeping done work forever stops pruning.
TEST_F(RetentionTest, AReloadChangesTheRetentionWithoutARestart) {
  const std::string keep = replace_all(stock_yaml(), "  synchronous: full\n",
                                       "  synchronous: full\n  retention: {done: 0, dedup_keys: 7d, interval: 1s}\n");
  const std::string logged = daemon().reload(keep);
  EXPECT_NE(logged.find("ledger.retention: done kept, dead 90d, dedup_keys 7d, interval 1s"), std::string::npos)
      << logged;
  const RunInfo old = post("ACTOR.RUN.FAILED");
  age(old, 10);
  std::this_thread::sleep_for(std::chrono::seconds(3));  // passes run every second
  EXPECT_EQ(pruned_at(old), "0") << "done: 0 keeps it";
  daemon().reload(config());
  EXPECT_TRUE(wait_for([&] { return pruned_at(old) == "gone"; })) << daemon().log();
}

// `sinkhub ledger vacuum`: wrong and missing arguments are command-line errors, a ledger that
// does not exist is named (and not created), a real one is rewritten with auto_vacuum on.
TEST_F(RetentionTest, LedgerVacuumChecksItsArgumentsAndRewritesTheFile) {
  post("ACTOR.RUN.FAILED");
  ASSERT_EQ(daemon().stop(), 0);
  const auto no_config = run_cli({"ledger", "vacuum"});
  EXPECT_EQ(no_config.exit_code, 2) << no_config.err;
  const auto unknown = run_cli({"ledger", "vacuum", "--config", daemon().config_path(), "--bogus"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
  const auto what = run_cli({"ledger", "shrink"});
  EXPECT_EQ(what.exit_code, 2);
  EXPECT_NE(what.err.find("sinkhub ledger vacuum --config FILE"), std::string::npos) << what.err;

  const std::string elsewhere = daemon().dir() + "/elsewhere.yaml";
  write_file(elsewhere, replace_all(daemon().config_text(), "ledger.db", "missing/ledger.db"));
  const auto missing = run_cli({"ledger", "vacuum", "--config", elsewhere});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no ledger at"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(daemon().dir() + "/missing")) << "nothing is created";

  const auto ok = run_cli({"ledger", "vacuum", "--config", daemon().config_path()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("auto_vacuum=incremental"), std::string::npos) << ok.out;
  EXPECT_EQ(ledger().scalar("PRAGMA auto_vacuum"), 2);
  EXPECT_EQ(ledger().event_count(), 1) << "nothing lost";
}

}  // namespace
}  // namespace sinkhub::it
