#include "json.hpp"

#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

namespace sinkhub::fake::google::json {

Obj object() { return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER); }
Arr array() { return new Poco::JSON::Array(Poco::JSON_PRESERVE_KEY_ORDER); }

Var parse(const std::string& text) {
  try {
    Poco::JSON::ParseHandler::Ptr handler = new Poco::JSON::ParseHandler(true);  // keep key order
    Poco::JSON::Parser parser(handler);
    return parser.parse(text);
  } catch (const Poco::Exception& e) {
    throw ParseError(e.message().empty() ? e.displayText() : e.message());
  } catch (const std::exception& e) {
    throw ParseError(e.what());
  }
}

std::string compact(const Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(v, out, 0);
  return out.str();
}

std::string pretty(const Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(v, out, 2);
  out << '\n';
  return out.str();
}

bool is_object(const Var& v) { return !v.isEmpty() && v.type() == typeid(Poco::JSON::Object::Ptr); }
bool is_array(const Var& v) { return !v.isEmpty() && v.type() == typeid(Poco::JSON::Array::Ptr); }

Obj as_object(const Var& v) { return is_object(v) ? v.extract<Obj>() : Obj(); }
Arr as_array(const Var& v) { return is_array(v) ? v.extract<Arr>() : Arr(); }

bool has(const Obj& o, const std::string& key) { return o && o->has(key) && !o->isNull(key); }

std::string str(const Obj& o, const std::string& key, const std::string& fallback) {
  if (!has(o, key)) return fallback;
  const Var v = o->get(key);
  return v.isString() ? v.extract<std::string>() : v.convert<std::string>();
}

std::int64_t integer(const Obj& o, const std::string& key, std::int64_t fallback) {
  if (!has(o, key)) return fallback;
  return o->get(key).convert<std::int64_t>();
}

double number(const Obj& o, const std::string& key, double fallback) {
  if (!has(o, key)) return fallback;
  return o->get(key).convert<double>();
}

bool boolean(const Obj& o, const std::string& key, bool fallback) {
  if (!has(o, key)) return fallback;
  return o->get(key).convert<bool>();
}

Obj child(const Obj& o, const std::string& key) { return has(o, key) ? as_object(o->get(key)) : Obj(); }
Arr list(const Obj& o, const std::string& key) { return has(o, key) ? as_array(o->get(key)) : Arr(); }

Var clone(const Var& v) {
  if (is_object(v)) {
    Obj src = v.extract<Obj>();
    Obj out = object();
    for (const auto& name : src->getNames()) out->set(name, clone(src->get(name)));
    return out;
  }
  if (is_array(v)) {
    Arr src = v.extract<Arr>();
    Arr out = array();
    for (std::size_t i = 0; i < src->size(); ++i) out->add(clone(src->get(i)));
    return out;
  }
  return v;
}

}  // namespace sinkhub::fake::google::json
