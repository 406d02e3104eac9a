#include "plugin/options.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/NumberParser.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <sstream>

#include "plugin/schema.hpp"

namespace sinkhub::plugin {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// What a config scalar is before the schema looks at it. A plain YAML scalar has a type of
// its own (YAML 1.2 core schema: `yes` is text, `12` a number); a quoted one is text. INI
// values and ${env:..}/${file:..} results carry no type: the schema decides what they are.
enum class Lexical { Untyped, String, Boolean, Integer, Number };

Lexical lexical(const config::Node& n) {
  if (n.from_ini || n.substituted) return Lexical::Untyped;
  if (n.quoted) return Lexical::String;
  static const std::regex boolean("true|True|TRUE|false|False|FALSE");
  static const std::regex integer("[-+]?[0-9]+");
  static const std::regex number("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  if (std::regex_match(n.scalar, boolean)) return Lexical::Boolean;
  if (std::regex_match(n.scalar, integer)) return Lexical::Integer;
  if (std::regex_match(n.scalar, number)) return Lexical::Number;
  return Lexical::String;
}

const char* lexical_name(Lexical l) {
  switch (l) {
    case Lexical::Boolean: return "a boolean";
    case Lexical::Integer: return "an integer";
    case Lexical::Number: return "a number";
    default: return "a string";
  }
}

bool wants(const std::vector<std::string>& types, const char* t) {
  return std::find(types.begin(), types.end(), t) != types.end();
}

// The text as one JSON value of one of `types`; empty when it is none of them.
Var parse_as(const std::string& text, const std::vector<std::string>& types, Lexical lex) {
  const bool untyped = lex == Lexical::Untyped;
  Poco::Int64 i = 0;
  double d = 0;
  if (wants(types, "integer") && (untyped || lex == Lexical::Integer) && Poco::NumberParser::tryParse64(text, i))
    return Var(i);
  if (wants(types, "number") && (untyped || lex == Lexical::Integer || lex == Lexical::Number) &&
      Poco::NumberParser::tryParseFloat(text, d) && std::isfinite(d)) {
    if (Poco::NumberParser::tryParse64(text, i)) return Var(i);  // keep 3 an integer, as JSON writes it
    return Var(d);
  }
  if (wants(types, "boolean") && (untyped || lex == Lexical::Boolean)) {
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "true" || lower == "false") return Var(lower == "true");
  }
  if (wants(types, "string") && (untyped || lex == Lexical::String)) return Var(text);
  return Var();
}

struct Converter {
  std::vector<config::Diagnostic>& diags;
  bool ok = true;

  void error(int line, const std::string& msg) {
    diags.push_back({line, msg});
    ok = false;
  }

  // Converts node under schema to a JSON value; reports problems with the node's line.
  Var convert(const config::Node& node, const Object::Ptr& schema, const std::string& where) {
    const auto types = schema::types_of(schema);
    Var out;
    if (node.is_map() && (types.empty() || wants(types, "object"))) {
      out = object(node, schema, where);
    } else if ((node.is_list() || (node.from_ini && node.is_scalar() && wants(types, "array"))) &&
               (types.empty() || wants(types, "array"))) {
      out = array(node, schema, where);
    } else if (node.is_scalar() && types.empty()) {
      out = node.scalar;  // no type: the text as written
    } else if (node.is_scalar()) {
      out = scalar(node, types, where);
    } else {
      error(node.line, where + " must be " + schema::describe(types) +
                           (node.is_null() ? " (got nothing: give a value or leave the key out)"
                            : node.is_map() ? " (got a map)" : " (got a list)"));
    }
    if (!out.isEmpty())
      for (const auto& why : schema::violations(out, schema, !node.substituted)) error(node.line, where + why);
    return out;
  }

  Var scalar(const config::Node& node, const std::vector<std::string>& types, const std::string& where) {
    const Lexical lex = lexical(node);
    Var out = parse_as(node.scalar, types, lex);
    if (!out.isEmpty()) return out;
    // Echo the value unless it came from ${env:..}/${file:..} (a secret, maybe: those are
    // untyped), and say how to write what was probably meant.
    std::string got;
    if (lex == Lexical::Untyped) {
      if (!node.substituted) got = " (got '" + node.scalar + "')";
    } else {
      std::string hint;
      if (lex == Lexical::String && node.quoted && !parse_as(node.scalar, types, Lexical::Untyped).isEmpty())
        hint = "; remove the quotes";
      else if (lex != Lexical::String && wants(types, "string"))
        hint = "; put it in quotes to mean text";
      got = std::string(" (got ") + lexical_name(lex) + " '" + node.scalar + "'" + hint + ")";
    }
    error(node.line, where + " must be " + schema::describe(types) + got);
    return Var();
  }

  Var object(const config::Node& node, const Object::Ptr& schema, const std::string& where) {
    Object::Ptr obj = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    const Object::Ptr props = schema && schema->has("properties") ? schema->getObject("properties") : nullptr;
    const bool closed = schema && schema->has("additionalProperties") && !schema->getValue<bool>("additionalProperties");
    for (const auto& [key, value] : node.fields) {
      const Object::Ptr sub = props && props->has(key) ? props->getObject(key) : nullptr;
      if (!sub && closed) {
        std::string known;
        if (props)
          for (const auto& name : props->getNames()) known += (known.empty() ? "" : ", ") + name;
        error(value.line, "unknown option " + where + "." + key + (known.empty() ? "" : " (known: " + known + ")"));
        continue;
      }
      obj->set(key, convert(value, sub, where + "." + key));
    }
    if (schema && schema->has("required"))
      for (const auto& name : *schema->getArray("required"))
        if (!node.find(name.toString())) error(node.line, where + "." + name.toString() + " is required");
    // Absent options with a schema default get it (sink.h, sinkhub_create_args.options_json).
    if (props)
      for (const auto& name : props->getNames())
        if (!obj->has(name) && !node.find(name) && props->getObject(name)->has("default"))
          obj->set(name, props->getObject(name)->get("default"));
    return obj;
  }

  Var array(const config::Node& node, const Object::Ptr& schema, const std::string& where) {
    Array::Ptr arr = new Array;
    const Object::Ptr items = schema && schema->has("items") ? schema->getObject("items") : nullptr;
    std::vector<config::Node> elems;
    if (node.is_list()) {
      elems = node.items;
    } else {  // INI lists are comma-separated
      for (auto& part : config::split_ini_list(node.scalar)) {
        config::Node n = node;
        n.scalar = std::move(part);
        elems.push_back(std::move(n));
      }
    }
    for (std::size_t i = 0; i < elems.size(); ++i) arr->add(convert(elems[i], items, where + "[" + std::to_string(i) + "]"));
    return arr;
  }
};

}  // namespace

bool options_to_json(const std::string& schema_json, const config::Node& options, const std::string& where,
                     std::string& json, std::vector<config::Diagnostic>& diags) {
  Object::Ptr schema;
  if (!schema_json.empty()) {
    // The registry refuses such plugins; this keeps the converter safe on its own.
    if (const auto why = schema::check(schema_json); !why.empty()) {
      diags.push_back({options.line, where + ": the plugin's option schema is unusable (plugin bug): " + why});
      return false;
    }
    schema = Poco::JSON::Parser().parse(schema_json).extract<Object::Ptr>();
  }
  Converter c{diags};
  const Var v = c.convert(options, schema, where);
  if (!c.ok) return false;
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(v, out);
  json = out.str();
  return true;
}

}  // namespace sinkhub::plugin
