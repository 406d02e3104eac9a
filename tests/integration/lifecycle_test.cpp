// The daemon as a process: health, signals, crashes, log format, CLI, INI configs.
#include <Poco/JSON/Parser.h>

#include <csignal>
#include <sstream>
#include <thread>

#include "integration.hpp"

namespace sinkhub::it {
namespace {

using Lifecycle = DaemonTest;

TEST_F(Lifecycle, HealthzAndReadyzAnswer200) {
  const auto health = daemon().get("/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_TRUE(health.json()) << health.body;
  const auto ready = daemon().get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.json_string("status"), "ready") << ready.body;
  EXPECT_TRUE(IsJsonError(http_request(daemon().port(), "POST", "/healthz", {}, "{}", "application/json"), 405));
}

TEST_F(Lifecycle, SigtermStopsWithExitCodeZeroAndSaysStoppedCleanly) {
  ASSERT_EQ(daemon().post_webhook(default_payload(new_run())).status, 200);
  EXPECT_EQ(daemon().stop(std::chrono::seconds(10)), 0);
  const std::string log = daemon().log();
  EXPECT_NE(log.find("SIGTERM"), std::string::npos) << log;
  EXPECT_NE(log.find("stopped cleanly"), std::string::npos) << log;
  EXPECT_EQ(ledger().event_count(), 1);
}

TEST_F(Lifecycle, SigintStopsCleanlyToo) {
  daemon().signal(SIGINT);
  const auto code = daemon().wait_exit(std::chrono::seconds(10));
  ASSERT_TRUE(code.has_value()) << "did not exit within 10 s of SIGINT";
  EXPECT_EQ(*code, 0);
  EXPECT_NE(daemon().log().find("stopped cleanly"), std::string::npos);
}

TEST_F(Lifecycle, SigtermLetsARequestInFlightFinish) {
  const RunInfo run = new_run();
  const std::string body = default_payload(run);
  const std::string request =
      raw_request("POST", "/apify-webhook", {{"X-Webhook-Secret", kSecret}, {"Content-Type", "application/json"}}, body);
  RawClient client(daemon().port());
  ASSERT_TRUE(client.send_all(request.substr(0, request.size() - 20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the request is being read
  daemon().signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(client.send_all(request.substr(request.size() - 20)));
  const auto r = parse_http_response(client.read_response(std::chrono::seconds(5)));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json_string("status"), "accepted") << r.body;
  const auto code = daemon().wait_exit(std::chrono::seconds(10));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  EXPECT_EQ(ledger().events_for_run(run.run_id).size(), 1u) << "what was answered 200 is on disk";
  // Stopped: nobody listens any more.
  EXPECT_EQ(daemon().get("/healthz").status, 0);
}

TEST_F(Lifecycle, EventAnswered200SurvivesKillDashNineAndIsADuplicateAfterRestart) {
  const RunInfo run = new_run();
  const std::string body = default_payload(run);
  const auto r = daemon().post_webhook(body);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json_string("status"), "accepted");
  daemon().kill9();  // no chance to flush or checkpoint anything

  {
    LedgerView db(daemon().ledger_path());
    const auto rows = db.events_for_run(run.run_id);
    ASSERT_EQ(rows.size(), 1u) << "acknowledged = on disk";
    EXPECT_EQ(rows[0].at("body"), body);
    EXPECT_EQ(db.deliveries_for_event(rows[0].at("id")).size(), 1u);
  }

  daemon().start();
  EXPECT_EQ(daemon().get("/readyz").status, 200);
  const auto again = daemon().post_webhook(body);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json_string("status"), "duplicate");
  EXPECT_EQ(ledger().events_for_run(run.run_id).size(), 1u);
  EXPECT_EQ(ledger().scalar("SELECT COUNT(*) FROM deliveries"), 1);
}

TEST_F(Lifecycle, RestartKeepsTheSchemaAndDoesNotReapplyMigrations) {
  const auto first = daemon().post_webhook(default_payload(new_run()));
  ASSERT_EQ(first.status, 200) << first.body << first.error;
  ASSERT_EQ(daemon().stop(), 0);
  daemon().start();
  const auto second = daemon().post_webhook(default_payload(new_run()));
  ASSERT_EQ(second.status, 200) << second.body << second.error;
  auto db = ledger();
  EXPECT_EQ(db.event_count(), 2);
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM schema_migrations"), db.scalar("SELECT MAX(version) FROM schema_migrations"));
  EXPECT_EQ(db.query("PRAGMA journal_mode").at(0).begin()->second, "wal");
}

class JsonLogs : public DaemonTest {
 protected:
  Daemon::Options options() override {
    Daemon::Options o;
    o.extra_args = {"--log-format", "json", "--log-level", "debug"};
    return o;
  }
};

TEST_F(JsonLogs, EveryLogLineIsOneJsonObject) {
  const RunInfo run = new_run();
  ASSERT_EQ(daemon().post_webhook(default_payload(run)).status, 200);
  ASSERT_EQ(daemon().post_webhook(default_payload(run)).status, 200);  // duplicate (debug line)
  // Values with quotes and backslashes end up in log messages; ids with control characters
  // are refused (issue 15 item 14), their refusal logged.
  RunInfo odd = new_run();
  odd.run_id += "\"quoted\\back\\slash";
  EXPECT_EQ(daemon().post_webhook(compact_payload(odd)).status, 200);
  RunInfo control = new_run();
  control.run_id += "new\nline\ttab";
  EXPECT_EQ(daemon().post_webhook(compact_payload(control)).status, 400);
  EXPECT_EQ(daemon().post_webhook("{\"runId\": 1}").status, 400);
  EXPECT_EQ(daemon().post_webhook(default_payload(new_run()), {{"X-Webhook-Secret", "wrong\"secret\\value"}}).status,
            401);
  ASSERT_EQ(daemon().stop(), 0);

  std::istringstream in(daemon().log());
  int lines = 0;
  bool saw_stopped = false;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ++lines;
    Poco::JSON::Object::Ptr obj;
    try {
      Poco::JSON::Parser parser;
      const auto v = parser.parse(line);
      if (v.type() == typeid(Poco::JSON::Object::Ptr)) obj = v.extract<Poco::JSON::Object::Ptr>();
    } catch (...) {
    }
    ASSERT_TRUE(obj) << "not a JSON object: " << line;
    EXPECT_TRUE(obj->has("ts") && obj->has("level") && obj->has("msg")) << line;
    if (obj->optValue<std::string>("msg", "").find("stopped cleanly") != std::string::npos) saw_stopped = true;
  }
  EXPECT_GE(lines, 4);
  EXPECT_TRUE(saw_stopped);
}

class IniConfig : public DaemonTest {
 protected:
  std::string config() override { return stock_ini(); }
  Daemon::Options options() override {
    Daemon::Options o;
    o.format = ConfigFormat::Ini;
    return o;
  }
};

TEST_F(IniConfig, IniEquivalentOfTheYamlConfigServesTheSameWay) {
  EXPECT_EQ(daemon().config_path().substr(daemon().config_path().size() - 4), ".ini");
  RunInfo fan = new_run();
  fan.actor_id = "fanout-actor";
  const RunInfo plain = new_run();
  ASSERT_EQ(daemon().post_webhook(default_payload(fan)).json_string("status"), "accepted");
  ASSERT_EQ(daemon().post_webhook(compact_payload(plain), {{"X-Webhook-Secret", kSecret2}}).json_string("status"),
            "accepted")
      << "the comma-separated secrets list holds both secrets";
  EXPECT_TRUE(IsJsonError(daemon().post_webhook(default_payload(new_run()), {{"X-Webhook-Secret", "wrong-wrong-wrong"}}),
                          401));
  EXPECT_EQ(daemon().post_webhook(to_json(test_envelope())).status, 200);

  auto db = ledger();
  const auto fan_rows = db.events_for_run(fan.run_id);
  ASSERT_EQ(fan_rows.size(), 1u);
  const auto fan_deliveries = db.deliveries_for_event(fan_rows[0].at("id"));
  ASSERT_EQ(fan_deliveries.size(), 2u);
  EXPECT_EQ(fan_deliveries[0].at("sink"), "archive");
  EXPECT_EQ(fan_deliveries[1].at("sink"), "local-files");
  const auto plain_rows = db.events_for_run(plain.run_id);
  ASSERT_EQ(plain_rows.size(), 1u);
  const auto plain_deliveries = db.deliveries_for_event(plain_rows[0].at("id"));
  ASSERT_EQ(plain_deliveries.size(), 1u);
  EXPECT_EQ(plain_deliveries[0].at("sink"), "local-files");
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM deliveries"), 3);
}

TEST(Cli, HelpExitsZero) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"}, {"serve", "--help"}, {"check-config", "--help"}}) {
    SCOPED_TRACE(args.size() == 1 ? args[0] : args[0] + " " + args[1]);
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(r.out.empty());
  }
  const auto serve_help = run_cli({"serve", "--help"});
  EXPECT_NE(serve_help.out.find("--config"), std::string::npos) << serve_help.out;
  EXPECT_NE(serve_help.out.find("--log-format"), std::string::npos) << serve_help.out;
}

TEST(Cli, UnknownCommandAndMissingConfigFail) {
  EXPECT_NE(run_cli({"frobnicate"}).exit_code, 0);
  EXPECT_NE(run_cli({"serve"}).exit_code, 0) << "--config is required";
  EXPECT_NE(run_cli({"serve", "--config", "/nonexistent/sinkhub.yaml"}).exit_code, 0);
}

TEST(Cli, ServeRefusesAnInvalidConfigWithFileLineMessages) {
  TempDir dir;
  const std::string path = dir.file("bad.yaml");
  const std::string text = render_config(
      replace_all(stock_yaml(), "sinks: [local-files]", "sinks: [no-such-sink]"), free_port(), dir.path());
  write_file(path, text);
  const auto r = run_cli({"serve", "--config", path}, {}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(path + ":" + std::to_string(line_of(text, "no-such-sink")) + ":"), std::string::npos) << r.err;
}

TEST(Cli, ServeFailsWhenThePortIsTaken) {
  Daemon first(stock_yaml());
  first.start();
  TempDir dir;
  const std::string path = dir.file("second.yaml");
  write_file(path, render_config(stock_yaml(), first.port(), dir.path()));
  const auto r = run_cli({"serve", "--config", path}, {}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot listen"), std::string::npos) << r.err;
  EXPECT_EQ(first.get("/healthz").status, 200);
  EXPECT_EQ(first.stop(), 0);
}

}  // namespace
}  // namespace sinkhub::it
