// spreadsheets.batchUpdate: applies the (schema-normalized) requests in order to a working
// copy of the spreadsheet; the caller swaps the copy in only when every request succeeded,
// which is what makes a batch atomic. A refused request throws RequestError with Google's
// "Invalid requests[i].<kind>: <why>" sentence and nothing is applied.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>

#include "json.hpp"
#include "model.hpp"
#include "ranges.hpp"

namespace sinkhub::fake::google {

struct Limits {
  std::int64_t max_cells = 10'000'000;  // per spreadsheet, rowCount x columnCount over all tabs
  int max_columns = 18278;              // per tab (ZZZ)
  std::size_t max_cell_chars = 50000;   // per cell, counted in UTF-16 code units
  // Developer metadata: the keys and values of every entry at one location (the spreadsheet,
  // a tab, a row, a column) together, in characters (code points).
  std::size_t max_metadata_chars_per_location = 30000;
};

struct BatchContext {
  Spreadsheet& ss;
  const Limits& limits;
  std::string project;  // the caller's project: PROJECT-visible metadata belongs to it
  std::mt19937& rng;
};

// Returns BatchUpdateSpreadsheetResponse.replies.
json::Arr apply_batch(BatchContext& ctx, const json::Arr& requests);

// ---- shared by the request handlers (batch_*.cpp) -----------------------------------------

using RequestHandler = std::function<json::Obj(BatchContext&, const json::Obj&)>;

namespace batch {

json::Obj reply(const std::string& kind, const json::Obj& body);  // {"kind": body}
Sheet& grid(BatchContext& ctx, std::int32_t sheet_id);               // "No grid with id: N"
Sheet& sheet(BatchContext& ctx, std::int32_t sheet_id);              // "No sheet with id: N"
Dimension dimension(const json::Obj& o, const std::string& field);  // ROWS / COLUMNS, else refused
void check_size(BatchContext& ctx, const Sheet& s);                 // cell and column caps
std::int32_t new_sheet_id(BatchContext& ctx);
std::int32_t new_metadata_id(BatchContext& ctx);
std::size_t utf16_length(const std::string& utf8);
// The CellData fields a mask names, for updateCells/appendCells ("*" = all the fake keeps).
struct CellFields {
  bool value = false, format = false, note = false;
  std::vector<std::string> format_paths;  // under userEnteredFormat; empty = the whole format
};
CellFields cell_fields(const std::string& mask);
// Writes one CellData onto a cell for the selected fields (absent fields clear them).
void write_cell(BatchContext& ctx, Cell& cell, const json::Obj& data, const CellFields& f);

json::Obj add_sheet(BatchContext& ctx, const json::Obj& r);
json::Obj delete_sheet(BatchContext& ctx, const json::Obj& r);
json::Obj update_sheet_properties(BatchContext& ctx, const json::Obj& r);
json::Obj duplicate_sheet(BatchContext& ctx, const json::Obj& r);
json::Obj update_spreadsheet_properties(BatchContext& ctx, const json::Obj& r);
json::Obj insert_dimension(BatchContext& ctx, const json::Obj& r);
json::Obj append_dimension(BatchContext& ctx, const json::Obj& r);
json::Obj delete_dimension(BatchContext& ctx, const json::Obj& r);
json::Obj update_dimension_properties(BatchContext& ctx, const json::Obj& r);
json::Obj update_cells(BatchContext& ctx, const json::Obj& r);
json::Obj append_cells(BatchContext& ctx, const json::Obj& r);
json::Obj copy_paste(BatchContext& ctx, const json::Obj& r);
json::Obj create_developer_metadata(BatchContext& ctx, const json::Obj& r);
json::Obj update_developer_metadata(BatchContext& ctx, const json::Obj& r);
json::Obj delete_developer_metadata(BatchContext& ctx, const json::Obj& r);

}  // namespace batch
}  // namespace sinkhub::fake::google
