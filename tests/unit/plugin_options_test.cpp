// Sink options: config text in, schema-typed JSON out, with config lines on every error.
#include <gtest/gtest.h>

#include "config/tree.hpp"
#include "plugin/options.hpp"

namespace sinkhub::plugin {
namespace {

const char* kSchema = R"({
  "type": "object", "additionalProperties": false, "required": ["dir"],
  "properties": {
    "dir":     {"type": "string", "minLength": 1},
    "format":  {"type": "string", "enum": ["jsonl", "json"], "default": "jsonl"},
    "gzip":    {"type": "boolean", "default": false},
    "preview": {"type": "integer", "minimum": 0, "maximum": 50},
    "fields":  {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    "ratio":   {"type": "number"}
  }})";

config::Node sink_options(const std::string& yaml_or_ini, bool ini) {
  config::Node root = ini ? config::parse_ini(yaml_or_ini, "t.ini") : config::parse_yaml(yaml_or_ini, "t.yaml");
  config::Node opts = root.find("sinks")->fields[0].second;
  opts.fields.erase(opts.fields.begin());  // drop "plugin", as the config loader does
  return opts;
}

TEST(PluginOptions, YamlScalarsTakeTheSchemaTypes) {
  std::string json;
  std::vector<config::Diagnostic> d;
  ASSERT_TRUE(options_to_json(kSchema,
                              sink_options("sinks: {a: {plugin: file, dir: ./out, preview: 5, fields: [url, title], "
                                           "ratio: 0.5}}",
                                           false),
                              "sinks.a", json, d))
      << (d.empty() ? "" : d[0].message);
  EXPECT_EQ(json, R"({"dir":"./out","preview":5,"fields":["url","title"],"ratio":0.5,"format":"jsonl","gzip":false})");
}

TEST(PluginOptions, IniListsAndBooleansConvertToo) {
  std::string json;
  std::vector<config::Diagnostic> d;
  ASSERT_TRUE(options_to_json(kSchema, sink_options("[sink.a]\nplugin = file\ndir = /x\ngzip = true\nfields = a, b\n", true),
                              "sinks.a", json, d));
  EXPECT_EQ(json, R"({"dir":"/x","gzip":true,"fields":["a","b"],"format":"jsonl"})");
}

TEST(PluginOptions, EveryViolationIsReportedWithItsLine) {
  std::string json;
  std::vector<config::Diagnostic> d;
  EXPECT_FALSE(options_to_json(kSchema, sink_options(R"(sinks:
  a:
    plugin: file
    format: xml
    gzip: maybe
    preview: 500
    fields: [a, b, c, d]
    colour: blue
)",
                                                     false),
                               "sinks.a", json, d));
  std::string all;
  for (const auto& x : d) all += std::to_string(x.line) + ": " + x.message + "\n";
  EXPECT_NE(all.find("4: sinks.a.format must be one of: jsonl, json (got 'xml')"), std::string::npos) << all;
  EXPECT_NE(all.find("5: sinks.a.gzip must be true or false"), std::string::npos) << all;
  EXPECT_NE(all.find("6: sinks.a.preview must be at most 50"), std::string::npos) << all;
  EXPECT_NE(all.find("7: sinks.a.fields must have at most 3 entries"), std::string::npos) << all;
  EXPECT_NE(all.find("8: unknown option sinks.a.colour (known: "), std::string::npos) << all;
  EXPECT_NE(all.find("3: sinks.a.dir is required"), std::string::npos) << all;
}

TEST(PluginOptions, WrongShapesAreRefused) {
  std::string json;
  std::vector<config::Diagnostic> d;
  EXPECT_FALSE(options_to_json(kSchema, sink_options("sinks: {a: {plugin: f, dir: [1, 2]}}", false), "sinks.a", json, d));
  EXPECT_FALSE(options_to_json(kSchema, sink_options("sinks: {a: {plugin: f, dir: d, preview: 1.5}}", false), "sinks.a",
                               json, d));
  EXPECT_FALSE(options_to_json("not json", sink_options("sinks: {a: {plugin: f}}", false), "sinks.a", json, d));
  EXPECT_NE(d.back().message.find("plugin bug"), std::string::npos);
}

// The rule sink.h states for options_json: an absent option with a schema `default` gets it,
// so create() sees every option the schema documents; a given value is never replaced.
TEST(PluginOptions, AbsentOptionsGetTheirSchemaDefaults) {
  std::string json;
  std::vector<config::Diagnostic> d;
  const char* schema = R"({"type": "object", "properties": {
      "format": {"type": "string", "default": "jsonl", "description": "jsonl or json"},
      "n": {"type": "integer", "default": 3, "description": "how many"},
      "tags": {"type": "array", "items": {"type": "string"}, "default": ["a"]},
      "retry": {"type": "object", "properties": {"max": {"type": "integer", "default": 5},
                                                 "base": {"type": "string"}}},
      "token": {"type": "string"}}})";
  ASSERT_TRUE(options_to_json(schema, sink_options("sinks: {a: {plugin: f, n: 5, retry: {base: 1s}}}", false), "sinks.a",
                              json, d));
  // Defaults fill every level that is present; an absent object without a default stays absent.
  EXPECT_EQ(json, R"({"n":5,"retry":{"base":"1s","max":5},"format":"jsonl","tags":["a"]})");
  ASSERT_TRUE(options_to_json(schema, sink_options("sinks: {a: {plugin: f}}", false), "sinks.a", json, d));
  EXPECT_EQ(json, R"({"format":"jsonl","n":3,"tags":["a"]})");
}

// YAML says what a plain scalar is (1.2 core schema): 12 is an integer, yes is text, "12"
// is text. The schema's type must match; nothing is converted behind the user's back.
TEST(PluginOptions, AYamlValueOfTheWrongTypeIsRefusedWithItsPath) {
  const auto refusal = [](const std::string& opts) {
    std::string json;
    std::vector<config::Diagnostic> d;
    EXPECT_FALSE(options_to_json(kSchema, sink_options("sinks: {a: {plugin: f, dir: x, " + opts + "}}", false), "sinks.a",
                                 json, d))
        << opts << " -> " << json;
    return d.empty() ? std::string() : d[0].message;
  };
  EXPECT_EQ(refusal("gzip: yes"), "sinks.a.gzip must be true or false (got a string 'yes')");
  EXPECT_EQ(refusal("gzip: on"), "sinks.a.gzip must be true or false (got a string 'on')");
  EXPECT_EQ(refusal("gzip: 1"), "sinks.a.gzip must be true or false (got an integer '1')");
  EXPECT_EQ(refusal("gzip: \"true\""), "sinks.a.gzip must be true or false (got a string 'true'; remove the quotes)");
  EXPECT_EQ(refusal("format: 12"), "sinks.a.format must be a string (got an integer '12'; put it in quotes to mean text)");
  EXPECT_EQ(refusal("format: true"), "sinks.a.format must be a string (got a boolean 'true'; put it in quotes to mean text)");
  EXPECT_EQ(refusal("preview: '5'"), "sinks.a.preview must be an integer (got a string '5'; remove the quotes)");
  EXPECT_EQ(refusal("preview: 1.5"), "sinks.a.preview must be an integer (got a number '1.5')");
  EXPECT_EQ(refusal("preview: 99999999999999999999"), "sinks.a.preview must be an integer (got an integer "
                                                      "'99999999999999999999')");
  EXPECT_EQ(refusal("ratio: half"), "sinks.a.ratio must be a number (got a string 'half')");
  EXPECT_EQ(refusal("ratio: .inf"), "sinks.a.ratio must be a number (got a number '.inf')");
  EXPECT_EQ(refusal("fields: [url, 7]"), "sinks.a.fields[1] must be a string (got an integer '7'; put it in quotes to "
                                         "mean text)");
  EXPECT_EQ(refusal("fields: url"), "sinks.a.fields must be a list (got a string 'url')");
  EXPECT_EQ(refusal("preview:"), "sinks.a.preview must be an integer (got nothing: give a value or leave the key out)");
  EXPECT_EQ(refusal("dir2: {x: 1}, preview: {x: 1}"), "unknown option sinks.a.dir2 (known: dir, fields, format, gzip, "
                                                       "preview, ratio)");
}

TEST(PluginOptions, RightlyTypedYamlPasses) {
  std::string json;
  std::vector<config::Diagnostic> d;
  ASSERT_TRUE(options_to_json(kSchema,
                              sink_options("sinks: {a: {plugin: f, dir: \"12\", gzip: false, ratio: 2, fields: ['1']}}",
                                           false),
                              "sinks.a", json, d))
      << d[0].message;
  EXPECT_EQ(json, R"({"dir":"12","gzip":false,"ratio":2,"fields":["1"],"format":"jsonl"})");
}

// INI has no types and a ${env:..}/${file:..} reference's value has none either: the schema
// decides, strictly (true/false, whole numbers), and a secret's value is never echoed.
TEST(PluginOptions, UntypedValuesAreReadStrictlyAsTheSchemaSays) {
  std::string json;
  std::vector<config::Diagnostic> d;
  EXPECT_FALSE(options_to_json(kSchema, sink_options("[sink.a]\nplugin = f\ndir = /x\ngzip = yes\npreview = 5x\n", true),
                               "sinks.a", json, d));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].message, "sinks.a.gzip must be true or false (got 'yes')");
  EXPECT_EQ(d[1].message, "sinks.a.preview must be an integer (got '5x')");

  config::Node opts = sink_options("sinks: {a: {plugin: f, dir: x, preview: \"${env:N}\", format: \"${env:F}\"}}", false);
  for (auto& [k, v] : opts.fields)
    if (k != "dir") v.substituted = true;
  opts.fields[1].second.scalar = "7";
  opts.fields[2].second.scalar = "s3cr3t";
  d.clear();
  EXPECT_FALSE(options_to_json(kSchema, opts, "sinks.a", json, d));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].message, "sinks.a.format must be one of: jsonl, json");  // 7 became the integer the schema wants
  opts.fields[2].second.scalar = "json";
  d.clear();
  ASSERT_TRUE(options_to_json(kSchema, opts, "sinks.a", json, d));
  EXPECT_EQ(json, R"({"dir":"x","preview":7,"format":"json","gzip":false})");
}

TEST(PluginOptions, AnUnusableSchemaIsAPluginBug) {
  std::string json;
  std::vector<config::Diagnostic> d;
  EXPECT_FALSE(options_to_json(R"({"type": "object", "properties": {"u": {"type": "string", "format": "uri"}}})",
                               sink_options("sinks: {a: {plugin: f}}", false), "sinks.a", json, d));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].message.rfind("sinks.a: the plugin's option schema is unusable (plugin bug): option 'u': unsupported "
                               "keyword 'format'",
                               0),
            0u)
      << d[0].message;
}

TEST(PluginOptions, AnEmptyRequiredValueIsCalledEmpty) {
  std::string json;
  std::vector<config::Diagnostic> d;
  EXPECT_FALSE(options_to_json(R"({"type": "object", "properties": {"dir": {"type": "string", "minLength": 1},
                                  "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1}}})",
                               sink_options("sinks: {a: {plugin: f, dir: \"\", tags: []}}", false), "sinks.a", json, d));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].message, "sinks.a.dir must not be empty");
  EXPECT_EQ(d[1].message, "sinks.a.tags must not be empty");
}

TEST(PluginOptions, NoSchemaMeansTextAsWritten) {
  std::string json;
  std::vector<config::Diagnostic> d;
  ASSERT_TRUE(options_to_json("", sink_options("sinks: {a: {plugin: f, n: 5, l: [x]}}", false), "sinks.a", json, d));
  EXPECT_EQ(json, R"({"n":"5","l":["x"]})");
}

}  // namespace
}  // namespace sinkhub::plugin
