// The s3 sink's checkpoint (and .done marker): the sink kit's codec, and it still reads what
// s3 sink 1.0 wrote, so an upload half done before an upgrade continues after it.
#include <gtest/gtest.h>

#include "s3_upload.hpp"

namespace {

using sinkhub_s3::State;

TEST(S3State, RoundTripsThroughTheKitCodec) {
  State st;
  st.key = "runs/a b/\xC3\xA9.jsonl";
  st.upload_id = "up~1";
  st.bytes = 15u << 20;
  st.items = 1234;
  st.parts = {{1, 0, 5u << 20, "\"e1\""}, {2, 5u << 20, 5u << 20, "\"e2\""}};
  const std::string blob = st.encode();
  EXPECT_EQ(blob.rfind("{\"v\":\"s3/3\",", 0), 0u) << blob;
  std::string why;
  const auto back = State::decode(blob, why);
  ASSERT_TRUE(back) << why;
  EXPECT_EQ(back->key, st.key);
  EXPECT_EQ(back->upload_id, st.upload_id);
  EXPECT_EQ(back->bytes, st.bytes);
  EXPECT_EQ(back->items, st.items);
  ASSERT_EQ(back->parts.size(), 2u);
  EXPECT_EQ(back->parts[1].number, 2u);
  EXPECT_EQ(back->parts[1].offset, 5u << 20);
  EXPECT_EQ(back->parts[1].etag, "\"e2\"");
  EXPECT_EQ(back->uploaded(), 10u << 20);
}

// Since version 3 the checkpoint says whose spool holds the bytes and where a host without it
// rebuilds the part in progress; a version-2 checkpoint reads as "the local spool, no point".
TEST(S3State, CarriesTheSpoolAndTheRebuildPoint) {
  State st;
  st.key = "k";
  st.upload_id = "u";
  st.bytes = 12u << 20;
  st.items = 900;
  st.parts = {{1, 0, 5u << 20, "\"e1\""}, {2, 5u << 20, 5u << 20, "\"e2\""}};
  st.spool = "0123456789abcdef0123456789abcdef";
  st.host = "daemon-a";
  st.base = 1u << 20;
  st.marked = true;
  st.verify = true;
  st.mark_items = 700;
  st.mark_bytes = 9u << 20;
  st.mark_digest = std::string(64, 'a');
  std::string why;
  const auto back = State::decode(st.encode(), why);
  ASSERT_TRUE(back) << why;
  EXPECT_EQ(back->spool, st.spool);
  EXPECT_EQ(back->host, "daemon-a");
  EXPECT_EQ(back->base, st.base);
  EXPECT_TRUE(back->marked);
  EXPECT_TRUE(back->verify);
  EXPECT_EQ(back->mark_items, 700u);
  EXPECT_EQ(back->mark_bytes, 9u << 20);
  EXPECT_EQ(back->mark_digest, st.mark_digest);

  const auto v2 = State::decode(
      R"({"v":"s3/2","key":"k","upload_id":"u","bytes":6,"items":1,"parts":[[1,0,5,"\"e\""]]})", why);
  ASSERT_TRUE(v2) << why;
  EXPECT_EQ(v2->spool, "");
  EXPECT_EQ(v2->base, 0u);
  EXPECT_FALSE(v2->marked);
  EXPECT_FALSE(v2->verify);
}

// The exact JSON s3 sink 1.0 staged (Poco's stringify: keys sorted, parts as arrays).
TEST(S3State, ReadsTheCheckpointOfS3Sink10) {
  const std::string v1 = R"({"bytes":6291456,"items":3,"key":"actor1/run1.jsonl","parts":[[1,0,5242880,"\"9b2cf535f27731c974343645a3985328\""]],"upload_id":"Zm9v","v":1})";
  std::string why;
  const auto st = State::decode(v1, why);
  ASSERT_TRUE(st) << why;
  EXPECT_EQ(st->key, "actor1/run1.jsonl");
  EXPECT_EQ(st->upload_id, "Zm9v");
  EXPECT_EQ(st->bytes, 6291456u);
  ASSERT_EQ(st->parts.size(), 1u);
  EXPECT_EQ(st->parts[0].size, 5242880u);
  EXPECT_EQ(st->parts[0].etag, "\"9b2cf535f27731c974343645a3985328\"");
}

TEST(S3State, RefusesBrokenCheckpointsWithAReason) {
  const std::pair<std::string, std::string> bad[] = {
      {"", "checkpoint is not readable"},
      {R"({"v":1,"key":"","upload_id":"","bytes":0,"items":0})", "checkpoint has no object key"},
      {R"({"v":1,"key":"k","upload_id":"","bytes":0})", "checkpoint field 'items' is missing"},
      {R"({"v":1,"key":"k","upload_id":"","bytes":0,"items":0,"parts":[[0,0,1,"e"]]})", "bad part number"},
      {R"({"v":1,"key":"k","upload_id":"","bytes":0,"items":0,"parts":[[1,0,1]]})", "'parts.etag' is not text"},
      {R"({"v":"file/2","key":"k"})", "not a checkpoint of the s3 sink"},
      {R"({"v":"s3/4","key":"k"})", "newer version"},
      {R"({"v":"s3/3","key":"k","upload_id":"u","bytes":5,"items":1,"base":6})", "inconsistent spool positions"},
      {R"({"v":"s3/3","key":"k","upload_id":"u","bytes":9,"items":1,"parts":[[1,0,5,"e"]],"mark":[2,0,"d"]})",
       "inconsistent spool positions"},
      {R"({"v":"s3/3","key":"k","upload_id":"u","bytes":9,"items":1,"parts":[[1,0,5,"e"]],"mark":[1,6,"d"]})",
       "inconsistent spool positions"},
      {R"({"v":"s3/3","key":"k","upload_id":"u","bytes":9,"items":1,"mark":[1,0]})", "mark.digest"},
  };
  for (const auto& [blob, want] : bad) {
    std::string why;
    EXPECT_FALSE(State::decode(blob, why)) << blob;
    EXPECT_NE(why.find(want), std::string::npos) << blob << " -> " << why;
  }
}

}  // namespace
