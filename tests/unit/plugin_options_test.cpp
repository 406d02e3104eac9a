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
  EXPECT_EQ(json, R"({"dir":"./out","preview":5,"fields":["url","title"],"ratio":0.5})");
}

TEST(PluginOptions, IniListsAndBooleansConvertToo) {
  std::string json;
  std::vector<config::Diagnostic> d;
  ASSERT_TRUE(options_to_json(kSchema, sink_options("[sink.a]\nplugin = file\ndir = /x\ngzip = true\nfields = a, b\n", true),
                              "sinks.a", json, d));
  EXPECT_EQ(json, R"({"dir":"/x","gzip":true,"fields":["a","b"]})");
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

// The rule sink.h states for options_json: description and default are accepted (they document
// the option), and the host does not fill in defaults: an absent option stays absent.
TEST(PluginOptions, DefaultsAreDocumentationNotFilledIn) {
  std::string json;
  std::vector<config::Diagnostic> d;
  ASSERT_TRUE(options_to_json(R"({"type": "object", "properties": {
      "format": {"type": "string", "default": "jsonl", "description": "jsonl or json"},
      "n": {"type": "integer", "default": 3, "description": "how many"}}})",
                              sink_options("sinks: {a: {plugin: f, n: 5}}", false), "sinks.a", json, d));
  EXPECT_EQ(json, R"({"n":5})");
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
