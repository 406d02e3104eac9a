// The queue of a sink's deliveries that wait for their turn (delivery/turn_queue.hpp): the one
// waiting longest is woken first, a waiter keeps its place however often it is refused again,
// and one that had its turn (or is gone) leaves.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "delivery/turn_queue.hpp"

namespace sinkhub::delivery {
namespace {

TEST(TurnQueue, TheLongestWaiterComesFirst) {
  TurnQueue q;
  EXPECT_FALSE(q.first());
  EXPECT_EQ(q.park(30, 1000), 1000);
  EXPECT_EQ(q.park(10, 2000), 2000);
  EXPECT_EQ(q.park(20, 2000), 2000);
  ASSERT_TRUE(q.first());
  EXPECT_EQ(q.first()->id, 30);
  EXPECT_EQ(q.first()->since_ms, 1000);
  q.leave(30);
  EXPECT_EQ(q.first()->id, 10) << "same time: the lower id";
  EXPECT_EQ(q.size(), 2u);
}

TEST(TurnQueue, ARefusedWaiterKeepsItsPlace) {
  TurnQueue q;
  q.park(1, 1000);
  q.park(2, 1500);
  EXPECT_EQ(q.park(1, 9000), 1000) << "busy again: still waiting since its first refusal";
  EXPECT_EQ(q.first()->id, 1);
  EXPECT_EQ(q.size(), 2u);
}

TEST(TurnQueue, LeavingTwiceOrUnknownIsHarmless) {
  TurnQueue q;
  q.leave(7);
  q.park(7, 10);
  q.leave(7);
  q.leave(7);
  EXPECT_FALSE(q.first());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.park(7, 50), 50) << "back after it left: waits from now";
}

// A delivery that had its turn and retries holds it: its retry is claimed first once due.
TEST(TurnQueue, ARetryingTurnHolderIsDueFirstOnlyOnceItsRetryIsDue) {
  TurnQueue q;
  q.hold(5, 100);
  EXPECT_FALSE(q.due_holder(1000)) << "a sink that never answered BUSY takes no turns: nothing held";
  q.park(9, 50);  // the sink answers BUSY: it takes turns
  q.hold(5, 2000);
  q.hold(6, 1500);
  EXPECT_FALSE(q.due_holder(1499)) << "not before its retry is due";
  EXPECT_EQ(q.due_holder(1500), 6);
  EXPECT_EQ(q.due_holder(5000), 6) << "the earliest due first";
  q.leave(6);
  EXPECT_EQ(q.due_holder(5000), 5);
  q.park(5, 3000);  // busy after all (the destination went to another): it waits like the rest
  EXPECT_FALSE(q.due_holder(5000));
  EXPECT_EQ(q.size(), 2u);
}

TEST(TurnQueue, WorkersParkAndLeaveConcurrently) {
  TurnQueue q;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&q, t] {
      for (int i = 0; i < 1000; ++i) {
        const std::int64_t id = t * 1000 + i;
        q.park(id, i);
        if (i % 2 == 0) q.leave(id);
        (void)q.first();
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(q.size(), 2000u);
  EXPECT_EQ(q.first()->since_ms, 1);
}

}  // namespace
}  // namespace sinkhub::delivery
