// Who may post: the secret header (any configured secret), the source allowlist and proxies.
#include <gtest/gtest.h>

#include "webhook/routes.hpp"
#include "webhook/verifier.hpp"

namespace sinkhub::webhook {
namespace {

using Poco::Net::IPAddress;

IPAddress ip(const std::string& s) { return IPAddress(s); }

std::vector<model::Cidr> cidrs(std::initializer_list<const char*> list) {
  std::vector<model::Cidr> out;
  for (const char* s : list) out.push_back(*model::Cidr::parse(s));
  return out;
}

TEST(Secret, AnyConfiguredSecretMatchesExactly) {
  const std::vector<std::string> secrets = {"old-secret-0123456789", "new-secret-9876543210"};
  EXPECT_TRUE(secret_matches("old-secret-0123456789", secrets));
  EXPECT_TRUE(secret_matches("new-secret-9876543210", secrets));
  EXPECT_FALSE(secret_matches("", secrets));
  EXPECT_FALSE(secret_matches("old-secret-012345678", secrets));     // prefix
  EXPECT_FALSE(secret_matches("old-secret-01234567890", secrets));   // extension
  EXPECT_FALSE(secret_matches("OLD-SECRET-0123456789", secrets));    // case
  EXPECT_FALSE(secret_matches("old-secret-0123456789 ", secrets));   // trailing space
  EXPECT_FALSE(secret_matches(std::string("old-secret-0123456789\0", 22), secrets));
  EXPECT_FALSE(secret_matches("anything", {}));
}

TEST(Cidr, ParsesAndMatchesBothFamilies) {
  EXPECT_TRUE(model::Cidr::parse("10.0.0.0/8")->contains(ip("10.200.3.4")));
  EXPECT_FALSE(model::Cidr::parse("10.0.0.0/8")->contains(ip("11.0.0.1")));
  EXPECT_TRUE(model::Cidr::parse("3.215.64.207")->contains(ip("3.215.64.207")));
  EXPECT_FALSE(model::Cidr::parse("3.215.64.207")->contains(ip("3.215.64.208")));
  EXPECT_TRUE(model::Cidr::parse("2001:db8::/32")->contains(ip("2001:db8:1::5")));
  EXPECT_FALSE(model::Cidr::parse("2001:db8::/32")->contains(ip("10.0.0.1")));
  EXPECT_TRUE(model::Cidr::parse("0.0.0.0/0")->contains(ip("8.8.8.8")));
  // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
  EXPECT_TRUE(model::Cidr::parse("127.0.0.0/8")->contains(ip("::ffff:127.0.0.1")));
  for (const char* bad : {"", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0/8", "host.example", "::/129", "1.2.3.4/8x"})
    EXPECT_FALSE(model::Cidr::parse(bad).has_value()) << bad;
}

TEST(ClientAddress, ForwardedForIsBelievedOnlyFromTrustedProxies) {
  const auto proxies = cidrs({"10.0.0.0/8"});
  EXPECT_EQ(client_address(ip("10.1.1.1"), "3.215.64.207", proxies), ip("3.215.64.207"));
  // An untrusted peer cannot claim another address.
  EXPECT_EQ(client_address(ip("8.8.8.8"), "3.215.64.207", proxies), ip("8.8.8.8"));
  // Walk right to left through trusted hops; a forged left-most entry is not used.
  EXPECT_EQ(client_address(ip("10.1.1.1"), "1.1.1.1, 3.215.64.207, 10.2.2.2", proxies), ip("3.215.64.207"));
  EXPECT_EQ(client_address(ip("10.1.1.1"), "1.1.1.1, garbage", proxies), ip("10.1.1.1"));
  EXPECT_EQ(client_address(ip("10.1.1.1"), "", proxies), ip("10.1.1.1"));
}

TEST(Verifier, AddressIsCheckedBeforeTheSecret) {
  config::AuthConfig auth;
  auth.secrets = {"a-long-enough-secret-1"};
  auth.allow_ips = cidrs({"3.215.64.207"});
  Verifier v(auth);
  EXPECT_EQ(v.check(ip("3.215.64.207"), true, "a-long-enough-secret-1"), Verdict::Allowed);
  EXPECT_EQ(v.check(ip("9.9.9.9"), true, "a-long-enough-secret-1"), Verdict::ForbiddenAddress);
  EXPECT_EQ(v.check(ip("3.215.64.207"), false, ""), Verdict::MissingSecret);
  EXPECT_EQ(v.check(ip("3.215.64.207"), true, ""), Verdict::WrongSecret);
  config::AuthConfig open;
  open.allow_unauthenticated = true;
  EXPECT_EQ(Verifier(open).check(ip("9.9.9.9"), false, ""), Verdict::Allowed);
}

}  // namespace
}  // namespace sinkhub::webhook

namespace sinkhub::webhook {
namespace {

config::Config two_routes() {
  config::Config c;
  c.sinks = {{"files", "file", {}, {}, 0}, {"slack", "slack", {}, {}, 0}, {"s3", "s3", {}, {}, 0}};
  c.routes.push_back({"all", {"*"}, {"ACTOR.RUN.SUCCEEDED"}, {"files"}, 0});
  c.routes.push_back({"alerts", {"actorA", "taskT"}, {"*"}, {"slack", "files"}, 0});
  c.routes.push_back({"tests", {"*"}, {"TEST"}, {"slack"}, 0});
  return c;
}

model::Event ev(const std::string& type, const std::string& actor, const std::string& task = "") {
  model::Event e;
  e.event_type = type;
  e.actor_id = actor;
  e.task_id = task;
  return e;
}

std::vector<std::string> sinks(const std::vector<model::PlannedDelivery>& p) {
  std::vector<std::string> out;
  for (const auto& d : p) out.push_back(d.sink);
  return out;
}

TEST(Router, EveryMatchingRouteFansOutOnceperSink) {
  const auto c = two_routes();
  EXPECT_EQ(sinks(plan(c.routes, ev("ACTOR.RUN.SUCCEEDED", "actorA"))), (std::vector<std::string>{"files", "slack"}));
  EXPECT_EQ(sinks(plan(c.routes, ev("ACTOR.RUN.SUCCEEDED", "other"))), (std::vector<std::string>{"files"}));
  EXPECT_EQ(sinks(plan(c.routes, ev("ACTOR.RUN.FAILED", "other", "taskT"))), (std::vector<std::string>{"slack", "files"}));
  EXPECT_TRUE(plan(c.routes, ev("ACTOR.RUN.FAILED", "other")).empty());
}

TEST(Router, OnlySucceededRunsCarryTheDataset) {
  const auto c = two_routes();
  for (const auto& d : plan(c.routes, ev("ACTOR.RUN.SUCCEEDED", "actorA"))) EXPECT_TRUE(d.with_items);
  for (const auto& d : plan(c.routes, ev("ACTOR.RUN.FAILED", "actorA"))) EXPECT_FALSE(d.with_items);
}

TEST(Router, StarEventsMeanRunEventsOnly) {
  const auto c = two_routes();
  EXPECT_TRUE(plan(c.routes, ev("ACTOR.BUILD.SUCCEEDED", "actorA")).empty());
  // TEST reaches only routes that name it, as an event-only delivery.
  const auto t = plan(c.routes, ev("TEST", ""));
  ASSERT_EQ(sinks(t), std::vector<std::string>{"slack"});
  EXPECT_FALSE(t[0].with_items);
}

}  // namespace
}  // namespace sinkhub::webhook
