// Who may post: the shared secret (with rotation) and the source-address allow list.
#include "integration.hpp"

namespace sinkhub::it {
namespace {

// Trace logging: the most the daemon ever logs, and still no secret in it.
class Authentication : public DaemonTest {
 protected:
  Daemon::Options options() override {
    Daemon::Options o;
    o.extra_args = {"--log-level", "trace"};
    return o;
  }
};

TEST_F(Authentication, EitherOfTwoConfiguredSecretsIsAcceptedForRotation) {
  const RunInfo a = new_run(), b = new_run();
  const auto with_old = daemon().post_webhook(default_payload(a), {{"X-Webhook-Secret", kSecret}});
  const auto with_new = daemon().post_webhook(default_payload(b), {{"X-Webhook-Secret", kSecret2}});
  EXPECT_EQ(with_old.status, 200) << with_old.body;
  EXPECT_EQ(with_old.json_string("status"), "accepted");
  EXPECT_EQ(with_new.status, 200) << with_new.body;
  EXPECT_EQ(with_new.json_string("status"), "accepted");
  EXPECT_EQ(ledger().event_count(), 2);
}

TEST_F(Authentication, WrongMissingEmptyOrPartialSecretsAreRejectedWith401) {
  const std::string secret = kSecret;
  struct Case {
    const char* what;
    Headers headers;
  };
  const std::vector<Case> cases = {
      {"wrong secret", {{"X-Webhook-Secret", "definitely-not-the-secret-value"}}},
      {"missing header", {{"-X-Webhook-Secret", ""}}},
      {"empty header", {{"X-Webhook-Secret", ""}}},
      {"prefix of the secret", {{"X-Webhook-Secret", secret.substr(0, secret.size() - 1)}}},
      {"first half of the secret", {{"X-Webhook-Secret", secret.substr(0, secret.size() / 2)}}},
      {"secret plus a suffix", {{"X-Webhook-Secret", secret + "x"}}},
      {"secret in upper case", {{"X-Webhook-Secret", "IT-SECRET-7C1E9A2B4D6F8E0A"}}},
      {"both secrets concatenated", {{"X-Webhook-Secret", secret + kSecret2}}},
      {"secret in another header", {{"-X-Webhook-Secret", ""}, {"Authorization", "Bearer " + secret}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const auto r = daemon().post_webhook(default_payload(new_run()), c.headers);
    EXPECT_TRUE(IsJsonError(r, 401));
  }
  EXPECT_EQ(ledger().event_count(), 0);
  // A good request still works afterwards.
  EXPECT_EQ(daemon().post_webhook(default_payload(new_run())).status, 200);

  EXPECT_EQ(daemon().stop(), 0);
  const std::string log = daemon().log();
  EXPECT_NE(log.find("webhook rejected"), std::string::npos) << "rejections are logged:\n" << log;
  EXPECT_EQ(log.find(kSecret), std::string::npos) << "secret found in the log:\n" << log;
  EXPECT_EQ(log.find(kSecret2), std::string::npos) << "second secret found in the log:\n" << log;
  EXPECT_EQ(log.find(secret.substr(0, secret.size() / 2)), std::string::npos)
      << "half of the secret (as presented) found in the log:\n" << log;
  EXPECT_EQ(log.find("definitely-not-the-secret-value"), std::string::npos)
      << "presented wrong secrets should not be logged either:\n" << log;
}

TEST_F(Authentication, ConfigurableHeaderIsTheOnlyPlaceTheSecretIsRead) {
  // The secret in the query string or body does not authenticate.
  const auto r = http_request(daemon().port(), "POST", std::string("/apify-webhook?secret=") + kSecret, {},
                              default_payload(new_run()), "application/json");
  EXPECT_TRUE(IsJsonError(r, 401));
}

TEST_F(Authentication, SecretIsCheckedBeforeTheContentType) {
  const auto r = http_request(daemon().port(), "POST", "/apify-webhook", {{"X-Webhook-Secret", "wrong-wrong-wrong-wrong"}},
                              "not json at all", "text/plain");
  EXPECT_TRUE(IsJsonError(r, 401));
}

class SecretsFromEnvironmentAndFile : public DaemonTest {
 protected:
  std::string config() override {
    return replace_all(stock_yaml(), "secrets: [\"{{SECRET}}\", \"{{SECRET2}}\"]",
                       "secrets: [\"${env:SINKHUB_IT_SECRET}\", \"${file:{{DIR}}/secret.txt}\"]");
  }
  Daemon::Options options() override {
    Daemon::Options o;
    o.env = {{"SINKHUB_IT_SECRET", "secret-from-the-environment-42"}};
    return o;
  }
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(config(), options());
    write_file(daemon_->dir() + "/secret.txt", "secret-from-a-file-0123456789\n");
    daemon_->start();
  }
};

TEST_F(SecretsFromEnvironmentAndFile, SubstitutedSecretsAuthenticate) {
  EXPECT_EQ(daemon().post_webhook(default_payload(new_run()), {{"X-Webhook-Secret", "secret-from-the-environment-42"}})
                .status,
            200);
  EXPECT_EQ(
      daemon().post_webhook(default_payload(new_run()), {{"X-Webhook-Secret", "secret-from-a-file-0123456789"}}).status,
      200)
      << "the trailing newline of the secret file is not part of the secret";
  EXPECT_TRUE(IsJsonError(daemon().post_webhook(default_payload(new_run()), {{"X-Webhook-Secret", "${env:SINKHUB_IT_SECRET}"}}),
                          401));
  EXPECT_EQ(daemon().log().find("secret-from-the-environment-42"), std::string::npos);
}

// --- source addresses ---------------------------------------------------------------

class OnlyOtherNetworksAllowed : public DaemonTest {
 protected:
  std::string config() override {
    StockConfig k;
    k.allow_ips = {"10.0.0.0/8", "192.168.0.0/16"};
    return stock_yaml(k);
  }
};

TEST_F(OnlyOtherNetworksAllowed, RequestFromOutsideAllowIpsIsForbiddenEvenWithTheRightSecret) {
  EXPECT_TRUE(IsJsonError(daemon().post_webhook(default_payload(new_run())), 403));
  EXPECT_EQ(ledger().event_count(), 0);
}

TEST_F(OnlyOtherNetworksAllowed, AddressIsCheckedBeforeTheSecret) {
  EXPECT_TRUE(IsJsonError(daemon().post_webhook(default_payload(new_run()), {{"X-Webhook-Secret", "nope-nope-nope-nope"}}),
                          403));
  EXPECT_TRUE(IsJsonError(daemon().post_webhook(default_payload(new_run()), {{"-X-Webhook-Secret", ""}}), 403));
}

TEST_F(OnlyOtherNetworksAllowed, ForwardedForIsNotBelievedWithoutTrustedProxies) {
  EXPECT_TRUE(
      IsJsonError(daemon().post_webhook(default_payload(new_run()), {{"X-Forwarded-For", "10.1.2.3"}}), 403));
}

TEST_F(OnlyOtherNetworksAllowed, HealthEndpointsAreNotSubjectToAllowIps) {
  EXPECT_EQ(daemon().get("/healthz").status, 200);
}

class LoopbackAllowed : public DaemonTest {
 protected:
  std::string config() override {
    StockConfig k;
    k.allow_ips = {"10.0.0.0/8", "127.0.0.1/32"};
    return stock_yaml(k);
  }
};

TEST_F(LoopbackAllowed, RequestFromAnAllowedAddressIsAccepted) {
  const auto r = daemon().post_webhook(default_payload(new_run()));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(IsJsonError(daemon().post_webhook(default_payload(new_run()), {{"X-Webhook-Secret", "nope-nope-nope-nope"}}),
                          401))
      << "an allowed address still needs the secret";
}

class BehindTrustedProxy : public DaemonTest {
 protected:
  std::string config() override {
    StockConfig k;
    k.allow_ips = {"203.0.113.0/24"};
    k.trusted_proxies = {"127.0.0.1/32", "10.0.0.0/8"};
    return stock_yaml(k);
  }
};

TEST_F(BehindTrustedProxy, ClientAddressComesFromForwardedForWhenThePeerIsATrustedProxy) {
  const auto r = daemon().post_webhook(default_payload(new_run()), {{"X-Forwarded-For", "203.0.113.7"}});
  EXPECT_EQ(r.status, 200) << r.body;
  // A chain through another trusted proxy: the rightmost untrusted hop is the client.
  const auto chain = daemon().post_webhook(default_payload(new_run()), {{"X-Forwarded-For", "203.0.113.9, 10.0.0.5"}});
  EXPECT_EQ(chain.status, 200) << chain.body;
  EXPECT_EQ(ledger().event_count(), 2);
  const auto headers = ledger().query("SELECT headers FROM events ORDER BY id");
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_NE(headers[0].at("headers").find("203.0.113.7"), std::string::npos)
      << "the audit trail names the real client: " << headers[0].at("headers");
}

TEST_F(BehindTrustedProxy, ForwardedClientOutsideAllowIpsIsForbidden) {
  EXPECT_TRUE(
      IsJsonError(daemon().post_webhook(default_payload(new_run()), {{"X-Forwarded-For", "198.51.100.1"}}), 403));
  EXPECT_TRUE(IsJsonError(daemon().post_webhook(default_payload(new_run())), 403))
      << "without X-Forwarded-For the client is the proxy itself";
}

TEST_F(BehindTrustedProxy, ForgedLeftmostHopDoesNotGetIn) {
  // The attacker (198.51.100.9) prepends an allowed address; the proxy appends the real one.
  EXPECT_TRUE(IsJsonError(
      daemon().post_webhook(default_payload(new_run()), {{"X-Forwarded-For", "203.0.113.7, 198.51.100.9"}}), 403));
  EXPECT_TRUE(IsJsonError(
      daemon().post_webhook(default_payload(new_run()), {{"X-Forwarded-For", "203.0.113.7, garbage"}}), 403))
      << "a malformed hop ends the walk at the proxy";
  EXPECT_EQ(ledger().event_count(), 0);
}

}  // namespace
}  // namespace sinkhub::it
