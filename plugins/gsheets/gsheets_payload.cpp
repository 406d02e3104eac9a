#include "gsheets_payload.hpp"

#include <sinkhub/json.hpp>

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

std::string update_cells(std::int64_t sheet_id, std::uint64_t row, std::size_t column, const std::string& rows_json) {
  return "{\"updateCells\":{\"start\":{\"sheetId\":" + std::to_string(sheet_id) + ",\"rowIndex\":" +
         std::to_string(row) + ",\"columnIndex\":" + std::to_string(column) + "},\"rows\":[" + rows_json +
         "],\"fields\":\"userEnteredValue\"}}";
}

void finish_markers(std::string& r, std::int64_t sheet_id, std::string_view delivery_id, std::uint64_t seq) {
  for (std::uint64_t s = 0; s < seq; ++s) r += "," + delete_metadata(kBatchKey, batch_tag(delivery_id, s));
  r += "," + create_metadata(kDoneKey, delivery_id, "{\"sheetId\":" + std::to_string(sheet_id) + "}");
}

}  // namespace

std::uint64_t first_data_row(const BatchPlan& p) { return p.insert_at + (p.header_row_new ? 1 : 0); }

std::string batch_update_body(const BatchPlan& p, const std::vector<std::string>& rows) {
  const std::string sheet = std::to_string(p.sheet_id);
  const std::uint64_t inserted = rows.size() + (p.header_row_new ? 1 : 0);
  const std::uint64_t last_row = first_data_row(p) + rows.size() - 1;
  std::string r = "{\"requests\":[";
  if (p.append_columns > 0)
    r += "{\"appendDimension\":{\"sheetId\":" + sheet + ",\"dimension\":\"COLUMNS\",\"length\":" +
         std::to_string(p.append_columns) + "}},";
  r += "{\"insertDimension\":{\"range\":{\"sheetId\":" + sheet + ",\"dimension\":\"ROWS\",\"startIndex\":" +
       std::to_string(p.insert_at) + ",\"endIndex\":" + std::to_string(p.insert_at + inserted) +
       "},\"inheritFromBefore\":" + (p.inherit_from_before ? "true" : "false") + "}}";
  if (p.write_header && p.header_from < p.header.size()) {
    std::string cells;
    for (std::size_t c = p.header_from; c < p.header.size(); ++c) {
      if (c > p.header_from) cells += ',';
      cells += text_cell(p.header[c], nullptr);
    }
    r += "," + update_cells(p.sheet_id, 0, p.header_from, "{\"values\":[" + cells + "]}");
  }
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
  r += "," + update_cells(p.sheet_id, first_data_row(p), 0, data);
  r += "," + delete_metadata(kTailKey, sheet);
  r += "," + create_metadata(kTailKey, sheet, row_range(p.sheet_id, last_row));
  // The last batch's commit marker is the done marker itself.
  if (p.last) finish_markers(r, p.sheet_id, p.delivery_id, p.seq);
  else r += "," + create_metadata(kBatchKey, batch_tag(p.delivery_id, p.seq), row_range(p.sheet_id, last_row));
  r += "]}";
  return r;
}

std::string cleanup_body(std::int64_t sheet_id, std::string_view delivery_id, std::uint64_t seq) {
  std::string r = "{\"requests\":[";
  std::string rest;
  finish_markers(rest, sheet_id, delivery_id, seq);
  r += rest.substr(1);  // without the leading comma
  return r + "]}";
}

std::string add_sheet_body(const std::string& title) {
  return "{\"requests\":[{\"addSheet\":{\"properties\":{\"title\":" + json::quote(title) +
         ",\"gridProperties\":{\"rowCount\":1,\"columnCount\":1}}}}]}";
}

std::string search_body(const std::vector<Lookup>& lookups) {
  std::string r = "{\"dataFilters\":[";
  for (std::size_t i = 0; i < lookups.size(); ++i) {
    if (i) r += ',';
    r += "{\"developerMetadataLookup\":{\"metadataKey\":" + json::quote(lookups[i].key) +
         ",\"metadataValue\":" + json::quote(lookups[i].value) + "}}";
  }
  return r + "]}";
}

}  // namespace sinkhub_gsheets
