// The quota pacer: a sliding window per credential and kind, never a burst over the limit in
// any window, learning Google's limit from a 429, and handing back the wait when the slot is
// past the caller's deadline.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "quota_pacer.hpp"
#include "tab_lock.hpp"

namespace {

using sinkhub_gsheets::QuotaPacer;

std::int64_t max_in_window(std::vector<std::int64_t> t, std::int64_t w) {
  std::sort(t.begin(), t.end());
  std::size_t best = 0;
  for (std::size_t i = 0, j = 0; j < t.size(); ++j) {
    while (t[j] - t[i] >= w) ++i;
    best = std::max(best, j - i + 1);
  }
  return static_cast<std::int64_t>(best);
}

TEST(GsheetsPacing, NoWindowEverHoldsMoreThanTheLimit) {
  QuotaPacer p;
  const std::int64_t w = p.window_ms();
  std::vector<std::int64_t> slots;
  std::int64_t now = 1000000;
  for (int i = 0; i < 500; ++i) {
    now += (i % 7) * 13;  // callers arriving in bursts
    slots.push_back(p.reserve("sa@x", QuotaPacer::Kind::Write, now, now + 100 * w, nullptr));
  }
  EXPECT_LE(max_in_window(slots, w), 60);
  EXPECT_EQ(max_in_window(slots, w), 60) << "and it uses the quota";
  EXPECT_TRUE(std::is_sorted(slots.begin(), slots.end()));
}

TEST(GsheetsPacing, ReadsWritesAndCredentialsAreSeparate) {
  QuotaPacer p;
  for (int i = 0; i < 60; ++i) p.reserve("a", QuotaPacer::Kind::Write, 0, 0, nullptr);
  EXPECT_EQ(p.reserve("a", QuotaPacer::Kind::Read, 0, 0, nullptr), 0);
  EXPECT_EQ(p.reserve("b", QuotaPacer::Kind::Write, 0, 0, nullptr), 0);
  std::int64_t next = 0;
  EXPECT_EQ(p.reserve("a", QuotaPacer::Kind::Write, 0, 1000, &next), -1) << "past the deadline: nothing reserved";
  EXPECT_EQ(next, p.window_ms());
}

TEST(GsheetsPacing, A429LowersTheLimitToGooglesQuotaLimitValue) {
  QuotaPacer p;
  p.learn_limit("a", QuotaPacer::Kind::Write, 10);
  p.learn_limit("a", QuotaPacer::Kind::Write, 300);  // a project-wide limit does not raise it
  EXPECT_EQ(p.limit("a", QuotaPacer::Kind::Write), 10);
  std::vector<std::int64_t> slots;
  for (int i = 0; i < 40; ++i) slots.push_back(p.reserve("a", QuotaPacer::Kind::Write, 0, 1 << 30, nullptr));
  EXPECT_LE(max_in_window(slots, p.window_ms()), 10);
}

std::int64_t fake_now = 0;
std::int64_t fake_clock() { return fake_now; }

TEST(GsheetsTabLock, OneWriterPerTabUntilReleasedOrLapsed) {
  sinkhub_gsheets::TabLock lock;
  fake_now = 1000;
  EXPECT_TRUE(lock.acquire("s/t", "run-a", 500, 1000, &fake_clock));
  EXPECT_TRUE(lock.acquire("s/t", "run-a", 500, 1000, &fake_clock)) << "renewal";
  EXPECT_FALSE(lock.acquire("s/t", "run-b", 500, 1000, &fake_clock));
  EXPECT_TRUE(lock.acquire("s/other", "run-b", 500, 1000, &fake_clock)) << "other tabs are free";
  lock.release("s/t", "run-b");  // not the holder: no effect
  EXPECT_EQ(lock.holder("s/t", fake_now), "run-a");
  lock.release("s/t", "run-a");
  EXPECT_TRUE(lock.acquire("s/t", "run-b", 500, 1000, &fake_clock));
  fake_now = 1600;  // run-b's lease lapsed (it was dead-lettered, say)
  EXPECT_TRUE(lock.acquire("s/t", "run-c", 500, 1600, &fake_clock));
}

// A holder between calls needs a call slot to go on: a contender sitting in one waiting for it
// starved it until its lease lapsed. Contenders wait only for a holder that is in a call.
TEST(GsheetsTabLock, AContenderWaitsForAHolderInACallButNotForOneBetweenCalls) {
  sinkhub_gsheets::TabLock lock;
  std::int64_t (*const clock)() = [] {
    return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now().time_since_epoch()).count());
  };
  const auto now = clock;
  ASSERT_TRUE(lock.acquire("s/t", "run-a", 600000, now(), clock));
  std::thread holder([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    lock.pause("s/t", "run-a");  // run-a's call ends; its delivery goes on later
  });
  const std::int64_t t0 = now();
  EXPECT_FALSE(lock.acquire("s/t", "run-b", 600000, t0 + 30000, clock));
  const std::int64_t waited = now() - t0;
  holder.join();
  EXPECT_GE(waited, 150) << "waited while run-a was in its call";
  EXPECT_LT(waited, 20000) << "gave up as soon as run-a's call ended, not after the 30 s it was given";
  const std::int64_t t1 = now();
  EXPECT_FALSE(lock.acquire("s/t", "run-b", 600000, t1 + 30000, clock));
  EXPECT_LT(now() - t1, 20000) << "no wait at all for a holder between calls";
  EXPECT_EQ(lock.holder("s/t", now()), "run-a");
  EXPECT_TRUE(lock.acquire("s/t", "run-a", 600000, now(), clock)) << "the holder's next call takes it again";
  lock.pause("s/other", "run-a");  // not held: no effect
  lock.release("s/t", "run-a");
  EXPECT_TRUE(lock.acquire("s/t", "run-b", 600000, now(), clock));
}

}  // namespace
