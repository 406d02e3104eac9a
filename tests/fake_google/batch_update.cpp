#include "batch_update.hpp"

#include <map>

#include "field_mask.hpp"

namespace sinkhub::fake::google {

namespace {

const std::map<std::string, RequestHandler>& handlers() {
  static const std::map<std::string, RequestHandler> h = {
      {"addSheet", batch::add_sheet},
      {"deleteSheet", batch::delete_sheet},
      {"updateSheetProperties", batch::update_sheet_properties},
      {"duplicateSheet", batch::duplicate_sheet},
      {"updateSpreadsheetProperties", batch::update_spreadsheet_properties},
      {"insertDimension", batch::insert_dimension},
      {"appendDimension", batch::append_dimension},
      {"deleteDimension", batch::delete_dimension},
      {"updateDimensionProperties", batch::update_dimension_properties},
      {"updateCells", batch::update_cells},
      {"appendCells", batch::append_cells},
      {"copyPaste", batch::copy_paste},
      {"createDeveloperMetadata", batch::create_developer_metadata},
      {"updateDeveloperMetadata", batch::update_developer_metadata},
      {"deleteDeveloperMetadata", batch::delete_developer_metadata},
  };
  return h;
}

}  // namespace

json::Arr apply_batch(BatchContext& ctx, const json::Arr& requests) {
  if (!requests || requests->size() == 0) throw RequestError("Must specify at least one request.");
  json::Arr replies = json::array();
  for (std::size_t i = 0; i < requests->size(); ++i) {
    const json::Obj request = json::as_object(requests->get(i));
    const std::string prefix = "Invalid requests[" + std::to_string(i) + "]";
    const auto names = request ? request->getNames() : std::vector<std::string>{};
    if (names.empty()) throw RequestError(prefix + ": request.kind must be specified.");
    const std::string& kind = names.front();
    const auto h = handlers().find(kind);
    if (h == handlers().end())
      throw RequestError(prefix + "." + kind + ": fake_google does not implement this request kind (see tests/fake_google/README.md)");
    try {
      json::Obj r = h->second(ctx, json::as_object(request->get(kind)));
      replies->add(r ? r : json::object());
    } catch (const RequestError& e) {
      throw RequestError(prefix + "." + kind + ": " + e.what());
    } catch (const ModelError& e) {
      throw RequestError(prefix + "." + kind + ": " + e.what());
    }
  }
  return replies;
}

namespace batch {

json::Obj reply(const std::string& kind, const json::Obj& body) {
  auto o = json::object();
  o->set(kind, body);
  return o;
}

Sheet& grid(BatchContext& ctx, std::int32_t sheet_id) {
  Sheet* s = ctx.ss.sheet_by_id(sheet_id);
  if (!s) throw RequestError("No grid with id: " + std::to_string(sheet_id));
  return *s;
}

Sheet& sheet(BatchContext& ctx, std::int32_t sheet_id) {
  Sheet* s = ctx.ss.sheet_by_id(sheet_id);
  if (!s) throw RequestError("No sheet with id: " + std::to_string(sheet_id));
  return *s;
}

Dimension dimension(const json::Obj& o, const std::string& field) {
  const std::string d = json::str(o, "dimension");
  if (d == "ROWS") return Dimension::Rows;
  if (d == "COLUMNS") return Dimension::Columns;
  throw RequestError(field + ".dimension must be specified.");
}

void check_size(BatchContext& ctx, const Sheet& s) {
  if (s.props.column_count > ctx.limits.max_columns)
    throw RequestError("This action would increase the number of columns in the sheet above the limit of " +
                       std::to_string(ctx.limits.max_columns) + ".");
  if (ctx.ss.cell_count() > ctx.limits.max_cells)
    throw RequestError("This action would increase the number of cells in the workbook above the limit of " +
                       std::to_string(ctx.limits.max_cells) + " cells.");
}

std::int32_t new_sheet_id(BatchContext& ctx) {
  std::uniform_int_distribution<std::int32_t> pick(1, 2'000'000'000);
  while (true) {
    const std::int32_t id = pick(ctx.rng);
    if (!ctx.ss.sheet_by_id(id)) return id;
  }
}

std::int32_t new_metadata_id(BatchContext& ctx) {
  std::uniform_int_distribution<std::int32_t> pick(1, 2'000'000'000);
  while (true) {
    const std::int32_t id = pick(ctx.rng);
    if (!ctx.ss.metadata.count(id)) return id;
  }
}

std::size_t utf16_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char ch : s) {
    if ((ch & 0xC0) == 0x80) continue;  // continuation byte
    n += ch >= 0xF0 ? 2 : 1;            // a 4-byte sequence is a surrogate pair in UTF-16
  }
  return n;
}

CellFields cell_fields(const std::string& text) {
  if (text.empty()) throw RequestError("At least one field must be specified.");
  auto mask = FieldMask::parse(text);
  if (!mask) throw RequestError("Invalid field mask: " + text);
  const std::string bad = mask->normalize("CellData");
  if (!bad.empty()) throw RequestError("Invalid field mask path: '" + bad + "'");
  CellFields f;
  for (const auto& p : mask->paths()) {
    const std::string head = p.substr(0, p.find('.'));
    if (p == "*") {
      f.value = f.format = f.note = true;
    } else if (head == "userEnteredValue") {
      f.value = true;
    } else if (head == "userEnteredFormat") {
      f.format = true;
      if (p != head) f.format_paths.push_back(p.substr(head.size() + 1));
    } else if (head == "note") {
      f.note = true;
    } else if (head == "effectiveValue" || head == "formattedValue" || head == "effectiveFormat" || head == "hyperlink") {
      // read-only: nothing to write
    } else {
      throw RequestError("fake_google does not implement writing CellData." + head + " (see tests/fake_google/README.md)");
    }
  }
  return f;
}

}  // namespace batch
}  // namespace sinkhub::fake::google
