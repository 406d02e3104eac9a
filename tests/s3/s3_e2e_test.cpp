// The s3 sink end to end: the real daemon streams a run's dataset from the fake Apify API to
// s3rver (npm) and to the verifying S3 double (tests/s3/s3_double.*), and the objects are read
// back and compared byte for byte.
#include <zlib.h>

#include <filesystem>
#include <sstream>

#include <Poco/JSON/Parser.h>

#include "delivery_fixture.hpp"
#include "s3_double.hpp"
#include "s3_harness.hpp"

namespace sinkhub::dt {
namespace {

using s3test::S3Double;

constexpr std::int64_t kSmallItems = 1000;
// ~19 MB of jsonl: four 5 MiB parts.
constexpr std::int64_t kBigItems = 160000;
constexpr std::size_t kItemBytes = 120;

std::string key_of(const RunInfo& r) { return "runs/" + r.actor_id + "/" + r.run_id + ".jsonl"; }

// Concatenated gzip members, decoded.
std::string gunzip(const std::string& in) {
  std::string out;
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return "<inflateInit failed>";
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[65536];
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // the next member
      continue;
    }
    if (rc != Z_OK) {
      out += "<inflate error>";
      break;
    }
  }
  inflateEnd(&zs);
  return out;
}

class S3Sink : public DeliveryTest {
 protected:
  // A run whose dataset has `n` generated items.
  RunInfo run_with(std::int64_t n) {
    RunInfo r = add_run();
    fake_.add_generated_dataset(r.dataset_id, GeneratedSpec{n, kItemBytes, 0, 0});
    return r;
  }
  // One s3 sink "archive" at `endpoint`, routed ACTOR.RUN.SUCCEEDED.
  static Conf archive_conf(const std::string& endpoint, const std::string& key, const std::string& secret,
                           const std::string& extra = {}) {
    Conf c;
    c.sinks.emplace_back("archive", s3test::s3_sink_yaml(endpoint, key, secret, extra));
    c.route("ACTOR.RUN.SUCCEEDED", "archive");
    return c;
  }
  Conf double_conf(const std::string& extra = {}, const std::string& secret = {}) {
    return archive_conf(s3_.endpoint(), s3_.options().access_key, secret.empty() ? s3_.options().secret : secret,
                        extra);
  }
  static Conf s3rver_conf(const s3test::S3rver& s3rver) {
    return archive_conf(s3rver.endpoint(), "S3RVER", "S3RVER");  // s3rver's fixed credentials
  }
  std::vector<S3Double::Logged> ops(const std::string& op) {
    std::vector<S3Double::Logged> out;
    for (auto& l : s3_.requests())
      if (l.op == op) out.push_back(l);
    return out;
  }
  std::vector<Row> attempts(const std::string& run_id) {
    LedgerView v(daemon().ledger_path());
    return v.query(
        "SELECT a.* FROM attempts a JOIN deliveries d ON d.id = a.delivery_id JOIN events e ON e.id = d.event_id "
        "WHERE e.run_id = ?1 ORDER BY a.id",
        {run_id});
  }
  std::string history(const std::string& run_id) {
    std::string all;
    for (auto& a : attempts(run_id)) all += a["outcome"] + ": " + a["message"] + "\n";
    return all;
  }

  S3Double s3_;
};

// ---- s3rver: a real S3 implementation (that does not check signatures) -------------------

TEST_F(S3Sink, S3rverGetsASmallDatasetAsOnePutObject) {
  s3test::S3rver s3rver;
  ASSERT_EQ(s3rver.error(), "");
  start(s3rver_conf(s3rver));
  const RunInfo run = run_with(kSmallItems);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "archive", "done", seconds(30))) << history(run.run_id);
  const auto got = s3rver.get(key_of(run));
  ASSERT_EQ(got.status, 200) << got.body.substr(0, 300);
  EXPECT_TRUE(SameBytes(got.body, jsonl(fake_.items(run.dataset_id))));
  EXPECT_EQ(got.header("ETag").find('-'), std::string::npos) << "a plain PutObject, not a multipart ETag";
}

TEST_F(S3Sink, S3rverGetsAMultipartUploadOfFourPartsByteExact) {
  s3test::S3rver s3rver;
  ASSERT_EQ(s3rver.error(), "");
  start(s3rver_conf(s3rver));
  const RunInfo run = run_with(kBigItems);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "archive", "done", seconds(90))) << history(run.run_id);
  const auto got = s3rver.get(key_of(run));
  ASSERT_EQ(got.status, 200) << got.body.substr(0, 300);
  const std::string want = jsonl(fake_.items(run.dataset_id));
  ASSERT_GT(want.size(), 3u * (5u << 20)) << "the dataset must need more than three 5 MiB parts";
  EXPECT_TRUE(SameBytes(got.body, want));
  const std::string metrics = daemon().get("/metrics").body;
  EXPECT_NE(metrics.find("sinkhub_plugin_s3_parts_uploaded_total"), std::string::npos);
  const auto line = metrics.substr(metrics.find("sinkhub_plugin_s3_parts_uploaded_total{"));
  EXPECT_EQ(std::stod(line.substr(line.find(' ') + 1)), 4.0) << line.substr(0, line.find('\n'));
}

// ---- the verifying double ----------------------------------------------------------------

TEST_F(S3Sink, EveryRequestOfAPutObjectAndAMultipartUploadPassesSignatureVerification) {
  start(double_conf("    storage_class: STANDARD_IA\n"));
  const RunInfo small = run_with(kSmallItems), big = run_with(kBigItems);
  post(small);
  post(big);
  ASSERT_TRUE(reaches(small.run_id, "archive", "done", seconds(30))) << history(small.run_id);
  ASSERT_TRUE(reaches(big.run_id, "archive", "done", seconds(90))) << history(big.run_id);

  for (const auto& l : s3_.requests()) EXPECT_EQ(l.status / 100, 2) << l.op << " " << l.uri << ": " << l.code;
  EXPECT_EQ(ops("PutObject").size(), 1u);
  EXPECT_EQ(ops("CreateMultipartUpload").size(), 1u);
  EXPECT_EQ(ops("UploadPart").size(), 4u);
  EXPECT_EQ(ops("CompleteMultipartUpload").size(), 1u);
  EXPECT_TRUE(s3_.upload_ids().empty());
  for (const auto& p : ops("UploadPart")) EXPECT_EQ(p.key, key_of(big));
  const auto obj_small = s3_.object(key_of(small)), obj_big = s3_.object(key_of(big));
  ASSERT_TRUE(obj_small && obj_big);
  EXPECT_TRUE(SameBytes(*obj_small, jsonl(fake_.items(small.dataset_id))));
  EXPECT_TRUE(SameBytes(*obj_big, jsonl(fake_.items(big.dataset_id))));
  EXPECT_EQ(s3_.object_headers(key_of(big))["x-amz-storage-class"], "STANDARD_IA");
  EXPECT_EQ(s3_.object_headers(key_of(small))["content-type"], "application/x-ndjson");
}

TEST_F(S3Sink, AWrongSecretIsRejectedBySignatureVerificationAndSuspendsTheSink) {
  start(double_conf({}, "not-the-right-secret"));
  const RunInfo run = run_with(kSmallItems);
  post(run);
  ASSERT_TRUE(wait_until([&] { return history(run.run_id).find("fatal: ") != std::string::npos; }, seconds(20)))
      << history(run.run_id);
  const std::string h = history(run.run_id);
  EXPECT_NE(h.find("S3 PutObject: HTTP 403 SignatureDoesNotMatch: The request signature we calculated"), std::string::npos) << h;
  EXPECT_EQ(h.find("not-the-right-secret"), std::string::npos) << "no secret in the history";
  EXPECT_EQ(state_of(run.run_id, "archive"), "retrying") << "FATAL keeps the delivery queued";
  EXPECT_FALSE(s3_.object(key_of(run)));
  ASSERT_FALSE(ops("PutObject").empty());
  EXPECT_EQ(ops("PutObject")[0].code, "SignatureDoesNotMatch");
}

TEST_F(S3Sink, SlowDownAndServerErrorsAreRetriedAndTheObjectIsStillByteExact) {
  Conf c = double_conf();
  start(c);
  s3_.fail_next(1, "UploadPart", 503, "SlowDown");
  s3_.fail_next(1, "CompleteMultipartUpload", 500, "InternalError");
  const RunInfo run = run_with(kBigItems);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "archive", "done", seconds(90))) << history(run.run_id);
  const std::string h = history(run.run_id);
  EXPECT_NE(h.find("retry: S3 UploadPart 1: HTTP 503 SlowDown: injected fault"), std::string::npos) << h;
  EXPECT_NE(h.find("retry: S3 CompleteMultipartUpload: HTTP 500 InternalError"), std::string::npos) << h;
  EXPECT_EQ(ops("CreateMultipartUpload").size(), 1u) << "the retries continue the same upload";
  const auto obj = s3_.object(key_of(run));
  ASSERT_TRUE(obj);
  EXPECT_TRUE(SameBytes(*obj, jsonl(fake_.items(run.dataset_id))));
}

TEST_F(S3Sink, OtherClientErrorsRejectTheDeliveryWithCodeAndMessageAndAbortTheUpload) {
  start(double_conf());
  s3_.fail_next(1, "UploadPart", 400, "InvalidArgument");
  const RunInfo run = run_with(kBigItems);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "archive", "dead", seconds(30))) << history(run.run_id);
  EXPECT_NE(history(run.run_id).find("reject: S3 UploadPart 1: HTTP 400 InvalidArgument: injected fault"),
            std::string::npos)
      << history(run.run_id);
  EXPECT_EQ(ops("AbortMultipartUpload").size(), 1u);
  EXPECT_TRUE(s3_.upload_ids().empty()) << "a permanent failure aborts the multipart upload";
}

TEST_F(S3Sink, AccessDeniedAndNoSuchBucketAreFatal) {
  start(double_conf());
  s3_.fail_next(1, "PutObject", 403, "AccessDenied");
  const RunInfo run = run_with(kSmallItems);
  post(run);
  ASSERT_TRUE(wait_until([&] { return history(run.run_id).find("fatal: ") != std::string::npos; }, seconds(20)));
  EXPECT_NE(history(run.run_id).find("fatal: S3 PutObject: HTTP 403 AccessDenied"), std::string::npos) << history(run.run_id);
  EXPECT_EQ(state_of(run.run_id, "archive"), "retrying");
}

TEST_F(S3Sink, AnUploadS3NoLongerKnowsIsRestartedFromTheSpoolAndCompletes) {
  start(double_conf());
  s3_.stall_after_parts(1);
  const RunInfo run = run_with(kBigItems);
  post(run);
  ASSERT_TRUE(wait_until([&] { return s3_.stalled() > 0; }, seconds(30))) << history(run.run_id);
  const auto first_upload = s3_.upload_ids();
  ASSERT_EQ(first_upload.size(), 1u);
  s3_.forget_uploads();  // e.g. a lifecycle rule aborted it
  s3_.release();         // the stalled part answers 503, the retry finds the upload gone
  ASSERT_TRUE(reaches(run.run_id, "archive", "done", seconds(90))) << history(run.run_id);
  bool saw_no_such_upload = false;
  for (const auto& l : s3_.requests()) saw_no_such_upload = saw_no_such_upload || l.code == "NoSuchUpload";
  EXPECT_TRUE(saw_no_such_upload);
  const auto creates = ops("CreateMultipartUpload");
  ASSERT_EQ(creates.size(), 2u);
  const auto completes = ops("CompleteMultipartUpload");
  ASSERT_EQ(completes.size(), 1u);
  EXPECT_NE(completes[0].upload_id, first_upload[0]);
  const auto obj = s3_.object(key_of(run));
  ASSERT_TRUE(obj);
  EXPECT_TRUE(SameBytes(*obj, jsonl(fake_.items(run.dataset_id))));
}

TEST_F(S3Sink, GzipJsonIsOneValidArrayAcrossBatches) {
  start(double_conf("    format: json\n    gzip: true\n"));
  const RunInfo run = run_with(60000), empty = run_with(0);
  post(run);
  post(empty);
  ASSERT_TRUE(reaches(run.run_id, "archive", "done", seconds(60))) << history(run.run_id);
  ASSERT_TRUE(reaches(empty.run_id, "archive", "done", seconds(30))) << history(empty.run_id);
  const auto obj = s3_.object(key_of(run));
  ASSERT_TRUE(obj);
  const auto items = fake_.items(run.dataset_id);
  std::string want = "[";
  for (std::size_t i = 0; i < items.size(); ++i) want += (i ? ",\n" : "\n") + items[i];
  want += "\n]\n";
  EXPECT_TRUE(SameBytes(gunzip(*obj), want));
  EXPECT_NO_THROW(Poco::JSON::Parser().parse(gunzip(*obj)));
  EXPECT_EQ(s3_.object_headers(key_of(run))["content-type"], "application/gzip");
  const auto e = s3_.object(key_of(empty));
  ASSERT_TRUE(e);
  EXPECT_EQ(gunzip(*e), "[]\n");
}

TEST_F(S3Sink, KillNineMidUploadResumesTheSameUploadWithoutReuploadingParts) {
  Conf c = double_conf();
  start(c);
  s3_.stall_after_parts(2);
  const RunInfo run = run_with(kBigItems);
  post(run);
  ASSERT_TRUE(wait_until([&] { return s3_.stalled() > 0; }, seconds(60))) << history(run.run_id);
  daemon().kill9();

  // What the ledger holds: the upload id and the parts committed with the items.
  const auto before = deliveries(run.run_id).at("archive");
  EXPECT_EQ(before.at("state"), "running");
  const auto cp = Poco::JSON::Parser().parse(before.at("checkpoint")).extract<Poco::JSON::Object::Ptr>();
  const std::string upload_id = cp->getValue<std::string>("upload_id");
  const auto parts = cp->getArray("parts");
  ASSERT_EQ(parts->size(), 2u) << before.at("checkpoint");
  const auto uploaded_before = ops("UploadPart");
  ASSERT_EQ(s3_.upload_ids(), std::vector<std::string>{upload_id});

  s3_.release();
  daemon().start();
  ASSERT_TRUE(reaches(run.run_id, "archive", "done", seconds(90))) << history(run.run_id);

  EXPECT_EQ(ops("CreateMultipartUpload").size(), 1u) << "the restart continued the upload";
  const auto completes = ops("CompleteMultipartUpload");
  ASSERT_EQ(completes.size(), 1u);
  EXPECT_EQ(completes[0].upload_id, upload_id);
  const auto all_parts = ops("UploadPart");
  for (std::size_t i = uploaded_before.size(); i < all_parts.size(); ++i)
    EXPECT_GT(all_parts[i].part_number, 2) << "part " << all_parts[i].part_number << " was uploaded again";
  const auto obj = s3_.object(key_of(run));
  ASSERT_TRUE(obj);
  EXPECT_TRUE(SameBytes(*obj, jsonl(fake_.items(run.dataset_id))));
  EXPECT_TRUE(s3_.upload_ids().empty());
}

TEST_F(S3Sink, KeysNeedingEncodingAreSignedOnceAndStoredExactly) {
  Conf c;
  c.sinks.emplace_back("archive", replace_all(s3test::s3_sink_yaml(s3_.endpoint(), s3_.options().access_key,
                                                                   s3_.options().secret, "    gzip: true\n"),
                                              "key: \"runs/{actorId}/{runId}.jsonl\"",
                                              "key: \"odd keys/a+b=c&d(1)~\xC3\xA9/{runId} .jsonl.gz\""));
  c.route("ACTOR.RUN.SUCCEEDED", "archive");
  start(c);
  const RunInfo run = run_with(kSmallItems), empty = run_with(0);
  post(run);
  post(empty);
  ASSERT_TRUE(reaches(run.run_id, "archive", "done", seconds(30))) << history(run.run_id);
  ASSERT_TRUE(reaches(empty.run_id, "archive", "done", seconds(30))) << history(empty.run_id);
  for (const auto& l : s3_.requests()) EXPECT_EQ(l.status, 200) << l.uri << " " << l.code;
  const auto obj = s3_.object("odd keys/a+b=c&d(1)~\xC3\xA9/" + run.run_id + " .jsonl.gz");
  ASSERT_TRUE(obj);
  EXPECT_TRUE(SameBytes(gunzip(*obj), jsonl(fake_.items(run.dataset_id))));
  const auto e = s3_.object("odd keys/a+b=c&d(1)~\xC3\xA9/" + empty.run_id + " .jsonl.gz");
  ASSERT_TRUE(e);
  EXPECT_GT(e->size(), 0u) << "an empty dataset is still a valid gzip stream";
  EXPECT_EQ(gunzip(*e), "");
}

TEST_F(S3Sink, ACrashAfterS3CompletedTheUploadButBeforeTheCommitEndsWithTheSameObject) {
  start(double_conf());
  s3_.stall_answers("CompleteMultipartUpload");
  const RunInfo run = run_with(kBigItems);
  post(run);
  ASSERT_TRUE(wait_until([&] { return s3_.stalled() > 0; }, seconds(60))) << history(run.run_id);
  ASSERT_TRUE(s3_.object(key_of(run))) << "S3 completed the object";
  daemon().kill9();
  s3_.release();
  EXPECT_EQ(state_of(run.run_id, "archive"), "running") << "the last batch was not committed";
  daemon().start();
  ASSERT_TRUE(reaches(run.run_id, "archive", "done", seconds(90))) << history(run.run_id);
  // The retry of the last batch finds the completed upload gone and uploads it again.
  const auto completes = ops("CompleteMultipartUpload");
  ASSERT_GE(completes.size(), 2u);
  EXPECT_EQ(completes.back().status, 200);
  const auto obj = s3_.object(key_of(run));
  ASSERT_TRUE(obj);
  EXPECT_TRUE(SameBytes(*obj, jsonl(fake_.items(run.dataset_id))));
  EXPECT_TRUE(s3_.upload_ids().empty());
}

TEST_F(S3Sink, ALostCommitOfTheLastCallIsAnsweredWithoutUploadingAgain) {
  start(double_conf());
  s3_.stall_answers("CompleteMultipartUpload");
  const RunInfo run = run_with(kBigItems);
  post(run);
  ASSERT_TRUE(wait_until([&] { return s3_.stalled() > 0; }, seconds(60))) << history(run.run_id);
  daemon().kill9();
  const auto before_last = deliveries(run.run_id).at("archive");  // what the ledger held before the last call
  s3_.release();
  daemon().start();
  ASSERT_TRUE(reaches(run.run_id, "archive", "done", seconds(90))) << history(run.run_id);
  ASSERT_EQ(daemon().stop(scaled(seconds(15))), 0);
  const auto requests_done = s3_.requests().size();

  // The host "loses" the commit of that last call: its ledger row goes back to the state before.
  {
    LedgerView v(daemon().ledger_path());
    v.query("UPDATE deliveries SET state = 'retrying', items_done = ?1, checkpoint = ?2, source_offset = ?3, "
            "source_items = ?4, next_attempt_at = 0, lease_until = NULL, lease_owner = NULL WHERE id = ?5",
            {before_last.at("items_done"), before_last.at("checkpoint"), before_last.at("source_offset"),
             before_last.at("source_items"), before_last.at("id")});
  }
  daemon().start();
  ASSERT_TRUE(reaches(run.run_id, "archive", "done", seconds(30))) << history(run.run_id);
  EXPECT_EQ(s3_.requests().size(), requests_done) << "the completed object was not uploaded again";
  // The daemon logs asynchronously: the line may land a moment after the ledger says done.
  EXPECT_TRUE(wait_until([&] { return daemon().log().find("was already completed: nothing to upload again") !=
                                      std::string::npos; },
                         scaled(seconds(10))))
      << daemon().log();
  const auto obj = s3_.object(key_of(run));
  ASSERT_TRUE(obj);
  EXPECT_TRUE(SameBytes(*obj, jsonl(fake_.items(run.dataset_id))));
}

TEST_F(S3Sink, EventsWithoutADatasetWriteNothing) {
  Conf c = double_conf();
  c.route("ACTOR.RUN.FAILED", "archive");
  start(c);
  RunInfo run = add_run("ACTOR.RUN.FAILED");
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "archive", "done", seconds(20))) << history(run.run_id);
  EXPECT_TRUE(s3_.requests().empty());
}

TEST_F(S3Sink, ARedeliveryOverwritesTheSameKey) {
  start(double_conf());
  const RunInfo run = run_with(kSmallItems);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "archive", "done", seconds(30))) << history(run.run_id);
  const auto replay = cli({"replay", "--run", run.run_id, "--from-start"});
  ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  ASSERT_TRUE(wait_until([&] { return ops("PutObject").size() == 2; }, seconds(20)));
  ASSERT_TRUE(reaches(run.run_id, "archive", "done", seconds(20))) << history(run.run_id);
  for (const auto& p : ops("PutObject")) EXPECT_EQ(p.key, key_of(run));
  const auto obj = s3_.object(key_of(run));
  ASSERT_TRUE(obj);
  EXPECT_TRUE(SameBytes(*obj, jsonl(fake_.items(run.dataset_id))));
}

// The spool directory is lost while the upload is half done (a daemon taken over on another
// host: a data_dir that never held this spool). The parts uploaded stay: the delivery resumes
// at the last batch boundary before their end, the part in progress is rebuilt in a new spool
// and checked against the uploaded bytes, and the same upload completes byte-exact with no
// part uploaded twice. No replay.
TEST_F(S3Sink, ALostSpoolIsRebuiltFromTheUploadedPartsWithoutAReplay) {
  start(double_conf());
  s3_.stall_after_parts(2);
  const RunInfo run = run_with(kBigItems);
  post(run);
  ASSERT_TRUE(wait_until([&] { return s3_.stalled() > 0; }, seconds(60))) << history(run.run_id);
  daemon().kill9();
  const auto cp = Poco::JSON::Parser().parse(deliveries(run.run_id).at("archive").at("checkpoint"))
                      .extract<Poco::JSON::Object::Ptr>();
  const std::size_t kept = cp->getArray("parts")->size();
  ASSERT_GE(kept, 1u);
  ASSERT_TRUE(cp->has("mark")) << "the rebuild point is in the checkpoint";
  const auto uploaded_before = ops("UploadPart").size();
  s3_.release();
  std::filesystem::remove_all(dir() + "/sinks/archive/spool");
  daemon().start();
  ASSERT_TRUE(reaches(run.run_id, "archive", "done", seconds(90))) << history(run.run_id);

  EXPECT_NE(history(run.run_id).find("rebuilding the part in progress from item"), std::string::npos)
      << history(run.run_id);
  EXPECT_EQ(ops("CreateMultipartUpload").size(), 1u) << "the same upload went on";
  const auto all_parts = ops("UploadPart");
  for (std::size_t i = uploaded_before; i < all_parts.size(); ++i)
    EXPECT_GT(all_parts[i].part_number, static_cast<int>(kept)) << "a kept part was uploaded again";
  EXPECT_TRUE(ops("AbortMultipartUpload").empty());
  const auto obj = s3_.object(key_of(run));
  ASSERT_TRUE(obj);
  EXPECT_TRUE(SameBytes(*obj, jsonl(fake_.items(run.dataset_id))));
  EXPECT_TRUE(s3_.upload_ids().empty());
  EXPECT_TRUE(wait_until([&] { return daemon().log().find("the bytes match the") != std::string::npos; },
                         scaled(seconds(10))));
}

// When the rebuilt bytes are not the uploaded ones (here: the recorded digest no longer
// matches, as after a change of the data or of the formatting), or the checkpoint has no
// rebuild point (written by s3 sink 1.0), nothing is patched together: the upload is aborted
// and the object uploaded again from item 0, byte-exact.
TEST_F(S3Sink, ARebuildThatCannotBeProvedStartsTheUploadOverFromItemZero) {
  for (const std::string how : {"digest", "no mark"}) {
    SCOPED_TRACE(how);
    S3Double s3;
    Conf c = archive_conf(s3.endpoint(), s3.options().access_key, s3.options().secret);
    start(c);
    s3.stall_after_parts(2);
    const RunInfo run = run_with(kBigItems);
    post(run);
    ASSERT_TRUE(wait_until([&] { return s3.stalled() > 0; }, seconds(60))) << history(run.run_id);
    daemon().kill9();
    s3.release();
    std::filesystem::remove_all(dir() + "/sinks/archive/spool");
    {
      const auto row = deliveries(run.run_id).at("archive");
      auto cp = Poco::JSON::Parser().parse(row.at("checkpoint")).extract<Poco::JSON::Object::Ptr>();
      if (how == "digest") cp->getArray("mark")->set(2, std::string(64, '0'));
      else cp->remove("mark");
      std::ostringstream text;
      cp->stringify(text);
      LedgerView(daemon().ledger_path()).query("UPDATE deliveries SET checkpoint = ?1 WHERE id = ?2", {text.str(), row.at("id")});
    }
    daemon().start();
    ASSERT_TRUE(reaches(run.run_id, "archive", "done", seconds(90))) << history(run.run_id);
    EXPECT_NE(history(run.run_id).find("uploading the object again from item 0"), std::string::npos)
        << history(run.run_id);
    std::size_t creates = 0, aborts = 0;
    for (const auto& l : s3.requests()) {
      creates += l.op == "CreateMultipartUpload";
      aborts += l.op == "AbortMultipartUpload";
    }
    EXPECT_EQ(creates, 2u) << "a new upload";
    EXPECT_EQ(aborts, 1u) << "the old one aborted";
    EXPECT_TRUE(s3.upload_ids().empty()) << "no upload left open";
    const auto obj = s3.object(key_of(run));
    ASSERT_TRUE(obj);
    EXPECT_TRUE(SameBytes(*obj, jsonl(fake_.items(run.dataset_id))));
    ASSERT_EQ(daemon().stop(scaled(seconds(15))), 0);
  }
}

TEST(S3Config, TheShippedExampleAndBadOptionsGoThroughCheckConfig) {
  TempDir dir;
  std::string text = read_file(SINKHUB_SOURCE_DIR "/config/examples/s3.yaml");
  text = replace_all(text, "[./build/plugins]", std::string("[\"") + plugin_dir() + "\"]");
  text = replace_all(text, "./var/sinkhub.db", dir.file("ledger.db"));
  write_file(dir.file("s3.yaml"), text);
  const std::map<std::string, std::string> env = {{"SINKHUB_WEBHOOK_SECRET", "a-secret-of-sixteen-or-more"},
                                                  {"APIFY_TOKEN", "apify_api_test"},
                                                  {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                                                  {"AWS_SECRET_ACCESS_KEY", "example-secret-key"}};
  auto r = run_cli({"check-config", "--config", dir.file("s3.yaml")}, env);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  write_file(dir.file("bad.yaml"), replace_all(text, "part_size: 8MiB", "part_size: 1MiB"));
  r = run_cli({"check-config", "--config", dir.file("bad.yaml")}, env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("option 'part_size': must be at least 5MiB"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("example-secret-key"), std::string::npos);

  write_file(dir.file("bad2.yaml"), replace_all(text, "bucket: my-bucket", "bucket: \"../etc\""));
  r = run_cli({"check-config", "--config", dir.file("bad2.yaml")}, env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("option 'bucket'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sinkhub::dt
