#include "gsheets_writer.hpp"

#include <algorithm>
#include <cctype>

#include "file_io.hpp"

namespace sinkhub_gsheets {

namespace json = sinkhub::json;
using sinkhub::Outcome;

namespace {

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

std::vector<std::string> header_of(const json::Value& values) {
  std::vector<std::string> names;
  if (values.is_array() && !values.items().empty() && values.items()[0].is_array())
    for (std::size_t c = 0; c < values.items()[0].items().size(); ++c)
      names.push_back(header_name(values.items()[0].items()[c], c));
  return names;
}

}  // namespace

void give_up(std::int32_t code, std::string message) {
  Failure f;
  f.outcome.code = code;
  f.outcome.message = std::move(message);
  throw f;
}

const TabInfo* Tabs::by_id(std::int64_t id) const {
  for (const auto& t : list)
    if (t.sheet_id == id) return &t;
  return nullptr;
}

const TabInfo* Tabs::by_title(const std::string& title) const {
  const std::string want = lower(title);
  for (const auto& t : list)
    if (lower(t.title) == want) return &t;
  return nullptr;
}

Writer::Writer(const sinkhub::Host& host, const Config& cfg, Client& client, const sinkhub::Context& ctx, State& st,
               std::string intent_path, const Metrics& metrics)
    : host_(host), cfg_(cfg), client_(client), ctx_(ctx), st_(st), intent_path_(std::move(intent_path)),
      metrics_(metrics) {}

Tabs Writer::read_tabs() {
  const json::Value doc = client_.get_sheets();
  const json::Value& sheets = member(doc, "sheets");
  Tabs tabs;
  for (std::size_t i = 0; sheets.is_array() && i < sheets.items().size(); ++i) {
    const json::Value& p = member(sheets.items()[i], "properties");
    const json::Value& grid = member(p, "gridProperties");
    TabInfo t{int_of(p.find("sheetId"), 0), int_of(grid.find("rowCount"), 0), int_of(grid.find("columnCount"), 0),
              member(p, "title").text(), member(p, "hidden").is_bool() && member(p, "hidden").as_bool()};
    tabs.total_cells += t.rows * t.cols;
    tabs.list.push_back(std::move(t));
  }
  return tabs;
}

TabInfo Writer::rows_tab(Tabs& tabs) {
  const TabInfo* found = st_.sheet_id >= 0 ? tabs.by_id(st_.sheet_id) : tabs.by_title(st_.tab);
  if (found) return *found;
  if (st_.sheet_id >= 0)
    give_up(SINKHUB_REJECT, "tab '" + st_.tab + "' (sheetId " + std::to_string(st_.sheet_id) +
                                ") was deleted while this delivery was writing to it");
  return add_tab(st_.tab, tabs);
}

TabInfo Writer::add_tab(const std::string& title, Tabs& tabs) {
  if (tabs.total_cells + 1 > kMaxCells)
    give_up(SINKHUB_FATAL, "spreadsheet " + cfg_.spreadsheet_id + " already holds " + std::to_string(tabs.total_cells) +
                               " cells: no room for a new tab under Google's limit of 10,000,000");
  const json::Value reply = client_.batch_update(add_sheet_body(title));
  const json::Value& replies = member(reply, "replies");
  const json::Value none;
  const json::Value& first = replies.is_array() && !replies.items().empty() ? replies.items()[0] : none;
  const json::Value& props = member(member(first, "addSheet"), "properties");
  TabInfo t{int_of(props.find("sheetId"), -1), 1, 1, title, false};
  if (t.sheet_id < 0) give_up(SINKHUB_RETRY, "addSheet answered without the new tab's sheetId");
  host_.info("created tab '" + title + "' in spreadsheet " + cfg_.spreadsheet_id);
  tabs.total_cells += 1;
  tabs.list.push_back(t);
  return t;
}

bool Writer::intent_pending() {
  std::string text;
  if (sinkhub_kit::read_file(intent_path_, 1 << 20, text) != 0) return false;
  const auto intent = Intent::decode(text);
  if (!intent || intent->seq != st_.seq || intent->offset != ctx_.item_offset()) return false;
  pending_ = *intent;
  return true;
}

void Writer::save_intent(const Intent& intent) {
  if (const int rc = sinkhub_kit::replace_file(intent_path_, intent.encode(), 0600))
    give_up(SINKHUB_RETRY, sinkhub_kit::errno_text("cannot write the intent file", intent_path_, rc));
}

Position Writer::search(const TabInfo& tab, const Want& want) {
  const std::string id(ctx_.delivery_id()), pending_key = intent_key(id, st_.seq);
  std::vector<Lookup> lookups;
  if (st_.seq > 0) lookups.push_back({kBatchKey, batch_tag(id, st_.seq - 1)});
  else lookups.push_back({kTailKey, std::to_string(tab.sheet_id)});
  lookups.push_back({kBatchKey, batch_tag(id, st_.seq)});
  lookups.push_back({pending_key, ""});
  lookups.push_back({kDoneKey, id});
  if (want.staging) lookups.push_back({kStagingKey, ""});
  const json::Value doc = client_.search_metadata(search_body(lookups));
  Position pos;
  const json::Value& matched = member(doc, "matchedDeveloperMetadata");
  for (std::size_t i = 0; matched.is_array() && i < matched.items().size(); ++i) {
    const json::Value& md = member(matched.items()[i], "developerMetadata");
    const std::string key = member(md, "metadataKey").text(), value = member(md, "metadataValue").text();
    const json::Value& location = member(md, "location");
    const json::Value& range = member(location, "dimensionRange");
    const std::int64_t row = int_of(range.find("startIndex"), 0);
    if (key == kDoneKey && value == id) pos.done = true;
    else if (key == kStagingKey) pos.staging.push_back({value, int_of(location.find("sheetId"), -1)});
    else if (key == kTailKey && int_of(range.find("sheetId"), -1) == tab.sheet_id) pos.tail_row = row;
    else if (key == kBatchKey && st_.seq > 0 && value == batch_tag(id, st_.seq - 1)) pos.prev_row = row;
    else if (key == kBatchKey && value == batch_tag(id, st_.seq)) pos.pending_row = row;
    else if (key == pending_key) pos.has_info = true, pos.info = value;
  }
  return pos;
}

bool Writer::applied(const Position& pos) {
  return pos.pending_row >= 0 || (pos.done && (st_.seq > 0 || intent_pending()));
}

std::vector<std::string> Writer::fixed_columns() const {
  std::vector<std::string> names;
  if (cfg_.columns.empty()) return names;
  if (cfg_.provenance_column) names.push_back(kProvenanceColumn);
  names.insert(names.end(), cfg_.columns.begin(), cfg_.columns.end());
  return names;
}

std::vector<std::string> Writer::read_header(const std::string& title) {
  return header_of(member(client_.get_values(a1(title, "1:1")), "values"));
}

std::uint64_t Writer::fresh_start(const Position& pos, json::Value* whole) {
  std::uint64_t k = 0;
  std::vector<std::string> header;
  if (pos.tail_row >= 0) {
    k = static_cast<std::uint64_t>(pos.tail_row) + 1;
    if (cfg_.header_row) header = read_header(st_.tab);
  } else {
    json::Value doc = client_.get_values(a1(st_.tab, ""));  // the whole tab, once
    const json::Value& values = member(doc, "values");
    k = values.is_array() ? values.items().size() : 0;
    if (cfg_.header_row) header = header_of(values);
    if (whole) *whole = std::move(doc);
  }
  st_.header = cfg_.header_row && k > 0;
  st_.columns = cfg_.columns.empty() ? header : fixed_columns();
  st_.row = k;
  return k;
}

std::string Writer::in_flight() const {
  return "batch " + std::to_string(st_.seq) + " of delivery " + std::string(ctx_.delivery_id());
}

// The in-flight batch's intent from the sheet (a daemon without the intent file): false when
// the sheet has none (a batch written by an older sinkhub); its columns as it says.
bool Writer::sheet_intent(const Position& pos, const sinkhub::Batch& batch) {
  if (!pos.has_info) return false;
  const std::string what = in_flight();
  const auto intent = Intent::decode(pos.info);
  if (!intent || intent->seq != st_.seq || intent->offset != ctx_.item_offset())
    give_up(SINKHUB_RETRY, what + " is in the spreadsheet, but its intent there (" +
                               intent_key(ctx_.delivery_id(), st_.seq) + ") does not match item " +
                               std::to_string(ctx_.item_offset()) + ": not sending it again");
  pending_ = *intent;
  if (pending_.from == ColumnsFrom::Config) {
    pending_.columns = fixed_columns();
  } else if (pending_.from == ColumnsFrom::Header) {
    pending_.columns = read_header(st_.tab);
  } else if (pending_.from == ColumnsFrom::Items) {  // grown, no header row: the same items grow them alike
    if (batch.size() < pending_.count)
      give_up(SINKHUB_RETRY, what + " held " + std::to_string(pending_.count) + " items, more than this call's " +
                                 std::to_string(batch.size()) +
                                 ": its columns cannot be rebuilt; not sending it again");
    Columns cols(st_.columns, false, cfg_.nested == Nested::Flatten);
    for (std::uint64_t i = 0; i < pending_.count; ++i) {
      std::string cells;
      try {
        cols.row(parse_item(batch.item(i)), extra(i), cells);
      } catch (const json::ParseError& e) {
        give_up(SINKHUB_REJECT, "item " + std::to_string(ctx_.item_offset() + i) + " is not valid JSON: " + e.what());
      }
    }
    pending_.columns = cols.names();
  }
  host_.info(what + " resolved from its intent in the spreadsheet (this daemon has no intent file for it)");
  return true;
}

std::uint64_t Writer::committed(const Position& pos, const sinkhub::Batch& batch) {
  const std::string what = in_flight();
  if (!intent_pending() && !sheet_intent(pos, batch)) {
    if (!pos.done)
      give_up(SINKHUB_RETRY, what + " is in the spreadsheet (marker " + batch_tag(ctx_.delivery_id(), st_.seq) +
                                 "), but neither this daemon's intent file nor the sheet says which items it held (it "
                                 "was written by an older sinkhub on another daemon, or before this data_dir was "
                                 "lost): not sending it again; the daemon that wrote it can resolve it");
    pending_ = Intent{st_.seq, ctx_.item_offset(), batch.size(), st_.columns, st_.header};  // done: every item is in
  }
  host_.info(what + " was applied by Google although its answer was lost: not sending it again");
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

std::vector<std::pair<std::string, std::string>> Writer::extra(std::uint64_t i) const {
  if (!cfg_.provenance_column) return {};
  return {{kProvenanceColumn, std::string(ctx_.run_id()) + ":" + std::to_string(ctx_.item_offset() + i)}};
}

Rows Writer::build_rows(const sinkhub::Batch& batch, Columns& cols) {
  Rows rows;
  std::size_t bytes = 0;
  for (std::uint64_t i = 0; i < batch.size() && (rows.appended.empty() || bytes < kTargetPayload); ++i) {
    json::Value item;
    try {
      item = parse_item(batch.item(i));
    } catch (const json::ParseError& e) {
      give_up(SINKHUB_REJECT, "item " + std::to_string(ctx_.item_offset() + i) + " is not valid JSON: " + e.what());
    }
    std::string cells;
    rows.cuts += cols.row(item, extra(i), cells);
    bytes += cells.size() + 16;
    rows.appended.push_back(std::move(cells));
    rows.items = i + 1;
  }
  return rows;
}

std::uint64_t Writer::write(Tabs& tabs, const TabInfo& tab, std::uint64_t k, const Rows& rows, const Columns& cols,
                            std::size_t known, bool last) {
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
  p.last = last;
  p.updates = rows.updates;
  const Intent intent{st_.seq, ctx_.item_offset(), rows.items, cols.names(), cfg_.header_row};
  const ColumnsFrom fallback = !cfg_.columns.empty() ? ColumnsFrom::Config
                               : cfg_.header_row     ? ColumnsFrom::Header
                                                     : ColumnsFrom::Items;
  if (!last) p.info = sheet_info(intent, fallback, intent_key(p.delivery_id, p.seq).size());
  const std::int64_t inserted = static_cast<std::int64_t>(rows.appended.size() + (p.header_row_new ? 1 : 0));
  const std::int64_t width = std::max<std::int64_t>(tab.cols, static_cast<std::int64_t>(cols.size()));
  const std::int64_t cells =
      tabs.total_cells + inserted * width + static_cast<std::int64_t>(p.append_columns) * tab.rows;
  if (cells > kMaxCells)
    give_up(SINKHUB_FATAL, "spreadsheet " + cfg_.spreadsheet_id + " would hold " + std::to_string(cells) +
                               " cells (tab '" + st_.tab + "': " + std::to_string(tab.rows) + " rows x " +
                               std::to_string(width) + " columns, plus " + std::to_string(inserted) +
                               " new rows), over Google's limit of 10,000,000 cells counting empty ones");
  const std::string body = batch_update_body(p, rows.appended);
  if (body.size() > kMaxPayload)
    give_up(SINKHUB_REJECT, "item " + std::to_string(ctx_.item_offset()) + " alone makes a request of " +
                                std::to_string(body.size()) + " bytes, over Google's 10 MiB limit");
  save_intent(intent);
  client_.batch_update(body);
  host_.metric_record(metrics_.requests, 1);
  host_.metric_record(metrics_.rows, static_cast<double>(rows.appended.size()));
  if (rows.updated_rows) host_.metric_record(metrics_.updated, static_cast<double>(rows.updated_rows));
  if (rows.cuts) host_.metric_record(metrics_.truncated, static_cast<double>(rows.cuts));
  if (cols.dropped())
    host_.warn("tab '" + st_.tab + "' reached " + std::to_string(kMaxColumns) + " columns: " +
               std::to_string(cols.dropped()) + " further fields are not written");
  for (TabInfo& t : tabs.list) {
    if (t.sheet_id != tab.sheet_id) continue;
    t.rows += inserted;
    t.cols = width;
  }
  tabs.total_cells = cells;
  st_.seq += 1;
  st_.row = first_data_row(p) + rows.appended.size();
  st_.columns = cols.names();
  st_.header = st_.header || p.header_row_new;
  if (p.last) st_.done = true;
  return rows.items;
}

void Writer::finish_without_write() {
  if (st_.seq == 0 || st_.done || st_.sheet_id < 0) return;
  client_.batch_update(cleanup_body(ctx_.delivery_id(), st_.seq));
  st_.done = true;
}

}  // namespace sinkhub_gsheets
