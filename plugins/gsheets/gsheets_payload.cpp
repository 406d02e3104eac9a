#include "gsheets_payload.hpp"

#include <sinkhub/json.hpp>

#include <algorithm>

#include "cells.hpp"
#include "gsheets_state.hpp"

namespace sinkhub_gsheets {

namespace json = sinkhub::json;

namespace {

std::string row_range(std::int64_t sheet_id, std::uint64_t row) {
  return "{\"dimensionRange\":{\"sheetId\":" + std::to_string(sheet_id) + ",\"dimension\":\"ROWS\",\"startIndex\":" +
         std::to_string(row) + ",\"endIndex\":" + std::to_string(row + 1) + "}}";
}

std::string create_metadata(const std::string& key, std::string_view value, const std::string& location) {
  return "{\"createDeveloperMetadata\":{\"developerMetadata\":{\"metadataKey\":" + json::quote(key) +
         ",\"metadataValue\":" + json::quote(value) + ",\"location\":" + location +
         ",\"visibility\":\"DOCUMENT\"}}}";
}

std::string delete_metadata(const std::string& key, std::string_view value) {
  return "{\"deleteDeveloperMetadata\":{\"dataFilter\":{\"developerMetadataLookup\":{\"metadataKey\":" +
         json::quote(key) + ",\"metadataValue\":" + json::quote(value) + "}}}}";
}

// Every metadata under `key`, whatever its value.
std::string delete_key(const std::string& key) {
  return "{\"deleteDeveloperMetadata\":{\"dataFilter\":{\"developerMetadataLookup\":{\"metadataKey\":" +
         json::quote(key) + "}}}}";
}

// Every metadata under `key` attached exactly at `location` (not one inside it).
std::string delete_key_at(const std::string& key, const std::string& location) {
  return "{\"deleteDeveloperMetadata\":{\"dataFilter\":{\"developerMetadataLookup\":{\"metadataKey\":" +
         json::quote(key) + ",\"metadataLocation\":" + location +
         ",\"locationMatchingStrategy\":\"EXACT_LOCATION\"}}}}";
}

// The batch markers 0..count-1 of a delivery.
void delete_batch_markers(std::vector<std::string>& req, std::string_view delivery_id, std::uint64_t count) {
  for (std::uint64_t s = 0; s < count; ++s) req.push_back(delete_metadata(kBatchKey, batch_tag(delivery_id, s)));
}

std::string update_cells(std::int64_t sheet_id, std::uint64_t row, std::size_t column, const std::string& rows_json) {
  return "{\"updateCells\":{\"start\":{\"sheetId\":" + std::to_string(sheet_id) + ",\"rowIndex\":" +
         std::to_string(row) + ",\"columnIndex\":" + std::to_string(column) + "},\"rows\":[" + rows_json +
         "],\"fields\":\"userEnteredValue\"}}";
}

std::string sheet_location(std::int64_t sheet_id) { return "{\"sheetId\":" + std::to_string(sheet_id) + "}"; }

// The done marker goes on the delivery's last row, never on the tab: Google caps the metadata
// of one location at 30,000 characters, and one marker per run on the tab filled it after
// ~700 runs (soak run 7), after which every write to the tab was refused.
void finish_markers(std::vector<std::string>& req, std::int64_t sheet_id, std::string_view delivery_id,
                    std::uint64_t seq, std::uint64_t last_row) {
  delete_batch_markers(req, delivery_id, seq);
  if (seq > 0) req.push_back(delete_key(intent_key(delivery_id, seq - 1)));  // each batch deletes the one before
  req.push_back(create_metadata(kDoneKey, delivery_id, row_range(sheet_id, last_row)));
}

std::string requests_body(std::vector<std::string>& req) {
  std::size_t bytes = 16;
  for (const auto& r : req) bytes += r.size() + 1;
  std::string body;
  body.reserve(bytes);
  body = "{\"requests\":[";
  for (std::size_t i = 0; i < req.size(); ++i) {
    if (i) body += ',';
    body += req[i];
  }
  return body + "]}";
}

std::string grid_range(std::int64_t sheet_id, std::uint64_t rows, std::uint64_t cols) {
  return "{\"sheetId\":" + std::to_string(sheet_id) + ",\"startRowIndex\":0,\"endRowIndex\":" + std::to_string(rows) +
         ",\"startColumnIndex\":0,\"endColumnIndex\":" + std::to_string(cols) + "}";
}

}  // namespace

std::uint64_t first_data_row(const BatchPlan& p) { return p.insert_at + (p.header_row_new ? 1 : 0); }

std::string header_cells(const std::vector<std::string>& names, std::size_t from) {
  std::string cells;
  for (std::size_t c = from; c < names.size(); ++c) {
    if (c > from) cells += ',';
    cells += names[c].rfind('\x01', 0) == 0 ? std::string("{}") : text_cell(names[c], nullptr);
  }
  return cells;
}

std::string batch_update_body(const BatchPlan& p, const std::vector<std::string>& rows) {
  const std::string sheet = std::to_string(p.sheet_id);
  const std::uint64_t inserted = rows.size() + (p.header_row_new ? 1 : 0);
  const std::uint64_t last_row = p.insert_at + inserted - 1;  // with nothing inserted: the row above
  std::vector<std::string> req;
  if (p.append_columns > 0)
    req.push_back("{\"appendDimension\":{\"sheetId\":" + sheet + ",\"dimension\":\"COLUMNS\",\"length\":" +
                  std::to_string(p.append_columns) + "}}");
  if (inserted > 0)
    req.push_back("{\"insertDimension\":{\"range\":{\"sheetId\":" + sheet + ",\"dimension\":\"ROWS\",\"startIndex\":" +
                  std::to_string(p.insert_at) + ",\"endIndex\":" + std::to_string(p.insert_at + inserted) +
                  "},\"inheritFromBefore\":" + (p.inherit_from_before ? "true" : "false") + "}}");
  if (p.write_header && p.header_from < p.header.size())
    req.push_back(update_cells(p.sheet_id, 0, p.header_from, "{\"values\":[" + header_cells(p.header, p.header_from) + "]}"));
  for (const Update& u : p.updates)
    req.push_back(update_cells(p.sheet_id, u.row, u.column, "{\"values\":[" + u.cells + "]}"));
  if (!rows.empty()) {
    std::string data;
    std::size_t bytes = 0;
    for (const auto& row : rows) bytes += row.size() + 14;
    data.reserve(bytes);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (i) data += ',';
      data += "{\"values\":[";
      data += rows[i];
      data += "]}";
    }
    req.push_back(update_cells(p.sheet_id, first_data_row(p), 0, data));
  }
  req.push_back(delete_metadata(kTailKey, sheet));
  req.push_back(create_metadata(kTailKey, sheet, row_range(p.sheet_id, last_row)));
  // The last batch's commit marker is the done marker itself.
  if (p.last) {
    // Nothing inserted (upsert rewrote rows in place): the row above is the table's last, which
    // every such run would tag; it keeps the latest run's done marker only (30,000 characters
    // per location; an upsert run replayed rewrites the same rows, it adds none).
    if (inserted == 0) req.push_back(delete_key_at(kDoneKey, row_range(p.sheet_id, last_row)));
    finish_markers(req, p.sheet_id, p.delivery_id, p.seq, last_row);
    return requests_body(req);
  }
  req.push_back(create_metadata(kBatchKey, batch_tag(p.delivery_id, p.seq), row_range(p.sheet_id, last_row)));
  // The intent beside it, so that any daemon resolves this batch from the sheet; the previous
  // batch's is no longer needed (its items are checkpointed, or this batch would not be sent).
  if (p.seq > 0) req.push_back(delete_key(intent_key(p.delivery_id, p.seq - 1)));
  if (!p.info.empty())
    req.push_back(create_metadata(intent_key(p.delivery_id, p.seq), p.info, row_range(p.sheet_id, last_row)));
  return requests_body(req);
}

// The last batch's marker becomes the done marker where it is (its row, wherever people moved
// it); the earlier ones and the last intent go.
std::string cleanup_body(std::string_view delivery_id, std::uint64_t seq) {
  std::vector<std::string> req;
  delete_batch_markers(req, delivery_id, seq > 0 ? seq - 1 : 0);
  req.push_back(delete_key(intent_key(delivery_id, seq - 1)));
  req.push_back("{\"updateDeveloperMetadata\":{\"dataFilters\":[{\"developerMetadataLookup\":{\"metadataKey\":" +
                json::quote(kBatchKey) + ",\"metadataValue\":" + json::quote(batch_tag(delivery_id, seq - 1)) +
                "}}],\"developerMetadata\":{\"metadataKey\":" + json::quote(kDoneKey) + ",\"metadataValue\":" +
                json::quote(delivery_id) + "},\"fields\":\"metadataKey,metadataValue\"}}");
  return requests_body(req);
}

std::string add_sheet_body(const std::string& title) {
  return "{\"requests\":[{\"addSheet\":{\"properties\":{\"title\":" + json::quote(title) +
         ",\"gridProperties\":{\"rowCount\":1,\"columnCount\":1}}}}]}";
}

std::string staging_body(const std::vector<std::int64_t>& stale, std::int64_t staging_id, const std::string& title,
                         const std::string& tag) {
  std::vector<std::string> req;
  for (const std::int64_t id : stale) req.push_back("{\"deleteSheet\":{\"sheetId\":" + std::to_string(id) + "}}");
  req.push_back("{\"addSheet\":{\"properties\":{\"sheetId\":" + std::to_string(staging_id) + ",\"title\":" +
                json::quote(title) + ",\"hidden\":true,\"gridProperties\":{\"rowCount\":1,\"columnCount\":1}}}}");
  req.push_back(create_metadata(kStagingKey, tag, sheet_location(staging_id)));
  return requests_body(req);
}

// In order: the target takes the staged table's size (its sheetId, formats and notes stay),
// the staged values are pasted over it (or, for an empty run, its values are cleared and the
// header written), the staging tab goes, and the done marker is the commit marker.
std::string swap_body(const SwapPlan& p) {
  const std::string target = std::to_string(p.target_id);
  const bool paste = p.staging_id >= 0 && p.rows > 0 && p.cols > 0;
  std::vector<std::string> req;
  req.push_back("{\"updateSheetProperties\":{\"properties\":{\"sheetId\":" + target +
                ",\"gridProperties\":{\"rowCount\":" + std::to_string(std::max<std::uint64_t>(p.rows, 1)) +
                ",\"columnCount\":" + std::to_string(std::max<std::uint64_t>(p.cols, 1)) +
                "}},\"fields\":\"gridProperties.rowCount,gridProperties.columnCount\"}}");
  if (paste) {
    req.push_back("{\"copyPaste\":{\"source\":" + grid_range(p.staging_id, p.rows, p.cols) + ",\"destination\":" +
                  grid_range(p.target_id, p.rows, p.cols) + ",\"pasteType\":\"PASTE_VALUES\"}}");
  } else {
    req.push_back("{\"updateCells\":{\"range\":{\"sheetId\":" + target + "},\"fields\":\"userEnteredValue\"}}");
    if (!p.header.empty()) req.push_back(update_cells(p.target_id, 0, 0, "{\"values\":[" + header_cells(p.header, 0) + "]}"));
  }
  if (p.staging_id >= 0) req.push_back("{\"deleteSheet\":{\"sheetId\":" + std::to_string(p.staging_id) + "}}");
  req.push_back(delete_metadata(kTailKey, target));  // where an earlier append ended: no longer true
  // The tab's location keeps one done marker, the latest run's (30,000 characters per location).
  req.push_back(delete_key_at(kDoneKey, sheet_location(p.target_id)));
  req.push_back(create_metadata(kDoneKey, p.delivery_id, sheet_location(p.target_id)));
  return requests_body(req);
}

std::string search_body(const std::vector<Lookup>& lookups) {
  std::string r = "{\"dataFilters\":[";
  for (std::size_t i = 0; i < lookups.size(); ++i) {
    if (i) r += ',';
    r += "{\"developerMetadataLookup\":{\"metadataKey\":" + json::quote(lookups[i].key);
    if (!lookups[i].value.empty()) r += ",\"metadataValue\":" + json::quote(lookups[i].value);
    r += "}}";
  }
  return r + "]}";
}

}  // namespace sinkhub_gsheets
