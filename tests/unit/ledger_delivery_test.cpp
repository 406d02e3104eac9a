// The ledger's delivery life cycle: claim with a lease, progress, finish, expiry, replay.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "ledger/ledger.hpp"
#include "util/clock.hpp"
#include "ledger_backends.hpp"

namespace sinkhub::ledger {
namespace {

// Runs against both ledgers (ledger_backends.hpp).
class DeliveryLedger : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    store_.create(GetParam(), "d-" + current_test_name());
    l_ = store_.open();
  }
  void TearDown() override {
    l_.reset();
    store_.remove();
  }

  std::int64_t record(const std::string& run, std::vector<model::PlannedDelivery> d = {{"files", true}, {"slack", false}}) {
    IncomingEvent in;
    in.event.event_type = "ACTOR.RUN.SUCCEEDED";
    in.event.run_id = run;
    in.event.dataset_id = "ds-" + run;
    in.event.actor_id = "actor";
    in.dedup_key = in.event.dedup_key("");
    in.body = "{\"run\":\"" + run + "\"}";
    in.headers_json = "{}";
    in.deliveries = std::move(d);
    return l_->record(in).event_id;
  }

  static AttemptRecord attempt(AttemptOutcome outcome, std::uint64_t items = 0) {
    return {1, 2, outcome, items, std::string(to_string(outcome)) + " message"};
  }

  std::string state_of(std::int64_t id) {
    for (const auto& d : l_->deliveries(std::nullopt, "", 1000))
      if (d.id == id) return to_string(d.state);
    return "?";
  }

  LedgerStore store_;
  std::unique_ptr<Ledger> l_;
};

INSTANTIATE_TEST_SUITE_P(ledger, DeliveryLedger, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

TEST_P(DeliveryLedger, ClaimLeasesDueDeliveriesWithTheirEvent) {
  record("r1");
  const auto c = l_->claim("w1", 60000, {"files"}, 10);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].sink, "files");
  EXPECT_TRUE(c[0].with_items);
  EXPECT_EQ(c[0].attempt, 1);
  EXPECT_EQ(c[0].event.run_id, "r1");
  EXPECT_EQ(c[0].event.dataset_id, "ds-r1");
  EXPECT_EQ(c[0].event_body, "{\"run\":\"r1\"}");
  EXPECT_EQ(c[0].verified, -1);
  EXPECT_EQ(state_of(c[0].id), "running");
  // Leased: nobody else gets it, and a sink not asked for is not claimed.
  EXPECT_TRUE(l_->claim("w2", 60000, {"files"}, 10).empty());
  EXPECT_EQ(l_->claim("w2", 60000, {"slack"}, 10).size(), 1u);
}

TEST_P(DeliveryLedger, AnExpiredLeaseIsClaimedAgainAndTheOldOwnerLosesIt) {
  record("r1", {{"files", true}});
  const auto first = l_->claim("crashed", 1, {"files"}, 1);
  ASSERT_EQ(first.size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto again = l_->claim("w2", 60000, {"files"}, 1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt, 2);
  EXPECT_FALSE(l_->save_progress(first[0].id, "crashed", {5, 5, 5}, std::string("x"), 1000));
  EXPECT_FALSE(l_->finish(first[0].id, "crashed", {DeliveryState::Done, 0, true, ""}, attempt(AttemptOutcome::Ok)));
  EXPECT_TRUE(l_->save_progress(again[0].id, "w2", {5, 5, 5}, std::string("x"), 1000));
}

// A takeover is how the ledger tells that an attempt ended without a result (its owner died):
// the lost attempt is kept as "crashed" under its own number and counted in Claim::crashes.
TEST_P(DeliveryLedger, ATakeoverRecordsTheLostAttemptAsCrashedAndCountsIt) {
  record("r1", {{"files", true}});
  auto first = l_->claim("dead-owner", 1, {"files"}, 1).at(0);
  EXPECT_FALSE(first.taken_over);
  EXPECT_EQ(first.crashes, 0);
  ASSERT_TRUE(l_->save_progress(first.id, "dead-owner", {300, 300, 300}, std::nullopt, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto second = l_->claim("w2", 1, {"files"}, 1).at(0);
  EXPECT_TRUE(second.taken_over);
  EXPECT_EQ(second.crashes, 1);
  EXPECT_EQ(second.attempt, 2);
  EXPECT_EQ(second.items_done, 300u);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto third = l_->claim("w3", 60000, {"files"}, 1).at(0);
  EXPECT_EQ(third.crashes, 2);
  EXPECT_EQ(third.attempt, 3);
  const auto history = l_->attempts(first.id);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].outcome, AttemptOutcome::Crashed);
  EXPECT_EQ(history[0].message, "ended without a result: its owner dead-owner died while the batch at item 300 was in flight");
  EXPECT_EQ(history[1].outcome, AttemptOutcome::Crashed);

  // Buried without a history row of its own (the claim called nothing) and without counting it.
  Finish bury{DeliveryState::Dead, 0, false, "the daemon died 2 times"};
  bury.record_attempt = false;
  ASSERT_TRUE(l_->finish(third.id, "w3", bury, attempt(AttemptOutcome::Crashed)));
  EXPECT_EQ(l_->attempts(first.id).size(), 2u);
  const auto row = l_->deliveries(DeliveryState::Dead, "", 10).at(0);
  EXPECT_EQ(row.attempts, 2);
  EXPECT_EQ(row.last_error, "the daemon died 2 times");

  // A replay resets the crash count with the attempt budget; a normal claim is no takeover.
  ASSERT_EQ(l_->replay({first.id, std::nullopt, std::nullopt, false}), 1);
  const auto replayed = l_->claim("w4", 60000, {"files"}, 1).at(0);
  EXPECT_FALSE(replayed.taken_over);
  EXPECT_EQ(replayed.crashes, 0);
  EXPECT_EQ(replayed.attempt, 1);
}

TEST_P(DeliveryLedger, ProgressAndCheckpointSurviveARetry) {
  record("r1", {{"files", true}});
  auto c = l_->claim("w", 60000, {"files"}, 1).at(0);
  ASSERT_TRUE(l_->save_progress(c.id, "w", {1000, 1200, 1000}, std::string("cp\0bin", 6), 60000));
  ASSERT_TRUE(l_->save_progress(c.id, "w", {2000, 2400, 1990}, std::nullopt, 60000));  // checkpoint unchanged
  ASSERT_TRUE(
      l_->finish(c.id, "w", {DeliveryState::Retrying, 0, true, "sink said retry"}, attempt(AttemptOutcome::Retry, 2000)));
  EXPECT_EQ(state_of(c.id), "retrying");
  const auto again = l_->claim("w", 60000, {"files"}, 1).at(0);
  EXPECT_EQ(again.items_done, 2000u);
  EXPECT_EQ(again.source_offset, 2400);
  EXPECT_EQ(again.source_items, 1990u);
  EXPECT_EQ(again.checkpoint, std::string("cp\0bin", 6));
  EXPECT_EQ(again.attempt, 2);
  ASSERT_TRUE(l_->finish(again.id, "w", {DeliveryState::Done, 0, true, ""}, attempt(AttemptOutcome::Ok, 10)));
  EXPECT_EQ(state_of(c.id), "done");
  const auto history = l_->attempts(c.id);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].outcome, AttemptOutcome::Retry);
  EXPECT_EQ(history[1].outcome, AttemptOutcome::Ok);
}

// sink.h dest_status travels with each attempt into its history, whatever the plugin said
// (the metrics bound it, the history keeps the plugin's word); a takeover's lost attempt has none.
TEST_P(DeliveryLedger, EachAttemptKeepsTheDestinationsStatus) {
  record("r1", {{"files", true}});
  auto c = l_->claim("w", 1, {"files"}, 1).at(0);
  AttemptRecord busy = attempt(AttemptOutcome::Retry);
  busy.dest_status = 503;
  ASSERT_TRUE(l_->finish(c.id, "w", {DeliveryState::Retrying, 0, true, "busy"}, busy));
  c = l_->claim("w", 1, {"files"}, 1).at(0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // its lease expires: a takeover
  c = l_->claim("w2", 60000, {"files"}, 1).at(0);
  AttemptRecord odd = attempt(AttemptOutcome::Retry);
  odd.dest_status = -70000;
  ASSERT_TRUE(l_->finish(c.id, "w2", {DeliveryState::Retrying, 0, true, "odd"}, odd));
  c = l_->claim("w", 60000, {"files"}, 1).at(0);
  AttemptRecord ok = attempt(AttemptOutcome::Ok, 3);
  ok.dest_status = 200;
  ASSERT_TRUE(l_->finish(c.id, "w", {DeliveryState::Done, 0, true, ""}, ok));
  const auto history = l_->attempts(c.id);
  ASSERT_EQ(history.size(), 4u);
  EXPECT_EQ(history[0].dest_status, 503);
  EXPECT_EQ(history[1].outcome, AttemptOutcome::Crashed);
  EXPECT_EQ(history[1].dest_status, 0) << "nobody answered the lost attempt";
  EXPECT_EQ(history[2].dest_status, -70000);
  EXPECT_EQ(history[3].dest_status, 200);
}

TEST_P(DeliveryLedger, ARetryIsNotDueBeforeItsTime) {
  record("r1", {{"files", true}});
  auto c = l_->claim("w", 60000, {"files"}, 1).at(0);
  const auto later = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch() + std::chrono::hours(1))
                         .count();
  ASSERT_TRUE(l_->finish(c.id, "w", {DeliveryState::Retrying, later, true, "busy"}, attempt(AttemptOutcome::Retry)));
  EXPECT_TRUE(l_->claim("w", 60000, {"files"}, 1).empty());
}

TEST_P(DeliveryLedger, AGivenBackAttemptDoesNotCount) {
  record("r1", {{"files", true}});
  auto c = l_->claim("w", 60000, {"files"}, 1).at(0);
  ASSERT_TRUE(l_->finish(c.id, "w", {DeliveryState::Retrying, 0, false, ""}, attempt(AttemptOutcome::Interrupted)));
  EXPECT_EQ(l_->claim("w", 60000, {"files"}, 1).at(0).attempt, 1);
}

// A sink busy with another delivery (ABI 1.3 BUSY): each claim that only waited for the sink's
// turn ends neither counted nor recorded, its reason kept as last_error; the first real attempt
// after any number of them is attempt 1, with the only history row.
TEST_P(DeliveryLedger, WaitingForTheSinksTurnIsNeitherCountedNorRecorded) {
  record("r1", {{"files", true}});
  for (int i = 0; i < 5; ++i) {
    const auto c = l_->claim("w", 60000, {"files"}, 1).at(0);
    EXPECT_EQ(c.attempt, 1) << "wait " << i;
    Finish wait{DeliveryState::Retrying, 0, /*count_attempt=*/false,
                "tab 'Leads' is being written by another delivery"};
    wait.record_attempt = false;
    ASSERT_TRUE(l_->finish(c.id, "w", wait, attempt(AttemptOutcome::Retry)));
  }
  const auto waiting = l_->deliveries(DeliveryState::Retrying, "", 10).at(0);
  EXPECT_EQ(waiting.attempts, 0);
  EXPECT_EQ(waiting.last_error, "tab 'Leads' is being written by another delivery");
  EXPECT_TRUE(l_->attempts(waiting.id).empty());

  const auto real = l_->claim("w", 60000, {"files"}, 1).at(0);
  EXPECT_EQ(real.attempt, 1);
  ASSERT_TRUE(l_->finish(real.id, "w", {DeliveryState::Done, 0, true, ""}, attempt(AttemptOutcome::Ok, 10)));
  const auto history = l_->attempts(real.id);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].outcome, AttemptOutcome::Ok);
  const auto done = l_->deliveries(DeliveryState::Done, "", 10).at(0);
  EXPECT_EQ(done.attempts, 1);
  EXPECT_EQ(done.last_error, "");
}

// A waiter's turn came (delivery/turn_queue.hpp): the ledger makes it due at the time it started
// waiting, ahead of later work, and touches nothing that is not waiting for a later time.
TEST_P(DeliveryLedger, ADeliveryWaitingForItsTurnIsBroughtForward) {
  record("r1", {{"files", true}});
  record("r2", {{"files", true}});
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const auto waiter = l_->claim("w", 60000, {"files"}, 1).at(0);
  Finish wait{DeliveryState::Retrying, now + 3600000, false, "tab 'Leads' is being written by another delivery"};
  wait.record_attempt = false;
  ASSERT_TRUE(l_->finish(waiter.id, "w", wait, attempt(AttemptOutcome::Retry)));
  const auto other = l_->claim("w", 60000, {"files"}, 1).at(0);
  ASSERT_NE(other.id, waiter.id);
  EXPECT_TRUE(l_->claim("w", 60000, {"files"}, 1).empty()) << "the waiter is due in an hour";
  EXPECT_FALSE(l_->bring_forward(other.id, now - 1000)) << "a running delivery is left alone";

  ASSERT_TRUE(l_->bring_forward(waiter.id, now - 5000));
  EXPECT_FALSE(l_->bring_forward(waiter.id, now - 1000)) << "already due earlier: nothing to do";
  ASSERT_TRUE(l_->finish(other.id, "w", {DeliveryState::Done, 0, true, ""}, attempt(AttemptOutcome::Ok, 1)));
  EXPECT_FALSE(l_->bring_forward(other.id, now - 1000)) << "a finished delivery stays finished";
  EXPECT_EQ(state_of(other.id), "done");
  const auto again = l_->claim("w", 60000, {"files"}, 1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, waiter.id);
  EXPECT_EQ(again[0].attempt, 1) << "waiting spent no attempt";
  EXPECT_FALSE(l_->bring_forward(424242, now)) << "an unknown delivery";
}

TEST_P(DeliveryLedger, DeadLettersAreReplayable) {
  record("r1");
  record("r2");
  for (const auto& c : l_->claim("w", 60000, {"files", "slack"}, 10))
    ASSERT_TRUE(l_->finish(c.id, "w", {DeliveryState::Dead, 0, true, "gave up"}, attempt(AttemptOutcome::Reject)));
  const auto dead = l_->deliveries(DeliveryState::Dead, "", 100);
  ASSERT_EQ(dead.size(), 4u);
  EXPECT_EQ(dead[0].last_error, "gave up");
  EXPECT_EQ(l_->deliveries(DeliveryState::Dead, "r1", 100).size(), 2u);
  EXPECT_EQ(l_->replay({std::nullopt, std::string("r1"), std::string("files"), false}), 1);
  EXPECT_EQ(l_->replay({dead.front().id, std::nullopt, std::nullopt, true}), 1);  // newest: r2 slack
  const auto again = l_->claim("w", 60000, {"files", "slack"}, 10);
  EXPECT_EQ(again.size(), 2u);
  for (const auto& c : again) {
    EXPECT_EQ(c.attempt, 1);  // budget reset
    EXPECT_TRUE(c.replayed);  // the sink is told (SINKHUB_CTX_REPLAY)
  }
  const auto st = l_->status();
  EXPECT_EQ(st.events, 2);
  EXPECT_EQ(st.deliveries_by_state[1], (std::pair<DeliveryState, std::int64_t>(DeliveryState::Running, 2)));
  EXPECT_EQ(st.deliveries_by_state[4], (std::pair<DeliveryState, std::int64_t>(DeliveryState::Dead, 2)));
}

TEST_P(DeliveryLedger, ASuspendedSinkIsSkippedUntilItsTime) {
  record("r1");
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  l_->suspend_sink("files", now + 3600000, "credentials revoked");
  const auto c = l_->claim("w", 60000, {"files", "slack"}, 10);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].sink, "slack");
  EXPECT_EQ(l_->status().suspended_sinks.size(), 1u);
  l_->suspend_sink("files", now - 1, "over");
  EXPECT_EQ(l_->claim("w", 60000, {"files"}, 10).size(), 1u);
}

TEST_P(DeliveryLedger, AFailedRunVerificationDeadLettersTheEvent) {
  const auto ev = record("r1");
  l_->set_verified(ev, false, "run r1 has status FAILED, the event says SUCCEEDED");
  EXPECT_TRUE(l_->claim("w", 60000, {"files", "slack"}, 10).empty());
  const auto dead = l_->deliveries(DeliveryState::Dead, "r1", 10);
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead[0].last_error, "rejected: run r1 has status FAILED, the event says SUCCEEDED");
  EXPECT_EQ(l_->replay({std::nullopt, std::string("r1"), std::nullopt, true}), 0);  // never exported
  EXPECT_EQ(l_->events_for_run("r1").at(0).status_note, "run r1 has status FAILED, the event says SUCCEEDED");
}

// An attempt ends in done, retrying or dead; the other states are not an end (ledger.hpp's
// transition table), and the delivery stays leased.
TEST_P(DeliveryLedger, AnAttemptCannotEndPendingOrRunning) {
  record("r1", {{"files", true}});
  const auto c = l_->claim("w", 60000, {"files"}, 1).at(0);
  for (const auto bad : {DeliveryState::Pending, DeliveryState::Running})
    EXPECT_THROW(l_->finish(c.id, "w", {bad, 0, true, ""}, attempt(AttemptOutcome::Ok)), std::invalid_argument);
  EXPECT_EQ(state_of(c.id), "running");
  EXPECT_TRUE(l_->extend_lease(c.id, "w", 60000));
}

// Several daemons claim from one store at once: every delivery is leased to exactly one of
// them (PostgreSQL: FOR UPDATE SKIP LOCKED), and a lease lost to a dead daemon is taken over
// with its progress and checkpoint.
// The sinks are served in the order the caller gives: an older backlog of one sink does not
// come before the work of a sink asked first (the engine rotates that order per claim).
TEST_P(DeliveryLedger, ClaimsServeTheSinksInTheOrderGivenEachOldestFirst) {
  for (int i = 0; i < 3; ++i) record("old" + std::to_string(i), {{"files", true}});
  record("new", {{"slack", false}});
  const auto first = l_->claim("w1", 60000, {"nothing-due", "slack", "files"}, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].sink, "slack");
  EXPECT_EQ(first[0].event.run_id, "new");
  const auto rest = l_->claim("w2", 60000, {"files", "slack"}, 10);
  ASSERT_EQ(rest.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(rest[static_cast<std::size_t>(i)].event.run_id, "old" + std::to_string(i));
  // A limit is filled from the next sink when the first runs out.
  record("more-slack", {{"slack", false}});
  record("more-files", {{"files", true}});
  const auto both = l_->claim("w3", 60000, {"slack", "files"}, 2);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].event.run_id, "more-slack");
  EXPECT_EQ(both[1].event.run_id, "more-files");
}

// A sink's turn holder is claimed by id (delivery/turn_queue.hpp), only when claim() would
// take it: due, not leased, its sink not suspended.
TEST_P(DeliveryLedger, ClaimByIdTakesADueDeliveryOnlyAndLikeAClaim) {
  record("r1", {{"files", true}});
  record("r2", {{"slack", false}});
  const auto first = l_->claim("w1", 60000, {"files"}, 1);
  ASSERT_EQ(first.size(), 1u);
  const std::int64_t id = first[0].id;
  EXPECT_FALSE(l_->claim_id("w2", 60000, id)) << "leased to w1";
  ASSERT_TRUE(l_->finish(id, "w1", {DeliveryState::Retrying, util::unix_ms() + 60000, true, "503"},
                         attempt(AttemptOutcome::Retry)));
  EXPECT_FALSE(l_->claim_id("w2", 60000, id)) << "not due yet";
  ASSERT_TRUE(l_->bring_forward(id, 1));
  l_->suspend_sink("files", util::unix_ms() + 60000, "FATAL");
  EXPECT_FALSE(l_->claim_id("w2", 60000, id)) << "its sink is suspended";
  l_->suspend_sink("files", 0, "over");
  const auto again = l_->claim_id("w2", 60000, id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, id);
  EXPECT_EQ(again->sink, "files");
  EXPECT_EQ(again->attempt, 2);
  EXPECT_EQ(again->event.run_id, "r1");
  EXPECT_EQ(state_of(id), "running");
  EXPECT_FALSE(l_->claim_id("w3", 60000, id));
  EXPECT_FALSE(l_->claim_id("w3", 60000, 999999)) << "no such delivery";
  EXPECT_TRUE(l_->extend_lease(id, "w2", 60000));
}

TEST_P(DeliveryLedger, ClaimsFromSeveralLedgersNeverOverlap) {
  constexpr int kRuns = 60;
  for (int i = 0; i < kRuns; ++i) record("r" + std::to_string(i));
  std::vector<std::unique_ptr<Ledger>> daemons;
  for (int d = 0; d < 3; ++d) daemons.push_back(store_.open());
  std::mutex mu;
  std::map<std::int64_t, std::string> owner_of;
  std::vector<std::thread> threads;
  for (int d = 0; d < 3; ++d)
    threads.emplace_back([&, d] {
      const std::string owner = "daemon" + std::to_string(d);
      for (;;) {
        const auto got = daemons[d]->claim(owner, 60000, {"files", "slack"}, 3);
        if (got.empty()) return;
        std::lock_guard<std::mutex> lk(mu);
        for (const auto& c : got) EXPECT_TRUE(owner_of.emplace(c.id, owner).second) << "delivery " << c.id << " twice";
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(owner_of.size(), 2u * kRuns);
  for (const auto& [id, owner] : owner_of) {
    EXPECT_TRUE(daemons[0]->extend_lease(id, owner, 60000)) << id;
    EXPECT_FALSE(daemons[0]->extend_lease(id, owner == "daemon1" ? "daemon2" : "daemon1", 60000)) << id;
  }
}

TEST_P(DeliveryLedger, ADeadDaemonsDeliveryIsTakenOverFromItsCheckpoint) {
  record("r1", {{"files", true}});
  auto other = store_.open();
  const auto first = l_->claim("host-a:1/0", 300, {"files"}, 1).at(0);
  ASSERT_TRUE(l_->save_progress(first.id, "host-a:1/0", {500, 500, 500}, std::string("part 1 of host-a"), 300));
  EXPECT_TRUE(other->claim("host-b:2/0", 60000, {"files"}, 1).empty()) << "leased";
  l_.reset();  // host-a dies (its lease runs out)
  std::vector<Claim> taken;
  for (int i = 0; i < 100 && taken.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    taken = other->claim("host-b:2/0", 60000, {"files"}, 1);
  }
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].items_done, 500u);
  EXPECT_EQ(taken[0].checkpoint, "part 1 of host-a");
  EXPECT_EQ(taken[0].attempt, 2);
}

// The words the ledger stores and the CLI prints and accepts, one for each state and outcome.
TEST(DeliveryStateWords, RoundTripAndNothingElseParses) {
  const std::vector<std::string> states = {"pending", "running", "retrying", "done", "dead"};
  ASSERT_EQ(std::size(kDeliveryStates), states.size());
  for (std::size_t i = 0; i < states.size(); ++i) {
    EXPECT_EQ(to_string(kDeliveryStates[i]), states[i]);
    EXPECT_EQ(parse_delivery_state(states[i]), kDeliveryStates[i]);
  }
  for (const char* outcome : {"ok", "retry", "reject", "fatal", "error", "interrupted"})
    EXPECT_EQ(to_string(parse_attempt_outcome(outcome).value()), std::string(outcome));
  for (const char* bad : {"", "Dead", "dead ", "failed", "ok"})
    EXPECT_FALSE(parse_delivery_state(bad).has_value()) << bad;
  for (const char* bad : {"", "OK", "done", "timeout"})
    EXPECT_FALSE(parse_attempt_outcome(bad).has_value()) << bad;
}

}  // namespace
}  // namespace sinkhub::ledger
