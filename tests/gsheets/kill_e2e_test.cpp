// kill -9 at random points of a delivery, then a restart, in every mode: no item is lost or
// written twice, replace leaves exactly the run's rows and no staging tab, upsert leaves each
// key in one row with its latest values. Google answers 150 ms after applying each write, so
// kills often land between Google's answer and the checkpoint. The trials of a mode are split
// into shards (separate tests, which ctest -j runs in parallel); each shard has its own seed.
#include <random>

#include "gsheets_fixture.hpp"

namespace sinkhub::gst {
namespace {

struct KillShard {
  const char* name;
  const char* mode;  // append | replace | upsert
  int trials;
  unsigned seed;
};
void PrintTo(const KillShard& c, std::ostream* os) { *os << c.name; }  // ctest names, not bytes


class GsheetsKillTest : public GsheetsTest, public ::testing::WithParamInterface<KillShard> {
 protected:
  static constexpr std::int64_t kItems = 3000;

  Conf kill_conf() {
    const std::string mode = GetParam().mode;
    if (mode == "append") return conf("trial {runId}");  // a tab per trial
    if (mode == "replace") return conf("Leads", "    mode: replace\n");
    return conf("Leads", "    mode: upsert\n    key: url\n");
  }

  // Trial t's run: ~600-byte items, so a delivery is several batches.
  RunInfo trial_run(int t) {
    const std::string mode = GetParam().mode;
    if (mode == "upsert") return keyed_run(t * 1000, t * 1000 + kItems, "T" + std::to_string(t), 600);
    return keyed_run(0, kItems + t * 100, "T" + std::to_string(t), 600);
  }

  ::testing::AssertionResult trial_holds(int t, const RunInfo& run) {
    const std::string mode = GetParam().mode;
    const std::int64_t n = kItems + t * 100;
    const auto tagged = [](int trial, std::int64_t i) { return "T" + std::to_string(trial) + " " + std::to_string(i); };
    if (mode == "append") return holds_keys("trial " + run.run_id, n, [&](std::int64_t i) { return tagged(t, i); });
    if (mode == "replace") {
      if (staging_tabs() != 0) return ::testing::AssertionFailure() << staging_tabs() << " staging tab(s) left";
      return holds_keys("Leads", n, [&](std::int64_t i) { return tagged(t, i); });
    }
    // upsert: trial s wrote keys [1000 s, 1000 s + kItems); the latest trial covering a key wins
    return holds_keys("Leads", t * 1000 + kItems, [&](std::int64_t i) {
      return tagged(static_cast<int>(std::min<std::int64_t>(t, i / 1000)), i);
    });
  }
};

TEST_P(GsheetsKillTest, KillNineAtRandomPointsThenRestartLosesAndDuplicatesNothing) {
  google_.add_fault(g::Fault::slow(g::Op::BatchUpdate, milliseconds(150), true, -1));
  Conf c = kill_conf();
  c.page_size = 1000;
  c.delivery["lease"] = "1s";  // the killed daemon's claim lapses sooner (it is renewed every 1/3)
  start(c);
  std::mt19937 rng(GetParam().seed);
  for (int t = 0; t < GetParam().trials; ++t) {
    const RunInfo run = trial_run(t);
    post(run);
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(50, 1000)(rng)));
    daemon().kill9();
    daemon().start();
    ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(120))) << "trial " << t;
    EXPECT_TRUE(trial_holds(t, run)) << "trial " << t;
  }
  EXPECT_EQ(metadata_with_key("sinkhub.batch"), 0u);
}

// append: the 10 trials the issue asks for, in two shards; replace and upsert: 5 each.
INSTANTIATE_TEST_SUITE_P(Modes, GsheetsKillTest,
                         ::testing::Values(KillShard{"Append1", "append", 5, 20261203}, KillShard{"Append2", "append", 5, 7},
                                           KillShard{"Replace", "replace", 5, 11}, KillShard{"Upsert", "upsert", 5, 17}),
                         [](const ::testing::TestParamInfo<KillShard>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace sinkhub::gst
