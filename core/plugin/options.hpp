// A sink instance's options: the config tree under sinks.NAME (minus "plugin"), checked
// against the JSON Schema the plugin declares, and turned into the JSON text handed to the
// plugin's create(). Config scalars arrive as text (YAML and INI alike), so the schema's
// types decide what each becomes; errors keep the config line.
#pragma once

#include <string>
#include <vector>

#include "config/tree.hpp"

namespace sinkhub::plugin {

// Supported schema keywords (a JSON Schema 2020-12 subset): type (string, integer, number,
// boolean, array, object), properties, required, additionalProperties (bool), items, enum,
// minimum, maximum, minLength, maxLength, minItems, maxItems. Unknown keywords (default,
// description, ...) are ignored: defaults are the plugin's to apply (see sink.h). `where` names the config location, e.g. "sinks.archive".
// On success returns true and sets json; otherwise appends diagnostics.
bool options_to_json(const std::string& schema_json, const config::Node& options, const std::string& where,
                     std::string& json, std::vector<config::Diagnostic>& diags);

}  // namespace sinkhub::plugin
