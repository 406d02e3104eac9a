// What a claim may do before it calls the sink (delivery/takeover.hpp): a delivery whose
// owner died counts that attempt; at delivery.max_crashes such takeovers it is dead-lettered
// and its sink suspended; the attempt budget holds on takeover too.
#include <gtest/gtest.h>

#include "delivery/takeover.hpp"

namespace sinkhub::delivery {
namespace {

ledger::Claim claim(int attempt, bool taken_over, int crashes, std::uint64_t items_done = 0) {
  ledger::Claim c;
  c.sink = "crashy";
  c.attempt = attempt;
  c.taken_over = taken_over;
  c.crashes = crashes;
  c.items_done = items_done;
  return c;
}

config::DeliveryConfig limits(int max_attempts, int max_crashes) {
  config::DeliveryConfig cfg;
  cfg.max_attempts = max_attempts;
  cfg.max_crashes = max_crashes;
  return cfg;
}

TEST(ClaimVerdict, AnOrdinaryClaimWithinTheBudgetRuns) {
  EXPECT_FALSE(judge_claim(claim(1, false, 0), limits(3, 2)).bury);
  EXPECT_FALSE(judge_claim(claim(3, false, 0), limits(3, 2)).bury);
}

TEST(ClaimVerdict, ATakeoverBelowTheCrashLimitRunsAgain) {
  const auto v = judge_claim(claim(2, true, 1), limits(12, 2));
  EXPECT_FALSE(v.bury);
  EXPECT_FALSE(v.suspend_sink);
}

TEST(ClaimVerdict, TheCrashLimitDeadLettersAndSuspendsTheSink) {
  const auto v = judge_claim(claim(3, true, 2, 5000), limits(12, 2));
  EXPECT_TRUE(v.bury);
  EXPECT_TRUE(v.suspend_sink);
  EXPECT_EQ(v.why, "the daemon died 2 times during this delivery in sink crashy (batch at item 5000)");
  EXPECT_EQ(judge_claim(claim(2, true, 1), limits(12, 1)).why,
            "the daemon died 1 time during this delivery in sink crashy (batch at item 0)");
}

TEST(ClaimVerdict, CrashesCountOnlyOnTakeover) {
  // A delivery that crashed before and then was retried normally is not buried by the old count.
  EXPECT_FALSE(judge_claim(claim(3, false, 2), limits(12, 2)).bury);
}

TEST(ClaimVerdict, TheAttemptBudgetHoldsOnTakeover) {
  const auto v = judge_claim(claim(4, true, 1, 70), limits(3, 5));
  EXPECT_TRUE(v.bury);
  EXPECT_FALSE(v.suspend_sink);
  EXPECT_EQ(v.why,
            "retry budget exhausted after 3 attempts, the last ended without a result (the daemon died in sink "
            "crashy (batch at item 70))");
}

TEST(ClaimVerdict, AClaimPastALoweredBudgetIsBuriedToo) {
  const auto v = judge_claim(claim(6, false, 0), limits(5, 2));
  EXPECT_TRUE(v.bury);
  EXPECT_EQ(v.why, "retry budget exhausted after 5 attempts");
}

}  // namespace
}  // namespace sinkhub::delivery
