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
//   on the delivery's last batch, instead: the earlier batch markers deleted and
//                                sinkhub.done = deliveryId on the tab, the commit marker of
//                                that batch (a replay of a finished delivery writes nothing).
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
};

/// The batchUpdate body for `rows` (each the comma-separated CellData of one row).
std::string batch_update_body(const BatchPlan& plan, const std::vector<std::string>& rows);
/// The row index of the batch's first data row.
std::uint64_t first_data_row(const BatchPlan& plan);

/// Deletes the batch markers 0..seq-1 and sets the done marker (a delivery finished without
/// a final data batch).
std::string cleanup_body(std::int64_t sheet_id, std::string_view delivery_id, std::uint64_t seq);

/// addSheet with a small grid (1 row, 1 column: empty cells count toward the 10M cap).
std::string add_sheet_body(const std::string& title);

struct Lookup {
  std::string key, value;
};
std::string search_body(const std::vector<Lookup>& lookups);

}  // namespace sinkhub_gsheets
