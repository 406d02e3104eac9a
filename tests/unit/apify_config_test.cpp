// The apify section's control-plane keys: public_url, webhook_description, apify.reconcile.
#include <gtest/gtest.h>

#include <functional>

#include "config/config.hpp"

namespace sinkhub::config {
namespace {

const std::string kAuth = "auth: {secrets: [\"0123456789abcdef-secret\"]}\n";

Config yaml(const std::string& apify) { return from_tree(parse_yaml(kAuth + "apify:\n" + apify, "t.yaml"), "t.yaml"); }

// The one diagnostic line of a config that must fail.
std::string error_of(const std::string& apify) {
  try {
    yaml(apify);
  } catch (const ConfigError& e) {
    std::string all;
    for (const auto& l : e.lines()) all += l + "\n";
    return all;
  }
  ADD_FAILURE() << "accepted: " << apify;
  return {};
}

TEST(ApifyConfig, DefaultsLeaveReconciliationOffAndNameTheInstance) {
  const Config c = yaml("  token: t\n");
  EXPECT_TRUE(c.apify.public_url.empty());
  EXPECT_EQ(c.apify.webhook_description, "sinkhub");
  EXPECT_EQ(c.apify.reconcile.interval.count(), 0);
  EXPECT_EQ(c.apify.reconcile.lookback, std::chrono::hours(72));
  EXPECT_EQ(c.apify.reconcile.max_run_duration, std::chrono::hours(24));
  EXPECT_EQ(c.apify.reconcile.statuses, (std::vector<std::string>{"SUCCEEDED", "FAILED", "ABORTED", "TIMED-OUT"}));
}

TEST(ApifyConfig, PublicUrlMustBeHttpsOrLoopbackHttp) {
  EXPECT_EQ(yaml("  public_url: https://hooks.example.com/apify-webhook\n").apify.webhook_description,
            "sinkhub hooks.example.com");
  EXPECT_EQ(yaml("  public_url: http://127.0.0.1:8787/apify-webhook\n").apify.public_url,
            "http://127.0.0.1:8787/apify-webhook");
  EXPECT_NO_THROW(yaml("  public_url: \"http://[::1]:8787/h\"\n"));
  EXPECT_NO_THROW(yaml("  public_url: http://localhost:8787/h\n"));
  EXPECT_NE(error_of("  public_url: http://hooks.example.com/h\n").find("must be https://"), std::string::npos);
  EXPECT_NE(error_of("  public_url: ftp://hooks.example.com/h\n").find("absolute URL"), std::string::npos);
  EXPECT_NE(error_of("  public_url: /apify-webhook\n").find("absolute URL"), std::string::npos);
  EXPECT_NE(error_of("  public_url: \"https://u:p@hooks.example.com/h\"\n").find("user:password"), std::string::npos);
  EXPECT_NE(error_of("  public_url: \"https://hooks.example.com/h#x\"\n").find("fragment"), std::string::npos);
  EXPECT_NE(error_of("  public_url: \"https://hooks.example.com/a b\"\n").find("spaces"), std::string::npos);
  EXPECT_NE(error_of("  public_url: [a]\n").find("must be a string"), std::string::npos);
  const std::string huge = "https://h.example.com/" + std::string(3000, 'a');
  const std::string msg = error_of("  public_url: " + huge + "\n");
  EXPECT_NE(msg.find("longer than 2048"), std::string::npos);
  EXPECT_EQ(msg.find(std::string(100, 'a')), std::string::npos) << "a long value is not echoed";
}

TEST(ApifyConfig, PublicUrlFromTheEnvironmentIsNeverEchoed) {
  setenv("SINKHUB_T_URL", "http://secret-host.example.com/h", 1);
  const std::string msg = error_of("  public_url: \"${env:SINKHUB_T_URL}\"\n");
  EXPECT_NE(msg.find("a substituted value"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("secret-host"), std::string::npos) << msg;
}

TEST(ApifyConfig, WebhookDescriptionIsOneLineOfText) {
  EXPECT_EQ(yaml("  webhook_description: \"  prod eu  \"\n").apify.webhook_description, "prod eu");
  EXPECT_NE(error_of("  webhook_description: \"\"\n").find("must not be empty"), std::string::npos);
  EXPECT_NE(error_of("  webhook_description: \"a\\nb\"\n").find("printable UTF-8 text on one line"),
            std::string::npos);
  EXPECT_NE(error_of("  webhook_description: " + std::string(201, 'x') + "\n").find("at most 200"),
            std::string::npos);
  EXPECT_NE(error_of("  webhook_description: {a: b}\n").find("must be a string"), std::string::npos);
}

TEST(ApifyConfig, ReconcileTakesDurationsAndTerminalStatuses) {
  const Config c = yaml(
      "  reconcile: {interval: 10m, lookback: 24h, max_run_duration: 2d, statuses: [SUCCEEDED, TIMED_OUT, "
      "TIMED-OUT]}\n");
  EXPECT_EQ(c.apify.reconcile.interval, std::chrono::minutes(10));
  EXPECT_EQ(c.apify.reconcile.lookback, std::chrono::hours(24));
  EXPECT_EQ(c.apify.reconcile.max_run_duration, std::chrono::hours(48));
  EXPECT_EQ(c.apify.reconcile.statuses, (std::vector<std::string>{"SUCCEEDED", "TIMED-OUT"}));
  EXPECT_EQ(yaml("  reconcile: {interval: 0}\n").apify.reconcile.interval.count(), 0);
}

TEST(ApifyConfig, ReconcileRefusesWhatItCannotMean) {
  EXPECT_NE(error_of("  reconcile: {interval: 500ms}\n").find("apify.reconcile.interval must be a duration 0 (off) or "
                                                            "between 1s and 24h"),
            std::string::npos);
  EXPECT_NE(error_of("  reconcile: {interval: soon}\n").find("apify.reconcile.interval"), std::string::npos);
  EXPECT_NE(error_of("  reconcile: {lookback: 31d}\n").find("apify.reconcile.lookback"), std::string::npos);
  EXPECT_NE(error_of("  reconcile: {lookback: -1h}\n").find("apify.reconcile.lookback"), std::string::npos);
  EXPECT_NE(error_of("  reconcile: {statuses: [RUNNING]}\n").find("not a terminal run status"), std::string::npos);
  EXPECT_NE(error_of("  reconcile: {statuses: []}\n").find("at least one"), std::string::npos);
  EXPECT_NE(error_of("  reconcile: {intervall: 10m}\n").find("intervall"), std::string::npos) << "typos are errors";
  EXPECT_NE(error_of("  reconcile: 10m\n").find("reconcile"), std::string::npos);
}

TEST(ApifyConfig, IniHasAnApifyReconcileSection) {
  const Config c = from_tree(parse_ini("[auth]\nsecrets = 0123456789abcdef-secret\n[apify]\ntoken = t\n"
                                       "public_url = https://h.example.com/x\n[apify.reconcile]\ninterval = 5m\n"
                                       "statuses = SUCCEEDED, FAILED\n",
                                       "t.ini"),
                             "t.ini");
  EXPECT_EQ(c.apify.reconcile.interval, std::chrono::minutes(5));
  EXPECT_EQ(c.apify.reconcile.statuses, (std::vector<std::string>{"SUCCEEDED", "FAILED"}));
  EXPECT_THROW(from_tree(parse_ini("[apify]\n[apify]\n", "t.ini"), "t.ini"), ConfigError);
}

}  // namespace
}  // namespace sinkhub::config
