// A sink instance's options: the config tree under sinks.NAME (minus "plugin"), checked
// against the JSON Schema the plugin declares, and turned into the JSON text handed to the
// plugin's create(). Types are checked, not converted: a YAML scalar has its own type (1.2
// core schema: `yes` is text, `12` an integer, "12" text) that must be one the schema allows;
// INI values and ${env:..}/${file:..} results have none and are read as the schema's type.
// Errors keep the config line and name the option's path.
#pragma once

#include <string>
#include <vector>

#include "config/tree.hpp"

namespace sinkhub::plugin {

// The schema is the subset schema.hpp checks (a schema outside it is a plugin bug, reported
// as such). An absent property with a schema `default` gets it, in every object the config
// has (sink.h, sinkhub_create_args.options_json). `where` names the config location, e.g.
// "sinks.archive". On success returns true and sets json; otherwise appends diagnostics.
bool options_to_json(const std::string& schema_json, const config::Node& options, const std::string& where,
                     std::string& json, std::vector<config::Diagnostic>& diags);

}  // namespace sinkhub::plugin
