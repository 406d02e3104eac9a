// Where a retry is decided (delivery/retry_policy.hpp): exponential backoff with full jitter,
// Retry-After as a floor, the attempt and age budget, a FATAL sink's doubling suspension, and
// the wait of a delivery whose sink is busy with another one (ABI 1.3 BUSY).
#include <gtest/gtest.h>

#include <cstdint>

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

// A sink busy with another delivery (ABI 1.3 BUSY): no attempt budget, only the age; the wait
// is the sink's retry_after, never below backoff_initial, with up to a quarter more of jitter,
// and it does not grow however often the delivery waited.
TEST(DecideWait, OnlyTheAgeEndsAWaitForTheSinksTurn) {
  const auto cfg = budget(3, std::chrono::hours(1));
  EXPECT_FALSE(decide_wait(3599999, 3599999, -1, 1, cfg, 0.5).give_up) << "no attempt count to spend";
  EXPECT_TRUE(decide_wait(3600000, 0, -1, 1, cfg, 0.5).give_up) << "an hour old";
}

TEST(DecideWait, TheSinksRetryAfterWithABackoffInitialFloorAndAQuarterOfJitter) {
  const auto cfg = budget(3, std::chrono::hours(1));
  EXPECT_EQ(decide_wait(0, 0, -1, 1, cfg, 0.0).delay, milliseconds(1000)) << "no hint: backoff_initial";
  EXPECT_EQ(decide_wait(0, 0, 300, 1, cfg, 0.0).delay, milliseconds(1000)) << "never below backoff_initial";
  EXPECT_EQ(decide_wait(0, 0, 5000, 1, cfg, 0.0).delay, milliseconds(5000));
  EXPECT_EQ(decide_wait(0, 0, 5000, 1, cfg, 1.0).delay, milliseconds(6250));
  EXPECT_EQ(decide_wait(0, 0, 5000, 1, cfg, 0.5).delay, milliseconds(5625));
  EXPECT_EQ(decide_wait(0, 0, -1, 1, cfg, 9.0).delay, milliseconds(1250)) << "out-of-range draws are clamped";
  EXPECT_EQ(decide_wait(0, 0, 1800000, 1, cfg, 0.0).delay, milliseconds(1800000)) << "a hint is not capped";
  EXPECT_EQ(decide_wait(0, 0, 7200000, 1, cfg, 0.0).delay, milliseconds(3600000)) << "but by max_age: it ends the wait";
  EXPECT_EQ(decide_wait(0, 0, INT64_MAX, 1, cfg, 1.0).delay, milliseconds(4500000)) << "a bogus hint overflows nothing";
}

// The timer is the fallback of the wake-up when the sink frees a destination (turn_queue.hpp):
// it thins out as the wait grows, to one poll per kMaxTurnPoll (or backoff_max, if lower).
TEST(DecideWait, AskingAgainThinsOutAsTheWaitGrows) {
  auto cfg = budget(3, std::chrono::hours(24));  // backoff_initial 1 s, backoff_max 60 s
  EXPECT_EQ(decide_wait(0, 0, 5000, 1, cfg, 0.0).delay, milliseconds(5000)) << "the first wait: the hint";
  EXPECT_EQ(decide_wait(0, 3000, 5000, 1, cfg, 0.0).delay, milliseconds(5000)) << "never below the hint";
  EXPECT_EQ(decide_wait(0, 20000, 5000, 1, cfg, 0.0).delay, milliseconds(20000)) << "as long as it waited";
  EXPECT_EQ(decide_wait(0, 20000, 5000, 1, cfg, 1.0).delay, milliseconds(25000));
  EXPECT_EQ(decide_wait(0, 600000, 5000, 1, cfg, 0.0).delay, milliseconds(60000)) << "at most backoff_max";
  cfg.backoff_max = std::chrono::hours(1);
  EXPECT_EQ(decide_wait(0, 3000000, 5000, 1, cfg, 0.0).delay, kMaxTurnPoll) << "and at most kMaxTurnPoll";
  EXPECT_EQ(decide_wait(0, -5, -1, 1, cfg, 0.0).delay, milliseconds(1000)) << "a clock step back waits the floor";
}

// However many wait, together they ask about kTurnPollsPerSecond times a second at most: a
// poll is a claim, a dataset page and a call, and more than the workers serve makes every due
// delivery of the sink late, the writer's own retry included.
TEST(DecideWait, ManyWaitersTogetherAskAFewTimesASecond) {
  auto cfg = budget(3, std::chrono::hours(24));  // backoff_initial 1 s, backoff_max 60 s
  EXPECT_EQ(decide_wait(0, 0, -1, 2, cfg, 0.0).delay, milliseconds(1000)) << "a few waiters: the floor";
  EXPECT_EQ(decide_wait(0, 0, -1, 900, cfg, 0.0).delay, milliseconds(225000)) << "900 at 4 a second";
  EXPECT_EQ(decide_wait(0, 0, -1, 900, cfg, 1.0).delay, milliseconds(281250));
  EXPECT_EQ(decide_wait(0, 0, -1, 100000, cfg, 0.0).delay, kMaxTurnPoll) << "never past kMaxTurnPoll";
  EXPECT_EQ(decide_wait(0, 0, -1, SIZE_MAX, cfg, 0.0).delay, kMaxTurnPoll) << "no overflow";
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
