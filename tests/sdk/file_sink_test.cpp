// File sink tests: dlopen the built plugins/file .so and drive it with the
// minimal test host (sinkhub/test_host.hpp, installed with the SDK), as the daemon would.
#include <sinkhub/test_host.hpp>

#include "file_options.hpp"
#include "gunzip.hpp"
#include "readme_table.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#ifndef SINKHUB_FILE_SINK_PATH
#error "SINKHUB_FILE_SINK_PATH must name the built file sink"
#endif

namespace fs = std::filesystem;
using sinkhub::plugin_test::DeliverySpec;
using sinkhub::plugin_test::Instance;
using sinkhub::plugin_test::Plugin;
using sinkhub::plugin_test::TestHost;

using sinkhub_test::gunzip;

namespace {

const Plugin& plugin() {
  static const Plugin p(SINKHUB_FILE_SINK_PATH);
  return p;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string jsonl(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += i + "\n";
  return s;
}

std::string json_array(const std::vector<std::string>& items) {
  if (items.empty()) return "[]\n";
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) s += (i ? ",\n" : "\n") + items[i];
  return s + "\n]\n";
}

std::vector<std::string> sample_items(size_t n) {
  std::vector<std::string> v;
  for (size_t i = 0; i < n; ++i) {
    std::string s = "{\"i\":" + std::to_string(i) + ",\"title\":\"caf\xC3\xA9 \\\"q\\\" \\u00e9\",\"n\":null";
    s += ",\"pad\":\"" + std::string(i % 7 * 13, 'x') + "\"}";
    v.push_back(s);
  }
  v.push_back("[1, 2 ,3]");  // odd spacing must survive byte for byte
  return v;
}

std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> v;
  if (!fs::exists(dir)) return v;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) v.push_back(fs::relative(e.path(), dir));
  std::sort(v.begin(), v.end());
  return v;
}

class FileSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sinkhub-file-sink-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ / "out";
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string options(const std::string& extra = "") const {
    return "{\"dir\":\"" + dir_.string() + "\"" + extra + "}";
  }

  fs::path root_, dir_;
  TestHost host_;
};

TEST_F(FileSinkTest, DescriptorIsComplete) {
  const auto& d = plugin().desc();
  EXPECT_STREQ(d.id, "file");
  EXPECT_EQ(d.abi_major, 1u);
  EXPECT_EQ(d.abi_minor, static_cast<uint32_t>(SINKHUB_ABI_VERSION_MINOR));
  EXPECT_GE(d.struct_size, SINKHUB_PLUGIN_DESCRIPTOR_MIN_SIZE);
  ASSERT_NE(d.options_schema_json, nullptr);
  const std::string schema = d.options_schema_json;
  EXPECT_NE(schema.find("\"required\": [\"dir\"]"), std::string::npos);
  EXPECT_NE(schema.find("{actorId}/{runId}.jsonl"), std::string::npos);
  EXPECT_NE(d.open, nullptr);
}

TEST_F(FileSinkTest, CreateRejectsBadOptionsWithoutTouchingTheFilesystem) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"{}", "dir"},
      {"{\"dir\":\"\"}", "dir"},
      {"{\"dir\":5}", "dir"},
      {options(",\"format\":\"xml\""), "format"},
      {options(",\"gzip\":\"yes\""), "gzip"},
      {options(",\"colour\":1"), "colour"},
      {options(",\"path\":\"../x.jsonl\""), "path"},
      {options(",\"path\":\"/etc/passwd\""), "path"},
      {options(",\"path\":\"a//b\""), "path"},
      {options(",\"path\":\".hidden\""), "path"},
      {options(",\"path\":\"{nope}.jsonl\""), "nope"},
      {options(",\"path\":\"{runId\""), "path"},
      {"{\"dir\":", "JSON"},
      {"[]", "JSON"},
  };
  for (const auto& [opts, needle] : bad) {
    Instance inst(plugin(), host_, opts);
    EXPECT_EQ(inst.create_code(), SINKHUB_REJECT) << opts;
    EXPECT_NE(inst.create_message().find(needle), std::string::npos)
        << opts << " -> " << inst.create_message();
  }
  // A valid instance in check-only mode: create succeeds and writes nothing.
  Instance ok(plugin(), host_, options(",\"format\":\"json\",\"gzip\":true,\"path\":\"{date}/{runId}.json\""),
              SINKHUB_CREATE_CHECK_ONLY);
  EXPECT_EQ(ok.create_code(), SINKHUB_OK) << ok.create_message();
  EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(FileSinkTest, OptionsAreRealJson) {
  // Escaped solidus, unicode escapes and whitespace are decoded like any JSON parser would.
  std::string escaped = dir_.string();
  for (size_t i = 0; (i = escaped.find('/', i)) != std::string::npos; i += 2) escaped.replace(i, 1, "\\/");
  const std::string opts = " {\n \"dir\" : \"" + escaped + "\\u002fsub\" ,\"gzip\":false, \"path\":\"{runId}\\u002ejsonl\"}\n";
  Instance inst(plugin(), host_, opts);
  ASSERT_TRUE(inst.ok()) << inst.create_message() << " for " << opts;
  ASSERT_EQ(inst.open(), SINKHUB_OK);
  Instance::Progress pr;
  ASSERT_EQ(inst.run(DeliverySpec{}, {"{}"}, 5, pr).code, SINKHUB_OK);
  EXPECT_EQ(slurp(dir_ / "sub" / "run1.jsonl"), "{}\n");
}

TEST_F(FileSinkTest, JsonlIsByteExactAcrossBatches) {
  Instance inst(plugin(), host_, options());
  ASSERT_TRUE(inst.ok()) << inst.create_message();
  ASSERT_EQ(inst.open(), SINKHUB_OK);
  EXPECT_TRUE(fs::is_directory(dir_));
  const auto items = sample_items(25);
  DeliverySpec d;
  Instance::Progress pr;
  const auto o = inst.run(d, items, 4, pr);
  ASSERT_EQ(o.code, SINKHUB_OK) << o.message;
  EXPECT_EQ(pr.accepted, items.size());
  EXPECT_EQ(slurp(dir_ / "actor1" / "run1.jsonl"), jsonl(items));
  // Nothing else left behind (no temp files).
  EXPECT_EQ(files_under(dir_), std::vector<fs::path>{fs::path("actor1/run1.jsonl")});
}

TEST_F(FileSinkTest, JsonArrayIsByteExact) {
  Instance inst(plugin(), host_, options(",\"format\":\"json\",\"path\":\"{runId}.json\""));
  ASSERT_TRUE(inst.ok()) << inst.create_message();
  ASSERT_EQ(inst.open(), SINKHUB_OK);
  const auto items = sample_items(10);
  Instance::Progress pr;
  ASSERT_EQ(inst.run(DeliverySpec{}, items, 3, pr).code, SINKHUB_OK);
  EXPECT_EQ(slurp(dir_ / "run1.json"), json_array(items));

  // A single-item and an empty dataset.
  DeliverySpec one;
  one.run_id = "one";
  Instance::Progress p1;
  ASSERT_EQ(inst.run(one, {"{\"a\":1}"}, 5, p1).code, SINKHUB_OK);
  EXPECT_EQ(slurp(dir_ / "one.json"), "[\n{\"a\":1}\n]\n");
  DeliverySpec empty;
  empty.run_id = "empty";
  Instance::Progress p0;
  ASSERT_EQ(inst.run(empty, {}, 5, p0).code, SINKHUB_OK);
  EXPECT_EQ(slurp(dir_ / "empty.json"), "[]\n");
}

TEST_F(FileSinkTest, EmptyDatasetJsonlMakesAnEmptyFile) {
  Instance inst(plugin(), host_, options());
  ASSERT_EQ(inst.open(), SINKHUB_OK);
  Instance::Progress pr;
  ASSERT_EQ(inst.run(DeliverySpec{}, {}, 5, pr).code, SINKHUB_OK);
  ASSERT_TRUE(fs::exists(dir_ / "actor1" / "run1.jsonl"));
  EXPECT_EQ(fs::file_size(dir_ / "actor1" / "run1.jsonl"), 0u);
}

TEST_F(FileSinkTest, GzipDecodesToTheSameBytes) {
  const auto items = sample_items(40);
  {
    Instance inst(plugin(), host_, options(",\"gzip\":true,\"path\":\"{runId}.jsonl.gz\""));
    ASSERT_TRUE(inst.ok()) << inst.create_message();
    ASSERT_EQ(inst.open(), SINKHUB_OK);
    Instance::Progress pr;
    ASSERT_EQ(inst.run(DeliverySpec{}, items, 7, pr).code, SINKHUB_OK);
    const std::string raw = slurp(dir_ / "run1.jsonl.gz");
    ASSERT_GE(raw.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(raw[1]), 0x8b);
    EXPECT_EQ(gunzip(raw), jsonl(items));
    // And the standard tool agrees (multi-member gzip).
    const std::string out = (root_ / "gz.out").string();
    const std::string cmd = "gzip -dc '" + (dir_ / "run1.jsonl.gz").string() + "' > '" + out + "'";
    if (std::system("command -v gzip >/dev/null 2>&1") == 0) {
      ASSERT_EQ(std::system(cmd.c_str()), 0);
      EXPECT_EQ(slurp(out), jsonl(items));
    }
  }
  {
    Instance inst(plugin(), host_, options(",\"gzip\":true,\"format\":\"json\",\"path\":\"{runId}.json.gz\""));
    ASSERT_EQ(inst.open(), SINKHUB_OK);
    Instance::Progress pr;
    ASSERT_EQ(inst.run(DeliverySpec{}, items, 9, pr).code, SINKHUB_OK);
    EXPECT_EQ(gunzip(slurp(dir_ / "run1.json.gz")), json_array(items));
  }
}

TEST_F(FileSinkTest, PathTemplatePlaceholders) {
  Instance inst(plugin(), host_,
                options(",\"path\":\"{eventType}/{date}/{actorId}-{taskId}-{datasetId}/{runId}.ndjson\""));
  ASSERT_TRUE(inst.ok()) << inst.create_message();
  ASSERT_EQ(inst.open(), SINKHUB_OK);
  DeliverySpec d;
  d.task_id = "task9";
  d.event_time_unix_ms = 1767225600000 + 86400000LL * 40;  // 2026-02-10
  Instance::Progress pr;
  ASSERT_EQ(inst.run(d, {"{}"}, 10, pr).code, SINKHUB_OK);
  EXPECT_EQ(slurp(dir_ / "ACTOR.RUN.SUCCEEDED" / "2026-02-10" / "actor1-task9-ds1" / "run1.ndjson"), "{}\n");

  // An empty id becomes "_".
  DeliverySpec e;
  e.run_id = "r2";
  Instance::Progress pr2;
  ASSERT_EQ(inst.run(e, {"{}"}, 10, pr2).code, SINKHUB_OK);
  EXPECT_TRUE(fs::exists(dir_ / "ACTOR.RUN.SUCCEEDED" / "2026-01-01" / "actor1-_-ds1" / "r2.ndjson"));
}

TEST_F(FileSinkTest, HostileIdsStayInsideDir) {
  Instance inst(plugin(), host_, options(",\"path\":\"{actorId}/{runId}\""));
  ASSERT_TRUE(inst.ok()) << inst.create_message();
  ASSERT_EQ(inst.open(), SINKHUB_OK);
  const std::vector<std::pair<std::string, std::string>> ids = {
      {"../../etc", "passwd"},
      {"..", ".."},
      {".", "."},
      {"/etc", "/etc/shadow"},
      {"a/../../b", "..\\..\\x"},
      {std::string("nul\0byte", 8), std::string("x\0/../y", 7)},
      {"", "empty"},
      {".hidden", "...."},
      {"~root", "$(id)"},
  };
  int n = 0;
  for (const auto& [actor, run] : ids) {
    DeliverySpec d;
    d.actor_id = actor;
    d.run_id = run;
    d.delivery_id = "hostile-" + std::to_string(n++);
    Instance::Progress pr;
    const auto o = inst.run(d, {"{\"x\":1}"}, 10, pr);
    EXPECT_EQ(o.code, SINKHUB_OK) << o.message;
  }
  // Everything landed below dir, as exactly two visible path components.
  const auto files = files_under(dir_);
  EXPECT_EQ(files.size(), ids.size());
  for (const auto& f : files) {
    const std::string s = f.string();
    EXPECT_EQ(std::count(s.begin(), s.end(), '/'), 1) << s;
    for (const auto& part : f) {
      EXPECT_NE(part.string(), "..") << s;
      EXPECT_NE(part.string(), ".") << s;
      EXPECT_NE(part.string().front(), '.') << s;
    }
  }
  // Nothing escaped into root_ (dir's parent) besides dir itself.
  std::vector<fs::path> top;
  for (const auto& e : fs::directory_iterator(root_)) top.push_back(e.path().filename());
  EXPECT_EQ(top, std::vector<fs::path>{fs::path("out")});
  EXPECT_TRUE(fs::exists(dir_ / "___.._etc" / "passwd"));
  EXPECT_TRUE(fs::exists(dir_ / "__" / "__"));
}

TEST_F(FileSinkTest, RedeliveryOverwrites) {
  Instance inst(plugin(), host_, options());
  ASSERT_EQ(inst.open(), SINKHUB_OK);
  DeliverySpec d;
  Instance::Progress p1;
  ASSERT_EQ(inst.run(d, sample_items(30), 4, p1).code, SINKHUB_OK);
  // The same delivery again (e.g. a replay), now with different content: replaces the file.
  const std::vector<std::string> second = {"{\"second\":true}", "{\"n\":2}"};
  Instance::Progress p2;
  ASSERT_EQ(inst.run(d, second, 4, p2, 2).code, SINKHUB_OK);
  EXPECT_EQ(slurp(dir_ / "actor1" / "run1.jsonl"), jsonl(second));
  // And from a different delivery id too (e.g. Apify sent the event twice).
  d.delivery_id = "other";
  Instance::Progress p3;
  ASSERT_EQ(inst.run(d, sample_items(3), 2, p3).code, SINKHUB_OK);
  EXPECT_EQ(slurp(dir_ / "actor1" / "run1.jsonl"), jsonl(sample_items(3)));
  EXPECT_EQ(files_under(dir_).size(), 1u);
}

TEST_F(FileSinkTest, EventOnlyCallWritesNothing) {
  Instance inst(plugin(), host_, options());
  ASSERT_EQ(inst.open(), SINKHUB_OK);
  DeliverySpec d;
  d.event_type = "ACTOR.RUN.FAILED";
  d.dataset_id = "";
  const auto o = inst.deliver(d, {}, 0,
                              SINKHUB_CTX_FIRST_BATCH | SINKHUB_CTX_LAST_BATCH | SINKHUB_CTX_EVENT_ONLY, nullptr);
  EXPECT_EQ(o.code, SINKHUB_OK) << o.message;
  EXPECT_TRUE(files_under(dir_).empty());
}

void resume_after_lost_commit(FileSinkTest* t, Instance& inst, const fs::path& final_path,
                              const std::string& expected, bool gzip, const std::vector<std::string>& items) {
  (void)t;
  DeliverySpec d;
  Instance::Progress pr;
  // Batches of 4: items [0,12) committed, then the host dies before committing [12,16).
  auto o = inst.run(d, items, 4, pr, 1, 12);
  ASSERT_EQ(o.code, SINKHUB_OK) << o.message;
  ASSERT_EQ(pr.accepted, 12u);
  const std::string committed = pr.checkpoint;
  std::vector<std::string> b3(items.begin() + 12, items.begin() + 16);
  o = inst.deliver(d, b3, 12, 0, &committed, 1, 3);
  ASSERT_EQ(o.code, SINKHUB_OK) << o.message;
  ASSERT_TRUE(o.staged);
  // ... the result of that call is lost. Some garbage also reached the temp file.
  bool found_tmp = false;
  for (const auto& e : fs::directory_iterator(final_path.parent_path())) {
    if (e.path().filename().string().front() == '.') {
      std::ofstream(e.path(), std::ios::app | std::ios::binary) << "GARBAGE\n";
      found_tmp = true;
    }
  }
  ASSERT_TRUE(found_tmp);
  EXPECT_FALSE(fs::exists(final_path));
  // Retry (attempt 2) resumes at item 12 with the committed checkpoint.
  Instance::Progress retry;
  retry.accepted = 12;
  retry.checkpoint = committed;
  o = inst.run(d, items, 4, retry, 2);
  ASSERT_EQ(o.code, SINKHUB_OK) << o.message;
  EXPECT_EQ(retry.accepted, items.size());
  const std::string got = slurp(final_path);
  EXPECT_EQ(gzip ? gunzip(got) : got, expected);
  EXPECT_EQ(files_under(final_path.parent_path()).size(), 1u);
}

TEST_F(FileSinkTest, ResumeFromCheckpointIsByteExact) {
  const auto items = sample_items(22);
  {
    Instance inst(plugin(), host_, options());
    ASSERT_EQ(inst.open(), SINKHUB_OK);
    resume_after_lost_commit(this, inst, dir_ / "actor1" / "run1.jsonl", jsonl(items), false, items);
  }
  {
    Instance inst(plugin(), host_, options(",\"format\":\"json\",\"gzip\":true,\"path\":\"j/{runId}.json.gz\""));
    ASSERT_EQ(inst.open(), SINKHUB_OK);
    resume_after_lost_commit(this, inst, dir_ / "j" / "run1.json.gz", json_array(items), true, items);
  }
}

TEST_F(FileSinkTest, LostCommitOfLastBatchIsRedoneIdentically) {
  Instance inst(plugin(), host_, options(",\"format\":\"json\""));
  ASSERT_EQ(inst.open(), SINKHUB_OK);
  const auto items = sample_items(9);  // 10 items
  DeliverySpec d;
  Instance::Progress pr;
  ASSERT_EQ(inst.run(d, items, 4, pr, 1, 8).code, SINKHUB_OK);  // [0,8) committed
  const std::string committed = pr.checkpoint;
  std::vector<std::string> last(items.begin() + 8, items.end());
  auto o = inst.deliver(d, last, 8, SINKHUB_CTX_LAST_BATCH, &committed, 1, 2);
  ASSERT_EQ(o.code, SINKHUB_OK) << o.message;
  const fs::path final_path = dir_ / "actor1" / "run1.jsonl";
  ASSERT_EQ(slurp(final_path), json_array(items));
  // The host crashed before recording that OK: it retries the last batch.
  o = inst.deliver(d, last, 8, SINKHUB_CTX_LAST_BATCH, &committed, 2, 0);
  ASSERT_EQ(o.code, SINKHUB_OK) << o.message;
  EXPECT_EQ(slurp(final_path), json_array(items));
  EXPECT_EQ(files_under(dir_).size(), 1u);
}

// A delivery half done by file sink 1.0 (its "sinkhub-file/1" line checkpoint in the ledger,
// its temp file on disk) resumes after the upgrade, byte for byte, and goes on in the new
// checkpoint format.
TEST_F(FileSinkTest, ADeliveryHalfDoneBeforeTheUpgradeResumes) {
  Instance inst(plugin(), host_, options());
  ASSERT_EQ(inst.open(), SINKHUB_OK);
  const auto items = sample_items(14);
  DeliverySpec d;
  Instance::Progress pr;
  ASSERT_EQ(inst.run(d, items, 4, pr, 1, 8).code, SINKHUB_OK);  // [0,8) written by "1.0"
  const auto cp = sinkhub::json::parse(pr.checkpoint);
  const std::string v1 = "sinkhub-file/1\nfinal=" + cp.find("final")->text() + "\ntmp=" + cp.find("tmp")->text() +
                         "\nbytes=" + cp.find("bytes")->text() + "\nitems=" + cp.find("items")->text() + "\n";
  Instance::Progress upgraded;
  upgraded.accepted = 8;
  upgraded.checkpoint = v1;
  upgraded.batch_index = 2;
  auto o = inst.deliver(d, {items.begin() + 8, items.begin() + 12}, 8, 0, &upgraded.checkpoint, 2, 0);
  ASSERT_EQ(o.code, SINKHUB_OK) << o.message;
  EXPECT_EQ(o.checkpoint.rfind("{\"v\":\"file/2\",", 0), 0u) << o.checkpoint;
  upgraded.accepted = 12;
  upgraded.checkpoint = o.checkpoint;
  ASSERT_EQ(inst.run(d, items, 4, upgraded, 2).code, SINKHUB_OK);
  EXPECT_EQ(slurp(dir_ / "actor1" / "run1.jsonl"), jsonl(items));
}

TEST_F(FileSinkTest, ACheckpointOfANewerSinkIsRefused) {
  Instance inst(plugin(), host_, options());
  ASSERT_EQ(inst.open(), SINKHUB_OK);
  const std::string newer = R"({"v":"file/3","final":"/x","tmp":"/y","bytes":0,"items":4})";
  const auto o = inst.deliver(DeliverySpec{}, {"{}"}, 4, 0, &newer);
  EXPECT_EQ(o.code, SINKHUB_REJECT);
  EXPECT_EQ(o.message, "cannot resume at item 4: checkpoint written by a newer version of the sink; replay the "
                       "delivery from the start");
}

// One declaration: the descriptor's schema and the README's table come from the option table.
TEST(FileSinkDocs, TheReadmeAndTheSchemaComeFromTheOptionTable) {
  EXPECT_STREQ(plugin().desc().options_schema_json, sinkhub_file::options_table().schema());
  EXPECT_TRUE(sinkhub_test::ReadmeHasOptionTable(SINKHUB_SOURCE_DIR "/plugins/file/README.md",
                                                 sinkhub_file::options_table().markdown()));
}

TEST_F(FileSinkTest, ResumeWithoutCheckpointIsRejected) {
  Instance inst(plugin(), host_, options());
  ASSERT_EQ(inst.open(), SINKHUB_OK);
  const auto o = inst.deliver(DeliverySpec{}, {"{}"}, 5, SINKHUB_CTX_LAST_BATCH, nullptr, 2);
  EXPECT_EQ(o.code, SINKHUB_REJECT);
  EXPECT_NE(o.message.find("checkpoint"), std::string::npos) << o.message;
  EXPECT_TRUE(files_under(dir_).empty());
}

TEST_F(FileSinkTest, CrashBeforeLastBatchLeavesNoFinalFile) {
  const auto items = sample_items(40);
  const fs::path final_path = dir_ / "actor1" / "run1.jsonl";
  for (const bool sigkill : {false, true}) {
    fs::remove_all(dir_);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // Child: a "daemon" that writes 3 of 11 batches and then dies.
      Instance inst(plugin(), host_, options());
      if (inst.open() != SINKHUB_OK) _exit(2);
      Instance::Progress pr;
      if (inst.run(DeliverySpec{}, items, 4, pr, 1, 12).code != SINKHUB_OK) _exit(3);
      if (sigkill) ::kill(::getpid(), SIGKILL);
      _exit(0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    if (sigkill) {
      ASSERT_TRUE(WIFSIGNALED(status));
      EXPECT_EQ(WTERMSIG(status), SIGKILL);
    } else {
      ASSERT_TRUE(WIFEXITED(status));
      ASSERT_EQ(WEXITSTATUS(status), 0);
    }
    EXPECT_FALSE(fs::exists(final_path));
    ASSERT_EQ(files_under(dir_).size(), 1u);  // only the hidden temp file
    EXPECT_EQ(files_under(dir_)[0].filename().string().front(), '.');

    // The restarted host redelivers from item 0 (its checkpoint died with it here).
    Instance inst(plugin(), host_, options());
    ASSERT_EQ(inst.open(), SINKHUB_OK);
    Instance::Progress pr;
    ASSERT_EQ(inst.run(DeliverySpec{}, items, 4, pr, 2).code, SINKHUB_OK);
    EXPECT_EQ(slurp(final_path), jsonl(items));
    EXPECT_EQ(files_under(dir_).size(), 1u);  // the temp file was reused and renamed
  }
}

}  // namespace
