// The Slack sink's text helpers and templates on their own (compiled from plugins/slack):
// UTF-8-safe cutting as Slack counts characters, JSON encoding of any bytes, escaping,
// and placeholder parsing.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "message_template.hpp"
#include "text.hpp"

namespace slack {
namespace {

TEST(SlackText, MrkdwnEscapingLeavesNoControlCharacters) {
  EXPECT_EQ(mrkdwn_escape("<!channel> & <https://x|y>"), "&lt;!channel&gt; &amp; &lt;https://x|y&gt;");
  EXPECT_EQ(mrkdwn_escape("&amp;"), "&amp;amp;") << "already-escaped text is escaped again (shown as typed)";
}

TEST(SlackText, CutCountsLikeSlackAndNeverSplitsACharacter) {
  EXPECT_EQ(cut("abc", 3), "abc");
  EXPECT_EQ(cut("abcd", 3), "ab\xE2\x80\xA6");
  EXPECT_EQ(slack_length(cut(std::string(50000, 'x'), 39999)), 39999u);
  const std::string e = "\xC3\xA9";  // é: 2 bytes, 1 character
  EXPECT_EQ(cut(e + e + e + e, 3), e + e + "\xE2\x80\xA6");
  const std::string emoji = "\xF0\x9F\x98\x80";  // U+1F600: 4 bytes, 2 UTF-16 units
  EXPECT_EQ(slack_length(emoji), 2u);
  EXPECT_EQ(cut("a" + emoji + "b", 3), "a\xE2\x80\xA6") << "the emoji does not fit with the ellipsis";
  EXPECT_EQ(cut("abc", 0), "");
}

TEST(SlackText, JsonQuoteIsValidJsonForAnyBytes) {
  EXPECT_EQ(json_quote("a\"b\\c\n\t\x01"), "\"a\\\"b\\\\c\\n\\t\\u0001\"");
  EXPECT_EQ(json_quote("\xC3\xA9"), "\"\xC3\xA9\"");
  EXPECT_EQ(json_quote("x\xFFy\xC3"), "\"x\xEF\xBF\xBDy\xEF\xBF\xBD\"") << "invalid UTF-8 becomes U+FFFD";
  EXPECT_EQ(json_quote("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"") << "no surrogates";
  const auto parsed = Poco::JSON::Parser().parse("[" + json_quote("\x7F<>&\xE2\x80\xA8\x1F") + "]");
  EXPECT_EQ(parsed.extract<Poco::JSON::Array::Ptr>()->getElement<std::string>(0), "\x7F<>&\xE2\x80\xA8\x1F");
}

TEST(SlackText, NumbersAndUrlComponents) {
  EXPECT_EQ(thousands(0), "0");
  EXPECT_EQ(thousands(999), "999");
  EXPECT_EQ(thousands(1234), "1,234");
  EXPECT_EQ(thousands(100000), "100,000");
  EXPECT_EQ(thousands(-1234567), "-1,234,567");
  EXPECT_EQ(url_component("abc-DEF_1.2~"), "abc-DEF_1.2~");
  EXPECT_EQ(url_component("a/b?c|d>"), "a%2Fb%3Fc%7Cd%3E");
}

TEST(SlackTemplate, RendersFactsAndItemPathsEscaped) {
  const auto t = MessageTemplate::parse("{runId}: {items[1].a.b} {items[0].list.1} {items[0]} {{x}} }", "on_success");
  EXPECT_EQ(t.items_needed(), 2u);
  EXPECT_TRUE(t.uses("runId"));
  EXPECT_FALSE(t.uses("itemCount"));
  std::vector<Poco::Dynamic::Var> items = {Poco::JSON::Parser().parse(R"({"list":[1,"<b>"]})"),
                                           Poco::JSON::Parser().parse(R"({"a":{"b":true}})")};
  EXPECT_EQ(t.render({{"runId", "r<1>"}}, items), "r&lt;1&gt;: true &lt;b&gt; {\"list\":[1,\"&lt;b&gt;\"]} {x} }");
  EXPECT_EQ(t.render({}, {}), ":    {x} }") << "absent facts and items render empty";
}

TEST(SlackTemplate, RejectsWhatItDoesNotKnowNamingOptionAndPlaceholder) {
  const auto message = [](const std::string& text) {
    try {
      MessageTemplate::parse(text, "on_failure");
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message("{runid}").find("option 'on_failure': unknown placeholder {runid}"), 0u) << message("{runid}");
  EXPECT_NE(message("{items[x].a}").find("malformed item placeholder"), std::string::npos);
  EXPECT_NE(message("{items[0].}").find("malformed"), std::string::npos);
  EXPECT_NE(message("{items[0]..a}").find("malformed"), std::string::npos);
  EXPECT_NE(message("{items[1000].a}").find("malformed"), std::string::npos);
  EXPECT_NE(message("{items[100].a}").find("above 99"), std::string::npos);
  EXPECT_NE(message("{runId").find("unterminated"), std::string::npos);
  EXPECT_NE(message("{\x01\x02}").find("{??}"), std::string::npos) << "control bytes are not echoed";
  EXPECT_NE(message(std::string(20001, 'a')).find("longer than 20000"), std::string::npos);
  EXPECT_EQ(message("{items[99].a-b.$c}"), "accepted");
}

}  // namespace
}  // namespace slack
