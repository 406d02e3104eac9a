// The ledger's group-commit writer (ledger/group_commit.hpp) against a scripted backend: what
// any backend (SQLite today, PostgreSQL later) gets asked to do, and in which order.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <map>
#include <optional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "ledger/group_commit.hpp"

namespace sinkhub::ledger {
namespace {

// Records every verb; inserts fail for events whose dedup key is "fail", commits fail while
// fail_commit is set, and when gated the first begin() waits for `gate` so that jobs pile up
// behind it.
class ScriptedBackend : public GroupCommit::Backend {
 public:
  explicit ScriptedBackend(bool gated = false) : passed_gate_(!gated) {}
  std::vector<std::string> log() {
    std::lock_guard<std::mutex> lk(mu_);
    return log_;
  }
  bool fail_commit = false;
  bool fail_alone = false;
  std::promise<void> gate;

  void begin() override {
    if (!passed_gate_) {
      passed_gate_ = true;
      gate.get_future().wait();
    }
    add("begin");
  }
  void commit() override {
    if (fail_commit) throw std::runtime_error("disk I/O error");
    add("commit");
  }
  void rollback() noexcept override { add("rollback"); }
  void savepoint() override { add("savepoint"); }
  void release() override { add("release"); }
  void rollback_to() override { add("rollback_to"); }
  RecordOutcome insert(const IncomingEvent& ev) override {
    add("insert " + ev.dedup_key);
    if (ev.dedup_key == "fail") throw std::runtime_error("constraint failed");
    return {RecordOutcome::Kind::Accepted, ++next_id_, {}};
  }
  bool statements_fail_alone() const override { return fail_alone; }
  bool orders_by_key() const override { return by_key; }
  bool by_key = false;
  // A backend that records groups at once: "fail" makes its statement refused as a whole
  // (every event undecided), "lost" an unknown outcome for the events from it on.
  bool inserts_groups() const override { return groups; }
  bool groups = false;
  std::vector<std::optional<RecordOutcome>> insert_group(const std::vector<const IncomingEvent*>& events) override {
    std::string line = "insert_group";
    bool refused = false, lost = false;
    for (const auto* e : events) {
      line += " " + e->dedup_key;
      refused = refused || e->dedup_key == "fail";
    }
    add(line);
    std::vector<std::optional<RecordOutcome>> out(events.size());
    if (refused) return out;
    for (std::size_t i = 0; i < events.size(); ++i) {
      lost = lost || events[i]->dedup_key == "lost";
      out[i] = lost ? RecordOutcome{RecordOutcome::Kind::Failed, 0, "connection lost"}
                    : RecordOutcome{RecordOutcome::Kind::Accepted, ++next_id_, {}};
    }
    return out;
  }

 private:
  void add(std::string s) {
    std::lock_guard<std::mutex> lk(mu_);
    log_.push_back(std::move(s));
  }
  std::mutex mu_;
  std::vector<std::string> log_;
  bool passed_gate_ = true;
  std::int64_t next_id_ = 0;
};

struct Collector : RecordReceiver {
  std::mutex mu;
  std::map<std::uint64_t, RecordOutcome> outcomes;
  int flushes = 0;
  void complete(std::uint64_t token, RecordOutcome o, std::unique_ptr<IncomingEvent>) override {
    std::lock_guard<std::mutex> lk(mu);
    outcomes[token] = std::move(o);
  }
  void flush() override {
    std::lock_guard<std::mutex> lk(mu);
    ++flushes;
  }
};

std::vector<AsyncRecord> events(std::initializer_list<const char*> keys) {
  std::vector<AsyncRecord> out;
  std::uint64_t token = 0;
  for (const char* k : keys) {
    auto ev = std::make_unique<IncomingEvent>();
    ev->dedup_key = k;
    ev->deliveries = {{"files", true}};
    out.push_back({std::move(ev), ++token});
  }
  return out;
}

TEST(GroupCommit, QueuedJobsShareOneTransactionEachInItsOwnSavepoint) {
  ScriptedBackend b(/*gated=*/true);
  auto c = std::make_shared<Collector>();
  {
    GroupCommit gc(b);
    gc.record_async(events({"a", "fail", "b"}), c);  // queued while the writer waits at begin()
    b.gate.set_value();
    gc.close();  // commits what is queued
  }
  const std::vector<std::string> want = {"begin",        "savepoint", "insert a", "release",   "savepoint",
                                         "insert fail",  "rollback_to", "release", "savepoint", "insert b",
                                         "release",      "commit"};
  EXPECT_EQ(b.log(), want);
  ASSERT_EQ(c->outcomes.size(), 3u);
  EXPECT_EQ(c->outcomes[1].kind, RecordOutcome::Kind::Accepted);
  EXPECT_EQ(c->outcomes[2].kind, RecordOutcome::Kind::Failed) << "a failing job fails alone";
  EXPECT_EQ(c->outcomes[2].error, "constraint failed");
  EXPECT_EQ(c->outcomes[3].kind, RecordOutcome::Kind::Accepted);
  EXPECT_EQ(c->flushes, 1) << "one wake-up per receiver per group";
}

TEST(GroupCommit, AFailedCommitFailsEveryJobOfTheGroup) {
  ScriptedBackend b;
  b.fail_commit = true;
  GroupCommit gc(b);
  auto c = std::make_shared<Collector>();
  gc.record_async(events({"a", "b"}), c);
  EXPECT_THROW(gc.write([] {}), std::runtime_error);
  EXPECT_FALSE(gc.writable());
  gc.close();
  ASSERT_EQ(c->outcomes.size(), 2u);
  for (auto& [token, o] : c->outcomes) EXPECT_EQ(o.kind, RecordOutcome::Kind::Failed) << token;
  const auto log = b.log();
  EXPECT_NE(std::find(log.begin(), log.end(), "rollback"), log.end());
}

TEST(GroupCommit, ASingleStatementJobSkipsItsSavepointWhereStatementsFailAlone) {
  ScriptedBackend b;
  b.fail_alone = true;
  GroupCommit gc(b);
  auto ev = std::make_unique<IncomingEvent>();
  ev->dedup_key = "bare";  // no deliveries: one INSERT
  std::vector<AsyncRecord> one;
  one.push_back({std::move(ev), 1});
  gc.record_async(std::move(one), std::make_shared<Collector>());
  gc.close();
  EXPECT_EQ(b.log(), (std::vector<std::string>{"begin", "insert bare", "commit"}));
}

// Where other processes insert into the same table (PostgreSQL), a group inserts in key order:
// two groups holding the same keys then wait for each other in one order, never in a cycle.
TEST(GroupCommit, AGroupIsInsertedInKeyOrderWhereTheBackendAsks) {
  ScriptedBackend b(/*gated=*/true);
  b.by_key = true;
  auto c = std::make_shared<Collector>();
  {
    GroupCommit gc(b);
    gc.record_async(events({"c", "a", "b"}), c);
    b.gate.set_value();
    gc.close();
  }
  std::vector<std::string> inserts;
  for (const auto& line : b.log())
    if (line.rfind("insert ", 0) == 0) inserts.push_back(line);
  EXPECT_EQ(inserts, (std::vector<std::string>{"insert a", "insert b", "insert c"}));
  ASSERT_EQ(c->outcomes.size(), 3u) << "each outcome still reaches its own token";
  EXPECT_EQ(c->outcomes[1].event_id, 3) << "token 1 (key c) was inserted last";
}

// Where the backend records groups at once (PostgreSQL: one round trip), the group's events
// go to it together, outside any transaction of GroupCommit's; other jobs still get one.
TEST(GroupCommit, AGroupsEventsGoToTheBackendAtOnceWhereItCan) {
  ScriptedBackend b;
  b.groups = true;
  b.by_key = true;
  auto c = std::make_shared<Collector>();
  {
    GroupCommit gc(b);
    gc.record_async(events({"c", "a", "b"}), c);  // queued together: one group
    gc.write([] {});
    gc.close();
  }
  const std::vector<std::string> want = {"insert_group a b c", "begin", "savepoint", "release", "commit"};
  EXPECT_EQ(b.log(), want) << "the events in key order in one go, the write in a transaction";
  ASSERT_EQ(c->outcomes.size(), 3u);
  for (auto& [token, o] : c->outcomes) EXPECT_EQ(o.kind, RecordOutcome::Kind::Accepted) << token;
  EXPECT_EQ(c->outcomes[1].event_id, 3) << "token 1 (key c) came last";
}

// A statement refused as a whole decided nothing: its events go through savepoints, so only
// the event at fault fails; an unknown outcome fails the events it concerns, never acknowledged.
TEST(GroupCommit, EventsOfARefusedGroupStatementGoThroughSavepointsAndUnknownOnesFail) {
  ScriptedBackend b(/*gated=*/true);
  b.groups = true;
  auto c = std::make_shared<Collector>();
  {
    GroupCommit gc(b);
    gc.record_async(events({"a", "fail", "b"}), c);
    b.gate.set_value();
    gc.close();
  }
  const std::vector<std::string> want = {"insert_group a fail b", "begin", "savepoint", "insert a", "release",
                                         "savepoint", "insert fail", "rollback_to", "release", "savepoint",
                                         "insert b", "release", "commit"};
  EXPECT_EQ(b.log(), want);
  EXPECT_EQ(c->outcomes[1].kind, RecordOutcome::Kind::Accepted);
  EXPECT_EQ(c->outcomes[2].kind, RecordOutcome::Kind::Failed);
  EXPECT_EQ(c->outcomes[3].kind, RecordOutcome::Kind::Accepted);

  ScriptedBackend lost;
  lost.groups = true;
  auto c2 = std::make_shared<Collector>();
  {
    GroupCommit gc(lost);
    gc.record_async(events({"a", "lost", "z"}), c2);
    gc.close();
  }
  EXPECT_EQ(lost.log(), std::vector<std::string>{"insert_group a lost z"}) << "nothing retried blindly";
  EXPECT_EQ(c2->outcomes[1].kind, RecordOutcome::Kind::Accepted);
  EXPECT_EQ(c2->outcomes[2].kind, RecordOutcome::Kind::Failed);
  EXPECT_EQ(c2->outcomes[2].error, "connection lost");
  EXPECT_EQ(c2->outcomes[3].kind, RecordOutcome::Kind::Failed);
}

TEST(GroupCommit, WritesFailOnceClosed) {
  ScriptedBackend b;
  GroupCommit gc(b);
  gc.write([] {});
  gc.close();
  EXPECT_THROW(gc.write([] {}), std::runtime_error);
  auto c = std::make_shared<Collector>();
  gc.record_async(events({"late"}), c);
  ASSERT_EQ(c->outcomes.size(), 1u) << "reported at once, on the caller's thread";
  EXPECT_EQ(c->outcomes[1].error, "ledger is closed");
}

}  // namespace
}  // namespace sinkhub::ledger
