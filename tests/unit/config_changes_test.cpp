// config/changes: what a reload would change, as the reload decides and logs it.
#include <gtest/gtest.h>

#include "config/changes.hpp"
#include "config/config.hpp"

namespace sinkhub::config {
namespace {

const char* const kSecretA = "reload-secret-aaaaaaaaaaaa";
const char* const kSecretB = "reload-secret-bbbbbbbbbbbb";

// A config with two sinks and one route; `extra` is appended as is (more top-level keys).
std::string base(const std::string& auth_secrets = std::string("[\"") + kSecretA + "\"]",
                 const std::string& extra = "") {
  return "server: {listen: \"127.0.0.1:8787\"}\n"
         "auth: {secrets: " + auth_secrets + "}\n"
         "ledger: {path: /var/lib/sinkhub/ledger.db}\n"
         "sinks:\n"
         "  files: {plugin: file, dir: /tmp/out}\n"
         "  chat: {plugin: slack, webhook_url: \"https://hooks.slack.test/x\"}\n"
         "routes:\n"
         "  - {actors: [\"*\"], events: [ACTOR.RUN.SUCCEEDED], sinks: [files, chat]}\n" +
         extra;
}

Config yaml(const std::string& text) { return from_tree(parse_yaml(text, "t.yaml"), "t.yaml"); }

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

TEST(ConfigChanges, TheSameConfigChangesNothing) {
  const Config a = yaml(base()), b = yaml(base());
  EXPECT_TRUE(restart_only_changes(a, b).empty());
  EXPECT_TRUE(setting_changes(a, b).empty());
  const auto s = sink_changes(a, b);
  EXPECT_TRUE(s.added.empty() && s.removed.empty() && s.changed.empty() && s.dataset_changed.empty());
  EXPECT_EQ(s.unchanged, (std::vector<std::string>{"files", "chat"}));
}

TEST(ConfigChanges, RestartOnlyKeysAreNamedInTableOrder) {
  const Config a = yaml(base());
  std::string text = replaced(base(), "127.0.0.1:8787", "127.0.0.1:9999");
  text = replaced(text, "/var/lib/sinkhub/ledger.db", "/srv/ledger.db");
  text += "delivery: {workers: 9, lease: 1m, max_attempts: 3}\n";
  EXPECT_EQ(restart_only_changes(a, yaml(text)),
            (std::vector<std::string>{"server.listen", "ledger.path", "delivery.workers", "delivery.lease"}));
  // delivery.max_attempts is not restart-only: it is a setting change.
  EXPECT_TRUE(restart_only_changes(a, yaml(base(std::string("[\"") + kSecretA + "\"]",
                                                 "delivery: {max_attempts: 3}\n")))
                  .empty());
}

TEST(ConfigChanges, EveryServerAndLedgerKeyIsRestartOnly) {
  const Config a = yaml(base());
  const std::pair<const char*, const char*> cases[] = {
      {"server: {listen: \"127.0.0.1:8787\", path: /hooks}", "server.path"},
      {"server: {listen: \"127.0.0.1:8787\", max_body_bytes: 2048}", "server.max_body_bytes"},
      {"server: {listen: \"127.0.0.1:8787\", read_timeout_ms: 500}", "server.read_timeout_ms"},
      {"server: {listen: \"127.0.0.1:8787\", max_connections: 8}", "server.max_connections"},
      {"server: {listen: \"[::1]:8787\"}", "server.listen"},
  };
  for (const auto& [server, key] : cases)
    EXPECT_EQ(restart_only_changes(a, yaml(replaced(base(), "server: {listen: \"127.0.0.1:8787\"}", server))),
              std::vector<std::string>{key});
  EXPECT_EQ(restart_only_changes(a, yaml(replaced(base(), "ledger.db}", "ledger.db, synchronous: normal}"))),
            std::vector<std::string>{"ledger.synchronous"});
  EXPECT_EQ(restart_only_changes(a, yaml(base(std::string("[\"") + kSecretA + "\"]", "plugins: {data_dir: /srv/sinks}\n"))),
            std::vector<std::string>{"plugins.data_dir"});
  EXPECT_EQ(restart_only_changes(
                a, yaml(replaced(base(), "ledger: {path: /var/lib/sinkhub/ledger.db}", "ledger: {url: \"postgresql://h/db\", pool: 2}"))),
            (std::vector<std::string>{"ledger.path", "ledger.url", "ledger.pool"}));
}

TEST(ConfigChanges, SinksAreAddedRemovedChangedOrOnlyTheirDatasetChanges) {
  const Config a = yaml(base());
  std::string text = replaced(base(), "  chat: {plugin: slack, webhook_url: \"https://hooks.slack.test/x\"}\n",
                              "  archive: {plugin: file, dir: /tmp/archive}\n");
  text = replaced(text, "sinks: [files, chat]", "sinks: [files, archive]");
  text = replaced(text, "files: {plugin: file, dir: /tmp/out}", "files: {plugin: file, dir: /tmp/out2}");
  auto s = sink_changes(a, yaml(text));
  EXPECT_EQ(s.added, std::vector<std::string>{"archive"});
  EXPECT_EQ(s.removed, std::vector<std::string>{"chat"});
  EXPECT_EQ(s.changed, std::vector<std::string>{"files"});

  s = sink_changes(a, yaml(replaced(base(), "dir: /tmp/out}", "dir: /tmp/out, dataset: {fields: [a]}}")));
  EXPECT_EQ(s.dataset_changed, std::vector<std::string>{"files"});
  EXPECT_TRUE(s.changed.empty());
}

// The reload's summary counts secrets and says a token was replaced; it never shows either.
TEST(ConfigChanges, SettingChangesNeverShowASecret) {
  const Config a = yaml(base());
  std::string text = base(std::string("[\"") + kSecretA + "\", \"" + kSecretB + "\"]",
                          "apify: {token: \"apify_api_secret_token_value\"}\n");
  text = replaced(text, "auth: {secrets:", "auth: {allow_ips: [10.0.0.0/8], secrets:");
  text = replaced(text, "events: [ACTOR.RUN.SUCCEEDED]", "events: [ACTOR.RUN.FAILED]");
  const auto out = setting_changes(a, yaml(text));
  EXPECT_EQ(out, (std::vector<std::string>{"auth.secrets: 2 (was 1)", "auth.allow_ips: 1 (was 0)", "apify.token: replaced",
                                           "routes: 1 (changed)"}));
  for (const auto& line : out) {
    EXPECT_EQ(line.find(kSecretB), std::string::npos) << line;
    EXPECT_EQ(line.find("apify_api_secret_token_value"), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace sinkhub::config
