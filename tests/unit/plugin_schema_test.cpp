// The JSON Schema subset a plugin's options_schema_json may use (sdk/docs/ABI.md): anything
// else is refused when the plugin is loaded, never silently ignored.
#include <gtest/gtest.h>

#include "plugin/schema.hpp"

namespace sinkhub::plugin {
namespace {

TEST(PluginSchema, EverySupportedKeywordIsAccepted) {
  EXPECT_EQ(schema::check(R"({
    "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "t", "$comment": "c",
    "type": "object", "additionalProperties": false, "required": ["dir"], "description": "d",
    "properties": {
      "dir":    {"type": "string", "minLength": 1, "maxLength": 4096, "examples": ["/srv/out"]},
      "format": {"type": "string", "enum": ["jsonl", "json"], "default": "jsonl"},
      "n":      {"type": ["integer", "string"], "minimum": -1, "maximum": 1e3, "default": 3},
      "ratio":  {"type": "number", "minimum": 0.5},
      "tags":   {"type": "array", "items": {"type": "string", "maxLength": 8}, "minItems": 1, "maxItems": 4,
                 "default": ["a"]},
      "retry":  {"type": "object", "properties": {"max": {"type": "integer"}}, "additionalProperties": true},
      "gzip":   {"type": "boolean", "default": false},
      "any":    {}
    }})"),
            "");
}

TEST(PluginSchema, UnsupportedKeywordsAreRefusedWithTheOptionPath) {
  const auto with = [](const std::string& prop) {
    return schema::check(R"({"type": "object", "properties": {"url": )" + prop + "}}");
  };
  for (const char* keyword : {"pattern", "format", "oneOf", "anyOf", "allOf", "not", "const", "$ref", "if",
                              "exclusiveMinimum", "multipleOf", "uniqueItems", "dependentRequired", "patternProperties"}) {
    const std::string why = with(std::string(R"({"type": "string", ")") + keyword + R"(": "x"})");
    EXPECT_EQ(why.rfind(std::string("option 'url': unsupported keyword '") + keyword + "' (sinkhub checks type, ", 0), 0u)
        << why;
  }
  EXPECT_EQ(schema::check(R"({"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"type": "array",
              "items": {"type": "string", "pattern": "^x"}}}}}})")
                .rfind("option 'a.b[]': unsupported keyword 'pattern'", 0),
            0u);
  EXPECT_EQ(schema::check(R"({"type": "object", "format": "x"})").rfind("top level: unsupported keyword 'format'", 0), 0u);
}

TEST(PluginSchema, MalformedSchemasAreRefused) {
  const std::pair<const char*, const char*> cases[] = {
      {"not json", "not valid JSON"},
      {R"(["a"])", "top level: a schema must be a JSON object"},
      {R"({"properties": {}})", "top level: must be {\"type\": \"object\", ...}"},
      {R"({"type": "array"})", "top level: must be {\"type\": \"object\", ...}"},
      {R"({"type": "object", "properties": {"a": {"type": "text"}}})",
       "option 'a': 'type' must be one of object, string, integer, number, boolean, array, or a list of them"},
      {R"({"type": "object", "properties": {"a": {"type": ["string", "string"]}}})",
       "option 'a': 'type' must be one of object, string, integer, number, boolean, array, or a list of them"},
      {R"({"type": "object", "properties": {"a": 3}})", "option 'a': a schema must be a JSON object"},
      {R"({"type": "object", "properties": []})", "top level: 'properties' must be an object of schemas"},
      {R"({"type": "object", "required": ["b"], "properties": {"a": {}}})",
       "top level: 'required' names 'b', which is not one of its properties"},
      {R"({"type": "object", "additionalProperties": {"type": "string"}})",
       "top level: 'additionalProperties' must be true or false (a schema there is not supported)"},
      {R"({"type": "object", "properties": {"a": {"type": "string", "minLength": -1}}})",
       "option 'a': 'minLength' must be an integer >= 0"},
      {R"({"type": "object", "properties": {"a": {"type": "integer", "maximum": "10"}}})",
       "option 'a': 'maximum' must be a number"},
      {R"({"type": "object", "properties": {"a": {"enum": []}}})", "option 'a': 'enum' must be a non-empty list"},
      {R"({"type": "object", "properties": {"a": {"enum": [{"x": 1}]}}})",
       "option 'a': 'enum' may hold only strings, numbers and booleans"},
      {R"({"type": "object", "properties": {"a": {"type": "integer", "enum": [1, "2"]}}})",
       "option 'a': 'enum' holds 2, which is not an integer"},
  };
  for (const auto& [json, why] : cases) EXPECT_EQ(schema::check(json), why) << json;
}

// A default the schema itself refuses would be handed to create() as if the user wrote it.
TEST(PluginSchema, ADefaultMustPassItsOwnSchema) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"type": "boolean", "default": "yes"})", " must be true or false"},
      {R"({"type": "string", "default": 12})", " must be a string"},
      {R"({"type": "integer", "default": 1.5})", " must be an integer"},
      {R"({"type": "integer", "maximum": 5, "default": 6})", " must be at most 5"},
      {R"({"type": "string", "enum": ["a"], "default": "b"})", " must be one of: a (got 'b')"},
      {R"({"type": "array", "items": {"type": "string"}, "default": ["a", 1]})", " must be a string"},
      {R"({"type": "object", "properties": {"x": {"type": "integer"}}, "default": {"x": "1"}})", ".x must be an integer"},
      {R"({"type": "object", "additionalProperties": false, "default": {"y": 1}})", " has an unknown key 'y'"},
  };
  for (const auto& [prop, why] : cases) {
    const std::string got = schema::check(std::string(R"({"type": "object", "properties": {"opt": )") + prop + "}}");
    EXPECT_EQ(got, std::string("option 'opt': 'default' does not pass its own schema: it") + why) << prop;
  }
}

}  // namespace
}  // namespace sinkhub::plugin
