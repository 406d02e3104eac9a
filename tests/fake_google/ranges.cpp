#include "ranges.hpp"

#include "a1.hpp"

namespace sinkhub::fake::google {

std::string exceeds_grid(const Sheet& s, int start_row, int start_col, int end_row, int end_col) {
  return "Range (" + a1::format(s.props.title, start_row, start_col, end_row, end_col) +
         ") exceeds grid limits. Max rows: " + std::to_string(s.props.row_count) +
         ", max columns: " + std::to_string(s.props.column_count);
}

Resolved resolve_a1(const Spreadsheet& ss, const std::string& text) {
  const auto parsed = a1::parse(text);
  const Sheet* s = nullptr;
  if (parsed) s = parsed->has_title ? ss.sheet_by_title(parsed->title) : ss.first_visible();
  if (!parsed || !s) throw RequestError("Unable to parse range: " + text);
  Resolved r;
  r.sheet = s;
  r.single_cell = parsed->single_cell;
  const auto& p = *parsed;
  const int end_row = p.end_row < 0 ? s->props.row_count : p.end_row;
  const int end_col = p.end_col < 0 ? s->props.column_count : p.end_col;
  if (p.start_row >= s->props.row_count || p.start_col >= s->props.column_count || end_row > s->props.row_count ||
      end_col > s->props.column_count)
    throw RequestError(exceeds_grid(*s, p.start_row, p.start_col, std::max(end_row, p.start_row + 1),
                                    std::max(end_col, p.start_col + 1)));
  r.window = {p.start_row, p.start_col, end_row, end_col};
  return r;
}

Resolved resolve_grid_range(const Spreadsheet& ss, const json::Obj& g) {
  const auto id = static_cast<std::int32_t>(json::integer(g, "sheetId"));
  const Sheet* s = ss.sheet_by_id(id);
  if (!s) throw RequestError("No grid with id: " + std::to_string(id));
  Resolved r;
  r.sheet = s;
  const int r0 = static_cast<int>(json::integer(g, "startRowIndex"));
  const int c0 = static_cast<int>(json::integer(g, "startColumnIndex"));
  const int r1 = static_cast<int>(json::integer(g, "endRowIndex", s->props.row_count));
  const int c1 = static_cast<int>(json::integer(g, "endColumnIndex", s->props.column_count));
  if (r0 < 0 || c0 < 0 || r1 < 0 || c1 < 0) throw RequestError("GridRange indexes must be >= 0");
  if (r1 < r0 || c1 < c0) throw RequestError("GridRange end indexes must not be less than start indexes");
  if (r1 > s->props.row_count || c1 > s->props.column_count)
    throw RequestError(exceeds_grid(*s, r0, c0, std::max(r1, r0 + 1), std::max(c1, c0 + 1)));
  r.window = {r0, c0, r1, c1};
  return r;
}

}  // namespace sinkhub::fake::google
