// DataFilter matching for developer metadata (developerMetadata.search and the
// create/update/deleteDeveloperMetadata requests): a DeveloperMetadataLookup matches entries
// whose every specified field matches (metadataLocation by EXACT_LOCATION or, by default,
// INTERSECTING_LOCATION); an a1Range/gridRange matches entries whose location intersects it.
// PROJECT-visible entries of another project never match.
#pragma once

#include <string>
#include <vector>

#include "json.hpp"
#include "model.hpp"

namespace sinkhub::fake::google {

// Throws RequestError for a filter Google refuses ("dataFilter.filter must be specified.").
std::vector<const Metadata*> select_metadata(const Spreadsheet& ss, const json::Obj& data_filter,
                                             const std::string& project);

// Validates a DeveloperMetadataLocation for create/update and fills the metadata's location.
void set_location(const Spreadsheet& ss, const json::Obj& location, Metadata& m);

}  // namespace sinkhub::fake::google
