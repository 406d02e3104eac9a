// The SDK's option table (sinkhub/options.hpp): one declaration gives the parser, the JSON
// Schema the host validates and the README table; every error names the option's path and
// never its value.
#include <sinkhub/options.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace opt = sinkhub::options;
using namespace std::chrono_literals;

struct Retry {
  std::uint32_t attempts = 0;
  std::chrono::milliseconds pause{};
};

struct Options {
  std::string url;
  std::string format;
  bool gzip = true;  // overwritten by the table's default
  std::int64_t offset = 0;
  std::uint8_t level = 0;
  std::uint64_t chunk = 0;
  std::chrono::seconds timeout{};
  std::vector<std::string> fields;
  std::optional<std::string> token;
  Retry retry;
};

const opt::Table<Retry> kRetry{
    opt::integer("attempts", &Retry::attempts).defaults(3).min(1).max(10).doc("Attempts per batch"),
    opt::duration("pause", &Retry::pause).defaults(500ms).max(1min).doc("Wait between attempts"),
};

const opt::Table<Options> kOptions{
    opt::text("url", &Options::url)
        .required()
        .not_empty()
        .max_length(64)
        .check([](const std::string& v) {
          if (v.rfind("https://", 0) != 0) throw std::invalid_argument("must be an https:// URL");
        })
        .doc("Where to send | the items"),
    opt::text("format", &Options::format).one_of({"jsonl", "json"}).defaults("jsonl").doc("Item format"),
    opt::flag("gzip", &Options::gzip).defaults(false).doc("Compress"),
    opt::integer("offset", &Options::offset).defaults(-5).min(-10).doc("A signed number"),
    opt::integer("level", &Options::level).defaults(6).doc("Compression level"),
    opt::size("chunk", &Options::chunk).defaults(8u << 20).min(5u << 20).max(5ull << 30).doc("Part size"),
    opt::duration("timeout", &Options::timeout).defaults(30s).min(1s).doc("Per request"),
    opt::text_list("fields", &Options::fields).max_entries(3).max_length(8).doc("Item fields"),
    opt::text("token", &Options::token).doc("API token"),
    opt::object("retry", &Options::retry, kRetry).doc("Retry policy"),
};

Options parse(const std::string& json) { return kOptions.parse(json); }

std::string error_of(const std::string& json) {
  try {
    kOptions.parse(json);
  } catch (const sinkhub::OptionsError& e) {
    return e.what();
  }
  return "";
}

// The minimal valid options plus `extra` members.
std::string with(const std::string& extra) {
  return R"({"url":"https://example.com/hook")" + (extra.empty() ? "" : "," + extra) + "}";
}

TEST(SdkOptions, DefaultsFillWhatIsAbsent) {
  const Options o = parse(with(""));
  EXPECT_EQ(o.url, "https://example.com/hook");
  EXPECT_EQ(o.format, "jsonl");
  EXPECT_FALSE(o.gzip) << "the table's default wins over the struct's initialiser";
  EXPECT_EQ(o.offset, -5);
  EXPECT_EQ(o.level, 6);
  EXPECT_EQ(o.chunk, 8u << 20);
  EXPECT_EQ(o.timeout, 30s);
  EXPECT_TRUE(o.fields.empty());
  EXPECT_FALSE(o.token.has_value()) << "an optional without a default stays absent";
  EXPECT_EQ(o.retry.attempts, 3u) << "an absent nested object gets its own defaults";
  EXPECT_EQ(o.retry.pause, 500ms);
}

TEST(SdkOptions, EveryTypeIsRead) {
  const Options o = parse(with(R"("format":"json","gzip":true,"offset":-10,"level":255,"chunk":"16 mib",)"
                               R"("timeout":"2m","fields":["a","b.c"],"token":"","retry":{"pause":"1s"})"));
  EXPECT_EQ(o.format, "json");
  EXPECT_TRUE(o.gzip);
  EXPECT_EQ(o.offset, -10);
  EXPECT_EQ(o.level, 255);
  EXPECT_EQ(o.chunk, 16u << 20);
  EXPECT_EQ(o.timeout, 120s);
  EXPECT_EQ(o.fields, (std::vector<std::string>{"a", "b.c"}));
  ASSERT_TRUE(o.token.has_value());
  EXPECT_EQ(*o.token, "") << "present but empty is not absent";
  EXPECT_EQ(o.retry.attempts, 3u);
  EXPECT_EQ(o.retry.pause, 1s);
  EXPECT_EQ(parse(with(R"("chunk":6291456)")).chunk, 6291456u) << "a size may be a plain byte count";
  EXPECT_EQ(parse(with(R"("chunk":"6291456")")).chunk, 6291456u);
  EXPECT_EQ(parse(with(R"("chunk":"1GiB")")).chunk, 1u << 30);
  EXPECT_EQ(parse(with(R"("timeout":"1h")")).timeout, 3600s);
}

TEST(SdkOptions, WrongValuesAreRefusedByPath) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({})", "option 'url' is required"},
      {R"({"format":"json"})", "option 'url' is required"},
      {with(R"("colour":1)"), "unknown option 'colour' (known: url, format, gzip, offset, level, chunk, timeout, "
                              "fields, token, retry)"},
      {with(R"("retry":{"attempt":2})"), "unknown option 'retry.attempt' (known: attempts, pause)"},
      {R"({"url":""})", "option 'url': must not be empty"},
      {R"({"url":5})", "option 'url': must be a string"},
      {R"({"url":"http://x"})", "option 'url': must be an https:// URL"},
      {R"({"url":"https://)" + std::string(60, 'x') + "\"}", "option 'url': longer than 64 bytes"},
      {R"({"url":"https://a\u0000b"})", "option 'url': must not contain NUL characters"},
      {with(R"("format":"xml")"), "option 'format': must be one of jsonl, json"},
      {with(R"("format":1)"), "option 'format': must be one of jsonl, json"},
      {with(R"("gzip":"yes")"), "option 'gzip': must be a boolean (true or false)"},
      {with(R"("gzip":1)"), "option 'gzip': must be a boolean (true or false)"},
      {with(R"("gzip":null)"), "option 'gzip': must be a boolean (true or false)"},
      {with(R"("offset":"5")"), "option 'offset': must be an integer from -10 to 9223372036854775807"},
      {with(R"("offset":-11)"), "option 'offset': must be an integer from -10"},
      {with(R"("offset":1.5)"), "option 'offset': must be an integer"},
      {with(R"("level":256)"), "option 'level': must be an integer from 0 to 255"},
      {with(R"("level":-1)"), "option 'level': must be an integer from 0 to 255"},
      {with(R"("chunk":"4MiB")"), "option 'chunk': must be at least 5MiB"},
      {with(R"("chunk":"6GiB")"), "option 'chunk': must be at most 5GiB"},
      {with(R"("chunk":"8 MB")"), "option 'chunk': has an unknown unit (use TiB, GiB, MiB, KiB, B)"},
      {with(R"("chunk":"lots")"), "option 'chunk': must be a size such as 8MiB"},
      {with(R"("chunk":"-8MiB")"), "option 'chunk': must be a size"},
      {with(R"("chunk":"")"), "option 'chunk': must be a size"},
      {with(R"("chunk":"99999999999999999999")"), "option 'chunk': is too large"},
      {with(R"("chunk":"99999999999TiB")"), "option 'chunk': is too large"},
      {with(R"("chunk":-1)"), "option 'chunk': must be a size"},
      {with(R"("timeout":30)"), "option 'timeout': must be a duration such as 500ms, 30s, 5m or 2h"},
      {with(R"("timeout":"30")"), "option 'timeout': must be a duration"},
      {with(R"("timeout":"30 sec")"), "option 'timeout': has an unknown unit (use d, h, m, s, ms)"},
      {with(R"("timeout":"1500ms")"), "option 'timeout': must be a multiple of 1s"},
      {with(R"("timeout":"500ms")"), "option 'timeout': must be a multiple of 1s"},
      {with(R"("timeout":"0s")"), "option 'timeout': must be at least 1s"},
      {with(R"("fields":"a")"), "option 'fields': must be a list of strings"},
      {with(R"("fields":["a",2])"), "option 'fields[1]': must be a string"},
      {with(R"("fields":["a","b","c","d"])"), "option 'fields': at most 3 entries"},
      {with(R"("fields":["abcdefghi"])"), "option 'fields[0]': longer than 8 bytes"},
      {with(R"("retry":[])"), "option 'retry': must be an object"},
      {with(R"("retry":{"attempts":0})"), "option 'retry.attempts': must be an integer from 1 to 10"},
      {with(R"("retry":{"pause":"2m"})"), "option 'retry.pause': must be at most 1m"},
      {"[]", "options must be a JSON object"},
      {"\"x\"", "options must be a JSON object"},
      {"{\"url\":", "options are not a valid JSON object: unexpected end of input, expected a value at byte 7"},
      {"{\"url\":\"\xFF\"}", "options are not a valid JSON object: invalid UTF-8 at byte 8"},
      {with(R"("gzip":true,"gzip":false)"), "options are not a valid JSON object: duplicate key \"gzip\""},
  };
  for (const auto& [json, want] : bad) {
    const std::string got = error_of(json);
    EXPECT_NE(got.find(want), std::string::npos) << json << "\n  got:  " << got << "\n  want: " << want;
  }
}

TEST(SdkOptions, MessagesNeverRepeatAValue) {
  for (const char* v : {R"("token":7)", R"("format":"s3cr3t")", R"("retry":{"attempts":"s3cr3t"})"}) {
    const std::string msg = error_of(with(v));
    EXPECT_FALSE(msg.empty());
    EXPECT_EQ(msg.find("s3cr3t"), std::string::npos) << msg;
  }
  EXPECT_EQ(error_of(R"({"url":"s3cr3t"})").find("s3cr3t"), std::string::npos);
}

TEST(SdkOptions, TheSchemaSaysWhatTheParserChecks) {
  const sinkhub::json::Value s = sinkhub::json::parse(kOptions.schema());
  EXPECT_EQ(s.find("type")->text(), "object");
  EXPECT_FALSE(s.find("additionalProperties")->as_bool());
  ASSERT_EQ(s.find("required")->items().size(), 1u);
  EXPECT_EQ(s.find("required")->items()[0].text(), "url");
  const auto& p = *s.find("properties");
  EXPECT_EQ(sinkhub::json::write(*p.find("url")),
            R"({"type":"string","minLength":1,"maxLength":64,"description":"Where to send | the items"})");
  EXPECT_EQ(sinkhub::json::write(*p.find("format")),
            R"({"type":"string","enum":["jsonl","json"],"default":"jsonl","description":"Item format"})");
  EXPECT_EQ(sinkhub::json::write(*p.find("gzip")), R"({"type":"boolean","default":false,"description":"Compress"})");
  EXPECT_EQ(sinkhub::json::write(*p.find("offset")),
            R"({"type":"integer","minimum":-10,"default":-5,"description":"A signed number"})");
  EXPECT_EQ(sinkhub::json::write(*p.find("level")),
            R"({"type":"integer","minimum":0,"maximum":255,"default":6,"description":"Compression level"})");
  EXPECT_EQ(sinkhub::json::write(*p.find("chunk")), R"({"type":"string","default":"8MiB","description":"Part size"})");
  EXPECT_EQ(sinkhub::json::write(*p.find("timeout")), R"({"type":"string","default":"30s","description":"Per request"})");
  EXPECT_EQ(sinkhub::json::write(*p.find("fields")),
            R"({"type":"array","items":{"type":"string","maxLength":8},"maxItems":3,"description":"Item fields"})");
  EXPECT_EQ(sinkhub::json::write(*p.find("retry")),
            R"({"description":"Retry policy","type":"object","properties":{)"
            R"("attempts":{"type":"integer","minimum":1,"maximum":10,"default":3,"description":"Attempts per batch"},)"
            R"("pause":{"type":"string","default":"500ms","description":"Wait between attempts"}},)"
            R"("additionalProperties":false})");
  // One property per line at the top level, as the plugins' schemas always were.
  EXPECT_NE(std::string(kOptions.schema()).find("\n  \"required\": [\"url\"],\n"), std::string::npos);
}

TEST(SdkOptions, TheReadmeTableComesFromTheSameDeclaration) {
  EXPECT_EQ(kOptions.markdown(),
            "| Option | Type | Default | Meaning |\n"
            "|--------|------|---------|---------|\n"
            "| `url` | non-empty string, ≤ 64 bytes | *required* | Where to send \\| the items |\n"
            "| `format` | one of `jsonl`, `json` | `jsonl` | Item format |\n"
            "| `gzip` | boolean | `false` | Compress |\n"
            "| `offset` | integer, ≥ -10 | `-5` | A signed number |\n"
            "| `level` | integer | `6` | Compression level |\n"
            "| `chunk` | size, 5MiB–5GiB | `8MiB` | Part size |\n"
            "| `timeout` | duration, ≥ 1s | `30s` | Per request |\n"
            "| `fields` | list of strings, ≤ 3 | — | Item fields |\n"
            "| `token` | string | — | API token |\n"
            "| `retry` | object | — | Retry policy |\n"
            "| `retry.attempts` | integer, 1–10 | `3` | Attempts per batch |\n"
            "| `retry.pause` | duration, ≤ 1m | `500ms` | Wait between attempts |\n");
}

// A table is often built while the plugin is loaded: a plugin bug must not throw there, it
// fails every create() instead (FATAL: "create failed: option 'a' is declared twice").
TEST(SdkOptions, ATableWithANameDeclaredTwiceRefusesToParse) {
  struct Two {
    bool a = false, b = false;
  };
  const opt::Table<Two> twice{opt::flag("a", &Two::a), opt::flag("a", &Two::b)};
  try {
    twice.parse("{}");
    FAIL() << "parsed";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "option 'a' is declared twice (plugin bug)");
    EXPECT_EQ(dynamic_cast<const std::invalid_argument*>(&e), nullptr) << "not an options error: FATAL";
  }
}

}  // namespace
