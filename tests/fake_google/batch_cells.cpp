// updateCells, appendCells and copyPaste: typed CellData onto the grid, never parsed.
#include <algorithm>

#include "batch_update.hpp"

namespace sinkhub::fake::google::batch {

namespace {

Value value_of(BatchContext& ctx, const json::Obj& ext) {
  if (!ext || ext->size() == 0) return {};
  auto checked = [&](const std::string& text) {
    if (utf16_length(text) > ctx.limits.max_cell_chars)
      throw RequestError("Your input contains more than the maximum of " + std::to_string(ctx.limits.max_cell_chars) +
                         " characters in a single cell.");
    return text;
  };
  if (json::has(ext, "stringValue")) return Value::string(checked(json::str(ext, "stringValue")));
  if (json::has(ext, "numberValue")) return Value::num(json::number(ext, "numberValue"));
  if (json::has(ext, "boolValue")) return Value::boolean_value(json::boolean(ext, "boolValue"));
  if (json::has(ext, "formulaValue")) return Value::formula(checked(json::str(ext, "formulaValue")));
  throw RequestError("userEnteredValue.errorValue is output only and cannot be written.");
}

json::Var path_get(const json::Obj& o, const std::string& path) {
  json::Obj at = o;
  std::size_t start = 0;
  while (at) {
    const auto dot = path.find('.', start);
    const std::string seg = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!json::has(at, seg)) return {};
    if (dot == std::string::npos) return at->get(seg);
    at = json::child(at, seg);
    start = dot + 1;
  }
  return {};
}

void path_set(json::Obj o, const std::string& path, const json::Var& v) {
  const auto dot = path.find('.');
  if (dot == std::string::npos) {
    if (v.isEmpty()) o->remove(path);
    else o->set(path, v);
    return;
  }
  const std::string head = path.substr(0, dot);
  json::Obj next = json::child(o, head);
  if (!next) {
    if (v.isEmpty()) return;
    next = json::object();
    o->set(head, next);
  }
  path_set(next, path.substr(dot + 1), v);
}

void write_format(Cell& cell, const json::Obj& data, const CellFields& f) {
  const json::Obj given = json::child(data, "userEnteredFormat");
  if (f.format_paths.empty()) {
    cell.format_json = given && given->size() > 0 ? json::compact(given) : std::string();
    return;
  }
  json::Obj stored = cell.format_json.empty() ? json::object() : json::as_object(json::parse(cell.format_json));
  for (const auto& p : f.format_paths) path_set(stored, p, given ? path_get(given, p) : json::Var());
  cell.format_json = stored->size() > 0 ? json::compact(stored) : std::string();
}

bool row_blank(const json::Obj& row) {
  const json::Arr values = json::list(row, "values");
  if (!values) return true;
  for (std::size_t j = 0; j < values->size(); ++j) {
    const json::Obj c = json::as_object(values->get(j));
    if (c && c->size() > 0) return false;
  }
  return true;
}

std::size_t row_width(const json::Arr& rows) {
  std::size_t w = 0;
  for (std::size_t i = 0; rows && i < rows->size(); ++i) {
    const json::Arr values = json::list(json::as_object(rows->get(i)), "values");
    if (values) w = std::max(w, values->size());
  }
  return w;
}

// Writes rows[i].values[j] at (r0 + i, c0 + j). Rows that carry nothing and do not exist
// are skipped so that writing {} into empty rows does not materialize them.
void write_rows(BatchContext& ctx, Sheet& s, int r0, int c0, const json::Arr& rows, const CellFields& f) {
  for (std::size_t i = 0; rows && i < rows->size(); ++i) {
    const json::Obj rd = json::as_object(rows->get(i));
    const int r = r0 + static_cast<int>(i);
    if (row_blank(rd) && !s.row(r)) continue;
    const json::Arr values = json::list(rd, "values");
    if (!values || values->size() == 0) continue;
    Row& row = s.mutable_row(r);
    if (row.cells.size() < static_cast<std::size_t>(c0) + values->size()) row.cells.resize(static_cast<std::size_t>(c0) + values->size());
    for (std::size_t j = 0; j < values->size(); ++j)
      write_cell(ctx, row.cells[static_cast<std::size_t>(c0) + j], json::as_object(values->get(j)), f);
  }
}

// The cells of a window that `rows` did not cover are cleared for the masked fields.
void clear_uncovered(BatchContext& ctx, Sheet& s, const render::GridWindow& w, const json::Arr& rows, const CellFields& f) {
  const json::Obj empty = json::object();
  for (int r = w.start_row; r < w.end_row && r < static_cast<int>(s.rows.size()); ++r) {
    if (!s.row(r)) continue;
    const std::size_t i = static_cast<std::size_t>(r - w.start_row);
    const json::Arr values = rows && i < rows->size() ? json::list(json::as_object(rows->get(i)), "values") : json::Arr();
    const int covered = w.start_col + static_cast<int>(values ? values->size() : 0);
    const int last = std::min(w.end_col, static_cast<int>(s.row(r)->cells.size()));
    if (covered >= last) continue;
    Row& row = s.mutable_row(r);
    for (int c = covered; c < last; ++c) write_cell(ctx, row.cells[static_cast<std::size_t>(c)], empty, f);
  }
}

}  // namespace

void write_cell(BatchContext& ctx, Cell& cell, const json::Obj& data, const CellFields& f) {
  if (f.value) {
    cell.value = value_of(ctx, json::child(data, "userEnteredValue"));
    cell.formula_result = {};
  }
  if (f.format) write_format(cell, data, f);
  if (f.note) cell.note = json::str(data, "note");
}

json::Obj update_cells(BatchContext& ctx, const json::Obj& r) {
  const CellFields f = cell_fields(json::str(r, "fields"));
  const json::Arr rows = json::list(r, "rows");
  const std::size_t height = rows ? rows->size() : 0, width = row_width(rows);
  if (const auto start = json::child(r, "start")) {
    Sheet& s = grid(ctx, static_cast<std::int32_t>(json::integer(start, "sheetId")));
    const int r0 = static_cast<int>(json::integer(start, "rowIndex"));
    const int c0 = static_cast<int>(json::integer(start, "columnIndex"));
    if (r0 < 0 || c0 < 0) throw RequestError("GridCoordinate indexes must be >= 0");
    const int r1 = r0 + static_cast<int>(std::max<std::size_t>(height, 1));
    const int c1 = c0 + static_cast<int>(std::max<std::size_t>(width, 1));
    if (r1 > s.props.row_count || c1 > s.props.column_count) throw RequestError(exceeds_grid(s, r0, c0, r1, c1));
    write_rows(ctx, s, r0, c0, rows, f);
    return {};
  }
  const auto range = json::child(r, "range");
  if (!range) throw RequestError("Either start or range must be specified.");
  const Resolved where = resolve_grid_range(ctx.ss, range);
  const render::GridWindow& w = where.window;
  if (static_cast<int>(height) > w.end_row - w.start_row)
    throw RequestError("Attempting to write row: " + std::to_string(w.end_row) +
                       ", beyond the last requested row of: " + std::to_string(w.end_row - 1));
  if (static_cast<int>(width) > w.end_col - w.start_col)
    throw RequestError("Attempting to write column: " + std::to_string(w.end_col) +
                       ", beyond the last requested column of: " + std::to_string(w.end_col - 1));
  Sheet& s = grid(ctx, where.sheet->props.sheet_id);
  write_rows(ctx, s, w.start_row, w.start_col, rows, f);
  clear_uncovered(ctx, s, w, rows, f);
  return {};
}

json::Obj append_cells(BatchContext& ctx, const json::Obj& r) {
  if (json::has(r, "tableId")) throw RequestError("fake_google does not implement tables (appendCells.tableId)");
  Sheet& s = grid(ctx, static_cast<std::int32_t>(json::integer(r, "sheetId")));
  const CellFields f = cell_fields(json::str(r, "fields"));
  const json::Arr rows = json::list(r, "rows");
  const std::size_t width = row_width(rows);
  if (static_cast<int>(width) > s.props.column_count)
    throw RequestError("Attempting to write column: " + std::to_string(s.props.column_count) +
                       ", beyond the last requested column of: " + std::to_string(s.props.column_count - 1));
  const int start = s.last_row_with_value() + 1;
  const int needed = start + static_cast<int>(rows ? rows->size() : 0);
  if (needed > s.props.row_count) {
    s.props.row_count = needed;  // "inserting new rows into the sheet if necessary"
    check_size(ctx, s);
  }
  write_rows(ctx, s, start, 0, rows, f);
  return {};
}

json::Obj copy_paste(BatchContext& ctx, const json::Obj& r) {
  const std::string type = json::str(r, "pasteType", "PASTE_NORMAL");
  if (type != "PASTE_NORMAL" && type != "PASTE_VALUES" && type != "PASTE_FORMAT")
    throw RequestError("fake_google does not implement pasteType " + type);
  if (json::str(r, "pasteOrientation", "NORMAL") != "NORMAL")
    throw RequestError("fake_google does not implement pasteOrientation TRANSPOSE");
  const auto src_range = json::child(r, "source");
  const auto dst_range = json::child(r, "destination");
  if (!src_range || !dst_range) throw RequestError("source and destination must be specified.");
  const Resolved src = resolve_grid_range(ctx.ss, src_range);
  const int h = src.window.end_row - src.window.start_row, w = src.window.end_col - src.window.start_col;
  if (h == 0 || w == 0) return {};
  std::vector<std::vector<Cell>> block(static_cast<std::size_t>(h), std::vector<Cell>(static_cast<std::size_t>(w)));
  for (int i = 0; i < h; ++i)
    for (int j = 0; j < w; ++j)
      if (const Cell* c = src.sheet->cell(src.window.start_row + i, src.window.start_col + j))
        block[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = *c;
  Sheet& dst = grid(ctx, static_cast<std::int32_t>(json::integer(dst_range, "sheetId")));
  const int dr = static_cast<int>(json::integer(dst_range, "startRowIndex"));
  const int dc = static_cast<int>(json::integer(dst_range, "startColumnIndex"));
  const int dh = static_cast<int>(json::integer(dst_range, "endRowIndex", dr + h)) - dr;
  const int dw = static_cast<int>(json::integer(dst_range, "endColumnIndex", dc + w)) - dc;
  const int tiles_down = h > 0 && dh > h && dh % h == 0 ? dh / h : 1;  // a multiple repeats the source
  const int tiles_across = w > 0 && dw > w && dw % w == 0 ? dw / w : 1;
  const int r1 = dr + h * tiles_down, c1 = dc + w * tiles_across;
  if (dr < 0 || dc < 0 || r1 > dst.props.row_count || c1 > dst.props.column_count)
    throw RequestError(exceeds_grid(dst, dr, dc, std::max(r1, dr + 1), std::max(c1, dc + 1)));
  for (int row_i = dr; row_i < r1; ++row_i) {
    Row& row = dst.mutable_row(row_i);
    if (static_cast<int>(row.cells.size()) < c1) row.cells.resize(static_cast<std::size_t>(c1));
    for (int c = dc; c < c1; ++c) {
      const Cell& from = block[static_cast<std::size_t>((row_i - dr) % h)][static_cast<std::size_t>((c - dc) % w)];
      Cell& to = row.cells[static_cast<std::size_t>(c)];
      if (type != "PASTE_FORMAT") {
        to.value = type == "PASTE_VALUES" && from.value.type == Value::Type::Formula ? from.formula_result : from.value;
        to.formula_result = type == "PASTE_VALUES" ? Value{} : from.formula_result;
      }
      if (type != "PASTE_VALUES") to.format_json = from.format_json;
      if (type == "PASTE_NORMAL") to.note = from.note;
    }
  }
  return {};
}

}  // namespace sinkhub::fake::google::batch
