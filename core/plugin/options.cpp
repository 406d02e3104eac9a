#include "plugin/options.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/NumberParser.h>

#include <sstream>

namespace sinkhub::plugin {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

struct Converter {
  std::vector<config::Diagnostic>& diags;
  bool ok = true;

  void error(int line, const std::string& msg) {
    diags.push_back({line, msg});
    ok = false;
  }

  static std::string type_of(const Object::Ptr& schema) {
    return schema && schema->has("type") && schema->get("type").isString() ? schema->getValue<std::string>("type")
                                                                            : std::string();
  }

  // Converts node under schema to a JSON value; reports problems with the node's line.
  Var convert(const config::Node& node, const Object::Ptr& schema, const std::string& where) {
    const std::string type = type_of(schema);
    Var out;
    if (type == "object" || (type.empty() && node.is_map())) {
      out = object(node, schema, where);
    } else if (type == "array" || (type.empty() && node.is_list())) {
      out = array(node, schema, where);
    } else if (!node.is_scalar()) {
      error(node.line, where + " must be " + (type.empty() ? "a value" : "of type " + type));
      return Var();
    } else if (type == "integer") {
      Poco::Int64 v = 0;
      if (!Poco::NumberParser::tryParse64(node.scalar, v)) {
        error(node.line, where + " must be an integer");
        return Var();
      }
      out = v;
    } else if (type == "number") {
      double v = 0;
      if (!Poco::NumberParser::tryParseFloat(node.scalar, v)) {
        error(node.line, where + " must be a number");
        return Var();
      }
      out = v;
    } else if (type == "boolean") {
      const std::string& v = node.scalar;
      if (v == "true" || v == "yes" || v == "on") out = true;
      else if (v == "false" || v == "no" || v == "off") out = false;
      else {
        error(node.line, where + " must be true or false");
        return Var();
      }
    } else {
      out = node.scalar;  // "string", or no type: text as written
    }
    check_value(out, node, schema, where);
    return out;
  }

  Var object(const config::Node& node, const Object::Ptr& schema, const std::string& where) {
    Object::Ptr obj = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    if (!node.is_map()) {
      error(node.line, where + " must be a map");
      return obj;
    }
    Object::Ptr props = schema && schema->has("properties") ? schema->getObject("properties") : nullptr;
    const bool closed = schema && schema->has("additionalProperties") && schema->get("additionalProperties").isBoolean() &&
                        !schema->getValue<bool>("additionalProperties");
    for (const auto& [key, value] : node.fields) {
      Object::Ptr sub = props && props->has(key) ? props->getObject(key) : nullptr;
      if (!sub && closed) {
        std::string known;
        if (props)
          for (const auto& name : props->getNames()) known += (known.empty() ? "" : ", ") + name;
        error(value.line, "unknown option " + where + "." + key + (known.empty() ? "" : " (known: " + known + ")"));
        continue;
      }
      obj->set(key, convert(value, sub, where + "." + key));
    }
    if (schema && schema->has("required")) {
      if (Array::Ptr req = schema->getArray("required"))
        for (std::size_t i = 0; i < req->size(); ++i) {
          const std::string name = req->getElement<std::string>(static_cast<unsigned>(i));
          if (!node.find(name)) error(node.line, where + "." + name + " is required");
        }
    }
    return obj;
  }

  Var array(const config::Node& node, const Object::Ptr& schema, const std::string& where) {
    Array::Ptr arr = new Array;
    Object::Ptr items = schema && schema->has("items") ? schema->getObject("items") : nullptr;
    std::vector<config::Node> elems;
    if (node.is_list()) {
      elems = node.items;
    } else if (node.is_scalar() && node.from_ini) {  // INI lists are comma-separated
      for (auto& part : config::split_ini_list(node.scalar)) {
        config::Node n = node;
        n.scalar = std::move(part);
        elems.push_back(std::move(n));
      }
    } else {
      error(node.line, where + " must be a list");
      return arr;
    }
    for (std::size_t i = 0; i < elems.size(); ++i) arr->add(convert(elems[i], items, where + "[" + std::to_string(i) + "]"));
    return arr;
  }

  void check_value(const Var& v, const config::Node& node, const Object::Ptr& schema, const std::string& where) {
    if (!schema || v.isEmpty()) return;
    const bool secret = node.substituted;  // never echo a substituted value
    if (schema->has("enum")) {
      Array::Ptr allowed = schema->getArray("enum");
      bool found = false;
      std::string list;
      for (std::size_t i = 0; allowed && i < allowed->size(); ++i) {
        const Var a = allowed->get(static_cast<unsigned>(i));
        if (a.toString() == v.toString()) found = true;
        list += (list.empty() ? "" : ", ") + a.toString();
      }
      if (!found)
        error(node.line, where + " must be one of: " + list + (secret ? "" : " (got '" + v.toString() + "')"));
    }
    if (v.isNumeric()) {
      const double d = v.convert<double>();
      if (schema->has("minimum") && d < schema->getValue<double>("minimum"))
        error(node.line, where + " must be at least " + schema->get("minimum").toString());
      if (schema->has("maximum") && d > schema->getValue<double>("maximum"))
        error(node.line, where + " must be at most " + schema->get("maximum").toString());
    }
    if (v.isString()) {
      const auto len = v.extract<std::string>().size();
      if (schema->has("minLength") && len < schema->getValue<std::size_t>("minLength"))
        error(node.line, where + (schema->getValue<std::size_t>("minLength") == 1
                                      ? std::string(" must not be empty")
                                      : " must be at least " + schema->get("minLength").toString() + " characters"));
      if (schema->has("maxLength") && len > schema->getValue<std::size_t>("maxLength"))
        error(node.line, where + " must be at most " + schema->get("maxLength").toString() + " characters");
    }
    if (v.type() == typeid(Array::Ptr)) {
      const auto n = v.extract<Array::Ptr>()->size();
      if (schema->has("minItems") && n < schema->getValue<std::size_t>("minItems"))
        error(node.line, where + (schema->getValue<std::size_t>("minItems") == 1
                                      ? std::string(" must not be empty")
                                      : " must have at least " + schema->get("minItems").toString() + " entries"));
      if (schema->has("maxItems") && n > schema->getValue<std::size_t>("maxItems"))
        error(node.line, where + " must have at most " + schema->get("maxItems").toString() + " entries");
    }
  }
};

}  // namespace

bool options_to_json(const std::string& schema_json, const config::Node& options, const std::string& where,
                     std::string& json, std::vector<config::Diagnostic>& diags) {
  Object::Ptr schema;
  if (!schema_json.empty()) {
    try {
      Poco::JSON::Parser p;
      schema = p.parse(schema_json).extract<Object::Ptr>();
    } catch (const std::exception&) {
      diags.push_back({options.line, where + ": the plugin's option schema is not a JSON object (plugin bug)"});
      return false;
    }
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
