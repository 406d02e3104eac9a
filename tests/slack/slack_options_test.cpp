// The Slack sink's options through `sinkhub check-config` (schema, then the plugin's
// create() with SINKHUB_CREATE_CHECK_ONLY): wrong, missing, oversized and malicious values
// each fail with a message naming the option, and never echo the webhook URL.
#include "slack_fixture.hpp"

namespace sinkhub::st {
namespace {

class SlackOptions : public ::testing::Test {
 protected:
  // check-config on a config with one slack sink whose option lines are `options`.
  CliResult check(const std::string& options) {
    Conf s;
    s.sinks.emplace_back("team-slack", "    plugin: slack\n" + options);
    s.route("ACTOR.RUN.SUCCEEDED", "team-slack");
    const std::string path = dir_.file("sinkhub.yaml");
    write_file(path, render_config(render(s, "http://127.0.0.1:9"), 8787, dir_.path()));
    return run_cli({"check-config", "--config", path}, {}, scaled(seconds(20)));
  }
  ::testing::AssertionResult Fails(const CliResult& r, const std::vector<std::string>& words) {
    if (r.exit_code != 1) return ::testing::AssertionFailure() << "exit " << r.exit_code << "\n" << r.out << r.err;
    for (const auto& w : words)
      if (r.err.find(w) == std::string::npos)
        return ::testing::AssertionFailure() << "stderr does not name '" << w << "':\n" << r.err;
    if (r.err.find(kSecret) != std::string::npos || r.out.find(kSecret) != std::string::npos)
      return ::testing::AssertionFailure() << "the webhook URL was echoed:\n" << r.err;
    return ::testing::AssertionSuccess();
  }
  static std::string url(const std::string& base = "https://hooks.slack.com") {
    return "    webhook_url: \"" + base + hook_path() + "\"\n";
  }

  TempDir dir_;
};

TEST_F(SlackOptions, AValidConfigPasses) {
  const auto r =
      check(url() +
            "    on_success: \"New scrape: {itemCount} rows from {actorName}. First URL: {items[0].url}\"\n"
            "    on_failure: \":warning: {actorName} run {runId} ended {status}. {consoleUrl} {{literal}}\"\n"
            "    preview_items: 5\n"
            "    fields: [url, title, price.amount]\n");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(SlackOptions, AnUnknownPlaceholderIsNamedWithItsOption) {
  EXPECT_TRUE(Fails(check(url() + "    on_success: \"{itemCount} rows from {actorNmae}\"\n"),
                    {"team-slack", "on_success", "unknown placeholder {actorNmae}"}));
  EXPECT_TRUE(Fails(check(url() + "    on_failure: \"{runId} {items[0]url}\"\n"), {"on_failure", "{items[0]url}"}));
  EXPECT_TRUE(Fails(check(url() + "    on_failure: \"{items[100].x}\"\n"), {"on_failure", "item index above 99"}));
  EXPECT_TRUE(Fails(check(url() + "    on_success: \"oops {runId\"\n"), {"on_success", "unterminated placeholder"}));
}

TEST_F(SlackOptions, TheWebhookUrlIsRequiredAndMustBeHttps) {
  EXPECT_TRUE(Fails(check("    on_success: \"x\"\n"), {"webhook_url"}));
  EXPECT_TRUE(Fails(check("    webhook_url: \"\"\n"), {"webhook_url", "must not be empty"}));
  EXPECT_TRUE(Fails(check(url("http://hooks.slack.com")), {"webhook_url", "https://"}));
  EXPECT_TRUE(Fails(check(url("ftp://hooks.slack.com")), {"webhook_url", "https://"}));
  EXPECT_TRUE(Fails(check("    webhook_url: \"hooks.slack.com" + hook_path() + "\"\n"), {"webhook_url"}));
  EXPECT_TRUE(Fails(check(url("https://user:pw@hooks.slack.com")), {"webhook_url", "user info"}));
  EXPECT_TRUE(
      Fails(check("    webhook_url: \"https://hooks.slack.com/a b" + kSecret + "\"\n"), {"webhook_url", "spaces"}));
  EXPECT_TRUE(Fails(check("    webhook_url: 42\n"), {"webhook_url"}));
  EXPECT_TRUE(Fails(check("    webhook_url: \"https://hooks.slack.com/" + std::string(3000, 'a') + "\"\n"),
                    {"webhook_url", "2048"}));
  EXPECT_EQ(check(url("http://127.0.0.1:8080")).exit_code, 0) << "plain http only to loopback";
  EXPECT_EQ(check(url("http://localhost:8080")).exit_code, 0);
}

TEST_F(SlackOptions, PreviewAndFieldsAreBounded) {
  EXPECT_TRUE(Fails(check(url() + "    preview_items: -1\n"), {"preview_items"}));
  EXPECT_TRUE(Fails(check(url() + "    preview_items: 101\n"), {"preview_items"}));
  EXPECT_TRUE(Fails(check(url() + "    preview_items: \"five\"\n"), {"preview_items"}));
  EXPECT_TRUE(Fails(check(url() + "    fields: [a, b, c, d, e, f, g, h, i, j, k]\n"), {"fields", "at most 10"}));
  EXPECT_TRUE(Fails(check(url() + "    fields: [\"a..b\"]\n"), {"fields", "entry 1"}));
  EXPECT_TRUE(Fails(check(url() + "    fields: [\"<!channel>\"]\n"), {"fields"}));
  EXPECT_TRUE(Fails(check(url() + "    fields: url\n"), {"fields"}));
}

TEST_F(SlackOptions, OversizedAndUnknownOptionsAreRefused) {
  EXPECT_TRUE(Fails(check(url() + "    on_success: \"" + std::string(20001, 'x') + "\"\n"), {"on_success", "20000"}));
  EXPECT_TRUE(Fails(check(url() + "    username: \"" + std::string(81, 'u') + "\"\n"), {"username"}));
  EXPECT_TRUE(Fails(check(url() + "    channel: \"#general\"\n"), {"channel"}));
  EXPECT_TRUE(Fails(check(url() + "    preview_items: 5\n    on_success: {x: 1}\n"), {"on_success"}));
}

// config/examples/slack.yaml (the example) passes check-config as shipped.
TEST_F(SlackOptions, TheShippedExampleIsValid) {
  std::string text = read_file(SLACK_EXAMPLE_CONFIG);
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"[./build/plugins]", "[\"{{PLUGINS}}\"]"}, {"./var/sinkhub.db", "{{DIR}}/ledger.db"}}) {
    ASSERT_NE(text.find(from), std::string::npos) << from;
    text.replace(text.find(from), from.size(), to);
  }
  const std::string path = dir_.file("slack.yaml");
  write_file(path, render_config(text, 8787, dir_.path()));
  const auto r = run_cli({"check-config", "--config", path},
                         {{"SINKHUB_WEBHOOK_SECRET", "a-webhook-secret-0123456789"},
                          {"APIFY_TOKEN", "apify-token"},
                          {"SLACK_WEBHOOK_URL", "https://hooks.slack.com" + hook_path()}},
                         scaled(seconds(20)));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace sinkhub::st
