// insertDimension, appendDimension, deleteDimension, updateDimensionProperties.
#include <algorithm>

#include "batch_update.hpp"
#include "field_mask.hpp"

namespace sinkhub::fake::google::batch {

namespace {

struct Span {
  Sheet* sheet;
  Dimension dim;
  int start, end;  // end = -1 when unbounded
};

Span span_of(BatchContext& ctx, const json::Obj& r) {
  const json::Obj range = json::child(r, "range");
  if (!range) throw RequestError("range must be specified.");
  Span s{&grid(ctx, static_cast<std::int32_t>(json::integer(range, "sheetId"))), dimension(range, "range"),
         static_cast<int>(json::integer(range, "startIndex")), static_cast<int>(json::integer(range, "endIndex", -1))};
  if (s.start < 0 || (json::has(range, "endIndex") && s.end < 0))
    throw RequestError("DimensionRange indexes must be >= 0");
  return s;
}

const char* noun(Dimension d) { return d == Dimension::Rows ? "row" : "column"; }

}  // namespace

json::Obj insert_dimension(BatchContext& ctx, const json::Obj& r) {
  const Span s = span_of(ctx, r);
  if (s.end < 0) throw RequestError("range.endIndex must be specified.");
  if (s.end <= s.start) throw RequestError("range.endIndex must be greater than range.startIndex.");
  const int size = s.sheet->size(s.dim);
  const bool before = json::boolean(r, "inheritFromBefore");
  if (before && s.start == 0) throw RequestError("range.startIndex must be greater than 0 if inheritFromBefore is true.");
  if (!before && s.start >= size)
    throw RequestError("range.startIndex must be less than the grid size (" + std::to_string(size) +
                       ") if inheritFromBefore is false.");
  if (s.start > size)
    throw RequestError("range.startIndex must be less than or equal to the grid size (" + std::to_string(size) + ").");
  ctx.ss.insert(*s.sheet, s.dim, s.start, s.end - s.start, before);
  check_size(ctx, *s.sheet);
  return {};
}

json::Obj append_dimension(BatchContext& ctx, const json::Obj& r) {
  Sheet& s = grid(ctx, static_cast<std::int32_t>(json::integer(r, "sheetId")));
  const Dimension d = dimension(r, "appendDimension");
  const int length = static_cast<int>(json::integer(r, "length"));
  if (length <= 0) throw RequestError("length must be greater than 0.");
  ctx.ss.insert(s, d, s.size(d), length, true);
  check_size(ctx, s);
  return {};
}

json::Obj delete_dimension(BatchContext& ctx, const json::Obj& r) {
  const Span s = span_of(ctx, r);
  const int size = s.sheet->size(s.dim);
  const int end = s.end < 0 ? size : s.end;
  if (end <= s.start) throw RequestError("range.endIndex must be greater than range.startIndex.");
  if (end > size)
    throw RequestError(std::string("Cannot delete a ") + noun(s.dim) + " that doesn't exist. Tried to delete " +
                       noun(s.dim) + " index " + std::to_string(std::max(s.start, size)) + " but there are only " +
                       std::to_string(size) + " " + noun(s.dim) + "s.");
  if (s.start == 0 && end == size)
    throw RequestError(std::string("You can't delete all the ") + noun(s.dim) + "s on the sheet.");
  ctx.ss.remove(*s.sheet, s.dim, s.start, end);
  return {};
}

json::Obj update_dimension_properties(BatchContext& ctx, const json::Obj& r) {
  if (json::has(r, "dataSourceSheetRange")) throw RequestError("fake_google does not implement data source sheets");
  const Span s = span_of(ctx, r);
  const int size = s.sheet->size(s.dim);
  const int end = s.end < 0 ? size : s.end;
  if (end > size || end <= s.start) throw RequestError("range is outside the grid.");
  const std::string text = json::str(r, "fields");
  if (text.empty()) throw RequestError("At least one field must be specified.");
  auto mask = FieldMask::parse(text);
  if (!mask || !mask->normalize("DimensionProperties").empty()) throw RequestError("Invalid field mask: " + text);
  const json::Obj p = json::child(r, "properties");
  const bool hide = mask->touches("hiddenByUser"), size_px = mask->touches("pixelSize");
  for (int i = s.start; i < end; ++i) {
    if (s.dim == Dimension::Rows) {
      Row& row = s.sheet->mutable_row(i);
      if (hide) row.hidden = json::boolean(p, "hiddenByUser");
      if (size_px) row.pixel_size = static_cast<int>(json::integer(p, "pixelSize"));
    } else {
      if (static_cast<int>(s.sheet->columns.size()) <= i) s.sheet->columns.resize(static_cast<std::size_t>(i) + 1);
      ColumnProps& col = s.sheet->columns[static_cast<std::size_t>(i)];
      if (hide) col.hidden = json::boolean(p, "hiddenByUser");
      if (size_px) col.pixel_size = static_cast<int>(json::integer(p, "pixelSize"));
    }
  }
  return {};
}

}  // namespace sinkhub::fake::google::batch
