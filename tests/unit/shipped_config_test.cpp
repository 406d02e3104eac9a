// The configs we ship and document must stay valid as the code changes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/config.hpp"

namespace sinkhub::config {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ShippedConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("SINKHUB_WEBHOOK_SECRET", "a-secret-of-sixteen-or-more", 1);
    setenv("APIFY_TOKEN", "apify_api_test", 1);
  }
};

TEST_F(ShippedConfig, TheDefaultYamlIsValid) {
  const Config c = load(SINKHUB_SOURCE_DIR "/config/sinkhub.yaml");
  EXPECT_EQ(c.server.port, 8787);
  EXPECT_EQ(c.ledger.path, "./var/sinkhub.db");
  ASSERT_EQ(c.sinks.size(), 1u);
  EXPECT_EQ(c.sinks[0].plugin, "file");
  EXPECT_EQ(c.apify.reconcile.interval, std::chrono::minutes(10)) << "the shipped config reconciles";
  EXPECT_EQ(c.ledger.retention.done, std::chrono::hours(30 * 24)) << "the shipped config prunes";
  EXPECT_EQ(c.ledger.retention.dedup_keys, std::chrono::hours(14 * 24));
}

TEST_F(ShippedConfig, TheIniExampleMeansTheSameAsTheDefault) {
  const Config yaml = load(SINKHUB_SOURCE_DIR "/config/sinkhub.yaml");
  const Config ini = load(SINKHUB_SOURCE_DIR "/config/examples/sinkhub.ini");
  EXPECT_EQ(ini.server.host, yaml.server.host);
  EXPECT_EQ(ini.server.port, yaml.server.port);
  EXPECT_EQ(ini.auth.secrets, yaml.auth.secrets);
  EXPECT_EQ(ini.ledger.path, yaml.ledger.path);
  EXPECT_EQ(ini.plugin_dirs, yaml.plugin_dirs);
  ASSERT_EQ(ini.sinks.size(), 1u);
  EXPECT_EQ(to_json(ini.sinks[0].options), to_json(yaml.sinks[0].options));
  ASSERT_EQ(ini.routes.size(), 1u);
  EXPECT_EQ(ini.routes[0].events, yaml.routes[0].events);
  EXPECT_EQ(ini.routes[0].sinks, yaml.routes[0].sinks);
  EXPECT_EQ(ini.apify.reconcile.interval, yaml.apify.reconcile.interval);
  EXPECT_EQ(ini.apify.reconcile.lookback, yaml.apify.reconcile.lookback);
  EXPECT_EQ(ini.ledger.retention.done, yaml.ledger.retention.done);
  EXPECT_EQ(ini.ledger.retention.dead, yaml.ledger.retention.dead);
  EXPECT_EQ(ini.ledger.retention.dedup_keys, yaml.ledger.retention.dedup_keys);
}

TEST_F(ShippedConfig, TheFullExampleIsValid) {
  // It reads a previous secret from a file: point that at a temporary one.
  const std::string secret_file = ::testing::TempDir() + "/sinkhub-previous-secret";
  std::ofstream(secret_file) << "the-previous-secret-0123\n";
  std::string text = slurp(SINKHUB_SOURCE_DIR "/config/examples/full.yaml");
  const std::string from = "/etc/sinkhub/previous-secret";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), secret_file);
  const Config c = from_tree(parse_yaml(text, "full.yaml"), "full.yaml");
  EXPECT_EQ(c.auth.secrets.size(), 2u);
  EXPECT_EQ(c.auth.allow_ips.size(), 10u);
  EXPECT_EQ(c.delivery.lease, std::chrono::seconds(30));
  EXPECT_EQ(c.apify.public_url, "https://sinkhub.example.com/apify-webhook");
  EXPECT_EQ(c.apify.webhook_description, "sinkhub production");
  EXPECT_EQ(c.apify.reconcile.statuses, (std::vector<std::string>{"SUCCEEDED", "FAILED", "ABORTED", "TIMED-OUT"}));
  EXPECT_EQ(c.ledger.retention.dead, std::chrono::hours(90 * 24));
  EXPECT_EQ(c.ledger.retention.interval, std::chrono::minutes(10));
}

}  // namespace
}  // namespace sinkhub::config

namespace sinkhub::config {
namespace {

TEST_F(ShippedConfig, TheInstalledConfigIsValidAndUsesTheStandardPlaces) {
  const Config c = load(SINKHUB_BINARY_DIR "/sinkhub.installed.yaml");
  EXPECT_NE(c.ledger.path.find("/lib/sinkhub/sinkhub.db"), std::string::npos) << c.ledger.path;
  ASSERT_EQ(c.plugin_dirs.size(), 1u);
  EXPECT_NE(c.plugin_dirs[0].find("/lib/sinkhub/plugins"), std::string::npos) << c.plugin_dirs[0];
  EXPECT_EQ(c.ledger.retention.done, std::chrono::hours(30 * 24)) << "installed ledgers stay bounded";
  EXPECT_EQ(c.ledger.retention.dedup_keys, std::chrono::hours(14 * 24));
}

}  // namespace
}  // namespace sinkhub::config
