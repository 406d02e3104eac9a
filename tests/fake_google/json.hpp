// Small JSON helpers over Poco::JSON shared by the fake Google: insertion-ordered objects
// (Google's answers keep a stable field order), strict parsing and the two renderings Google
// uses (two-space indented by default, compact with prettyPrint=false).
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace sinkhub::fake::google::json {

using Obj = Poco::JSON::Object::Ptr;
using Arr = Poco::JSON::Array::Ptr;
using Var = Poco::Dynamic::Var;

Obj object();  // keeps insertion order
Arr array();

// Parses a document; throws ParseError (with Poco's reason) when it is not JSON.
struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
Var parse(const std::string& text);

std::string compact(const Var& v);
// Google's default rendering: two-space indentation and a trailing newline.
std::string pretty(const Var& v);

// Typed views; absent or null members give the fallback.
bool is_object(const Var& v);
bool is_array(const Var& v);
Obj as_object(const Var& v);  // null Ptr when v is not an object
Arr as_array(const Var& v);
bool has(const Obj& o, const std::string& key);  // present and not null
std::string str(const Obj& o, const std::string& key, const std::string& fallback = {});
std::int64_t integer(const Obj& o, const std::string& key, std::int64_t fallback = 0);
double number(const Obj& o, const std::string& key, double fallback = 0);
bool boolean(const Obj& o, const std::string& key, bool fallback = false);
Obj child(const Obj& o, const std::string& key);  // null Ptr when absent
Arr list(const Obj& o, const std::string& key);   // null Ptr when absent

// A deep copy (Poco's Ptr copies share the tree).
Var clone(const Var& v);

}  // namespace sinkhub::fake::google::json
