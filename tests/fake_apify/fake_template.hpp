// Apify's webhook template engine as the fake needs it (payloadTemplate and headersTemplate;
// ../shared/docs/apify-platform.md §2, after apify-shared-js webhook_payload_template.ts):
//
// - Without interpolation, a bare {{path}} outside a JSON string becomes JSON of the value; a
//   falsy value (0, false, "", missing) becomes null; {{...}} inside a string stays literal.
// - With interpolation (shouldInterpolateStrings) a string that is exactly "{{path}}" becomes
//   the typed value, and {{path}} inside other strings becomes the value's text.
// - The first path segment must be an allowed variable (userId, createdAt, eventType,
//   eventData, resource, globals); the result must be valid JSON, and a headers template must
//   render to an object of strings.
#pragma once

#include <Poco/JSON/Object.h>

#include <string>

namespace sinkhub::fake::tmpl {

// Apify's WEBHOOK_DEFAULT_PAYLOAD_TEMPLATE, character for character.
const std::string& default_payload_template();

// Renders `text` with `vars`; false and `why` when a variable is unknown or the result is not
// valid JSON (or, for headers, not an object of strings).
bool render(const std::string& text, const Poco::JSON::Object::Ptr& vars, bool interpolate, bool headers,
            std::string& out, std::string& why);

// What create/update check: render() with sample variables.
bool validate(const std::string& text, bool interpolate, bool headers, std::string& why);

}  // namespace sinkhub::fake::tmpl
