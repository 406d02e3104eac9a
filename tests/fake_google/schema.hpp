// The part of the Sheets v4 proto schema the fake serves, used to read request bodies the way
// Google's proto-JSON layer does: an unknown field, a wrong type, a bad enum name or two
// members of one oneof make the request fail with Google's "Invalid JSON payload received…" /
// "Invalid value at '…'" sentences instead of being silently ignored (a typo such as
// "inheritFromBefor" must fail in tests as it fails against Google). Field names are accepted
// in lowerCamelCase or snake_case, like Google's parser; paths in messages are snake_case.
//
// Messages the fake does not implement are "opaque": any JSON is accepted there and the
// request kind is then refused by the batchUpdate dispatcher with a clear fake-side message.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "json.hpp"

namespace sinkhub::fake::google::schema {

enum class Kind { Message, Enum, Int32, Bool, String, Double, FieldMask, Opaque };

struct Field {
  std::string json;   // lowerCamelCase
  std::string snake;  // proto name
  Kind kind = Kind::Opaque;
  std::string ref;    // message or enum name
  bool repeated = false;
  std::string oneof;  // "" when not in a oneof
};

struct Message {
  std::string name;
  std::vector<Field> fields;
  const Field* find(const std::string& key) const;  // by json or proto name
};

const Message* message(const std::string& name);
const std::vector<std::string>* enum_values(const std::string& name);
std::string type_url(const std::string& name);
std::string snake_case(const std::string& camel);

using Violations = std::vector<std::pair<std::string, std::string>>;  // field path, sentence

// Reads `value` as message `name`: returns a normalized copy (camelCase keys, nulls dropped,
// int32 as integers, enums as names) and appends Google's sentence for each problem.
json::Var normalize(const json::Var& value, const std::string& name, Violations& out);

}  // namespace sinkhub::fake::google::schema
