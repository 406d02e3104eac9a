// A sink's rewind (ABI 1.2, sinkhub_result.resume_from_item): a sink that lost the state it
// needs to go on (a spool on another host's disk) asks to resume its delivery at an earlier
// item. The engine moves that delivery alone back, with the checkpoint the sink staged, reads
// the dataset again from there, and refuses a rewind that is a plugin bug.
#include "delivery_fixture.hpp"

namespace sinkhub::dt {
namespace {

class Rewind : public DeliveryTest {
 protected:
  // Starts the daemon and posts a run whose dataset is `spec`.
  RunInfo run_through(const Conf& s, const GeneratedSpec& spec) {
    start(s);
    const RunInfo run = add_run();
    fake_.add_generated_dataset(run.dataset_id, spec);
    post(run);
    return run;
  }
  std::vector<Row> attempts_of(const std::string& run_id, const std::string& sink) {
    LedgerView v(daemon().ledger_path());
    return v.query(
        "SELECT a.* FROM attempts a JOIN deliveries d ON d.id = a.delivery_id JOIN events e ON e.id = d.event_id "
        "WHERE e.run_id = ?1 AND d.sink = ?2 ORDER BY a.id",
        {run_id, sink});
  }
  // From call `from` on, every item of `want` arrives once and in order, the batches starting
  // at `next`; returns where the calls ended.
  static std::uint64_t expect_in_order(const std::vector<Call>& c, std::size_t from, std::uint64_t next,
                                       const std::vector<std::string>& want) {
    for (std::size_t k = from; k < c.size(); ++k) {
      EXPECT_EQ(c[k].offset, next) << "call " << k;
      if (c[k].offset >= want.size()) break;
      EXPECT_EQ(c[k].first, index_of(want[c[k].offset])) << "call " << k << " starts at the right item";
      EXPECT_EQ(c[k].rc, SINKHUB_OK) << "call " << k;
      next = c[k].offset + c[k].count;
    }
    return next;
  }
};

// The 4th call (items 300..399) answers OK with "resume at item 100": the next attempt starts
// at once at item 100 with the sink's new checkpoint, reading the dataset again from there
// (its first pages were already let go). The other sink of the same event is not moved back.
TEST_F(Rewind, AnOkRewindResumesAtOnceAtThatItemAndOnlyThisDeliveryMovesBack) {
  Conf s;
  s.page_size = 250;
  s.delivery["backoff_initial"] = "30s";  // "at once" must not mean "after the backoff"
  s.delivery["backoff_max"] = "30s";
  s.test_sink("rw", {{"batch_items", "100"}, {"rewind_at", "4"}, {"rewind_to", "100"}})
      .test_sink("other", {{"batch_items", "100"}})
      .route("ACTOR.RUN.SUCCEEDED", "rw, other");
  const RunInfo run = run_through(s, GeneratedSpec{1000, 60, 0, 0});
  ASSERT_TRUE(reaches(run.run_id, "rw", "done", seconds(20)));
  ASSERT_TRUE(reaches(run.run_id, "other", "done", seconds(20)));
  const auto want = fake_.items(run.dataset_id);

  const auto c = calls("rw");
  ASSERT_GE(c.size(), 5u);
  EXPECT_EQ(c[3].offset, 300u);
  EXPECT_EQ(c[3].rewind, 100);
  EXPECT_EQ(c[3].rc, SINKHUB_OK);
  EXPECT_EQ(c[4].attempt, 2u) << "a new attempt";
  EXPECT_EQ(c[4].offset, 100u);
  EXPECT_EQ(c[4].cp, "rw-100") << "with the checkpoint staged by the rewinding call";
  EXPECT_EQ(c[4].flags & SINKHUB_CTX_FIRST_BATCH, 0u);
  EXPECT_LT(c[4].t - c[3].t, 20000) << "not after the 30 s backoff";
  EXPECT_EQ(expect_in_order(c, 4, 100, want), want.size());
  EXPECT_EQ(deliveries(run.run_id)["rw"].at("items_done"), "1000");
  EXPECT_EQ(deliveries(run.run_id)["rw"].at("attempts"), "2");
  const auto history = attempts_of(run.run_id, "rw");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].at("outcome"), "retry");
  EXPECT_NE(history[0].at("message").find("resumes the delivery at item 100 (accepted so far: 300)"), std::string::npos)
      << history[0].at("message");
  EXPECT_NE(daemon().log().find("resumes the delivery at item 100"), std::string::npos);

  const auto o = calls("other");
  EXPECT_EQ(expect_in_order(o, 0, 0, want), want.size()) << "the other sink went straight through";
  for (const auto& call : o) EXPECT_EQ(call.attempt, 1u);
  EXPECT_EQ(deliveries(run.run_id)["other"].at("attempts"), "1");
}

// With `clean` raw offsets are not positions: a rewind behind the pages still held reads the
// dataset again from its start and skips to the item. RETRY waits for the backoff.
TEST_F(Rewind, ARetryRewindWithCleanReadsAgainFromTheRightItem) {
  Conf s;
  s.page_size = 200;
  s.test_sink("rw", {{"batch_items", "100"}, {"rewind_at", "5"}, {"rewind_to", "150"}, {"rewind_code", "retry"}},
              "    dataset:\n      clean: true\n")
      .route("ACTOR.RUN.SUCCEEDED", "rw");
  const RunInfo run = run_through(s, GeneratedSpec{1200, 60, 7, 5});
  ASSERT_TRUE(reaches(run.run_id, "rw", "done", seconds(20)));
  const auto want = fake_.items(run.dataset_id, true);
  const auto c = calls("rw");
  ASSERT_GE(c.size(), 6u);
  EXPECT_EQ(c[4].offset, 400u);
  EXPECT_EQ(c[4].rc, SINKHUB_RETRY);
  EXPECT_EQ(c[4].rewind, 150);
  EXPECT_EQ(c[5].attempt, 2u);
  EXPECT_EQ(c[5].offset, 150u);
  EXPECT_EQ(c[5].cp, "rw-150");
  EXPECT_EQ(expect_in_order(c, 5, 150, want), want.size());
  EXPECT_EQ(deliveries(run.run_id)["rw"].at("items_done"), std::to_string(want.size()));
}

// Back to item 0 without a checkpoint: the delivery starts over, flagged FIRST_BATCH.
TEST_F(Rewind, ARewindToItemZeroStartsTheDeliveryOver) {
  Conf s;
  s.test_sink("rw", {{"batch_items", "100"}, {"rewind_at", "3"}, {"rewind_to", "0"}}).route("ACTOR.RUN.SUCCEEDED", "rw");
  const RunInfo run = run_through(s, GeneratedSpec{500, 60, 0, 0});
  ASSERT_TRUE(reaches(run.run_id, "rw", "done", seconds(20)));
  const auto want = fake_.items(run.dataset_id);
  const auto c = calls("rw");
  ASSERT_GE(c.size(), 4u);
  EXPECT_EQ(c[2].rewind, 0);
  EXPECT_EQ(c[3].offset, 0u);
  EXPECT_EQ(c[3].cp, "-") << "no checkpoint was staged: none is kept";
  EXPECT_NE(c[3].flags & SINKHUB_CTX_FIRST_BATCH, 0u);
  EXPECT_EQ(expect_in_order(c, 3, 0, want), want.size());
}

// A rewind past what the host holds as accepted, or one that also accepts items, is a plugin
// bug: refused, the call counts as a RETRY, progress and checkpoint stay where they were.
TEST_F(Rewind, ARewindPastTheProgressOrAcceptingItemsIsRefusedAsAPluginError) {
  Conf s;
  s.test_sink("far", {{"batch_items", "100"}, {"rewind_at", "3"}, {"rewind_to", "5000"}})
      .test_sink("greedy", {{"batch_items", "100"}, {"rewind_at", "3"}, {"rewind_to", "0"}, {"rewind_accept", "7"}})
      .route("ACTOR.RUN.SUCCEEDED", "far, greedy");
  const RunInfo run = run_through(s, GeneratedSpec{500, 60, 0, 0});
  const auto want = fake_.items(run.dataset_id);
  for (const std::string sink : {"far", "greedy"}) {
    ASSERT_TRUE(reaches(run.run_id, sink, "done", seconds(20))) << sink;
    const auto c = calls(sink);
    ASSERT_GE(c.size(), 4u) << sink;
    EXPECT_EQ(c[3].attempt, 2u) << sink;
    EXPECT_EQ(c[3].offset, 200u) << sink << ": the progress did not move";
    EXPECT_EQ(c[3].cp, "cp-200") << sink << ": nor did the checkpoint";
    EXPECT_EQ(expect_in_order(c, 3, 200, want), want.size()) << sink;
    const auto history = attempts_of(run.run_id, sink);
    ASSERT_EQ(history.size(), 2u) << sink;
    EXPECT_EQ(history[0].at("outcome"), "retry") << sink;
    EXPECT_EQ(history[0].at("message").rfind("plugin error: asked to resume at item ", 0), 0u)
        << history[0].at("message");
  }
  EXPECT_NE(attempts_of(run.run_id, "far")[0].at("message").find("past the 200 items accepted so far"), std::string::npos);
  EXPECT_NE(attempts_of(run.run_id, "greedy")[0].at("message").find("while accepting 7 items"), std::string::npos);
  EXPECT_NE(daemon().log().find("(plugin bug)"), std::string::npos);
}

// REJECT with a rewind: dead-lettered as usual, the progress already moved back, so a replay
// resumes there with the sink's checkpoint.
TEST_F(Rewind, ARejectWithARewindDeadLettersAtTheEarlierItem) {
  Conf s;
  s.test_sink("rw", {{"batch_items", "100"}, {"rewind_at", "3"}, {"rewind_to", "100"}, {"rewind_code", "reject"}})
      .route("ACTOR.RUN.SUCCEEDED", "rw");
  const RunInfo run = run_through(s, GeneratedSpec{500, 60, 0, 0});
  ASSERT_TRUE(reaches(run.run_id, "rw", "dead", seconds(20)));
  auto row = deliveries(run.run_id)["rw"];
  EXPECT_EQ(row.at("items_done"), "100");
  EXPECT_EQ(row.at("checkpoint"), "rw-100");
  EXPECT_NE(row.at("last_error").find("resumes the delivery at item 100"), std::string::npos) << row.at("last_error");
  const auto replay = cli({"replay", "--run", run.run_id});
  ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  ASSERT_TRUE(reaches(run.run_id, "rw", "done", seconds(20)));
  const auto c = calls("rw");
  ASSERT_GE(c.size(), 4u);
  EXPECT_EQ(c[3].offset, 100u);
  EXPECT_EQ(c[3].cp, "rw-100");
  EXPECT_EQ(expect_in_order(c, 3, 100, fake_.items(run.dataset_id)), 500u);
}

}  // namespace
}  // namespace sinkhub::dt
