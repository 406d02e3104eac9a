// The JSON Schema subset the host understands in a plugin's options_schema_json (sink.h), in
// one place: the registry refuses a schema that uses anything else when it loads the plugin,
// and options.cpp checks sink options against what remains. Ignoring a keyword would let
// options through that the plugin's author meant to refuse, so nothing is ignored.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

namespace sinkhub::plugin::schema {

// Checked: type (a name or a list of names out of object, string, integer, number, boolean,
// array), properties, required, additionalProperties (true or false), items (one schema),
// enum, minimum, maximum, minLength, maxLength, minItems, maxItems (lengths in bytes).
// Accepted as documentation: description, default, title, examples, $comment, $schema.
extern const char* const kChecked;
extern const char* const kAnnotations;

// Why `json` is not a schema in the subset ("option 'url': unsupported keyword 'pattern'
// (...)"), or "" when it is. Also refuses malformed keyword values, a top level that is not
// {"type": "object", ...}, `required` names that are not properties, and a `default` or
// `enum` value that its own schema would refuse.
std::string check(const std::string& json);

// The schema's type names ("type": "x" or ["x", "y"]); empty = any type.
std::vector<std::string> types_of(const Poco::JSON::Object::Ptr& schema);
// Whether a JSON value has one of `types` (an integral number is also a "number").
bool has_type(const Poco::Dynamic::Var& v, const std::vector<std::string>& types);
// "an integer", "a string or an integer": for messages.
std::string describe(const std::vector<std::string>& types);

// What one value breaks of enum, minimum, maximum, minLength, maxLength, minItems and
// maxItems, each as the end of a sentence that starts with the option's path
// (" must be at most 50"). `echo`: may the value appear in the message (never for secrets).
std::vector<std::string> violations(const Poco::Dynamic::Var& v, const Poco::JSON::Object::Ptr& schema, bool echo);

}  // namespace sinkhub::plugin::schema
