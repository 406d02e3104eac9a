// The Slack sink's own pieces, without the daemon: its checkpoint (which still reads what
// slack sink 1.0 wrote, so a delivery posted before an upgrade is not posted again after
// it), the classification of Slack's answers, and the README's option table.
#include <gtest/gtest.h>

#include "readme_table.hpp"
#include "slack_client.hpp"
#include "slack_options.hpp"

namespace {

TEST(SlackState, ReadsTheCheckpointsOfSlackSink10) {
  slack::State st = slack::State::decode(R"({"posted":true,"at":1767225600000})");
  EXPECT_TRUE(st.posted);
  EXPECT_EQ(st.posted_at, 1767225600000);
  st = slack::State::decode(R"({"items":["{\"a\":1}","[2]"]})");
  EXPECT_FALSE(st.posted);
  EXPECT_EQ(st.items, (std::vector<std::string>{"{\"a\":1}", "[2]"}));
}

TEST(SlackState, RoundTripsAndStartsOverOnGarbage) {
  EXPECT_EQ(slack::State::posted_now(42), R"({"v":"slack/2","posted":true,"at":42})");
  EXPECT_TRUE(slack::State::decode(slack::State::posted_now(42)).posted);
  EXPECT_EQ(slack::State::decode(slack::State::pending({"x", "\xFF"})).items, (std::vector<std::string>{"x", "\xFF"}));
  for (const char* junk : {"", "{", "[1]", R"({"posted":"yes"})", R"({"v":"file/2"})", R"({"v":"slack/9"})"}) {
    const auto st = slack::State::decode(junk);
    EXPECT_FALSE(st.posted) << junk;
    EXPECT_TRUE(st.items.empty()) << junk;
  }
}

TEST(SlackAnswers, AreClassifiedByErrorStringThenStatus) {
  struct Case {
    int32_t status;
    const char* body;
    int64_t retry_after;
    int32_t code;
    int64_t wait;
  };
  const Case cases[] = {
      {200, "ok", -1, SINKHUB_OK, -1},
      {429, "rate_limited", -1, SINKHUB_RETRY, 1000},
      {429, "", 3000, SINKHUB_RETRY, 3000},
      {503, "", 7000, SINKHUB_RETRY, 7000},
      {500, "", -1, SINKHUB_RETRY, -1},
      {408, "", -1, SINKHUB_RETRY, -1},
      {400, "invalid_payload", -1, SINKHUB_REJECT, -1},
      {403, "invalid_payload", -1, SINKHUB_REJECT, -1},
      {400, "no_text", -1, SINKHUB_REJECT, -1},
      {404, "channel_not_found", -1, SINKHUB_FATAL, -1},
      {410, "channel_is_archived", -1, SINKHUB_FATAL, -1},
      {403, "invalid_token", -1, SINKHUB_FATAL, -1},
      {401, "", -1, SINKHUB_FATAL, -1},
      {404, "", -1, SINKHUB_FATAL, -1},
      {400, "something_new", -1, SINKHUB_REJECT, -1},
      {302, "", -1, SINKHUB_REJECT, -1},
  };
  for (const Case& k : cases) {
    const auto o = slack::classify(k.status, k.body, k.retry_after);
    EXPECT_EQ(o.code, k.code) << k.status << " " << k.body;
    EXPECT_EQ(o.retry_after_ms, k.wait) << k.status << " " << k.body;
    EXPECT_EQ(o.dest_status, k.status);
  }
  EXPECT_EQ(slack::classify(404, "channel_not_found\n<script>", -1).message.find("<script>"), std::string::npos);
}

TEST(SlackDocs, TheReadmeTableComesFromTheOptionTable) {
  EXPECT_TRUE(sinkhub_test::ReadmeHasOptionTable(SINKHUB_SOURCE_DIR "/plugins/slack/README.md",
                                                 slack::options_table().markdown()));
}

}  // namespace
