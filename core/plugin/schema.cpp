#include "plugin/schema.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace sinkhub::plugin::schema {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

const char* const kChecked =
    "type, properties, required, additionalProperties, items, enum, minimum, maximum, minLength, maxLength, "
    "minItems, maxItems";
const char* const kAnnotations = "description, default, title, examples, $comment, $schema";

namespace {

const std::set<std::string> kKeywords = {"type",      "properties", "required",  "additionalProperties",
                                         "items",     "enum",       "minimum",   "maximum",
                                         "minLength", "maxLength",  "minItems",  "maxItems",
                                         "description", "default",  "title",     "examples",
                                         "$comment",  "$schema"};
const std::set<std::string> kTypes = {"object", "string", "integer", "number", "boolean", "array"};

bool is_object(const Var& v) { return v.type() == typeid(Object::Ptr); }
bool is_array(const Var& v) { return v.type() == typeid(Array::Ptr); }
bool is_bool(const Var& v) { return v.isBoolean(); }
bool is_number(const Var& v) { return !v.isBoolean() && v.isNumeric(); }
bool is_integer(const Var& v) { return !v.isBoolean() && v.isInteger(); }
bool is_count(const Var& v) { return is_integer(v) && v.convert<double>() >= 0; }

// Equality of two JSON scalars of the same type.
bool same(const Var& a, const Var& b) {
  if (a.isString() && b.isString()) return a.extract<std::string>() == b.extract<std::string>();
  if (is_bool(a) && is_bool(b)) return a.convert<bool>() == b.convert<bool>();
  if (is_number(a) && is_number(b)) return a.convert<double>() == b.convert<double>();
  return false;
}

std::string location(const std::string& path) { return path.empty() ? "top level" : "option '" + path + "'"; }

// Walks a schema; the first problem found is kept.
class Checker {
 public:
  std::string error;

  void schema(const Var& node, const std::string& path, bool top) {
    if (!error.empty()) return;
    if (!is_object(node)) return fail(path, "a schema must be a JSON object");
    const Object::Ptr s = node.extract<Object::Ptr>();
    for (const auto& key : s->getNames())
      if (!kKeywords.count(key))
        return fail(path, "unsupported keyword '" + key + "' (sinkhub checks " + kChecked + " and takes " +
                              kAnnotations + " as documentation)");
    if (top && (!s->has("type") || !s->get("type").isString() || s->getValue<std::string>("type") != "object"))
      return fail(path, "must be {\"type\": \"object\", ...}");
    if (s->has("type") && types_of(s).empty())
      return fail(path, "'type' must be one of object, string, integer, number, boolean, array, or a list of them");
    keywords(s, path);
    if (!error.empty()) return;  // the walk below relies on well-formed keywords
    if (s->has("properties")) properties(s, path);
    if (s->has("items")) schema(s->get("items"), path + "[]", false);
    if (error.empty()) values(s, path);
  }

 private:
  void fail(const std::string& path, const std::string& why) {
    if (error.empty()) error = location(path) + ": " + why;
  }

  void keywords(const Object::Ptr& s, const std::string& path) {
    for (const char* k : {"minimum", "maximum"})
      if (s->has(k) && !is_number(s->get(k))) return fail(path, std::string("'") + k + "' must be a number");
    for (const char* k : {"minLength", "maxLength", "minItems", "maxItems"})
      if (s->has(k) && !is_count(s->get(k))) return fail(path, std::string("'") + k + "' must be an integer >= 0");
    if (s->has("additionalProperties") && !is_bool(s->get("additionalProperties")))
      return fail(path, "'additionalProperties' must be true or false (a schema there is not supported)");
    if (s->has("properties") && !is_object(s->get("properties")))
      return fail(path, "'properties' must be an object of schemas");
    if (s->has("enum")) {
      const Var e = s->get("enum");
      if (!is_array(e) || e.extract<Array::Ptr>()->size() == 0) return fail(path, "'enum' must be a non-empty list");
      for (const auto& v : *e.extract<Array::Ptr>())
        if (!v.isString() && !is_number(v) && !is_bool(v))
          return fail(path, "'enum' may hold only strings, numbers and booleans");
    }
    if (s->has("required")) {
      const Var r = s->get("required");
      const Object::Ptr props = s->has("properties") ? s->getObject("properties") : nullptr;
      if (!is_array(r)) return fail(path, "'required' must be a list of property names");
      for (const auto& name : *r.extract<Array::Ptr>())
        if (!name.isString() || !props || !props->has(name.extract<std::string>()))
          return fail(path, "'required' names '" + name.toString() + "', which is not one of its properties");
    }
  }

  void properties(const Object::Ptr& s, const std::string& path) {
    const Object::Ptr props = s->getObject("properties");
    for (const auto& name : props->getNames()) schema(props->get(name), path.empty() ? name : path + "." + name, false);
  }

  // enum entries and the default must pass the schema they belong to.
  void values(const Object::Ptr& s, const std::string& path) {
    const auto types = types_of(s);
    if (s->has("enum"))
      for (const auto& v : *s->getArray("enum"))
        if (!types.empty() && !has_type(v, types))
          return fail(path, "'enum' holds " + v.toString() + ", which is not " + describe(types));
    if (!s->has("default")) return;
    const std::string why = value_problem(s->get("default"), s);
    if (!why.empty()) fail(path, "'default' does not pass its own schema: it" + why);
  }

  // " must be ..." when v breaks schema s (recursively), else "".
  static std::string value_problem(const Var& v, const Object::Ptr& s) {
    const auto types = types_of(s);
    if (!types.empty() && !has_type(v, types)) return " must be " + describe(types);
    const auto broken = violations(v, s, true);
    if (!broken.empty()) return broken.front();
    if (is_array(v) && s->has("items"))
      for (const auto& e : *v.extract<Array::Ptr>())
        if (auto why = value_problem(e, s->getObject("items")); !why.empty()) return why;
    if (is_object(v)) return object_problem(v.extract<Object::Ptr>(), s);
    return {};
  }

  static std::string object_problem(const Object::Ptr& o, const Object::Ptr& s) {
    const Object::Ptr props = s->has("properties") ? s->getObject("properties") : nullptr;
    const bool closed = s->has("additionalProperties") && !s->getValue<bool>("additionalProperties");
    for (const auto& key : o->getNames()) {
      if (props && props->has(key)) {
        if (auto why = value_problem(o->get(key), props->getObject(key)); !why.empty()) return "." + key + why;
      } else if (closed) {
        return " has an unknown key '" + key + "'";
      }
    }
    if (const Array::Ptr req = s->has("required") ? s->getArray("required") : nullptr)
      for (const auto& name : *req)
        if (!o->has(name.extract<std::string>())) return " lacks the required key '" + name.toString() + "'";
    return {};
  }
};

}  // namespace

std::string check(const std::string& json) {
  Var parsed;
  try {
    parsed = Poco::JSON::Parser().parse(json);
  } catch (const std::exception&) {
    return "not valid JSON";  // a parse error's position means little in a C string literal
  }
  Checker c;
  c.schema(parsed, "", true);
  return c.error;
}

std::vector<std::string> types_of(const Object::Ptr& schema) {
  std::vector<std::string> out;
  if (!schema || !schema->has("type")) return out;
  const Var t = schema->get("type");
  if (t.isString() && kTypes.count(t.extract<std::string>())) return {t.extract<std::string>()};
  if (!is_array(t)) return out;
  for (const auto& e : *t.extract<Array::Ptr>()) {
    if (!e.isString() || !kTypes.count(e.extract<std::string>()) ||
        std::find(out.begin(), out.end(), e.extract<std::string>()) != out.end())
      return {};
    out.push_back(e.extract<std::string>());
  }
  return out;
}

bool has_type(const Var& v, const std::vector<std::string>& types) {
  for (const auto& t : types) {
    if (t == "string" && v.isString()) return true;
    if (t == "boolean" && is_bool(v)) return true;
    if (t == "integer" && is_integer(v)) return true;
    if (t == "number" && is_number(v)) return true;
    if (t == "object" && is_object(v)) return true;
    if (t == "array" && is_array(v)) return true;
  }
  return types.empty();
}

std::string describe(const std::vector<std::string>& types) {
  std::string out;
  for (std::size_t i = 0; i < types.size(); ++i) {
    const std::string& t = types[i];
    const std::string name = t == "object" ? "a map" : t == "array" ? "a list" : t == "integer" ? "an integer"
                             : t == "boolean" ? "true or false" : "a " + t;
    out += (i == 0 ? "" : i + 1 == types.size() ? " or " : ", ") + name;
  }
  return types.empty() ? "a value" : out;
}

std::vector<std::string> violations(const Var& v, const Object::Ptr& s, bool echo) {
  std::vector<std::string> out;
  if (!s || v.isEmpty()) return out;
  if (s->has("enum")) {
    bool found = false;
    std::string list;
    for (const auto& a : *s->getArray("enum")) {
      found = found || same(a, v);
      list += (list.empty() ? "" : ", ") + a.toString();
    }
    if (!found) out.push_back(" must be one of: " + list + (echo ? " (got '" + v.toString() + "')" : ""));
  }
  if (is_number(v)) {
    const double d = v.convert<double>();
    if (s->has("minimum") && d < s->getValue<double>("minimum"))
      out.push_back(" must be at least " + s->get("minimum").toString());
    if (s->has("maximum") && d > s->getValue<double>("maximum"))
      out.push_back(" must be at most " + s->get("maximum").toString());
  }
  const auto count = [&](const char* key) { return s->get(key).convert<std::size_t>(); };
  if (v.isString()) {
    const auto len = v.extract<std::string>().size();
    if (s->has("minLength") && len < count("minLength"))
      out.push_back(count("minLength") == 1 ? std::string(" must not be empty")
                                             : " must be at least " + s->get("minLength").toString() + " bytes long");
    if (s->has("maxLength") && len > count("maxLength"))
      out.push_back(" must be at most " + s->get("maxLength").toString() + " bytes long");
  }
  if (is_array(v)) {
    const auto n = v.extract<Array::Ptr>()->size();
    if (s->has("minItems") && n < count("minItems"))
      out.push_back(count("minItems") == 1 ? std::string(" must not be empty")
                                            : " must have at least " + s->get("minItems").toString() + " entries");
    if (s->has("maxItems") && n > count("maxItems"))
      out.push_back(" must have at most " + s->get("maxItems").toString() + " entries");
  }
  return out;
}

}  // namespace sinkhub::plugin::schema
