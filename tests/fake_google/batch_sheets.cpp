// addSheet, deleteSheet, updateSheetProperties, duplicateSheet, updateSpreadsheetProperties.
#include <algorithm>

#include "batch_update.hpp"
#include "field_mask.hpp"
#include "render.hpp"

namespace sinkhub::fake::google::batch {

namespace {

void check_title(BatchContext& ctx, const std::string& title, std::int32_t except_id) {
  if (title.empty()) throw RequestError("Sheet name must not be empty.");
  for (const auto& s : ctx.ss.sheets)
    if (s.props.sheet_id != except_id && iequals(s.props.title, title))
      throw RequestError("A sheet with the name \"" + title + "\" already exists. Please enter another name.");
}

void check_something_visible(BatchContext& ctx) {
  if (std::none_of(ctx.ss.sheets.begin(), ctx.ss.sheets.end(), [](const Sheet& s) { return !s.props.hidden; }))
    throw RequestError("You can't hide all the sheets in a document.");
}

std::string default_title(BatchContext& ctx, const std::string& stem, std::size_t from) {
  for (std::size_t n = from;; ++n) {
    const std::string t = stem + std::to_string(n);
    if (!ctx.ss.sheet_by_title(t)) return t;
  }
}

// Moves the sheet to `index`, counted in "before the move" positions as Sheets documents.
void move_sheet(BatchContext& ctx, std::int32_t sheet_id, int index) {
  auto& v = ctx.ss.sheets;
  const auto it = std::find_if(v.begin(), v.end(), [&](const Sheet& s) { return s.props.sheet_id == sheet_id; });
  const int from = static_cast<int>(it - v.begin());
  int to = std::clamp(index, 0, static_cast<int>(v.size()));
  if (to > from) --to;
  Sheet moving = std::move(*it);
  v.erase(it);
  v.insert(v.begin() + to, std::move(moving));
  ctx.ss.reindex();
}

// Inserts a new sheet at `index` (the end when negative).
Sheet& place_sheet(BatchContext& ctx, Sheet s, int index) {
  auto& v = ctx.ss.sheets;
  const int at = index < 0 ? static_cast<int>(v.size()) : std::clamp(index, 0, static_cast<int>(v.size()));
  const std::int32_t id = s.props.sheet_id;
  v.insert(v.begin() + at, std::move(s));
  ctx.ss.reindex();
  return *ctx.ss.sheet_by_id(id);
}

std::int32_t chosen_sheet_id(BatchContext& ctx, const json::Obj& o, const std::string& field) {
  if (!json::has(o, field)) return new_sheet_id(ctx);
  const auto id = static_cast<std::int32_t>(json::integer(o, field));
  if (id < 0) throw RequestError(field + " must be non-negative.");
  if (ctx.ss.sheet_by_id(id)) throw RequestError("A sheet with the id " + std::to_string(id) + " already exists.");
  return id;
}

void set_grid(Sheet& s, const json::Obj& grid, const std::vector<std::string>& paths) {
  auto wants = [&](const std::string& f) {
    return std::any_of(paths.begin(), paths.end(), [&](const std::string& p) {
      return p == "*" || p == "gridProperties" || p == "gridProperties." + f;
    });
  };
  if (wants("frozenRowCount")) s.props.frozen_rows = static_cast<int>(json::integer(grid, "frozenRowCount"));
  if (wants("frozenColumnCount")) s.props.frozen_columns = static_cast<int>(json::integer(grid, "frozenColumnCount"));
}

}  // namespace

json::Obj add_sheet(BatchContext& ctx, const json::Obj& r) {
  const json::Obj p = json::child(r, "properties");
  const std::string type = json::str(p, "sheetType", "GRID");
  if (type != "GRID") throw RequestError("fake_google only implements GRID sheets");
  Sheet s;
  s.props.sheet_id = chosen_sheet_id(ctx, p, "sheetId");
  s.props.title = json::has(p, "title") ? json::str(p, "title") : default_title(ctx, "Sheet", ctx.ss.sheets.size() + 1);
  check_title(ctx, s.props.title, s.props.sheet_id);
  const json::Obj grid = json::child(p, "gridProperties");
  s.props.row_count = static_cast<int>(json::integer(grid, "rowCount", 1000));
  s.props.column_count = static_cast<int>(json::integer(grid, "columnCount", 26));
  if (s.props.row_count < 1 || s.props.column_count < 1)
    throw RequestError("A sheet must have at least one row and one column.");
  set_grid(s, grid, {"gridProperties"});
  s.props.hidden = json::boolean(p, "hidden");
  s.props.right_to_left = json::boolean(p, "rightToLeft");
  if (json::has(p, "tabColorStyle")) s.props.tab_color_json = json::compact(p->get("tabColorStyle"));
  Sheet& added = place_sheet(ctx, std::move(s), json::has(p, "index") ? static_cast<int>(json::integer(p, "index")) : -1);
  check_size(ctx, added);
  check_something_visible(ctx);
  auto body = json::object();
  body->set("properties", render::sheet_properties(added.props));
  return reply("addSheet", body);
}

json::Obj delete_sheet(BatchContext& ctx, const json::Obj& r) {
  const Sheet& s = sheet(ctx, static_cast<std::int32_t>(json::integer(r, "sheetId")));
  const bool last_visible = !s.props.hidden && std::count_if(ctx.ss.sheets.begin(), ctx.ss.sheets.end(),
                                                             [](const Sheet& x) { return !x.props.hidden; }) == 1;
  if (ctx.ss.sheets.size() == 1 || last_visible) throw RequestError("You can't remove all the sheets in a document.");
  ctx.ss.remove_sheet(s.props.sheet_id);
  return {};
}

json::Obj update_sheet_properties(BatchContext& ctx, const json::Obj& r) {
  const json::Obj p = json::child(r, "properties");
  Sheet& s = sheet(ctx, static_cast<std::int32_t>(json::integer(p, "sheetId")));
  const std::string text = json::str(r, "fields");
  if (text.empty()) throw RequestError("At least one field must be specified.");
  auto mask = FieldMask::parse(text);
  if (!mask) throw RequestError("Invalid field mask: " + text);
  const std::string bad = mask->normalize("SheetProperties");
  if (!bad.empty()) throw RequestError("Invalid field mask path: '" + bad + "'");
  const auto paths = mask->paths();
  auto wants = [&](const std::string& f) { return mask->touches(f); };
  if (wants("sheetId") && json::integer(p, "sheetId") != s.props.sheet_id) throw RequestError("sheetId cannot be changed.");
  if (wants("title") && json::has(p, "title")) {
    check_title(ctx, json::str(p, "title"), s.props.sheet_id);
    s.props.title = json::str(p, "title");
  }
  if (wants("hidden")) s.props.hidden = json::boolean(p, "hidden");
  if (wants("rightToLeft")) s.props.right_to_left = json::boolean(p, "rightToLeft");
  if (wants("tabColorStyle")) s.props.tab_color_json = json::has(p, "tabColorStyle") ? json::compact(p->get("tabColorStyle")) : "";
  const json::Obj grid = json::child(p, "gridProperties");
  // Sheets applies rowCount first and checks the cell cap before it looks at columnCount.
  for (const char* f : {"rowCount", "columnCount"}) {
    if (!wants(std::string("gridProperties.") + f) || !json::has(grid, f)) continue;
    const int n = static_cast<int>(json::integer(grid, f));
    if (n < 1) throw RequestError(std::string("gridProperties.") + f + " must be greater than 0.");
    ctx.ss.resize(s, std::string(f) == "rowCount" ? Dimension::Rows : Dimension::Columns, n);
    check_size(ctx, s);
  }
  set_grid(s, grid, paths);
  const std::int32_t id = s.props.sheet_id;
  if (wants("index") && json::has(p, "index")) move_sheet(ctx, id, static_cast<int>(json::integer(p, "index")));
  check_something_visible(ctx);
  return {};
}

json::Obj duplicate_sheet(BatchContext& ctx, const json::Obj& r) {
  const Sheet& source = sheet(ctx, static_cast<std::int32_t>(json::integer(r, "sourceSheetId")));
  Sheet copy = source;  // rows are shared until written
  copy.props.sheet_id = chosen_sheet_id(ctx, r, "newSheetId");
  copy.props.title = json::has(r, "newSheetName") ? json::str(r, "newSheetName") : "Copy of " + source.props.title;
  check_title(ctx, copy.props.title, copy.props.sheet_id);
  Sheet& added = place_sheet(ctx, std::move(copy), static_cast<int>(json::integer(r, "insertSheetIndex")));
  check_size(ctx, added);
  auto body = json::object();
  body->set("properties", render::sheet_properties(added.props));
  return reply("duplicateSheet", body);
}

json::Obj update_spreadsheet_properties(BatchContext& ctx, const json::Obj& r) {
  const json::Obj p = json::child(r, "properties");
  const std::string text = json::str(r, "fields");
  if (text.empty()) throw RequestError("At least one field must be specified.");
  auto mask = FieldMask::parse(text);
  if (!mask || !mask->normalize("SpreadsheetProperties").empty()) throw RequestError("Invalid field mask: " + text);
  if (mask->touches("title")) ctx.ss.title = json::str(p, "title");
  if (mask->touches("locale")) ctx.ss.locale = json::str(p, "locale", ctx.ss.locale);
  if (mask->touches("timeZone")) ctx.ss.time_zone = json::str(p, "timeZone", ctx.ss.time_zone);
  return {};
}

}  // namespace sinkhub::fake::google::batch
