#include "render.hpp"

#include <cmath>
#include <cstdio>
#include <map>

namespace sinkhub::fake::google::render {

namespace {

json::Obj dimension_props(bool hidden, int pixel_size, int default_size) {
  auto o = json::object();
  if (hidden) o->set("hiddenByUser", true);
  o->set("pixelSize", pixel_size > 0 ? pixel_size : default_size);
  return o;
}

using MetaIndex = std::multimap<int, const Metadata*>;

// The visible row (or column) metadata of one sheet, by index.
MetaIndex index_metadata(const Spreadsheet& ss, const Sheet& s, LocationType t, const std::string& project) {
  MetaIndex out;
  for (const auto& [id, m] : ss.metadata)
    if (m.type == t && m.sheet_id == s.props.sheet_id && visible(m, project)) out.emplace(m.index, &m);
  return out;
}

void attach_metadata(const MetaIndex& index, int at, json::Obj props) {
  const auto [first, last] = index.equal_range(at);
  if (first == last) return;
  auto list = json::array();
  for (auto it = first; it != last; ++it) list->add(metadata(*it->second));
  props->set("developerMetadata", list);
}

}  // namespace

const char* location_type(LocationType t) {
  switch (t) {
    case LocationType::Spreadsheet: return "SPREADSHEET";
    case LocationType::Sheet: return "SHEET";
    case LocationType::Row: return "ROW";
    case LocationType::Column: return "COLUMN";
  }
  return "";
}

bool visible(const Metadata& m, const std::string& project) {
  return m.visibility == Visibility::Document || m.project == project;
}

json::Obj sheet_properties(const SheetProps& p) {
  auto o = json::object();
  o->set("sheetId", p.sheet_id);
  o->set("title", p.title);
  o->set("index", p.index);
  o->set("sheetType", "GRID");
  auto grid = json::object();
  grid->set("rowCount", p.row_count);
  grid->set("columnCount", p.column_count);
  if (p.frozen_rows > 0) grid->set("frozenRowCount", p.frozen_rows);
  if (p.frozen_columns > 0) grid->set("frozenColumnCount", p.frozen_columns);
  o->set("gridProperties", grid);
  if (p.hidden) o->set("hidden", true);
  if (!p.tab_color_json.empty()) o->set("tabColorStyle", json::parse(p.tab_color_json));
  if (p.right_to_left) o->set("rightToLeft", true);
  return o;
}

json::Obj metadata(const Metadata& m) {
  auto o = json::object();
  o->set("metadataId", m.id);
  o->set("metadataKey", m.key);
  if (m.has_value) o->set("metadataValue", m.value);
  auto loc = json::object();
  loc->set("locationType", location_type(m.type));
  if (m.type == LocationType::Spreadsheet) {
    loc->set("spreadsheet", true);
  } else if (m.type == LocationType::Sheet) {
    loc->set("sheetId", m.sheet_id);
  } else {
    auto range = json::object();
    range->set("sheetId", m.sheet_id);
    range->set("dimension", m.type == LocationType::Row ? "ROWS" : "COLUMNS");
    range->set("startIndex", m.index);
    range->set("endIndex", m.index + 1);
    loc->set("dimensionRange", range);
  }
  o->set("location", loc);
  o->set("visibility", m.visibility == Visibility::Document ? "DOCUMENT" : "PROJECT");
  return o;
}

json::Obj extended_value(const Value& v) {
  auto o = json::object();
  switch (v.type) {
    case Value::Type::Empty: return json::Obj();
    case Value::Type::String: o->set("stringValue", v.text); break;
    case Value::Type::Number: o->set("numberValue", v.number); break;
    case Value::Type::Bool: o->set("boolValue", v.boolean); break;
    case Value::Type::Formula: o->set("formulaValue", v.text); break;
  }
  return o;
}

std::string formatted(const Value& v) {
  switch (v.type) {
    case Value::Type::Empty:
    case Value::Type::Formula: return "";
    case Value::Type::String: return v.text;
    case Value::Type::Bool: return v.boolean ? "TRUE" : "FALSE";
    case Value::Type::Number: break;
  }
  char buf[64];
  if (v.number == std::floor(v.number) && std::fabs(v.number) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v.number == 0 ? 0.0 : v.number);
  } else {
    std::snprintf(buf, sizeof buf, "%.15G", v.number);
  }
  return buf;
}

json::Var cell_value(const Cell* c, ValueRender how) {
  if (!c || c->value.empty()) return {};
  const Value& shown = c->value.type == Value::Type::Formula && how != ValueRender::Formula ? c->formula_result : c->value;
  if (how == ValueRender::Formula && c->value.type == Value::Type::Formula) return c->value.text;
  if (how == ValueRender::Formatted) return formatted(shown);
  switch (shown.type) {
    case Value::Type::Empty: return std::string();
    case Value::Type::Number: return shown.number;
    case Value::Type::Bool: return shown.boolean;
    default: return shown.text;
  }
}

json::Obj cell_data(const Cell* c) {
  auto o = json::object();
  if (!c) return o;
  if (auto user = extended_value(c->value)) o->set("userEnteredValue", user);
  const Value& effective = c->value.type == Value::Type::Formula ? c->formula_result : c->value;
  if (auto eff = extended_value(effective)) {
    o->set("effectiveValue", eff);
    o->set("formattedValue", formatted(effective));
  }
  if (!c->format_json.empty()) o->set("userEnteredFormat", json::parse(c->format_json));
  if (!c->note.empty()) o->set("note", c->note);
  return o;
}

json::Obj grid_data(const Spreadsheet& ss, const Sheet& s, const GridWindow& w, const std::string& project) {
  auto g = json::object();
  if (w.start_row > 0) g->set("startRow", w.start_row);  // omitted when 0, as measured
  if (w.start_col > 0) g->set("startColumn", w.start_col);
  int last_row = -1;
  for (int r = w.start_row; r < w.end_row; ++r)
    for (int c = w.start_col; c < w.end_col && last_row < r; ++c)
      if (s.cell(r, c)) last_row = r;
  if (last_row >= 0) {
    auto rows = json::array();
    for (int r = w.start_row; r <= last_row; ++r) {
      int last_col = -1;
      for (int c = w.start_col; c < w.end_col; ++c)
        if (s.cell(r, c)) last_col = c;
      auto row = json::object();
      if (last_col >= 0) {
        auto values = json::array();
        for (int c = w.start_col; c <= last_col; ++c) values->add(cell_data(s.cell(r, c)));
        row->set("values", values);
      }
      rows->add(row);
    }
    g->set("rowData", rows);
  }
  const MetaIndex row_index = index_metadata(ss, s, LocationType::Row, project);
  const MetaIndex col_index = index_metadata(ss, s, LocationType::Column, project);
  auto row_meta = json::array();
  for (int r = w.start_row; r < w.end_row; ++r) {
    const Row* rw = s.row(r);
    auto p = dimension_props(rw && rw->hidden, rw ? rw->pixel_size : 0, 21);
    attach_metadata(row_index, r, p);
    row_meta->add(p);
  }
  g->set("rowMetadata", row_meta);
  auto col_meta = json::array();
  for (int c = w.start_col; c < w.end_col; ++c) {
    const ColumnProps cp = c < static_cast<int>(s.columns.size()) ? s.columns[static_cast<std::size_t>(c)] : ColumnProps{};
    auto p = dimension_props(cp.hidden, cp.pixel_size, 100);
    attach_metadata(col_index, c, p);
    col_meta->add(p);
  }
  g->set("columnMetadata", col_meta);
  return g;
}

json::Obj spreadsheet(const Spreadsheet& ss, const std::string& project, bool include_grid,
                      const std::vector<GridRequest>* ranges) {
  auto o = json::object();
  o->set("spreadsheetId", ss.id);
  auto props = json::object();
  props->set("title", ss.title);
  props->set("locale", ss.locale);
  props->set("autoRecalc", "ON_CHANGE");
  props->set("timeZone", ss.time_zone);
  o->set("properties", props);
  auto sheets = json::array();
  for (const auto& s : ss.sheets) {
    std::vector<GridWindow> windows;
    if (ranges) {
      for (const auto& r : *ranges)
        if (r.sheet_id == s.props.sheet_id) windows.push_back(r.window);
      if (windows.empty()) continue;  // `ranges` filters the sheet list itself
    } else {
      windows.push_back({0, 0, s.props.row_count, s.props.column_count});
    }
    auto sheet = json::object();
    sheet->set("properties", sheet_properties(s.props));
    if (include_grid) {
      auto data = json::array();
      for (const auto& w : windows) data->add(grid_data(ss, s, w, project));
      sheet->set("data", data);
    }
    json::Arr meta;
    for (const auto& [id, m] : ss.metadata)
      if (m.type == LocationType::Sheet && m.sheet_id == s.props.sheet_id && visible(m, project)) {
        if (!meta) meta = json::array();
        meta->add(metadata(m));
      }
    if (meta) sheet->set("developerMetadata", meta);
    sheets->add(sheet);
  }
  o->set("sheets", sheets);
  json::Arr meta;
  for (const auto& [id, m] : ss.metadata)
    if (m.type == LocationType::Spreadsheet && visible(m, project)) {
      if (!meta) meta = json::array();
      meta->add(metadata(m));
    }
  if (meta) o->set("developerMetadata", meta);
  o->set("spreadsheetUrl", "https://docs.google.com/spreadsheets/d/" + ss.id + "/edit");
  return o;
}

}  // namespace sinkhub::fake::google::render
