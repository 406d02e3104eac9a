#include "data_filter.hpp"

#include <algorithm>

#include "ranges.hpp"
#include "render.hpp"

namespace sinkhub::fake::google {

namespace {

// A location as a region of the spreadsheet; whole = the spreadsheet itself.
struct Region {
  bool whole = false;
  std::int32_t sheet = 0;
  int r0 = 0, r1 = 0, c0 = 0, c1 = 0;
};

Region region_of(const Spreadsheet& ss, const Metadata& m) {
  Region r;
  if (m.type == LocationType::Spreadsheet) {
    r.whole = true;
    return r;
  }
  const Sheet* s = ss.sheet_by_id(m.sheet_id);
  r.sheet = m.sheet_id;
  r.r1 = s ? s->props.row_count : 0;
  r.c1 = s ? s->props.column_count : 0;
  if (m.type == LocationType::Row) r = {false, m.sheet_id, m.index, m.index + 1, 0, r.c1};
  if (m.type == LocationType::Column) r = {false, m.sheet_id, 0, r.r1, m.index, m.index + 1};
  return r;
}

bool intersects(const Region& a, const Region& b) {
  if (a.whole || b.whole) return true;
  return a.sheet == b.sheet && a.r0 < b.r1 && b.r0 < a.r1 && a.c0 < b.c1 && b.c0 < a.c1;
}

// A DeveloperMetadataLocation as a metadata entry (for EXACT) and as a region.
Metadata location_as_metadata(const Spreadsheet& ss, const json::Obj& loc, Region& region) {
  Metadata m;
  if (json::boolean(loc, "spreadsheet")) {
    m.type = LocationType::Spreadsheet;
  } else if (json::has(loc, "sheetId")) {
    m.type = LocationType::Sheet;
    m.sheet_id = static_cast<std::int32_t>(json::integer(loc, "sheetId"));
  } else if (const auto range = json::child(loc, "dimensionRange")) {
    m.sheet_id = static_cast<std::int32_t>(json::integer(range, "sheetId"));
    const Sheet* s = ss.sheet_by_id(m.sheet_id);
    if (!s) throw RequestError("No grid with id: " + std::to_string(m.sheet_id));
    const bool rows = json::str(range, "dimension") != "COLUMNS";
    m.type = rows ? LocationType::Row : LocationType::Column;
    m.index = static_cast<int>(json::integer(range, "startIndex"));
    const int end = static_cast<int>(json::integer(range, "endIndex", rows ? s->props.row_count : s->props.column_count));
    region = rows ? Region{false, m.sheet_id, m.index, end, 0, s->props.column_count}
                  : Region{false, m.sheet_id, 0, s->props.row_count, m.index, end};
    if (end != m.index + 1) m.index = -1;  // spans several: matches no single location exactly
    return m;
  } else {
    throw RequestError("metadataLocation.location must be specified.");
  }
  region = region_of(ss, m);
  return m;
}

bool same_location(const Metadata& a, const Metadata& b) {
  if (a.type != b.type) return false;
  if (a.type == LocationType::Spreadsheet) return true;
  return a.sheet_id == b.sheet_id && (a.type == LocationType::Sheet || a.index == b.index);
}

bool lookup_matches(const Spreadsheet& ss, const Metadata& m, const json::Obj& lookup) {
  if (json::has(lookup, "metadataId") && json::integer(lookup, "metadataId") != m.id) return false;
  if (json::has(lookup, "metadataKey") && json::str(lookup, "metadataKey") != m.key) return false;
  if (json::has(lookup, "metadataValue") && json::str(lookup, "metadataValue") != m.value) return false;
  const std::string vis = json::str(lookup, "visibility");
  if (vis == "DOCUMENT" && m.visibility != Visibility::Document) return false;
  if (vis == "PROJECT" && m.visibility != Visibility::Project) return false;
  const std::string type = json::str(lookup, "locationType");
  if (!type.empty() && type.find("UNSPECIFIED") == std::string::npos && type != render::location_type(m.type)) return false;
  const auto loc = json::child(lookup, "metadataLocation");
  const std::string strategy = json::str(lookup, "locationMatchingStrategy");
  if (!loc) {
    if (!strategy.empty() && strategy.find("UNSPECIFIED") == std::string::npos)
      throw RequestError("locationMatchingStrategy must be specified with a metadataLocation.");
    return true;
  }
  Region wanted;
  const Metadata at = location_as_metadata(ss, loc, wanted);
  if (strategy == "EXACT_LOCATION") return same_location(at, m);
  return intersects(wanted, region_of(ss, m));
}

}  // namespace

std::vector<const Metadata*> select_metadata(const Spreadsheet& ss, const json::Obj& f, const std::string& project) {
  std::vector<const Metadata*> out;
  const auto lookup = json::child(f, "developerMetadataLookup");
  Region region;
  if (!lookup) {
    if (json::has(f, "a1Range")) {
      const Resolved r = resolve_a1(ss, json::str(f, "a1Range"));
      region = {false, r.sheet->props.sheet_id, r.window.start_row, r.window.end_row, r.window.start_col, r.window.end_col};
    } else if (const auto g = json::child(f, "gridRange")) {
      const Resolved r = resolve_grid_range(ss, g);
      region = {false, r.sheet->props.sheet_id, r.window.start_row, r.window.end_row, r.window.start_col, r.window.end_col};
    } else {
      throw RequestError("dataFilter.filter must be specified.");
    }
  }
  for (const auto& [id, m] : ss.metadata) {
    if (!render::visible(m, project)) continue;
    const bool hit = lookup ? lookup_matches(ss, m, lookup) : intersects(region, region_of(ss, m));
    if (hit) out.push_back(&m);
  }
  return out;
}

void set_location(const Spreadsheet& ss, const json::Obj& loc, Metadata& m) {
  if (!loc) throw RequestError("Developer metadata must have a location.");
  if (json::has(loc, "spreadsheet")) {
    if (!json::boolean(loc, "spreadsheet")) throw RequestError("location.spreadsheet must be true when specified.");
    m.type = LocationType::Spreadsheet;
    m.sheet_id = 0;
    m.index = 0;
    return;
  }
  if (json::has(loc, "sheetId")) {
    m.sheet_id = static_cast<std::int32_t>(json::integer(loc, "sheetId"));
    if (!ss.sheet_by_id(m.sheet_id)) throw RequestError("No sheet with id: " + std::to_string(m.sheet_id));
    m.type = LocationType::Sheet;
    m.index = 0;
    return;
  }
  const auto range = json::child(loc, "dimensionRange");
  if (!range) throw RequestError("Developer metadata must have a location.");
  const auto sheet_id = static_cast<std::int32_t>(json::integer(range, "sheetId"));
  const Sheet* s = ss.sheet_by_id(sheet_id);
  if (!s) throw RequestError("No grid with id: " + std::to_string(sheet_id));
  const std::string dim = json::str(range, "dimension");
  if (dim != "ROWS" && dim != "COLUMNS") throw RequestError("location.dimensionRange.dimension must be ROWS or COLUMNS.");
  const bool rows = dim == "ROWS";
  if (!json::has(range, "startIndex") || !json::has(range, "endIndex") ||
      json::integer(range, "endIndex") != json::integer(range, "startIndex") + 1)
    throw RequestError("The specified DimensionRange must represent a single row or column; it cannot be unbounded "
                       "or span multiple rows or columns.");
  const int index = static_cast<int>(json::integer(range, "startIndex"));
  if (index < 0 || index >= (rows ? s->props.row_count : s->props.column_count))
    throw RequestError(rows ? exceeds_grid(*s, index, 0, index + 1, 1) : exceeds_grid(*s, 0, index, 1, index + 1));
  m.type = rows ? LocationType::Row : LocationType::Column;
  m.sheet_id = sheet_id;
  m.index = index;
}

}  // namespace sinkhub::fake::google
