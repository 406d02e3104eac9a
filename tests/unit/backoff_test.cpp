// Retry delays: exponential with full jitter, capped.
#include <gtest/gtest.h>

#include "delivery/engine.hpp"

namespace sinkhub::delivery {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, FullJitterBelowAnExponentialCap) {
  const milliseconds initial(1000), max(60000);
  EXPECT_EQ(Engine::backoff(1, initial, max, 1.0), milliseconds(1000));
  EXPECT_EQ(Engine::backoff(2, initial, max, 1.0), milliseconds(2000));
  EXPECT_EQ(Engine::backoff(5, initial, max, 1.0), milliseconds(16000));
  EXPECT_EQ(Engine::backoff(7, initial, max, 1.0), milliseconds(60000));    // capped
  EXPECT_EQ(Engine::backoff(500, initial, max, 1.0), milliseconds(60000));  // no overflow
  EXPECT_EQ(Engine::backoff(3, initial, max, 0.0), milliseconds(0));        // full jitter reaches 0
  EXPECT_EQ(Engine::backoff(3, initial, max, 0.5), milliseconds(2000));
  EXPECT_EQ(Engine::backoff(3, initial, max, 7.0), milliseconds(4000));  // out-of-range draws are clamped
}

}  // namespace
}  // namespace sinkhub::delivery
