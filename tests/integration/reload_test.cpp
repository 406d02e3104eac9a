// `systemctl reload sinkhub` (SIGHUP) on the real daemon: the config read again and swapped in
// whole while webhooks keep being answered, or refused whole (invalid, or a setting only a
// restart applies) with the running config untouched. Sinks coming and going under deliveries
// are in tests/delivery/delivery_reload_test.cpp.
#include <atomic>
#include <csignal>
#include <thread>

#include "integration.hpp"

namespace sinkhub::it {
namespace {

using std::chrono::milliseconds;

std::string with_secrets(std::vector<std::string> secrets) {
  StockConfig k;
  k.secrets = std::move(secrets);
  return stock_yaml(k);
}

// The stock config with one more sink ("extra", a file sink) that every ACTOR.RUN.FAILED goes to.
std::string with_extra_sink_for_failed_runs() {
  std::string y = stock_yaml();
  y = replace_all(y, "sinks:\n  local-files:", "sinks:\n  extra:\n    plugin: file\n    dir: \"{{DIR}}/extra\"\n  local-files:");
  return y + "  - actors: [\"*\"]\n    events: [ACTOR.RUN.FAILED]\n    sinks: [extra]\n";
}

std::vector<std::string> sinks_planned_for(const Daemon& d, const RunInfo& run) {
  LedgerView v(d.ledger_path());
  std::vector<std::string> sinks;
  for (auto& row : v.query("SELECT d.sink FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.run_id = ?1 "
                           "ORDER BY d.sink",
                           {run.run_id}))
    sinks.push_back(row["sink"]);
  return sinks;
}

class Reload : public DaemonTest {};

// The promise of `systemctl reload`: not one webhook refused, dropped or lost while the config is
// swapped, again and again, under a steady stream of webhooks on their own connections.
TEST_F(Reload, KeepsAnsweringEveryWebhookWhileReloading) {
  std::atomic<bool> stop{false};
  std::atomic<int> during{0};
  std::atomic<bool> reloading{false};
  std::vector<HttpResponse> failures;
  std::atomic<int> answered{0};
  std::thread poster([&] {
    while (!stop) {
      const auto r = daemon().post_webhook(default_payload(new_run()));
      if (r.status != 200 || r.json_string("status") != "accepted") failures.push_back(r);
      ++answered;
      if (reloading) ++during;
    }
  });
  const std::string configs[] = {with_extra_sink_for_failed_runs(), with_secrets({"{{SECRET}}"}), stock_yaml()};
  reloading = true;
  for (int i = 0; i < 6; ++i) {
    const std::string said = daemon().reload(configs[i % 3]);
    EXPECT_NE(said.find("reload applied"), std::string::npos) << said;
    std::this_thread::sleep_for(milliseconds(50));
  }
  reloading = false;
  // A few more after the last reload, then stop (bounded by the reloads' own waits).
  const int after = answered.load() + 5;
  for (int i = 0; i < 500 && answered < after; ++i) std::this_thread::sleep_for(milliseconds(10));
  stop = true;
  poster.join();
  for (const auto& f : failures)
    ADD_FAILURE() << "webhook answered " << f.status << " " << f.body << (f.error.empty() ? "" : " / " + f.error);
  EXPECT_GT(during.load(), 0) << "no webhook was posted while the reloads ran";
  EXPECT_EQ(ledger().event_count(), answered.load()) << "every answered webhook is in the ledger";
}

// Rotation: the old secret stops working at the reload, the new one works from then on, and no
// secret reaches the log.
TEST_F(Reload, RotatesTheWebhookSecrets) {
  daemon().reload(with_secrets({"{{SECRET}}"}));
  EXPECT_EQ(daemon().post_webhook(default_payload(new_run()), {{"X-Webhook-Secret", kSecret2}}).status, 401);
  EXPECT_EQ(daemon().post_webhook(default_payload(new_run())).status, 200);

  const std::string said = daemon().reload(with_secrets({"{{SECRET2}}"}));
  EXPECT_NE(said.find("reload applied: auth.secrets: 1 (changed)"), std::string::npos) << said;
  EXPECT_EQ(daemon().post_webhook(default_payload(new_run())).status, 401) << "the old secret still works";
  const auto r = daemon().post_webhook(default_payload(new_run()), {{"X-Webhook-Secret", kSecret2}});
  EXPECT_EQ(r.status, 200) << r.body;
  const std::string log = daemon().log();
  EXPECT_EQ(log.find(kSecret), std::string::npos) << "a secret reached the log";
  EXPECT_EQ(log.find(kSecret2), std::string::npos) << "a secret reached the log";
}

TEST_F(Reload, ChangesTheSourceAddressAllowlist) {
  StockConfig elsewhere;
  elsewhere.allow_ips = {"192.0.2.0/24"};
  std::string said = daemon().reload(stock_yaml(elsewhere));
  EXPECT_NE(said.find("auth.allow_ips: 1 (was 0)"), std::string::npos) << said;
  EXPECT_TRUE(IsJsonError(daemon().post_webhook(default_payload(new_run())), 403));

  StockConfig loopback;
  loopback.allow_ips = {"192.0.2.0/24", "127.0.0.1"};
  said = daemon().reload(stock_yaml(loopback));
  EXPECT_NE(said.find("auth.allow_ips: 2 (was 1)"), std::string::npos) << said;
  EXPECT_EQ(daemon().post_webhook(default_payload(new_run())).status, 200);
}

// A route added by a reload plans deliveries for the webhooks after it, to a sink the same
// reload added; the webhooks before it keep what they were planned.
TEST_F(Reload, AppliesNewRoutesToTheWebhooksAfterIt) {
  const RunInfo before = new_run("ACTOR.RUN.FAILED");
  ASSERT_EQ(daemon().post_webhook(default_payload(before)).status, 200);
  const std::string said = daemon().reload(with_extra_sink_for_failed_runs());
  EXPECT_NE(said.find("reload applied: sinks added: extra"), std::string::npos) << said;
  EXPECT_NE(said.find("routes: 3 (was 2)"), std::string::npos) << said;
  const RunInfo after = new_run("ACTOR.RUN.FAILED");
  ASSERT_EQ(daemon().post_webhook(default_payload(after)).status, 200);
  EXPECT_EQ(sinks_planned_for(daemon(), before), std::vector<std::string>{});
  EXPECT_EQ(sinks_planned_for(daemon(), after), std::vector<std::string>{"extra"});
}

// An invalid config is refused whole, with every error at its file:line, and the daemon goes on
// with the config it runs (its secrets, its routes); a valid one is applied after that.
TEST_F(Reload, RefusesAnInvalidConfigAndKeepsTheRunningOne) {
  std::string broken = with_secrets({"{{SECRET2}}", "short"});
  broken = replace_all(broken, "routes:\n", "no_such_key: 1\nroutes:\n");
  const std::string said = daemon().reload(broken);
  const std::string file = daemon().config_path();
  EXPECT_NE(said.find(file + ":" + std::to_string(line_of(daemon().config_text(), "secrets:")) + ":"),
            std::string::npos)
      << said;
  EXPECT_NE(said.find(file + ":" + std::to_string(line_of(daemon().config_text(), "no_such_key")) + ":"),
            std::string::npos)
      << said;
  EXPECT_NE(said.find("reload refused: the config has errors"), std::string::npos) << said;
  EXPECT_EQ(said.find("short"), std::string::npos) << "a secret's value reached the log: " << said;
  EXPECT_EQ(daemon().post_webhook(default_payload(new_run())).status, 200) << "the running secret stopped working";
  EXPECT_EQ(daemon().get("/healthz").status, 200);

  EXPECT_NE(daemon().reload(with_secrets({"{{SECRET2}}"})).find("reload applied"), std::string::npos);
  EXPECT_EQ(daemon().post_webhook(default_payload(new_run())).status, 401);
}

// Settings a running daemon cannot change are refused by name, and with them the whole reload:
// the secret changed beside them does not apply either.
TEST_F(Reload, RefusesSettingsThatNeedARestartNamingEach) {
  std::string y = with_secrets({"{{SECRET2}}"});
  y = replace_all(y, "listen: \"127.0.0.1:{{PORT}}\"", "listen: \"127.0.0.1:" + std::to_string(free_port()) + "\"");
  y = replace_all(y, "{{DIR}}/ledger.db", "{{DIR}}/other.db");
  y = replace_all(y, "workers: 2", "workers: 3");
  const std::string said = daemon().reload(y);
  for (const char* key : {"server.listen", "ledger.path", "delivery.workers"})
    EXPECT_NE(said.find(std::string("reload: ") + key + " changed, which only a restart applies"), std::string::npos)
        << key << ":\n" << said;
  EXPECT_NE(said.find("reload refused: settings that need a restart changed: server.listen, ledger.path, "
                      "delivery.workers"),
            std::string::npos)
      << said;
  EXPECT_EQ(daemon().post_webhook(default_payload(new_run())).status, 200) << "part of a refused reload applied";
  EXPECT_EQ(daemon().post_webhook(default_payload(new_run()), {{"X-Webhook-Secret", kSecret2}}).status, 200);
}

// A reload with nothing to change says so, and the same reload twice is harmless.
TEST_F(Reload, OfTheSameConfigChangesNothing) {
  EXPECT_NE(daemon().reload(stock_yaml()).find("reload applied: nothing changed"), std::string::npos);
  EXPECT_NE(daemon().reload(stock_yaml()).find("reload applied: nothing changed"), std::string::npos);
  EXPECT_EQ(daemon().post_webhook(default_payload(new_run())).status, 200);
}

}  // namespace
}  // namespace sinkhub::it
