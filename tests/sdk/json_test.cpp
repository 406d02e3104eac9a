// The SDK's JSON reader (sinkhub/json.hpp): RFC 8259 and nothing more, errors with a byte
// offset, bounded depth and size, strict UTF-8 unless raw bytes are asked for.
#include <sinkhub/json.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using sinkhub::json::Kind;
using sinkhub::json::Limits;
using sinkhub::json::parse;
using sinkhub::json::ParseError;
using sinkhub::json::Value;

// The ParseError message for `text`, "" when it parses.
std::string error_of(const std::string& text, const Limits& limits = {}) {
  try {
    parse(text, limits);
  } catch (const ParseError& e) {
    return e.what();
  }
  return "";
}

TEST(SdkJson, ReadsEveryKindOfValue) {
  const Value v = parse(R"( {"s":"a\"b\\c\/d\b\f\n\r\t","n":-12.5e+3,"i":42,"t":true,"f":false,
                            "z":null,"a":[1,[],{}],"o":{"k":"v"}} )");
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.find("s")->text(), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(v.find("n")->text(), "-12.5e+3");
  double d = 0;
  EXPECT_TRUE(v.find("n")->to_double(d));
  EXPECT_DOUBLE_EQ(d, -12500.0);
  std::int64_t i = 0;
  EXPECT_TRUE(v.find("i")->to_int64(i));
  EXPECT_EQ(i, 42);
  EXPECT_FALSE(v.find("n")->to_int64(i)) << "a fraction is not an integer";
  EXPECT_TRUE(v.find("t")->as_bool());
  EXPECT_TRUE(v.find("f")->is_bool());
  EXPECT_TRUE(v.find("z")->is_null());
  EXPECT_EQ(v.find("a")->items().size(), 3u);
  EXPECT_EQ(v.find("o")->find("k")->text(), "v");
  EXPECT_EQ(v.find("missing"), nullptr);
  std::vector<std::string> order;
  for (const auto& m : v.members()) order.push_back(m.first);
  EXPECT_EQ(order, (std::vector<std::string>{"s", "n", "i", "t", "f", "z", "a", "o"})) << "document order kept";
}

TEST(SdkJson, DecodesUnicodeEscapesAndPairsSurrogates) {
  EXPECT_EQ(parse(R"("\u00e9\u20ac\ud83d\ude00\u0041")").text(), "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80" "A");
  EXPECT_EQ(parse("\"caf\xC3\xA9 \xF0\x9F\x98\x80\"").text(), "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(parse(R"("a\u0000b")").text(), std::string("a\0b", 3)) << "an escaped NUL is data";
  EXPECT_NE(error_of(R"("\ud83d")").find("unpaired surrogate"), std::string::npos);
  EXPECT_NE(error_of(R"("\ude00")").find("unpaired surrogate"), std::string::npos);
  EXPECT_NE(error_of(R"("\ud83d\u0041")").find("unpaired surrogate"), std::string::npos);
  EXPECT_NE(error_of(R"("\u12g4")").find("invalid \\u escape"), std::string::npos);
}

TEST(SdkJson, IntegersAreCheckedForRange) {
  std::int64_t i = 0;
  std::uint64_t u = 0;
  EXPECT_TRUE(parse("-9223372036854775808").to_int64(i));
  EXPECT_EQ(i, INT64_MIN);
  EXPECT_FALSE(parse("9223372036854775808").to_int64(i));
  EXPECT_TRUE(parse("18446744073709551615").to_uint64(u));
  EXPECT_EQ(u, UINT64_MAX);
  EXPECT_FALSE(parse("18446744073709551616").to_uint64(u));
  EXPECT_FALSE(parse("-1").to_uint64(u));
  EXPECT_FALSE(parse("1e3").to_uint64(u)) << "an exponent is not an integer literal";
  double d = 0;
  EXPECT_FALSE(parse("1e999").to_double(d));
}

TEST(SdkJson, MalformedInputIsRefusedWithItsOffset) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "unexpected end of input, expected a value at byte 0"},
      {"   ", "unexpected end of input"},
      {"{", "expected a key"},
      {"{\"a\"", "expected ':'"},
      {"{\"a\":", "expected a value"},
      {"{\"a\":1", "expected '}'"},
      {"{\"a\":1,}", "expected a string key at byte 7"},
      {"[1,]", "expected a value at byte 3"},
      {"[1 2]", "expected ']' at byte 3"},
      {"{a:1}", "expected a string key"},
      {"{'a':1}", "expected a string key"},
      {"\"abc", "unterminated string"},
      {"\"a\tb\"", "control character in a string (escape it) at byte 2"},
      {"\"\\x\"", "invalid escape at byte 2"},
      {"tru", "invalid literal"},
      {"nul", "invalid literal"},
      {"True", "unexpected character"},
      {"NaN", "unexpected character"},
      {"Infinity", "unexpected character"},
      {"-Infinity", "invalid number"},
      {"01", "leading zero"},
      {"+1", "unexpected character"},
      {"1.", "digits expected after '.'"},
      {".5", "unexpected character"},
      {"1e", "digits expected in the exponent"},
      {"-", "invalid number"},
      {"1 2", "unexpected characters after the value at byte 2"},
      {"{} x", "unexpected characters after the value"},
      {"// comment\n{}", "unexpected character"},
      {"\xEF\xBB\xBF{}", "byte order mark"},
      {"{\"a\":1,\"a\":2}", "duplicate key \"a\" at byte 7"},
  };
  for (const auto& [text, want] : bad) {
    const std::string got = error_of(text);
    EXPECT_NE(got.find(want), std::string::npos) << "'" << text << "' -> '" << got << "'";
  }
}

TEST(SdkJson, InvalidUtf8IsRefusedUnlessRawBytesAreAllowed) {
  const std::vector<std::string> bad = {
      "\"\xC3\"",              // truncated sequence
      "\"\xC3(\"",             // bad continuation byte
      "\"\xC0\xAF\"",          // overlong '/'
      "\"\xE0\x80\xAF\"",      // overlong, 3 bytes
      "\"\xED\xA0\x80\"",      // UTF-16 surrogate encoded in UTF-8
      "\"\xF4\x90\x80\x80\"",  // above U+10FFFF
      "\"\xFF\"",              // never valid
      "\"\x80\"",              // lone continuation byte
  };
  Limits raw;
  raw.raw_bytes = true;
  for (const auto& text : bad) {
    EXPECT_NE(error_of(text).find("invalid UTF-8 at byte 1"), std::string::npos) << text;
    EXPECT_EQ(parse(text, raw).text(), text.substr(1, text.size() - 2)) << "raw bytes are kept as they are";
  }
  EXPECT_NE(error_of("\xC3\xA9").find("unexpected character"), std::string::npos) << "outside strings: never";
}

TEST(SdkJson, DepthAndSizeAreBounded) {
  const std::string deep_ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_EQ(error_of(deep_ok), "");
  const std::string too_deep = std::string(65, '[') + std::string(65, ']');
  EXPECT_NE(error_of(too_deep).find("nested deeper than 64 levels at byte 64"), std::string::npos);
  // Far deeper than any stack would survive with unbounded recursion.
  const std::string hostile = std::string(1 << 20, '[');
  EXPECT_NE(error_of(hostile).find("nested deeper than 64"), std::string::npos);
  std::string objects;
  for (int i = 0; i < 100; ++i) objects += "{\"a\":";
  EXPECT_NE(error_of(objects).find("nested deeper"), std::string::npos);

  Limits small;
  small.max_bytes = 10;
  EXPECT_NE(error_of("[1,2,3,4,5,6]", small).find("input longer than 10 bytes"), std::string::npos);
  // A large document within the limit parses, and many members stay linear.
  const std::string big(8u << 20, 'x');
  EXPECT_EQ(parse("\"" + big + "\"").text().size(), big.size());
  std::string many = "{";
  for (int i = 0; i < 200000; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  EXPECT_EQ(parse(many + "}").members().size(), 200000u);
}

TEST(SdkJson, WriteAndQuoteRoundTrip) {
  EXPECT_EQ(sinkhub::json::quote("a\"b\\c\n\x01\x7F\xC3\xA9"), "\"a\\\"b\\\\c\\n\\u0001\x7F\xC3\xA9\"");
  const std::string text = R"({"s":"x\ty","n":-1.5,"a":[true,false,null,{}],"o":{"k":[]}})";
  EXPECT_EQ(sinkhub::json::write(parse(text)), text);
  const Value built = Value::object({{"k", Value::string("v")},
                                     {"n", Value::number(std::uint64_t{18446744073709551615u})},
                                     {"l", Value::array({Value::boolean(true)})}});
  EXPECT_EQ(sinkhub::json::write(built), R"({"k":"v","n":18446744073709551615,"l":[true]})");
  std::string all_bytes;
  for (int c = 1; c < 256; ++c) all_bytes += static_cast<char>(c);
  Limits raw;
  raw.raw_bytes = true;
  EXPECT_EQ(parse(sinkhub::json::quote(all_bytes), raw).text(), all_bytes) << "quote() is lossless";
}

}  // namespace
