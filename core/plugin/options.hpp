// A sink instance's options: the config tree under sinks.NAME (minus "plugin"), checked
// against the JSON Schema the plugin declares, and turned into the JSON text handed to the
// plugin's create(). Config scalars arrive as text (YAML and INI alike), so the schema's
// types decide what each becomes; errors keep the config line.
#pragma once

#include <string>
#include <vector>

#include "config/tree.hpp"

namespace sinkhub::plugin {

// Checked schema keywords (a JSON Schema 2020-12 subset): type (string, integer, number,
// boolean, array, object), properties, required, additionalProperties (bool), items, enum,
// minimum, maximum, minLength, maxLength, minItems, maxItems. description and default are
// documentation: defaults are not filled in (the rule is stated once, in sink.h at
// sinkhub_create_args.options_json). Other keywords are ignored. `where` names the config
// location, e.g. "sinks.archive".
// On success returns true and sets json; otherwise appends diagnostics.
bool options_to_json(const std::string& schema_json, const config::Node& options, const std::string& where,
                     std::string& json, std::vector<config::Diagnostic>& diags);

}  // namespace sinkhub::plugin
