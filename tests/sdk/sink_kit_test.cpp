// The sink kit (plugins/common): the one checkpoint codec, which still reads the formats the
// sinks wrote before it, the resumable spool, the batch formats and the file helpers.
#include <gtest/gtest.h>

#include <sinkhub/sink.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "batch_format.hpp"
#include "gunzip.hpp"
#include "checkpoint.hpp"
#include "file_io.hpp"
#include "spool.hpp"

namespace fs = std::filesystem;
using sinkhub_kit::Checkpoint;
using sinkhub_kit::CheckpointError;

using sinkhub_test::gunzip;

namespace {

std::string decode_error(std::string_view blob, std::string_view kind, unsigned max_version) {
  try {
    Checkpoint::decode(blob, kind, max_version);
  } catch (const CheckpointError& e) {
    return e.what();
  }
  return "";
}

TEST(SinkKitCheckpoint, RoundTripsEveryFieldKindByteForByte) {
  const std::string raw_path = "/data/caf\xC3\xA9/\xFF\xFE\"q\"\n.tmp";
  Checkpoint cp("gsheets", 3);
  cp.set_text("path", raw_path)
      .set_count("rows", 18446744073709551615u)
      .set_flag("posted", true)
      .set_texts("items", {"{\"a\":1}", ""})
      .set_value("parts", sinkhub::json::Value::array({sinkhub::json::Value::array(
                              {sinkhub::json::Value::number(std::uint64_t{1}), sinkhub::json::Value::string("e")})}));
  const std::string blob = cp.encode();
  EXPECT_EQ(blob.rfind("{\"v\":\"gsheets/3\",\"path\":", 0), 0u) << blob;
  const Checkpoint back = Checkpoint::decode(blob, "gsheets", 3);
  EXPECT_EQ(back.kind(), "gsheets");
  EXPECT_EQ(back.version(), 3u);
  EXPECT_EQ(back.text("path"), raw_path) << "paths and ETags need not be UTF-8";
  EXPECT_EQ(back.count("rows"), 18446744073709551615u);
  EXPECT_TRUE(back.flag("posted", false));
  EXPECT_FALSE(back.flag("absent", false));
  EXPECT_EQ(back.texts("items"), (std::vector<std::string>{"{\"a\":1}", ""}));
  EXPECT_TRUE(back.texts("absent").empty());
  const auto& part = back.value("parts").items().at(0);
  EXPECT_EQ(Checkpoint::count_at(part, 0, "parts.number"), 1u);
  EXPECT_EQ(Checkpoint::text_at(part, 1, "parts.etag"), "e");
  EXPECT_EQ(back.encode(), blob) << "stable: the same state encodes to the same bytes";
}

TEST(SinkKitCheckpoint, MissingAndMistypedFieldsAreNamed) {
  const Checkpoint cp = Checkpoint::decode(R"({"v":"file/2","n":"12","t":5,"l":[1],"f":"yes"})", "file", 2);
  const auto error = [](auto&& f) {
    try {
      f();
    } catch (const CheckpointError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error([&] { cp.text("gone"); }), "checkpoint field 'gone' is missing");
  EXPECT_EQ(error([&] { cp.text("t"); }), "checkpoint field 't' is not text");
  EXPECT_EQ(error([&] { cp.count("n"); }), "checkpoint field 'n' is not a count") << "text counts only in the line format";
  EXPECT_EQ(error([&] { cp.texts("l"); }), "checkpoint field 'l' holds an entry that is not text");
  EXPECT_EQ(error([&] { cp.flag("f", false); }), "checkpoint field 'f' is not true or false");
  EXPECT_EQ(error([&] { Checkpoint::count_at(cp.value("l"), 3, "l.x"); }), "checkpoint field 'l.x' is not a count");
}

TEST(SinkKitCheckpoint, RefusesWhatIsNotThisSinksCheckpoint) {
  EXPECT_EQ(decode_error("", "file", 2).rfind("checkpoint is not readable", 0), 0u);
  EXPECT_EQ(decode_error("garbage", "file", 2).rfind("checkpoint is not readable", 0), 0u);
  EXPECT_EQ(decode_error("[1]", "file", 2), "checkpoint is not a JSON object");
  EXPECT_EQ(decode_error(R"({"v":"s3/2"})", "file", 2), "not a checkpoint of the file sink");
  EXPECT_EQ(decode_error(R"({"v":"file/x"})", "file", 2), "not a checkpoint of the file sink");
  EXPECT_EQ(decode_error(R"({"v":true})", "file", 2), "checkpoint has an invalid version tag");
  EXPECT_EQ(decode_error(R"({"v":"file/3"})", "file", 2), "checkpoint written by a newer version of the sink");
  EXPECT_EQ(decode_error("sinkhub-file/1\nfinal=/a\nitems=3", "file", 2), "checkpoint line without its newline");
  EXPECT_EQ(decode_error("sinkhub-file/1\nno equals sign\n", "file", 2), "checkpoint line without a name=value");
  EXPECT_EQ(decode_error("sinkhub-file/9\n", "file", 2), "checkpoint written by a newer version of the sink");
  EXPECT_EQ(decode_error(std::string(100, '[') + std::string(100, ']'), "file", 2).rfind("checkpoint is not readable", 0),
            0u);
}

// The exact bytes file sink 1.0 staged (its Checkpoint::encode), as existing ledgers hold them.
TEST(SinkKitCheckpoint, ReadsTheFileSinkLineFormat) {
  const std::string v1 = "sinkhub-file/1\nfinal=/out/a=b/run1.jsonl\ntmp=/out/a=b/.run1.jsonl.dlv-1.tmp\n"
                         "bytes=1234\nitems=12\n";
  const Checkpoint cp = Checkpoint::decode(v1, "file", 2);
  EXPECT_EQ(cp.version(), 1u);
  EXPECT_EQ(cp.text("final"), "/out/a=b/run1.jsonl") << "split at the first '='";
  EXPECT_EQ(cp.text("tmp"), "/out/a=b/.run1.jsonl.dlv-1.tmp");
  EXPECT_EQ(cp.count("bytes"), 1234u);
  EXPECT_EQ(cp.count("items"), 12u);
  const Checkpoint bad = Checkpoint::decode("sinkhub-file/1\nbytes=12abc\n", "file", 2);
  EXPECT_THROW(bad.count("bytes"), CheckpointError) << "strict decimal";
}

// The JSON s3 sink 1.0 staged: {"v":1,...} with parts as [number, offset, size, etag].
TEST(SinkKitCheckpoint, ReadsTheS3SinkVersion1) {
  const std::string v1 = R"({"bytes":10485760,"items":7,"key":"a/b.jsonl","parts":[[1,0,5242880,"\"e1\""],)"
                         R"([2,5242880,5242880,"\"e2\""]],"upload_id":"up-1","v":1})";
  const Checkpoint cp = Checkpoint::decode(v1, "s3", 2);
  EXPECT_EQ(cp.version(), 1u);
  EXPECT_EQ(cp.text("key"), "a/b.jsonl");
  EXPECT_EQ(cp.count("bytes"), 10485760u);
  ASSERT_EQ(cp.value("parts").items().size(), 2u);
  EXPECT_EQ(Checkpoint::text_at(cp.value("parts").items()[1], 3, "etag"), "\"e2\"");
  EXPECT_FALSE(cp.has("v"));
}

// The JSON slack sink 1.0 staged, without any version tag.
TEST(SinkKitCheckpoint, ReadsTheSlackSinkUntaggedJson) {
  Checkpoint cp = Checkpoint::decode(R"({"posted":true,"at":1767225600000})", "slack", 2);
  EXPECT_EQ(cp.version(), 1u);
  EXPECT_TRUE(cp.flag("posted", false));
  EXPECT_EQ(cp.count("at"), 1767225600000u);
  cp = Checkpoint::decode(R"({"items":["{\"a\":1}","{\"b\":2}"]})", "slack", 2);
  EXPECT_EQ(cp.texts("items").size(), 2u);
}

// ---- the spool ----------------------------------------------------------------------

class SinkKitFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sinkhub-kit-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  fs::path dir_;
};

TEST_F(SinkKitFiles, ASpoolResumesAtItsCommittedLength) {
  const std::string path = (dir_ / "d.spool").string();
  {
    sinkhub_kit::Spool s(path, "spool file");
    ASSERT_FALSE(s.create(0600));
    ASSERT_FALSE(s.append("committed|"));
    ASSERT_FALSE(s.append("lost after a crash"));
    EXPECT_EQ(s.length(), 28u);
  }
  sinkhub_kit::Spool s(path, "spool file");
  sinkhub::Outcome failure;
  ASSERT_EQ(s.resume(10, failure), sinkhub_kit::Spool::Resume::Ok);
  ASSERT_FALSE(s.append("next"));
  ASSERT_FALSE(s.close());
  EXPECT_EQ(slurp(path), "committed|next");
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);

  sinkhub_kit::Spool longer(path, "spool file");
  ASSERT_EQ(longer.resume(100, failure), sinkhub_kit::Spool::Resume::Failed);
  EXPECT_EQ(failure.code, SINKHUB_REJECT);
  EXPECT_EQ(failure.message, "cannot resume: spool file '" + path + "' is shorter than its checkpoint; replay the delivery");
  sinkhub_kit::Spool gone((dir_ / "none").string(), "temp file");
  EXPECT_EQ(gone.resume(0, failure), sinkhub_kit::Spool::Resume::Missing);
  EXPECT_EQ(gone.missing().code, SINKHUB_REJECT);
  EXPECT_NE(gone.missing().message.find("temp file '"), std::string::npos);
  sinkhub_kit::Spool nowhere((dir_ / "no" / "dir").string(), "spool file");
  const auto created = nowhere.create(0600);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->code, SINKHUB_RETRY);
  EXPECT_NE(created->message.find("cannot create spool file"), std::string::npos) << created->message;
}

sinkhub_run_context context(uint32_t flags, uint64_t offset, std::string_view checkpoint) {
  sinkhub_run_context c{};
  c.struct_size = sizeof c;
  c.flags = flags;
  c.item_offset = offset;
  c.checkpoint = checkpoint.empty() ? nullptr : checkpoint.data();
  c.checkpoint_len = checkpoint.size();
  return c;
}

TEST(SinkKitResume, FreshStartsAndMismatchedCheckpointsAreRecognised) {
  sinkhub_host h{};
  const auto first = context(SINKHUB_CTX_FIRST_BATCH, 0, "");
  const auto restart = context(0, 0, "");
  const auto resume = context(0, 12, "cp");
  EXPECT_TRUE(sinkhub_kit::starts_fresh(sinkhub::Context(&h, &first)));
  EXPECT_TRUE(sinkhub_kit::starts_fresh(sinkhub::Context(&h, &restart)));
  EXPECT_FALSE(sinkhub_kit::starts_fresh(sinkhub::Context(&h, &resume)));
  const sinkhub::Context ctx(&h, &resume);
  EXPECT_FALSE(sinkhub_kit::resume_mismatch(ctx, 12));
  EXPECT_EQ(sinkhub_kit::resume_mismatch(ctx, 10)->message, "checkpoint covers 10 items but the host resumes at item 12");
  EXPECT_EQ(sinkhub_kit::resume_mismatch(ctx, std::nullopt, "checkpoint is not readable")->message,
            "cannot resume at item 12: checkpoint is not readable; replay the delivery from the start");
}

// ---- batch formats ------------------------------------------------------------------

struct FakeBatch {
  std::string data;
  std::vector<size_t> offs, lens;
  sinkhub_batch raw{};
  explicit FakeBatch(const std::vector<std::string>& items) {
    for (const auto& i : items) {
      offs.push_back(data.size());
      lens.push_back(i.size());
      data += i + "\n";
    }
    raw.struct_size = sizeof raw;
    raw.item_count = items.size();
    raw.data = data.c_str();
    raw.data_len = data.size();
    raw.item_offsets = offs.data();
    raw.item_lengths = lens.data();
  }
};

TEST(SinkKitBatchFormat, JsonArrayAndGzipAcrossCalls) {
  const FakeBatch one({"{\"a\":1}", "[1, 2]"}), two({"3"}), none({});
  std::string all, buf;
  std::string_view bytes;
  sinkhub_kit::Written w;
  const auto call = [&](const FakeBatch& b, sinkhub_kit::BatchFormat f, bool last) {
    ASSERT_FALSE(sinkhub_kit::format_batch(sinkhub::Batch(&b.raw), f, w, last, buf, bytes));
    all.append(bytes);
    w.items += b.raw.item_count;
    w.bytes += bytes.size();
  };
  call(one, {true, false}, false);
  call(two, {true, false}, false);
  call(none, {true, false}, true);
  EXPECT_EQ(all, "[\n{\"a\":1},\n[1, 2],\n3\n]\n");

  all.clear();
  w = {};
  call(one, {false, true}, false);
  call(none, {false, true}, false);
  EXPECT_EQ(w.bytes, all.size()) << "an empty call adds no gzip member";
  const size_t members_before_last = all.size();
  call(none, {false, true}, true);
  EXPECT_EQ(all.size(), members_before_last) << "nor does an empty last call after data";
  EXPECT_EQ(gunzip(all), "{\"a\":1}\n[1, 2]\n");

  all.clear();
  w = {};
  call(none, {false, true}, true);
  EXPECT_FALSE(all.empty()) << "an empty delivery is still one valid gzip member";
  EXPECT_EQ(gunzip(all), "");
}

// ---- file helpers -------------------------------------------------------------------

TEST_F(SinkKitFiles, HelpersReportErrnoAndKeepFilesWhole) {
  const std::string nested = (dir_ / "a" / "b" / "c").string();
  EXPECT_EQ(sinkhub_kit::make_dirs(nested, 0700, true), 0);
  EXPECT_TRUE(fs::is_directory(nested));
  std::ofstream(dir_ / "file") << "x";
  EXPECT_EQ(sinkhub_kit::make_dirs((dir_ / "file" / "sub").string(), 0700, false), ENOTDIR);

  const std::string p = (dir_ / "marker").string();
  EXPECT_EQ(sinkhub_kit::replace_file(p, "first", 0600), 0);
  EXPECT_EQ(sinkhub_kit::replace_file(p, "second", 0600), 0);
  EXPECT_FALSE(fs::exists(p + ".tmp"));
  std::string text;
  EXPECT_EQ(sinkhub_kit::read_file(p, 6, text), 0);
  EXPECT_EQ(text, "second");
  EXPECT_EQ(sinkhub_kit::read_file(p, 5, text), EFBIG);
  EXPECT_EQ(sinkhub_kit::read_file((dir_ / "none").string(), 5, text), ENOENT);

  EXPECT_EQ(sinkhub_kit::copy_prefix(p, (dir_ / "copy").string(), 3), 0);
  EXPECT_EQ(slurp(dir_ / "copy"), "sec");
  EXPECT_EQ(sinkhub_kit::copy_prefix(p, (dir_ / "copy").string(), 60), EIO) << "the source is shorter";
  EXPECT_EQ(sinkhub_kit::errno_text("cannot open", "/x", ENOENT), "cannot open '/x': No such file or directory");
  EXPECT_EQ(sinkhub_kit::parent_of("/a/b"), "/a");
  EXPECT_EQ(sinkhub_kit::parent_of("/a"), "/");
  EXPECT_EQ(sinkhub_kit::parent_of("a"), ".");
}

}  // namespace
