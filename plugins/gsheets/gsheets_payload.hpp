// The bodies the sink sends: one spreadsheets.batchUpdate per batch, applied atomically by
// Google, so a batch is either wholly there or not at all:
//   appendDimension COLUMNS      when new columns do not fit the grid
//   insertDimension ROWS k..k+n  after the last committed row: never overwrites anyone's cells
//                                (rows below move down); inheritFromBefore only when k is the
//                                end of the grid (Google refuses false there)
//   updateCells (header)         row 0, the new column names only
//   updateCells (data)           typed values (cells.hpp), never USER_ENTERED
//   delete + create sinkhub.tail the tab's last sinkhub row, where the next delivery starts
//   createDeveloperMetadata      sinkhub.batch = "<deliveryId>:<seq>" on the batch's last row:
//                                the commit marker an ambiguous outcome is resolved with
//   createDeveloperMetadata      sinkhub.intent.<deliveryId>.<seq> on the same row: the intent
//                                (gsheets_state.hpp), so that a daemon without the intent
//                                file resolves the batch; the previous batch's is deleted
//   on the delivery's last batch, instead: the earlier batch markers (and the last intent) deleted and
//                                sinkhub.done = deliveryId on the same row, the commit marker of
//                                that batch (a replay of a finished delivery writes nothing);
//                                never on the tab, whose metadata Google caps at 30,000 characters
// In `upsert` mode the same batch also rewrites rows in place (updateCells at their rows, only
// the cells the items carry); with no new rows the markers go on the last row of the table.
// `replace` adds two bodies: the staging tab's creation (hidden, with a sinkhub.staging tag,
// stale staging tabs deleted) and the swap (gsheets_replace.cpp).
// Plus the developerMetadata:search body that finds markers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sinkhub_gsheets {

constexpr const char* kBatchKey = "sinkhub.batch";
constexpr const char* kTailKey = "sinkhub.tail";
constexpr const char* kDoneKey = "sinkhub.done";
constexpr const char* kStagingKey = "sinkhub.staging";

/// Cells rewritten in place: `cells` (comma-separated CellData) from (row, column) rightwards.
struct Update {
  std::uint64_t row = 0;
  std::size_t column = 0;
  std::string cells;
};

struct BatchPlan {
  std::int64_t sheet_id = 0;
  std::uint64_t insert_at = 0;       // k
  bool inherit_from_before = false;
  bool header_row_new = false;       // the tab is empty: insert the header row at 0 first
  std::vector<std::string> header;   // every column name (header row)
  std::size_t header_from = 0;       // first header cell to write
  bool write_header = false;
  std::uint64_t append_columns = 0;  // grid columns to add
  std::string delivery_id;
  std::uint64_t seq = 0;
  bool last = false;                 // the delivery's last batch: clean up its markers
  std::string info;                  // sheet_info() of the batch's intent (not on the last batch)
  std::vector<Update> updates;       // upsert: rows above insert_at rewritten in place
};

/// The batchUpdate body for `rows` (each the comma-separated CellData of one row), inserted at
/// plan.insert_at, plus plan.updates. The markers go on the last inserted row, or on the row
/// above insert_at when nothing is inserted.
std::string batch_update_body(const BatchPlan& plan, const std::vector<std::string>& rows);
/// The row index of the batch's first data row.
std::uint64_t first_data_row(const BatchPlan& plan);
/// The header row's cells (a placeholder name for an empty header cell stays empty).
std::string header_cells(const std::vector<std::string>& names, std::size_t from);

/// A delivery finished without a final data batch (seq > 0): deletes the batch markers 0..seq-2 and the intent of
/// seq-1, and turns the marker of batch seq-1 into the done marker, on its row.
std::string cleanup_body(std::string_view delivery_id, std::uint64_t seq);

/// addSheet with a small grid (1 row, 1 column: empty cells count toward the 10M cap).
std::string add_sheet_body(const std::string& title);

/// Replace's first request: deletes `stale` tabs, then adds the hidden staging tab (sheetId
/// chosen, 1 x 1) tagged sinkhub.staging = `tag`.
std::string staging_body(const std::vector<std::int64_t>& stale, std::int64_t staging_id, const std::string& title,
                         const std::string& tag);

/// Replace's swap: the target keeps its sheetId and gets the staging grid's values.
struct SwapPlan {
  std::int64_t target_id = 0, staging_id = -1;  // -1: no staging tab
  std::uint64_t rows = 0, cols = 0;             // the staged table (rows include the header)
  std::vector<std::string> header;              // written when nothing was staged (an empty run)
  std::string delivery_id;
};
std::string swap_body(const SwapPlan& plan);

struct Lookup {
  std::string key, value;  // value "" = any value
};
std::string search_body(const std::vector<Lookup>& lookups);

}  // namespace sinkhub_gsheets
