// The guards around every plugin call: the crash report's line (observe/crash_report.hpp)
// and the watchdog (delivery/watchdog.hpp).
#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <mutex>
#include <thread>

#include "delivery/watchdog.hpp"
#include "observe/crash_report.hpp"

namespace sinkhub {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string line_for(int sig) {
  char buf[512];
  const std::size_t n = observe::crash_line(sig, buf, sizeof buf);
  EXPECT_EQ(std::strlen(buf), n);
  return std::string(buf, n);
}

TEST(CrashReport, TheLineNamesThePluginSinkAndDeliveryOfTheCallOnThisThread) {
  const std::string pid = std::to_string(::getpid());
  EXPECT_EQ(line_for(SIGSEGV), "sinkhub: fatal signal SIGSEGV outside any plugin call; pid " + pid + " stops");
  {
    const observe::PluginCallMark mark("gsheets", "sheet-1", 42, "deliver");
    EXPECT_EQ(line_for(SIGBUS), "sinkhub: fatal signal SIGBUS in a call to plugin gsheets (deliver), sink instance "
                                "sheet-1, delivery 42; pid " + pid + " stops");
    // Another thread is not in a call: the record is the crashing thread's own.
    std::string other;
    std::thread([&] { other = line_for(SIGFPE); }).join();
    EXPECT_EQ(other, "sinkhub: fatal signal SIGFPE outside any plugin call; pid " + pid + " stops");
  }
  EXPECT_EQ(line_for(SIGABRT), "sinkhub: fatal signal SIGABRT outside any plugin call; pid " + pid + " stops");
}

TEST(CrashReport, OversizedNamesAndSmallBuffersAreCutNotOverrun) {
  const std::string huge(5000, 'x');
  const observe::PluginCallMark mark(huge, huge, -7, "flush-and-more-than-sixteen-bytes");
  const std::string full = line_for(SIGSEGV);
  EXPECT_LT(full.size(), 512u);
  EXPECT_NE(full.find("(flush-and-more-), sink instance xxx"), std::string::npos) << full;
  char small[24];
  std::memset(small, '#', sizeof small);
  EXPECT_EQ(observe::crash_line(SIGSEGV, small, 20), 19u);
  EXPECT_EQ(std::string(small), "sinkhub: fatal sign");
  EXPECT_EQ(small[20], '#');
}

TEST(Watchdog, SlackAndRepeatFollowTheTimeoutWithinBounds) {
  using delivery::Watchdog;
  EXPECT_EQ(Watchdog::slack(milliseconds(100)), seconds(1));
  EXPECT_EQ(Watchdog::slack(seconds(20)), seconds(5));
  EXPECT_EQ(Watchdog::slack(seconds(3600)), seconds(30));
  EXPECT_EQ(Watchdog::repeat(milliseconds(100)), seconds(2));
  EXPECT_EQ(Watchdog::repeat(seconds(20)), seconds(20));
  EXPECT_EQ(Watchdog::repeat(seconds(3600)), seconds(60));
}

TEST(Watchdog, ACallPastDeadlineAndSlackIsReportedOnceWithItsSinksStreak) {
  std::mutex mu;
  std::vector<std::pair<std::string, int>> reported;
  delivery::Watchdog dog([&](const delivery::WatchedCall& c, int streak) {
    std::lock_guard<std::mutex> lk(mu);
    reported.emplace_back(c.sink + "/" + std::to_string(c.delivery), streak);
  });
  dog.start();
  const auto call = [](const std::string& sink, std::int64_t delivery, milliseconds timeout) {
    delivery::WatchedCall c;
    c.plugin = "p";
    c.sink = sink;
    c.verb = "deliver";
    c.delivery = delivery;
    c.timeout = timeout;
    return c;
  };
  {
    const delivery::Watchdog::Watch quick(dog, call("a", 1, milliseconds(0)));  // ends before the 1 s slack
  }
  {
    const delivery::Watchdog::Watch slow1(dog, call("a", 2, milliseconds(0)));
    const delivery::Watchdog::Watch slow2(dog, call("a", 3, milliseconds(0)));
    const delivery::Watchdog::Watch fine(dog, call("b", 4, seconds(60)));
    std::this_thread::sleep_for(milliseconds(1700));
    EXPECT_EQ(dog.stuck().size(), 2u);
  }
  dog.stop();
  ASSERT_EQ(reported.size(), 2u);
  EXPECT_EQ(reported[0], std::make_pair(std::string("a/2"), 1));
  EXPECT_EQ(reported[1], std::make_pair(std::string("a/3"), 2));
  EXPECT_TRUE(dog.stuck().empty());
}

}  // namespace
}  // namespace sinkhub
