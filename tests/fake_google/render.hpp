// The model as Sheets v4 JSON: SheetProperties, DeveloperMetadata, CellData/GridData, the
// Spreadsheet resource, and cell values as values.get renders them.
#pragma once

#include <string>

#include "json.hpp"
#include "model.hpp"

namespace sinkhub::fake::google::render {

enum class ValueRender { Formatted, Unformatted, Formula };

const char* location_type(LocationType t);  // "ROW", "SHEET", ...
json::Obj sheet_properties(const SheetProps& p);
json::Obj metadata(const Metadata& m);
json::Obj extended_value(const Value& v);  // null Ptr for an empty value
std::string formatted(const Value& v);      // Sheets' default ("automatic") number format, approximated
// One cell for values.get; an empty Var for an empty cell.
json::Var cell_value(const Cell* c, ValueRender how);
json::Obj cell_data(const Cell* c);  // CellData

// PROJECT-visible metadata shows only to the project that created it.
bool visible(const Metadata& m, const std::string& project);

struct GridWindow {
  int start_row = 0, start_col = 0, end_row = 0, end_col = 0;  // half-open, inside the grid
};
json::Obj grid_data(const Spreadsheet& ss, const Sheet& s, const GridWindow& w, const std::string& project);

// The Spreadsheet resource; grid data for `windows` of each sheet when include_grid.
struct GridRequest {
  std::int32_t sheet_id;
  GridWindow window;
};
json::Obj spreadsheet(const Spreadsheet& ss, const std::string& project, bool include_grid,
                      const std::vector<GridRequest>* ranges);

}  // namespace sinkhub::fake::google::render
