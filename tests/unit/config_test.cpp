// The config file is the user interface: these tests pin what it accepts and how it refuses.
#include <gtest/gtest.h>

#include <cstdlib>

#include "config/config.hpp"
#include "config_errors.hpp"

namespace sinkhub::config {
namespace {

const char* kSecret = "0123456789abcdef-secret";

Config yaml(const std::string& text) { return from_tree(parse_yaml(text, "t.yaml"), "t.yaml"); }
Config ini(const std::string& text) { return from_tree(parse_ini(text, "t.ini"), "t.ini"); }

bool any_line(const std::vector<std::string>& lines, const std::string& needle) {
  for (const auto& l : lines)
    if (l.find(needle) != std::string::npos) return true;
  return false;
}

const std::string kMinimal = std::string("auth: {secrets: [\"") + kSecret + "\"]}\n";

TEST(Config, DefaultsApplyWhenSectionsAreAbsent) {
  const Config c = yaml(kMinimal);
  EXPECT_EQ(c.server.host, "127.0.0.1");
  EXPECT_EQ(c.server.port, 8787);
  EXPECT_EQ(c.server.path, "/apify-webhook");
  EXPECT_EQ(c.server.max_body_bytes, 1048576u);
  EXPECT_EQ(c.auth.header, "X-Webhook-Secret");
  EXPECT_EQ(c.ledger.synchronous, "full");
  EXPECT_EQ(c.delivery.max_age, std::chrono::hours(72));
}

TEST(Config, TheIssueExampleParses) {
  setenv("SINKHUB_T_SECRET", kSecret, 1);
  setenv("SINKHUB_T_TOKEN", "apify_api_x", 1);
  const Config c = yaml(R"(
server:   { listen: "127.0.0.1:8787", path: /apify-webhook, max_body_bytes: 1048576,
            read_timeout_ms: 10000 }
auth:     { header: X-Webhook-Secret, secrets: ["${env:SINKHUB_T_SECRET}"],
            allow_ips: [] }
apify:    { base_url: "https://api.apify.com", token: "${env:SINKHUB_T_TOKEN}", page_size: 1000 }
ledger:   { path: ./var/sinkhub.db, synchronous: full }
delivery: { workers: 4, max_attempts: 12, max_age: 72h }
plugins:  { dirs: [./build/plugins] }
sinks:    { local-files: { plugin: file, dir: ./var/out } }
routes:
  - { actors: ["*"], events: [ACTOR.RUN.SUCCEEDED], sinks: [local-files] }
)");
  ASSERT_EQ(c.auth.secrets.size(), 1u);
  EXPECT_EQ(c.auth.secrets[0], kSecret);
  EXPECT_EQ(c.apify.token, "apify_api_x");
  ASSERT_EQ(c.sinks.size(), 1u);
  EXPECT_EQ(c.sinks[0].plugin, "file");
  EXPECT_EQ(to_json(c.sinks[0].options), R"({"dir":"./var/out"})");
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].sinks, std::vector<std::string>{"local-files"});
}

TEST(Config, IniCarriesTheSameModel) {
  const Config c = ini(std::string(R"(
; comment
[server]
listen = [::1]:9000
[auth]
secrets = )") + kSecret + ", another-secret-0123456789" + R"(
allow_ips = 10.0.0.0/8, 192.168.1.7
[sink.files]
plugin = file
dir = "./out"
[route.everything]
actors = *
events = ACTOR.RUN.SUCCEEDED, ACTOR.RUN.FAILED
sinks = files
)");
  EXPECT_EQ(c.server.host, "::1");
  EXPECT_EQ(c.server.port, 9000);
  EXPECT_EQ(c.auth.secrets.size(), 2u);
  EXPECT_EQ(c.auth.allow_ips.size(), 2u);
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].name, "everything");
  EXPECT_EQ(c.routes[0].events.size(), 2u);
  EXPECT_EQ(to_json(c.sinks[0].options), R"({"dir":"./out"})");
}

TEST(Config, UnsetEnvironmentVariableIsAnErrorNamingIt) {
  unsetenv("SINKHUB_T_UNSET");
  const auto e = errors_of([] { yaml("auth: {secrets: [\"${env:SINKHUB_T_UNSET}\"]}\n"); });
  EXPECT_TRUE(any_line(e, "t.yaml:1: environment variable SINKHUB_T_UNSET is not set")) << e[0];
}

TEST(Config, FileReferenceIsReadAndTrimmed) {
  const std::string path = ::testing::TempDir() + "/sinkhub-secret.txt";
  FILE* f = fopen(path.c_str(), "w");
  fputs("from-a-file-0123456789\n", f);
  fclose(f);
  const Config c = yaml("auth: {secrets: [\"${file:" + path + "}\"]}\n");
  EXPECT_EQ(c.auth.secrets[0], "from-a-file-0123456789");
  const auto e = errors_of([] { yaml("auth: {secrets: [\"${file:/nonexistent/sinkhub}\"]}\n"); });
  EXPECT_TRUE(any_line(e, "cannot read file '/nonexistent/sinkhub'"));
}

TEST(Config, MalformedReferencesAreRejected) {
  EXPECT_TRUE(any_line(errors_of([] { yaml("auth: {secrets: [\"${vault:x}\"]}\n"); }), "unknown reference"));
  EXPECT_TRUE(any_line(errors_of([] { yaml("auth: {secrets: [\"${env:X\"]}\n"); }), "unterminated"));
  // "$${" is the escape for a literal "${".
  const Config c = yaml("auth: {secrets: [\"$${literal}-0123456789abcdef\"]}\n");
  EXPECT_EQ(c.auth.secrets[0], "${literal}-0123456789abcdef");
}

TEST(Config, SecretIsRequiredUnlessExplicitlyWaived) {
  EXPECT_TRUE(any_line(errors_of([] { yaml("server: {}\n"); }), "auth.secrets needs at least one secret"));
  EXPECT_NO_THROW(yaml("auth: {allow_unauthenticated: true}\n"));
}

TEST(Config, ShortSecretIsRejectedWithoutEchoingIt) {
  const auto e = errors_of([] { yaml("auth: {secrets: [\"hunter2\"]}\n"); });
  ASSERT_FALSE(e.empty());
  EXPECT_TRUE(any_line(e, "at least 16 characters"));
  EXPECT_FALSE(any_line(e, "hunter2"));
}

TEST(Config, BadListenAddressesAreRejected) {
  for (const char* listen : {"localhost:8787", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "1.2.3.4:80x", ":8787",
                             "::1:8787"}) {
    const auto e = errors_of([&] { yaml(kMinimal + "server: {listen: \"" + listen + "\"}\n"); });
    EXPECT_TRUE(any_line(e, "t.yaml:2: server.listen must be IP:PORT")) << listen;
  }
}

TEST(Config, RoutesMayOnlyNameDeclaredSinksAndKnownEvents) {
  const auto e = errors_of([] {
    yaml(kMinimal + R"(sinks: {a: {plugin: file}}
routes:
  - {actors: ["*"], events: [ACTOR.RUN.SUCCEEDED], sinks: [b]}
  - {actors: ["*"], events: [ACTOR.RUN.FINISHED], sinks: [a]}
)");
  });
  EXPECT_TRUE(any_line(e, "t.yaml:4: routes[0].sinks: no sink named 'b' is declared"));
  EXPECT_TRUE(any_line(e, "t.yaml:5: routes[1].events: unknown event type 'ACTOR.RUN.FINISHED'"));
}

TEST(Config, UnknownKeysAndSectionsAreTyposNotSilence) {
  const auto e = errors_of([] { yaml(kMinimal + "server: {listne: \"127.0.0.1:1\"}\nfoo: 1\n"); });
  EXPECT_TRUE(any_line(e, "unknown key server.listne"));
  EXPECT_TRUE(any_line(e, "unknown section 'foo'"));
}

TEST(Config, WrongTypesAndRangesAreRejected) {
  const auto e = errors_of([] {
    yaml(kMinimal + R"(server: {max_body_bytes: lots, read_timeout_ms: 5}
delivery: {workers: 0, max_age: forever}
ledger: {synchronous: off}
)");
  });
  EXPECT_TRUE(any_line(e, "server.max_body_bytes must be an integer"));
  EXPECT_TRUE(any_line(e, "server.read_timeout_ms must be between"));
  EXPECT_TRUE(any_line(e, "delivery.workers must be between"));
  EXPECT_TRUE(any_line(e, "delivery.max_age must be a duration"));
  EXPECT_TRUE(any_line(e, "ledger.synchronous must be 'full' or 'normal'"));
}

// delivery.max_crashes (takeovers of a delivery whose owner died) and delivery.max_stuck_calls
// (plugin calls stuck in a row before the sink is suspended): defaults, values, refusals.
TEST(Config, CrashAndStuckCallLimitsHaveDefaultsAndBounds) {
  const Config d = yaml(kMinimal);
  EXPECT_EQ(d.delivery.max_crashes, 2);
  EXPECT_EQ(d.delivery.max_stuck_calls, 1);
  const Config c = yaml(kMinimal + "delivery: {max_crashes: 5, max_stuck_calls: 3}\n");
  EXPECT_EQ(c.delivery.max_crashes, 5);
  EXPECT_EQ(c.delivery.max_stuck_calls, 3);
  EXPECT_EQ(ini("[auth]\nsecrets = " + std::string(kSecret) + "\n[delivery]\nmax_crashes = 1\n").delivery.max_crashes, 1);
  for (const char* bad : {"0", "-1", "101", "two", "99999999999999999999", "\"2; rm -rf /\"", "[2]", "{a: 1}", "\"\""}) {
    const auto e = errors_of([&] { yaml(kMinimal + "delivery:\n  max_crashes: " + bad + "\n"); });
    EXPECT_TRUE(any_line(e, "t.yaml:3: delivery.max_crashes must be")) << bad;
  }
  for (const char* bad : {"0", "1001", "many", "1.5"}) {
    const auto e = errors_of([&] { yaml(kMinimal + "delivery:\n  max_stuck_calls: " + bad + "\n"); });
    EXPECT_TRUE(any_line(e, "t.yaml:3: delivery.max_stuck_calls must be")) << bad;
  }
  EXPECT_TRUE(any_line(errors_of([] { yaml(kMinimal + "delivery: {max_crash: 2}\n"); }),
                       "unknown key delivery.max_crash"));
}

TEST(Config, SyntaxErrorsCarryTheLine) {
  EXPECT_TRUE(any_line(errors_of([] { yaml("server:\n  listen: [\n"); }), "YAML syntax error"));
  EXPECT_TRUE(any_line(errors_of([] { ini("[server\nlisten=1\n"); }), "t.ini:1: section header must end with ']'"));
  EXPECT_TRUE(any_line(errors_of([] { ini("[bogus.x]\n"); }), "t.ini:1: unknown section [bogus.x]"));
  EXPECT_TRUE(any_line(errors_of([] { ini("[server]\nlisten\n"); }), "t.ini:2: expected 'key = value'"));
  EXPECT_TRUE(any_line(errors_of([] { ini("[server]\npath=/a\npath=/b\n"); }), "t.ini:3: duplicate key 'path'"));
}

TEST(Config, FormatIsChosenByExtension) {
  EXPECT_TRUE(any_line(errors_of([] { load("/tmp/sinkhub.toml"); }), "cannot read config file"));
  EXPECT_THROW(load("/nonexistent/x.yaml"), ConfigError);
}

TEST(Config, Durations) {
  std::chrono::milliseconds ms{};
  EXPECT_TRUE(parse_duration("72h", ms));
  EXPECT_EQ(ms, std::chrono::hours(72));
  EXPECT_TRUE(parse_duration("500ms", ms));
  EXPECT_EQ(ms.count(), 500);
  EXPECT_TRUE(parse_duration("2d", ms));
  EXPECT_EQ(ms, std::chrono::hours(48));
  for (const char* bad : {"", "h", "10", "10y", "-1h", "1.5h", "9999999999999h"}) EXPECT_FALSE(parse_duration(bad, ms)) << bad;
}

}  // namespace
}  // namespace sinkhub::config
