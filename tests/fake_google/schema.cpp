#include "schema.hpp"

#include <cctype>
#include <cmath>
#include <limits>
#include <map>

namespace sinkhub::fake::google::schema {

namespace {

Field make(const std::string& json, Kind kind, const std::string& ref = {}, bool repeated = false) {
  return Field{json, snake_case(json), kind, ref, repeated, {}};
}
Field msg(const std::string& n, const std::string& ref) { return make(n, Kind::Message, ref); }
Field rep(const std::string& n, const std::string& ref) { return make(n, Kind::Message, ref, true); }
Field i32(const std::string& n) { return make(n, Kind::Int32); }
Field str(const std::string& n) { return make(n, Kind::String); }
Field strs(const std::string& n) { return make(n, Kind::String, {}, true); }
Field boo(const std::string& n) { return make(n, Kind::Bool); }
Field dbl(const std::string& n) { return make(n, Kind::Double); }
Field en(const std::string& n, const std::string& e) { return make(n, Kind::Enum, e); }
Field mask(const std::string& n) { return make(n, Kind::FieldMask); }
Field any(const std::string& n) { return make(n, Kind::Opaque); }
Field anys(const std::string& n) { return make(n, Kind::Opaque, {}, true); }
Field in(std::string group, Field f) {
  f.oneof = std::move(group);
  return f;
}

// Every kind of batchUpdate request Sheets v4 defines; those the fake implements are typed.
const std::vector<std::string>& request_kinds() {
  static const std::vector<std::string> kinds = {
      "updateSpreadsheetProperties", "updateSheetProperties", "updateDimensionProperties", "updateNamedRange",
      "repeatCell", "addNamedRange", "deleteNamedRange", "addSheet", "deleteSheet", "autoFill", "cutPaste",
      "copyPaste", "mergeCells", "unmergeCells", "updateBorders", "updateCells", "addFilterView", "appendCells",
      "clearBasicFilter", "deleteDimension", "deleteEmbeddedObject", "deleteFilterView", "duplicateFilterView",
      "duplicateSheet", "findReplace", "insertDimension", "insertRange", "moveDimension",
      "updateEmbeddedObjectPosition", "pasteData", "textToColumns", "updateFilterView", "deleteRange",
      "appendDimension", "addConditionalFormatRule", "updateConditionalFormatRule", "deleteConditionalFormatRule",
      "sortRange", "setDataValidation", "setBasicFilter", "addProtectedRange", "updateProtectedRange",
      "deleteProtectedRange", "autoResizeDimensions", "addChart", "updateChartSpec", "updateBanding", "addBanding",
      "deleteBanding", "createDeveloperMetadata", "updateDeveloperMetadata", "deleteDeveloperMetadata",
      "randomizeRange", "addDimensionGroup", "deleteDimensionGroup", "updateDimensionGroup", "trimWhitespace",
      "deleteDuplicates", "updateEmbeddedObjectBorder", "addSlicer", "updateSlicerSpec", "addDataSource",
      "updateDataSource", "deleteDataSource", "refreshDataSource", "cancelDataSourceRefresh", "addTable",
      "updateTable", "deleteTable"};
  return kinds;
}

const std::vector<std::string>& reply_kinds() {
  static const std::vector<std::string> kinds = {
      "addNamedRange", "addSheet", "addFilterView", "duplicateFilterView", "duplicateSheet", "findReplace",
      "updateEmbeddedObjectPosition", "addChart", "updateConditionalFormatRule", "deleteConditionalFormatRule",
      "addProtectedRange", "addBanding", "createDeveloperMetadata", "updateDeveloperMetadata",
      "deleteDeveloperMetadata", "addDimensionGroup", "deleteDimensionGroup", "trimWhitespace", "deleteDuplicates",
      "addSlicer", "addDataSource", "updateDataSource", "refreshDataSource", "cancelDataSourceRefresh", "addTable"};
  return kinds;
}

Message oneof_of(const std::string& name, const std::vector<std::string>& kinds,
                 const std::map<std::string, std::string>& typed) {
  Message m{name, {}};
  for (const auto& k : kinds) {
    const auto t = typed.find(k);
    m.fields.push_back(in("kind", t == typed.end() ? any(k) : msg(k, t->second)));
  }
  return m;
}

std::vector<Message> request_messages() {
  return {
      {"BatchUpdateSpreadsheetRequest",
       {rep("requests", "Request"), boo("includeSpreadsheetInResponse"), strs("responseRanges"),
        boo("responseIncludeGridData")}},
      oneof_of("Request", request_kinds(),
               {{"addSheet", "AddSheetRequest"}, {"deleteSheet", "DeleteSheetRequest"},
                {"updateSheetProperties", "UpdateSheetPropertiesRequest"}, {"duplicateSheet", "DuplicateSheetRequest"},
                {"insertDimension", "InsertDimensionRequest"}, {"appendDimension", "AppendDimensionRequest"},
                {"deleteDimension", "DeleteDimensionRequest"},
                {"updateDimensionProperties", "UpdateDimensionPropertiesRequest"},
                {"updateCells", "UpdateCellsRequest"}, {"appendCells", "AppendCellsRequest"},
                {"copyPaste", "CopyPasteRequest"}, {"createDeveloperMetadata", "CreateDeveloperMetadataRequest"},
                {"updateDeveloperMetadata", "UpdateDeveloperMetadataRequest"},
                {"deleteDeveloperMetadata", "DeleteDeveloperMetadataRequest"},
                {"updateSpreadsheetProperties", "UpdateSpreadsheetPropertiesRequest"}}),
      {"AddSheetRequest", {msg("properties", "SheetProperties")}},
      {"DeleteSheetRequest", {i32("sheetId")}},
      {"UpdateSheetPropertiesRequest", {msg("properties", "SheetProperties"), mask("fields")}},
      {"UpdateSpreadsheetPropertiesRequest", {msg("properties", "SpreadsheetProperties"), mask("fields")}},
      {"DuplicateSheetRequest", {i32("sourceSheetId"), i32("insertSheetIndex"), i32("newSheetId"), str("newSheetName")}},
      {"InsertDimensionRequest", {msg("range", "DimensionRange"), boo("inheritFromBefore")}},
      {"AppendDimensionRequest", {i32("sheetId"), en("dimension", "Dimension"), i32("length")}},
      {"DeleteDimensionRequest", {msg("range", "DimensionRange")}},
      {"UpdateDimensionPropertiesRequest",
       {in("dimensionRange", msg("range", "DimensionRange")), in("dimensionRange", any("dataSourceSheetRange")),
        msg("properties", "DimensionProperties"), mask("fields")}},
      {"UpdateCellsRequest",
       {in("area", msg("start", "GridCoordinate")), in("area", msg("range", "GridRange")), rep("rows", "RowData"),
        mask("fields")}},
      {"AppendCellsRequest", {i32("sheetId"), rep("rows", "RowData"), mask("fields"), str("tableId")}},
      {"CopyPasteRequest",
       {msg("source", "GridRange"), msg("destination", "GridRange"), en("pasteType", "PasteType"),
        en("pasteOrientation", "PasteOrientation")}},
      {"CreateDeveloperMetadataRequest", {msg("developerMetadata", "DeveloperMetadata")}},
      {"UpdateDeveloperMetadataRequest",
       {rep("dataFilters", "DataFilter"), msg("developerMetadata", "DeveloperMetadata"), mask("fields")}},
      {"DeleteDeveloperMetadataRequest", {msg("dataFilter", "DataFilter")}},
      {"SearchDeveloperMetadataRequest", {rep("dataFilters", "DataFilter")}},
      {"SheetProperties",
       {i32("sheetId"), str("title"), i32("index"), en("sheetType", "SheetType"), msg("gridProperties", "GridProperties"),
        boo("hidden"), any("tabColor"), any("tabColorStyle"), boo("rightToLeft"), any("dataSourceSheetProperties")}},
      {"GridProperties",
       {i32("rowCount"), i32("columnCount"), i32("frozenRowCount"), i32("frozenColumnCount"), boo("hideGridlines"),
        boo("rowGroupControlAfter"), boo("columnGroupControlAfter")}},
      {"SpreadsheetProperties",
       {str("title"), str("locale"), any("autoRecalc"), str("timeZone"), any("defaultFormat"),
        any("iterativeCalculationSettings"), any("spreadsheetTheme"), boo("importFunctionsExternalUrlAccessAllowed")}},
      {"DimensionRange", {i32("sheetId"), en("dimension", "Dimension"), i32("startIndex"), i32("endIndex")}},
      {"DimensionProperties",
       {boo("hiddenByFilter"), boo("hiddenByUser"), i32("pixelSize"), rep("developerMetadata", "DeveloperMetadata"),
        any("dataSourceColumnReference")}},
      {"GridCoordinate", {i32("sheetId"), i32("rowIndex"), i32("columnIndex")}},
      {"GridRange", {i32("sheetId"), i32("startRowIndex"), i32("endRowIndex"), i32("startColumnIndex"), i32("endColumnIndex")}},
      {"RowData", {rep("values", "CellData")}},
      {"CellData",
       {msg("userEnteredValue", "ExtendedValue"), msg("effectiveValue", "ExtendedValue"), str("formattedValue"),
        any("userEnteredFormat"), any("effectiveFormat"), str("hyperlink"), str("note"), anys("textFormatRuns"),
        any("dataValidation"), any("pivotTable"), any("dataSourceTable"), any("dataSourceFormula"), anys("chipRuns")}},
      {"ExtendedValue",
       {in("value", dbl("numberValue")), in("value", str("stringValue")), in("value", boo("boolValue")),
        in("value", str("formulaValue")), in("value", any("errorValue"))}},
      {"DeveloperMetadata",
       {i32("metadataId"), str("metadataKey"), str("metadataValue"), msg("location", "DeveloperMetadataLocation"),
        en("visibility", "DeveloperMetadataVisibility")}},
      {"DeveloperMetadataLocation",
       {en("locationType", "DeveloperMetadataLocationType"), in("location", boo("spreadsheet")),
        in("location", i32("sheetId")), in("location", msg("dimensionRange", "DimensionRange"))}},
      {"DataFilter",
       {in("filter", msg("developerMetadataLookup", "DeveloperMetadataLookup")), in("filter", str("a1Range")),
        in("filter", msg("gridRange", "GridRange"))}},
      {"DeveloperMetadataLookup",
       {en("locationType", "DeveloperMetadataLocationType"), msg("metadataLocation", "DeveloperMetadataLocation"),
        en("locationMatchingStrategy", "DeveloperMetadataLocationMatchingStrategy"), i32("metadataId"),
        str("metadataKey"), str("metadataValue"), en("visibility", "DeveloperMetadataVisibility")}},
  };
}

// The answers' messages, for checking `fields` masks.
std::vector<Message> response_messages() {
  return {
      {"Spreadsheet",
       {str("spreadsheetId"), msg("properties", "SpreadsheetProperties"), rep("sheets", "Sheet"), anys("namedRanges"),
        str("spreadsheetUrl"), rep("developerMetadata", "DeveloperMetadata"), anys("dataSources"),
        anys("dataSourceSchedules")}},
      {"Sheet",
       {msg("properties", "SheetProperties"), rep("data", "GridData"), anys("merges"), anys("conditionalFormats"),
        anys("filterViews"), anys("protectedRanges"), any("basicFilter"), anys("charts"), anys("bandedRanges"),
        rep("developerMetadata", "DeveloperMetadata"), anys("rowGroups"), anys("columnGroups"), anys("slicers"),
        anys("tables")}},
      {"GridData",
       {i32("startRow"), i32("startColumn"), rep("rowData", "RowData"), rep("rowMetadata", "DimensionProperties"),
        rep("columnMetadata", "DimensionProperties")}},
      {"ValueRange", {str("range"), en("majorDimension", "Dimension"), anys("values")}},
      {"BatchGetValuesResponse", {str("spreadsheetId"), rep("valueRanges", "ValueRange")}},
      {"BatchUpdateSpreadsheetResponse",
       {str("spreadsheetId"), rep("replies", "Response"), msg("updatedSpreadsheet", "Spreadsheet")}},
      oneof_of("Response", reply_kinds(),
               {{"addSheet", "SheetReply"}, {"duplicateSheet", "SheetReply"},
                {"createDeveloperMetadata", "CreateDeveloperMetadataResponse"},
                {"updateDeveloperMetadata", "UpdateDeveloperMetadataResponse"},
                {"deleteDeveloperMetadata", "DeleteDeveloperMetadataResponse"}}),
      {"SheetReply", {msg("properties", "SheetProperties")}},
      {"CreateDeveloperMetadataResponse", {msg("developerMetadata", "DeveloperMetadata")}},
      {"UpdateDeveloperMetadataResponse", {rep("developerMetadata", "DeveloperMetadata")}},
      {"DeleteDeveloperMetadataResponse", {rep("deletedDeveloperMetadata", "DeveloperMetadata")}},
      {"SearchDeveloperMetadataResponse", {rep("matchedDeveloperMetadata", "MatchedDeveloperMetadata")}},
      {"MatchedDeveloperMetadata", {msg("developerMetadata", "DeveloperMetadata"), rep("dataFilters", "DataFilter")}},
  };
}

std::map<std::string, Message> build_messages() {
  std::map<std::string, Message> out;
  for (auto& m : request_messages()) out.emplace(m.name, std::move(m));
  for (auto& m : response_messages()) out.emplace(m.name, std::move(m));
  return out;
}

const std::map<std::string, std::vector<std::string>>& enums() {
  static const std::map<std::string, std::vector<std::string>> e = {
      {"Dimension", {"DIMENSION_UNSPECIFIED", "ROWS", "COLUMNS"}},
      {"SheetType", {"SHEET_TYPE_UNSPECIFIED", "GRID", "OBJECT", "DATA_SOURCE"}},
      {"DeveloperMetadataVisibility", {"DEVELOPER_METADATA_VISIBILITY_UNSPECIFIED", "DOCUMENT", "PROJECT"}},
      {"DeveloperMetadataLocationType",
       {"DEVELOPER_METADATA_LOCATION_TYPE_UNSPECIFIED", "ROW", "COLUMN", "SHEET", "SPREADSHEET"}},
      {"DeveloperMetadataLocationMatchingStrategy",
       {"DEVELOPER_METADATA_LOCATION_MATCHING_STRATEGY_UNSPECIFIED", "EXACT_LOCATION", "INTERSECTING_LOCATION"}},
      {"PasteType",
       {"PASTE_NORMAL", "PASTE_VALUES", "PASTE_FORMAT", "PASTE_NO_BORDERS", "PASTE_FORMULA", "PASTE_DATA_VALIDATION",
        "PASTE_CONDITIONAL_FORMATTING"}},
      {"PasteOrientation", {"NORMAL", "TRANSPOSE"}},
      {"ValueRenderOption", {"FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"}},
      {"DateTimeRenderOption", {"SERIAL_NUMBER", "FORMATTED_STRING"}},
  };
  return e;
}

std::string show(const json::Var& v) { return json::compact(v); }

std::string at(const std::string& path) { return path.empty() ? std::string() : " at '" + path + "'"; }
std::string join(const std::string& path, const std::string& name) { return path.empty() ? name : path + "." + name; }

void invalid(Violations& out, const std::string& path, const std::string& type, const json::Var& v) {
  out.emplace_back(path, "Invalid value at '" + path + "' (" + type + "), " + show(v));
}

json::Var scalar(const Field& f, const json::Var& v, const std::string& path, Violations& out);
json::Var message_value(const std::string& name, const json::Var& v, const std::string& path, Violations& out);

json::Var int32_value(const json::Var& v, const std::string& path, Violations& out) {
  double d = std::numeric_limits<double>::quiet_NaN();
  if (v.isString()) {
    try {
      std::size_t used = 0;
      const std::string s = v.extract<std::string>();
      d = static_cast<double>(std::stoll(s, &used));
      if (used != s.size()) d = std::numeric_limits<double>::quiet_NaN();
    } catch (const std::exception&) {
    }
  } else if (v.isNumeric()) {
    d = v.convert<double>();
  }
  if (std::isnan(d) || d != std::floor(d) || d < std::numeric_limits<std::int32_t>::min() ||
      d > std::numeric_limits<std::int32_t>::max()) {
    invalid(out, path, "TYPE_INT32", v);
    return {};
  }
  return static_cast<std::int64_t>(d);
}

json::Var enum_value(const std::string& name, const json::Var& v, const std::string& path, Violations& out) {
  const auto& values = enums().at(name);
  if (v.isString()) {
    const std::string s = v.extract<std::string>();
    for (const auto& known : values)
      if (known == s) return s;
  } else if (v.isInteger()) {
    const auto i = v.convert<std::int64_t>();
    if (i >= 0 && i < static_cast<std::int64_t>(values.size())) return values[static_cast<std::size_t>(i)];
  }
  invalid(out, path, type_url(name), v);
  return {};
}

json::Var scalar(const Field& f, const json::Var& v, const std::string& path, Violations& out) {
  switch (f.kind) {
    case Kind::Message: return message_value(f.ref, v, path, out);
    case Kind::Enum: return enum_value(f.ref, v, path, out);
    case Kind::Int32: return int32_value(v, path, out);
    case Kind::Bool:
      if (!v.isBoolean()) invalid(out, path, "TYPE_BOOL", v);
      return v;
    case Kind::String:
    case Kind::FieldMask:
      if (!v.isString()) invalid(out, path, f.kind == Kind::String ? "TYPE_STRING" : "type.googleapis.com/google.protobuf.FieldMask", v);
      return v;
    case Kind::Double:
      if (v.isNumeric()) return v.convert<double>();
      if (v.isString()) {
        try {
          return std::stod(v.extract<std::string>());
        } catch (const std::exception&) {
        }
      }
      invalid(out, path, "TYPE_DOUBLE", v);
      return {};
    case Kind::Opaque: return json::clone(v);
  }
  return v;
}

json::Var field_value(const Field& f, const json::Var& v, const std::string& path, Violations& out) {
  if (!f.repeated) return scalar(f, v, path, out);
  const json::Arr in = json::as_array(v);
  if (!in) {
    invalid(out, path, f.kind == Kind::Message ? type_url(f.ref) : "TYPE_STRING", v);
    return {};
  }
  json::Arr result = json::array();
  for (std::size_t i = 0; i < in->size(); ++i) {
    const json::Var item = in->get(i);
    if (item.isEmpty()) continue;
    result->add(scalar(f, item, path + "[" + std::to_string(i) + "]", out));
  }
  return result;
}

json::Var message_value(const std::string& name, const json::Var& v, const std::string& path, Violations& out) {
  const Message* m = message(name);
  const json::Obj in = json::as_object(v);
  if (!in) {
    invalid(out, path, type_url(name), v);
    return {};
  }
  json::Obj result = json::object();
  std::map<std::string, std::string> oneof_set;
  for (const auto& key : in->getNames()) {
    const json::Var value = in->get(key);
    if (value.isEmpty()) continue;  // null: the field's default
    const Field* f = m ? m->find(key) : nullptr;
    if (!f) {
      out.emplace_back(path, "Invalid JSON payload received. Unknown name \"" + key + "\"" + at(path) + ": Cannot find field.");
      continue;
    }
    if (!f->oneof.empty()) {
      const auto [it, fresh] = oneof_set.emplace(f->oneof, f->json);
      if (!fresh) {
        out.emplace_back(path, "Invalid value at '" + path + "' (oneof), oneof field '" + f->oneof +
                                   "' is already set. Cannot set '" + f->json + "'");
        continue;
      }
    }
    const json::Var normalized = field_value(*f, value, join(path, f->snake), out);
    if (!normalized.isEmpty()) result->set(f->json, normalized);
  }
  return result;
}

}  // namespace

const Field* Message::find(const std::string& key) const {
  for (const auto& f : fields)
    if (f.json == key || f.snake == key) return &f;
  return nullptr;
}

const Message* message(const std::string& name) {
  static const std::map<std::string, Message> all = build_messages();
  const auto it = all.find(name);
  return it == all.end() ? nullptr : &it->second;
}

const std::vector<std::string>* enum_values(const std::string& name) {
  const auto it = enums().find(name);
  return it == enums().end() ? nullptr : &it->second;
}

std::string type_url(const std::string& name) { return "type.googleapis.com/google.apps.sheets.v4." + name; }

std::string snake_case(const std::string& camel) {
  std::string out;
  for (char ch : camel) {
    if (std::isupper(static_cast<unsigned char>(ch))) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    } else {
      out += ch;
    }
  }
  return out;
}

json::Var normalize(const json::Var& value, const std::string& name, Violations& out) {
  return message_value(name, value, "", out);
}

}  // namespace sinkhub::fake::google::schema
