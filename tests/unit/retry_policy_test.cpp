// Where a retry is decided (delivery/retry_policy.hpp): exponential backoff with full jitter,
// Retry-After as a floor, the attempt and age budget, and a FATAL sink's doubling suspension.
#include <gtest/gtest.h>

#include "delivery/retry_policy.hpp"
#include "util/backoff.hpp"

namespace sinkhub::delivery {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

TEST(Backoff, FullJitterBelowAnExponentialCap) {
  const milliseconds initial(1000), max(60000);
  EXPECT_EQ(backoff(1, initial, max, 1.0), milliseconds(1000));
  EXPECT_EQ(backoff(2, initial, max, 1.0), milliseconds(2000));
  EXPECT_EQ(backoff(5, initial, max, 1.0), milliseconds(16000));
  EXPECT_EQ(backoff(7, initial, max, 1.0), milliseconds(60000));    // capped
  EXPECT_EQ(backoff(500, initial, max, 1.0), milliseconds(60000));  // no overflow
  EXPECT_EQ(backoff(3, initial, max, 0.0), milliseconds(0));        // full jitter reaches 0
  EXPECT_EQ(backoff(3, initial, max, 0.5), milliseconds(2000));
  EXPECT_EQ(backoff(3, initial, max, 7.0), milliseconds(4000));  // out-of-range draws are clamped
}

TEST(FatalPause, DoublesWithEveryFatalInARowUpToADay) {
  const milliseconds base(300000);
  EXPECT_EQ(fatal_pause(1, base), base);
  EXPECT_EQ(fatal_pause(2, base), 2 * base);
  EXPECT_EQ(fatal_pause(4, base), 8 * base);
  EXPECT_EQ(fatal_pause(30, base), hours(24));
  EXPECT_EQ(fatal_pause(100000, base), hours(24));
}

config::DeliveryConfig budget(int attempts, std::chrono::seconds age) {
  config::DeliveryConfig c;
  c.max_attempts = attempts;
  c.max_age = age;
  c.backoff_initial = milliseconds(1000);
  c.backoff_max = milliseconds(60000);
  return c;
}

TEST(DecideRetry, TheBudgetIsAttemptsAndAge) {
  const auto cfg = budget(3, std::chrono::hours(1));
  EXPECT_FALSE(decide_retry(2, 0, -1, cfg, 0.5).give_up);
  EXPECT_TRUE(decide_retry(3, 0, -1, cfg, 0.5).give_up) << "the third attempt was the last";
  EXPECT_FALSE(decide_retry(1, 3599999, -1, cfg, 0.5).give_up);
  EXPECT_TRUE(decide_retry(1, 3600000, -1, cfg, 0.5).give_up) << "an hour old";
}

TEST(DecideRetry, RetryAfterIsAFloorNeverShortened) {
  const auto cfg = budget(12, std::chrono::hours(72));
  EXPECT_EQ(decide_retry(2, 0, -1, cfg, 1.0).delay, milliseconds(2000));
  EXPECT_EQ(decide_retry(2, 0, 30000, cfg, 1.0).delay, milliseconds(30000)) << "the sink asked for 30 s";
  EXPECT_EQ(decide_retry(2, 0, 500, cfg, 1.0).delay, milliseconds(2000)) << "the backoff is longer";
  EXPECT_EQ(decide_retry(2, 0, 7200000, cfg, 1.0).delay, milliseconds(7200000)) << "not capped by backoff_max";
}

// The Apify client's delays use the same helper: the ceiling times a factor, capped.
TEST(UtilBackoff, ScaledCeilingIsCappedAndNeverNegative) {
  EXPECT_EQ(util::exponential(0, milliseconds(500), milliseconds(60000)), milliseconds(500));
  EXPECT_EQ(util::exponential(3, milliseconds(500), milliseconds(60000)), milliseconds(2000));
  EXPECT_EQ(util::scaled(milliseconds(2000), 1.5, milliseconds(60000)), milliseconds(3000));
  EXPECT_EQ(util::scaled(milliseconds(50000), 1.9, milliseconds(60000)), milliseconds(60000));
  EXPECT_EQ(util::scaled(milliseconds(2000), -1.0, milliseconds(60000)), milliseconds(0));
  for (int i = 0; i < 1000; ++i) {
    const double u = util::uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

}  // namespace
}  // namespace sinkhub::delivery
