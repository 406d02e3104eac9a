// ledger.retention: how long finished deliveries, their history and the dedup keys stay. Every
// value is checked and every problem named at its line; dedup keys never go before Apify's
// retries (or the reconciler's lookback) could still bring their webhook back.
#include <gtest/gtest.h>

#include <cstdlib>

#include "config/changes.hpp"
#include "config/config.hpp"

namespace sinkhub::config {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const std::string kAuth = "auth: {secrets: [\"0123456789abcdef-secret\"]}\n";

Config yaml(const std::string& ledger, const std::string& more = {}) {
  return from_tree(parse_yaml(kAuth + "ledger:\n" + ledger + more, "t.yaml"), "t.yaml");
}

// Every diagnostic line of a config that must fail ("t.yaml:LINE: message").
std::string error_of(const std::string& ledger, const std::string& more = {}) {
  try {
    yaml(ledger, more);
  } catch (const ConfigError& e) {
    std::string all;
    for (const auto& l : e.lines()) all += l + "\n";
    return all;
  }
  ADD_FAILURE() << "accepted: " << ledger << more;
  return {};
}

TEST(RetentionConfig, DefaultsKeepAMonthOfDoneAQuarterOfDeadAndTwoWeeksOfKeys) {
  const Config c = yaml("  path: x.db\n");
  EXPECT_EQ(c.ledger.retention.done, hours(30 * 24));
  EXPECT_EQ(c.ledger.retention.dead, hours(90 * 24));
  EXPECT_EQ(c.ledger.retention.dedup_keys, hours(14 * 24));
  EXPECT_EQ(c.ledger.retention.interval, minutes(10));
}

TEST(RetentionConfig, TakesDurationsAndZeroKeepsForever) {
  const Config c = yaml("  retention: {done: 7d, dead: 36h, dedup_keys: 8d, interval: 30s}\n");
  EXPECT_EQ(c.ledger.retention.done, hours(7 * 24));
  EXPECT_EQ(c.ledger.retention.dead, hours(36));
  EXPECT_EQ(c.ledger.retention.dedup_keys, hours(8 * 24));
  EXPECT_EQ(c.ledger.retention.interval, std::chrono::seconds(30));
  const Config forever = yaml("  retention: {done: 0, dead: 0}\n");
  EXPECT_EQ(forever.ledger.retention.done.count(), 0);
  EXPECT_EQ(forever.ledger.retention.dead.count(), 0);
  // With PostgreSQL too: every daemon of a shared ledger reads the same keys.
  EXPECT_EQ(yaml("  url: \"postgresql://u@db.internal/s\"\n  retention: {done: 2d}\n").ledger.retention.done,
            hours(48));
}

TEST(RetentionConfig, DedupKeysBelowAWeekAreRefusedWithTheReasonAtTheirLine) {
  const std::string msg = error_of("  path: x.db\n  retention:\n    dedup_keys: 6d\n");
  EXPECT_NE(msg.find("t.yaml:5: ledger.retention.dedup_keys must be at least 7d, got '6d'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Apify retries a webhook for about 32 hours"), std::string::npos) << msg;
  EXPECT_NE(error_of("  retention: {dedup_keys: 32h}\n").find("at least 7d"), std::string::npos);
  EXPECT_NE(error_of("  retention: {dedup_keys: 0s}\n").find("at least 7d"), std::string::npos);
  EXPECT_NE(error_of("  retention: {dedup_keys: 0}\n").find("ledger.retention.dedup_keys must be a duration between 7d"),
            std::string::npos)
      << "no 'off' for dedup keys";
  EXPECT_EQ(yaml("  retention: {dedup_keys: 168h}\n").ledger.retention.dedup_keys, hours(7 * 24)) << "a week is enough";
}

TEST(RetentionConfig, WrongOversizedAndMaliciousValuesAreNamedAndNotLost) {
  for (const std::string bad : {"30", "30 days", "-1d", "1.5d", "1e3d", "d", "\"\"", "[30d]", "{d: 30}"}) {
    const std::string msg = error_of("  retention: {done: " + bad + "}\n");
    EXPECT_NE(msg.find("t.yaml:3: ledger.retention.done must be a duration 0 (off) or between 1h and 3650d"),
              std::string::npos)
        << bad << ": " << msg;
  }
  // Past int64 milliseconds, or just past the bound: refused, never wrapped.
  EXPECT_NE(error_of("  retention: {dead: 999999999999999999d}\n").find("ledger.retention.dead must be a duration"),
            std::string::npos);
  EXPECT_NE(error_of("  retention: {dead: 3651d}\n").find("ledger.retention.dead must be a duration"), std::string::npos);
  EXPECT_NE(error_of("  retention: {dedup_keys: 99999999999999999999d}\n").find("ledger.retention.dedup_keys"),
            std::string::npos);
  EXPECT_NE(error_of("  retention: {done: 59m}\n").find("between 1h and 3650d"), std::string::npos);
  EXPECT_NE(error_of("  retention: {interval: 10ms}\n").find("ledger.retention.interval must be a duration between 1s"),
            std::string::npos);
  EXPECT_NE(error_of("  retention: {interval: 25h}\n").find("ledger.retention.interval"), std::string::npos);
  const std::string huge(5000, '9');
  const std::string msg = error_of("  retention: {done: " + huge + "d}\n");
  EXPECT_NE(msg.find("ledger.retention.done"), std::string::npos);
  // Not a map, an unknown key (a typo is not silently ignored).
  EXPECT_NE(error_of("  retention: 30d\n").find("t.yaml:3: ledger.retention must be a map"), std::string::npos);
  EXPECT_NE(error_of("  retention: {don: 30d}\n").find("unknown key ledger.retention.don"), std::string::npos);
}

TEST(RetentionConfig, ASubstitutedValueIsNeverEchoed) {
  ::setenv("SINKHUB_T_KEYS", "2d-secretish", 1);
  std::string msg = error_of("  retention: {dedup_keys: \"${env:SINKHUB_T_KEYS}\"}\n");
  EXPECT_NE(msg.find("a substituted value"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("secretish"), std::string::npos) << msg;
  ::setenv("SINKHUB_T_KEYS", "3d", 1);
  msg = error_of("  retention: {dedup_keys: \"${env:SINKHUB_T_KEYS}\"}\n");
  EXPECT_NE(msg.find("at least 7d, got a substituted value"), std::string::npos) << msg;
  ::setenv("SINKHUB_T_KEYS", "21d", 1);
  EXPECT_EQ(yaml("  retention: {dedup_keys: \"${env:SINKHUB_T_KEYS}\"}\n").ledger.retention.dedup_keys, hours(21 * 24));
  ::unsetenv("SINKHUB_T_KEYS");
}

// The reconciler recovers runs finished within apify.reconcile.lookback: their dedup keys must
// still exist then, or a recovered run is recorded (and delivered) a second time.
TEST(RetentionConfig, DedupKeysMustOutliveTheReconcilersLookback) {
  const std::string reconcile = "apify:\n  reconcile:\n    interval: 10m\n    lookback: 20d\n";
  const std::string msg = error_of("  retention: {dedup_keys: 14d}\n", reconcile);
  EXPECT_NE(msg.find("t.yaml:3: ledger.retention.dedup_keys (14d) must be at least apify.reconcile.lookback (20d) + "
                     "24h = 21d"),
            std::string::npos)
      << msg;
  EXPECT_NO_THROW(yaml("  retention: {dedup_keys: 21d}\n", reconcile));
  // Without reconciliation there is nothing to cover; without a retention key the lookback's line is named.
  EXPECT_NO_THROW(yaml("  path: x.db\n", "apify:\n  reconcile: {interval: 0, lookback: 20d}\n"));
  const std::string at_lookback = error_of("  path: x.db\n", reconcile);
  EXPECT_NE(at_lookback.find("t.yaml:7: ledger.retention.dedup_keys (14d)"), std::string::npos) << at_lookback;
}

TEST(RetentionConfig, IniHasALedgerRetentionSection) {
  const Config c = from_tree(parse_ini("[auth]\nsecrets = 0123456789abcdef-secret\n[ledger]\npath = x.db\n"
                                       "[ledger.retention]\ndone = 10d\ndead = 0\ndedup_keys = 9d\ninterval = 1m\n",
                                       "t.ini"),
                             "t.ini");
  EXPECT_EQ(c.ledger.retention.done, hours(240));
  EXPECT_EQ(c.ledger.retention.dead.count(), 0);
  EXPECT_EQ(c.ledger.retention.dedup_keys, hours(9 * 24));
  EXPECT_EQ(c.ledger.retention.interval, minutes(1));
  try {
    from_tree(parse_ini("[auth]\nsecrets = 0123456789abcdef-secret\n[ledger.retention]\ndedup_keys = 1d\n", "t.ini"),
              "t.ini");
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    ASSERT_FALSE(e.lines().empty());
    EXPECT_NE(e.lines()[0].find("t.ini:4: ledger.retention.dedup_keys must be at least 7d"), std::string::npos)
        << e.lines()[0];
  }
  EXPECT_THROW(parse_ini("[ledger.retention]\n[ledger.retention]\n", "t.ini"), ConfigError);
}

// A reload applies a new retention (it is not among the restart-only keys) and says so.
TEST(RetentionConfig, AReloadAppliesItAndNamesTheChange) {
  const Config a = yaml("  path: x.db\n");
  const Config b = yaml("  path: x.db\n  retention: {done: 7d, dead: 0}\n");
  EXPECT_TRUE(restart_only_changes(a, b).empty());
  const auto changes = setting_changes(a, b);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0], "ledger.retention: done 7d, dead kept, dedup_keys 14d, interval 10m");
}

}  // namespace
}  // namespace sinkhub::config
