// A daemon dies (kill -9) after Google applied a batch but before the host committed the
// checkpoint, and the delivery is taken over by a daemon with its own, empty plugins.data_dir
// (what another daemon of a shared PostgreSQL ledger has, or this one after its data_dir was
// lost): no intent file. The batch must be resolved from the spreadsheet (its marker and the
// intent recorded beside it), not sent again: every item lands exactly once, in order, under
// the header, in every mode, and no per-batch metadata is left behind.
#include <filesystem>

#include "gsheets_fixture.hpp"

namespace sinkhub::gst {
namespace {

class GsheetsTakeoverTest : public GsheetsTest, public ::testing::WithParamInterface<const char*> {
 protected:
  static constexpr std::int64_t kItems = 3000;  // ~600 bytes each: several batches

  Conf mode_conf() {
    const std::string mode = GetParam();
    if (mode == "replace") return conf("Leads", "    mode: replace\n");
    if (mode == "upsert") return conf("Leads", "    mode: upsert\n    key: url\n");
    return conf("Leads");
  }

  // Whether Google holds batch `seq`'s marker (it applied that batchUpdate).
  bool applied(const std::string& seq_suffix) {
    for (const auto& m : google_.developer_metadata(kSheet))
      if (m.key == "sinkhub.batch" && m.value.size() > seq_suffix.size() &&
          m.value.compare(m.value.size() - seq_suffix.size(), seq_suffix.size(), seq_suffix) == 0)
        return true;
    return false;
  }

  std::size_t metadata_with_prefix(const std::string& prefix) {
    std::size_t n = 0;
    for (const auto& m : google_.developer_metadata(kSheet)) n += m.key.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }
};

TEST_P(GsheetsTakeoverTest, ABatchAppliedBeforeTheDaemonDiedIsResolvedFromTheSheetByADaemonWithoutItsIntentFile) {
  // Google applies the second data batch (its marker is created), then holds the answer: the
  // daemon is killed while it waits, so the batch is at Google and not in the checkpoint.
  google_.add_fault(g::Fault::slow(g::Op::BatchUpdate, seconds(60), true, 1)
                        .after(1)
                        .carrying("\"developerMetadata\":{\"metadataKey\":\"sinkhub.batch\""));
  Conf c = mode_conf();
  c.page_size = 1000;
  c.delivery["lease"] = "1s";
  c.data_dir = "{{DIR}}/daemon-a";
  start(c);
  const RunInfo run = keyed_run(0, kItems, "T", 600);
  post(run);
  ASSERT_TRUE(wait_until([&] { return applied(":1"); }, seconds(60))) << "batch 1 never reached Google";
  daemon().kill9();
  const std::filesystem::path left = dir() + "/daemon-a/sheet/intents";
  ASSERT_TRUE(std::filesystem::is_directory(left));
  EXPECT_FALSE(std::filesystem::is_empty(left)) << "the dead daemon's intent file stays on its own disk";

  c.data_dir = "{{DIR}}/daemon-b";  // another daemon: nothing of daemon-a's disk
  daemon().set_config(render(c, fake_.base_url()));
  daemon().start();
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(120)));
  const auto values = google_.values(kSheet, "Leads");
  ASSERT_FALSE(values.empty());
  const std::vector<g::Value> header = {g::Value::string("i"), g::Value::string("url"), g::Value::string("title"),
                                        g::Value::string("pad")};
  EXPECT_EQ(values[0], header);
  EXPECT_TRUE(holds_keys("Leads", kItems, [](std::int64_t i) { return "T " + std::to_string(i); }));
  EXPECT_NE(daemon().log().find("resolved from its intent in the spreadsheet"), std::string::npos);
  EXPECT_EQ(metadata_with_key("sinkhub.batch"), 0u);
  EXPECT_EQ(metadata_with_prefix("sinkhub.intent."), 0u);
  EXPECT_EQ(staging_tabs(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Modes, GsheetsTakeoverTest, ::testing::Values("append", "replace", "upsert"),
                         [](const ::testing::TestParamInfo<const char*>& p) { return std::string(p.param); });

}  // namespace
}  // namespace sinkhub::gst
