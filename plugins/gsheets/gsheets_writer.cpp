#include "gsheets_append.hpp"

#include <algorithm>
#include <cctype>

#include "cells.hpp"
#include "file_io.hpp"
#include "gsheets_payload.hpp"

namespace sinkhub_gsheets {

namespace json = sinkhub::json;
using sinkhub::Outcome;

namespace {

[[noreturn]] void give_up(std::int32_t code, std::string message) {
  Failure f;
  f.outcome.code = code;
  f.outcome.message = std::move(message);
  throw f;
}

std::int64_t int_of(const json::Value* v, std::int64_t absent) {
  std::int64_t n = absent;
  if (v && v->is_number()) v->to_int64(n);
  return n;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const json::Value& member(const json::Value& v, const char* name) {
  static const json::Value null;
  const json::Value* m = v.is_object() ? v.find(name) : nullptr;
  return m ? *m : null;
}

// A header cell as a column name; an empty cell keeps its place under a name no field has.
std::string header_name(const json::Value& cell, std::size_t index) {
  if (cell.is_string() && !cell.text().empty()) return cell.text();
  if (cell.is_number() || cell.is_bool()) return json::write(cell);
  return std::string("\x01(empty header cell ") + std::to_string(index + 1) + ")";
}

}  // namespace

Append::Append(const sinkhub::Host& host, const Config& cfg, Client& client, const sinkhub::Context& ctx, State& st,
               std::string intent_path, const Metrics& metrics)
    : host_(host), cfg_(cfg), client_(client), ctx_(ctx), st_(st), intent_path_(std::move(intent_path)),
      metrics_(metrics) {}

Append::Tab Append::resolve_tab() {
  const json::Value doc = client_.get_sheets();
  const json::Value& sheets = member(doc, "sheets");
  Tab found;
  std::int64_t total = 0;
  for (std::size_t i = 0; sheets.is_array() && i < sheets.items().size(); ++i) {
    const json::Value& p = member(sheets.items()[i], "properties");
    const json::Value& grid = member(p, "gridProperties");
    Tab t{int_of(p.find("sheetId"), 0), int_of(grid.find("rowCount"), 0), int_of(grid.find("columnCount"), 0), 0};
    total += t.rows * t.cols;
    const bool match = st_.sheet_id >= 0 ? t.sheet_id == st_.sheet_id
                                         : lower(member(p, "title").text()) == lower(st_.tab);
    if (match) found = t;
  }
  found.total_cells = total;
  if (found.sheet_id >= 0) return found;
  if (st_.sheet_id >= 0)
    give_up(SINKHUB_REJECT, "tab '" + st_.tab + "' (sheetId " + std::to_string(st_.sheet_id) +
                                ") was deleted while this delivery was writing to it");
  return add_tab(total);
}

Append::Tab Append::add_tab(std::int64_t total_cells) {
  if (total_cells + 1 > kMaxCells)
    give_up(SINKHUB_FATAL, "spreadsheet " + cfg_.spreadsheet_id + " already holds " + std::to_string(total_cells) +
                               " cells: no room for a new tab under Google's limit of 10,000,000");
  const json::Value reply = client_.batch_update(add_sheet_body(st_.tab));
  const json::Value& replies = member(reply, "replies");
  const json::Value none;
  const json::Value& first = replies.is_array() && !replies.items().empty() ? replies.items()[0] : none;
  const json::Value& props = member(member(first, "addSheet"), "properties");
  Tab t{int_of(props.find("sheetId"), -1), 1, 1, total_cells + 1};
  if (t.sheet_id < 0) give_up(SINKHUB_RETRY, "addSheet answered without the new tab's sheetId");
  host_.info("created tab '" + st_.tab + "' in spreadsheet " + cfg_.spreadsheet_id);
  return t;
}

bool Append::intent_pending() {
  std::string text;
  if (sinkhub_kit::read_file(intent_path_, 1 << 20, text) != 0) return false;
  const auto intent = Intent::decode(text);
  if (!intent || intent->seq != st_.seq || intent->offset != ctx_.item_offset()) return false;
  pending_ = *intent;
  return true;
}

void Append::save_intent(const Intent& intent) {
  if (const int rc = sinkhub_kit::replace_file(intent_path_, intent.encode(), 0600))
    give_up(SINKHUB_RETRY, sinkhub_kit::errno_text("cannot write the intent file", intent_path_, rc));
}

Append::Position Append::search(const Tab& tab, bool pending) {
  const std::string id(ctx_.delivery_id());
  std::vector<Lookup> lookups;
  if (st_.seq > 0) lookups.push_back({kBatchKey, batch_tag(id, st_.seq - 1)});
  else lookups.push_back({kTailKey, std::to_string(tab.sheet_id)});
  if (pending) lookups.push_back({kBatchKey, batch_tag(id, st_.seq)});
  if (pending || st_.seq == 0) lookups.push_back({kDoneKey, id});
  const json::Value doc = client_.search_metadata(search_body(lookups));
  Position pos;
  const json::Value& matched = member(doc, "matchedDeveloperMetadata");
  for (std::size_t i = 0; matched.is_array() && i < matched.items().size(); ++i) {
    const json::Value& md = member(matched.items()[i], "developerMetadata");
    const std::string key = member(md, "metadataKey").text(), value = member(md, "metadataValue").text();
    const json::Value& range = member(member(md, "location"), "dimensionRange");
    const std::int64_t row = int_of(range.find("startIndex"), 0);
    if (key == kDoneKey && value == id) pos.done = true;
    else if (key == kTailKey && int_of(range.find("sheetId"), -1) == tab.sheet_id) pos.tail_row = row;
    else if (key == kBatchKey && st_.seq > 0 && value == batch_tag(id, st_.seq - 1)) pos.prev_row = row;
    else if (key == kBatchKey && value == batch_tag(id, st_.seq)) pos.pending_row = row;
  }
  return pos;
}

std::vector<std::string> Append::read_header() {
  const json::Value doc = client_.get_values(a1(st_.tab, "1:1"));
  const json::Value& values = member(doc, "values");
  std::vector<std::string> names;
  if (values.is_array() && !values.items().empty() && values.items()[0].is_array())
    for (std::size_t c = 0; c < values.items()[0].items().size(); ++c)
      names.push_back(header_name(values.items()[0].items()[c], c));
  return names;
}

// The first call: where the delivery starts (after the tab's tail marker, else after the
// tab's last row with a value) and which columns are already there.
std::uint64_t Append::fresh_start(const Position& pos) {
  std::uint64_t k = 0;
  std::vector<std::string> header;
  if (pos.tail_row >= 0) {
    k = static_cast<std::uint64_t>(pos.tail_row) + 1;
    if (cfg_.header_row) header = read_header();
  } else {
    const json::Value doc = client_.get_values(a1(st_.tab, ""));  // the whole tab, once
    const json::Value& values = member(doc, "values");
    k = values.is_array() ? values.items().size() : 0;
    if (cfg_.header_row && k > 0 && values.items()[0].is_array())
      for (std::size_t c = 0; c < values.items()[0].items().size(); ++c)
        header.push_back(header_name(values.items()[0].items()[c], c));
  }
  st_.header = cfg_.header_row && k > 0;
  if (!cfg_.columns.empty()) {
    st_.columns.clear();
    if (cfg_.provenance_column) st_.columns.push_back(kProvenanceColumn);
    st_.columns.insert(st_.columns.end(), cfg_.columns.begin(), cfg_.columns.end());
  } else {
    st_.columns = header;
  }
  st_.row = k;
  return k;
}

std::uint64_t Append::committed(const Position& pos, const sinkhub::Batch& batch) {
  host_.info("batch " + std::to_string(st_.seq) + " of delivery " + std::string(ctx_.delivery_id()) +
             " was applied by Google although its answer was lost: not sending it again");
  host_.metric_record(metrics_.resolved, 1);
  const std::uint64_t accepted = std::min<std::uint64_t>(pending_.count, batch.size());
  st_.skip = pending_.count - accepted;
  st_.seq += 1;
  st_.columns = pending_.columns;
  st_.header = pending_.header;
  if (pos.pending_row >= 0) st_.row = static_cast<std::uint64_t>(pos.pending_row) + 1;
  if (pos.done) st_.done = true;
  return accepted;
}

std::uint64_t Append::run(const sinkhub::Batch& batch) {
  const Tab tab = resolve_tab();
  st_.sheet_id = tab.sheet_id;
  const bool pending = intent_pending();
  const Position pos = search(tab, pending);
  if (pending && (pos.pending_row >= 0 || pos.done)) return committed(pos, batch);
  if (st_.seq == 0 && pos.done) {
    host_.info("delivery " + std::string(ctx_.delivery_id()) + " was already written to tab '" + st_.tab +
               "': writing nothing again");
    st_.done = true;
    return batch.size();
  }
  std::uint64_t k = st_.row;
  if (st_.seq == 0) k = fresh_start(pos);
  else if (pos.prev_row >= 0) k = static_cast<std::uint64_t>(pos.prev_row) + 1;
  else host_.warn("the row of batch " + std::to_string(st_.seq - 1) + " was deleted from tab '" + st_.tab +
                  "': appending at row " + std::to_string(k + 1) + " as remembered");
  return write(tab, k, batch);
}

std::vector<std::string> Append::build_rows(const sinkhub::Batch& batch, Columns& cols, std::size_t& cuts) {
  std::vector<std::string> rows;
  std::size_t bytes = 0;
  const std::string run(ctx_.run_id());
  for (std::uint64_t i = 0; i < batch.size() && (rows.empty() || bytes < kTargetPayload); ++i) {
    json::Value item;
    try {
      item = parse_item(batch.item(i));
    } catch (const json::ParseError& e) {
      give_up(SINKHUB_REJECT, "item " + std::to_string(ctx_.item_offset() + i) + " is not valid JSON: " + e.what());
    }
    std::vector<std::pair<std::string, std::string>> extra;
    if (cfg_.provenance_column)
      extra.emplace_back(kProvenanceColumn, run + ":" + std::to_string(ctx_.item_offset() + i));
    std::string cells;
    cuts += cols.row(item, extra, cells);
    bytes += cells.size() + 16;
    rows.push_back(std::move(cells));
  }
  return rows;
}

std::uint64_t Append::write(const Tab& tab, std::uint64_t k, const sinkhub::Batch& batch) {
  Columns cols(st_.columns, !cfg_.columns.empty(), cfg_.nested == Nested::Flatten);
  const std::size_t known = st_.columns.size();
  std::size_t cuts = 0;
  const std::vector<std::string> rows = build_rows(batch, cols, cuts);
  BatchPlan p;
  p.sheet_id = tab.sheet_id;
  p.insert_at = k;
  p.header_row_new = cfg_.header_row && !st_.header;
  p.header = cols.names();
  p.header_from = p.header_row_new ? 0 : known;
  p.write_header = cfg_.header_row && (p.header_row_new || cols.size() > known);
  p.append_columns = cols.size() > static_cast<std::size_t>(tab.cols) ? cols.size() - tab.cols : 0;
  p.inherit_from_before = static_cast<std::int64_t>(k) >= tab.rows;
  p.delivery_id = std::string(ctx_.delivery_id());
  p.seq = st_.seq;
  p.last = ctx_.last_batch() && rows.size() == batch.size();
  const std::int64_t inserted = static_cast<std::int64_t>(rows.size() + (p.header_row_new ? 1 : 0));
  const std::int64_t width = std::max<std::int64_t>(tab.cols, static_cast<std::int64_t>(cols.size()));
  const std::int64_t cells = tab.total_cells + inserted * width + static_cast<std::int64_t>(p.append_columns) * tab.rows;
  if (cells > kMaxCells)
    give_up(SINKHUB_FATAL, "spreadsheet " + cfg_.spreadsheet_id + " would hold " + std::to_string(cells) +
                               " cells (tab '" + st_.tab + "': " + std::to_string(tab.rows) + " rows x " +
                               std::to_string(width) + " columns, plus " + std::to_string(inserted) +
                               " new rows), over Google's limit of 10,000,000 cells counting empty ones");
  const std::string body = batch_update_body(p, rows);
  if (body.size() > kMaxPayload)
    give_up(SINKHUB_REJECT, "item " + std::to_string(ctx_.item_offset()) + " alone makes a request of " +
                                std::to_string(body.size()) + " bytes, over Google's 10 MiB limit");
  save_intent({st_.seq, ctx_.item_offset(), rows.size(), cols.names(), cfg_.header_row});
  client_.batch_update(body);
  host_.metric_record(metrics_.requests, 1);
  host_.metric_record(metrics_.rows, static_cast<double>(rows.size()));
  if (cuts) host_.metric_record(metrics_.truncated, static_cast<double>(cuts));
  if (cols.dropped())
    host_.warn("tab '" + st_.tab + "' reached " + std::to_string(kMaxColumns) + " columns: " +
               std::to_string(cols.dropped()) + " further fields are not written");
  st_.seq += 1;
  st_.row = first_data_row(p) + rows.size();
  st_.columns = cols.names();
  st_.header = st_.header || p.header_row_new;
  if (p.last) st_.done = true;
  return rows.size();
}

void Append::finish_without_write() {
  if (st_.seq == 0 || st_.done || st_.sheet_id < 0) return;
  client_.batch_update(cleanup_body(st_.sheet_id, ctx_.delivery_id(), st_.seq));
  st_.done = true;
}

}  // namespace sinkhub_gsheets
