// The webhook template engine of the fake Apify API; see fake_template.hpp.
#include "fake_template.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/String.h>

#include <cctype>
#include <set>

#include "fake_internal.hpp"

namespace sinkhub::fake::tmpl {

namespace {

bool allowed_root(const std::string& name) {
  static const std::set<std::string> roots = {"userId", "createdAt", "eventType", "eventData", "resource", "globals"};
  return roots.count(name) > 0;
}

bool valid_path(const std::string& path) {
  if (path.empty() || path.front() == '.' || path.back() == '.') return false;
  for (char c : path)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '$')) return false;
  return true;
}

// The value at a dot path; empty Var when any segment is missing.
Poco::Dynamic::Var lookup(const Poco::JSON::Object::Ptr& vars, const std::string& path) {
  Poco::Dynamic::Var cur = vars;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (cur.type() != typeid(Poco::JSON::Object::Ptr)) return {};
    const auto obj = cur.extract<Poco::JSON::Object::Ptr>();
    if (!obj || !obj->has(key)) return {};
    cur = obj->get(key);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

bool falsy(const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) return true;
  if (v.isBoolean()) return !v.convert<bool>();
  if (v.isString()) return v.extract<std::string>().empty();
  if (v.isNumeric()) return v.convert<double>() == 0.0;
  return false;
}

// Replaces every {{path}} outside JSON strings; inside strings only when `in_strings`.
bool substitute(const std::string& text, const Poco::JSON::Object::Ptr& vars, std::string& out, std::string& why) {
  out.clear();
  bool in_str = false, esc = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_str) {
      out += c;
      if (esc) esc = false;
      else if (c == '\\') esc = true;
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') in_str = true;
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      const auto end = text.find("}}", i + 2);
      const std::string path = end == std::string::npos ? "" : Poco::trim(text.substr(i + 2, end - i - 2));
      if (end != std::string::npos && valid_path(path)) {
        const std::string root = path.substr(0, path.find('.'));
        if (!allowed_root(root)) {
          why = "Variable '" + root + "' is not allowed in the template";
          return false;
        }
        const Poco::Dynamic::Var v = lookup(vars, path);
        out += falsy(v) ? std::string("null") : to_json(v);
        i = end + 1;
        continue;
      }
    }
    out += c;
  }
  return true;
}

// The text form of a value inside an interpolated string.
std::string text_of(const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) return "null";
  if (v.isString()) return v.extract<std::string>();
  return to_json(v);
}

// Interpolation inside one string value; sets `typed` when the string is exactly one variable.
bool interpolate_string(const std::string& s, const Poco::JSON::Object::Ptr& vars, Poco::Dynamic::Var& result,
                        std::string& why) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const auto open = s.find("{{", pos);
    const auto close = open == std::string::npos ? std::string::npos : s.find("}}", open + 2);
    if (close == std::string::npos) break;
    const std::string path = Poco::trim(s.substr(open + 2, close - open - 2));
    if (!valid_path(path)) {
      out += s.substr(pos, close + 2 - pos);
      pos = close + 2;
      continue;
    }
    if (!allowed_root(path.substr(0, path.find('.')))) {
      why = "Variable '" + path.substr(0, path.find('.')) + "' is not allowed in the template";
      return false;
    }
    const Poco::Dynamic::Var v = lookup(vars, path);
    if (open == 0 && close + 2 == s.size()) {
      result = v;  // exactly "{{path}}": the typed value
      return true;
    }
    out += s.substr(pos, open - pos) + text_of(v);
    pos = close + 2;
  }
  result = out + s.substr(pos);
  return true;
}

bool interpolate_tree(Poco::Dynamic::Var& node, const Poco::JSON::Object::Ptr& vars, std::string& why) {
  if (node.type() == typeid(Poco::JSON::Object::Ptr)) {
    auto obj = node.extract<Poco::JSON::Object::Ptr>();
    std::vector<std::string> names;
    obj->getNames(names);
    for (const auto& n : names) {
      Poco::Dynamic::Var child = obj->get(n);
      if (!interpolate_tree(child, vars, why)) return false;
      obj->set(n, child);
    }
  } else if (node.type() == typeid(Poco::JSON::Array::Ptr)) {
    auto arr = node.extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < arr->size(); ++i) {
      Poco::Dynamic::Var child = arr->get(static_cast<unsigned>(i));
      if (!interpolate_tree(child, vars, why)) return false;
      arr->set(static_cast<unsigned>(i), child);
    }
  } else if (node.isString()) {
    Poco::Dynamic::Var result;
    if (!interpolate_string(node.extract<std::string>(), vars, result, why)) return false;
    node = result;
  }
  return true;
}

Poco::JSON::Object::Ptr sample_vars() {
  auto event_data = ordered_object();
  event_data->set("actorId", "sampleActorId0001");
  event_data->set("actorRunId", "sampleRunId000001");
  auto resource = ordered_object();
  resource->set("id", "sampleRunId000001");
  resource->set("status", "SUCCEEDED");
  resource->set("defaultDatasetId", "sampleDataset0001");
  auto globals = ordered_object();
  globals->set("dateISO", "2026-01-01T00:00:00.000Z");
  globals->set("dateUnix", 1767225600);
  auto vars = ordered_object();
  vars->set("userId", kFakeUserId);
  vars->set("createdAt", "2026-01-01T00:00:00.000Z");
  vars->set("eventType", "ACTOR.RUN.SUCCEEDED");
  vars->set("eventData", event_data);
  vars->set("resource", resource);
  vars->set("globals", globals);
  return vars;
}

}  // namespace

const std::string& default_payload_template() {
  static const std::string t =
      "{\n    \"userId\": {{userId}},\n    \"createdAt\": {{createdAt}},\n    \"eventType\": {{eventType}},\n"
      "    \"eventData\": {{eventData}},\n    \"resource\": {{resource}}\n}";
  return t;
}

bool render(const std::string& text, const Poco::JSON::Object::Ptr& vars, bool interpolate, bool headers,
            std::string& out, std::string& why) {
  std::string substituted;
  if (!substitute(text, vars, substituted, why)) return false;
  Poco::JSON::Object::Ptr obj;
  Poco::Dynamic::Var root;
  std::string parse_why;
  if (parse_object(substituted, obj, parse_why)) {
    root = obj;
  } else if (headers) {
    why = "The headers template " + parse_why;
    return false;
  } else {
    // A payload may be any JSON value; parse_object only takes objects.
    try {
      Poco::JSON::Parser parser;
      root = parser.parse(substituted);
    } catch (const std::exception&) {
      why = "The payload template is not valid JSON after its variables are replaced";
      return false;
    }
  }
  if (interpolate && !interpolate_tree(root, vars, why)) return false;
  if (headers) {
    std::vector<std::string> names;
    obj->getNames(names);
    for (const auto& n : names)
      if (!obj->get(n).isString()) {
        why = "The headers template must render to an object of strings; '" + n + "' is not a string";
        return false;
      }
  }
  out = interpolate ? to_json(root) : substituted;
  return true;
}

bool validate(const std::string& text, bool interpolate, bool headers, std::string& why) {
  std::string out;
  return render(text, sample_vars(), interpolate, headers, out, why);
}

}  // namespace sinkhub::fake::tmpl
