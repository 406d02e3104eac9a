// Parsing what Apify posts: the default payload template or the compact one, into one Event.
#pragma once

#include <string>

#include "model/event.hpp"

namespace sinkhub::webhook {

struct EnvelopeError {
  std::string field;    // JSON path of the offending field, e.g. "resource.defaultDatasetId"
  std::string message;  // safe to return to the caller
};

// Parses the default Apify payload ({userId, createdAt, eventType, eventData, resource})
// or the compact template ({runId, datasetId, status} + optional actorId, eventType,
// finishedAt). Returns false and fills err on malformed JSON, a non-object, or a missing
// or mistyped required field.
bool parse_envelope(const std::string& body, model::Event& out, EnvelopeError& err);

}  // namespace sinkhub::webhook
