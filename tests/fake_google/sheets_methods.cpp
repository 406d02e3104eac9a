#include "sheets_methods.hpp"

#include <algorithm>
#include <map>

#include "a1.hpp"
#include "batch_update.hpp"
#include "data_filter.hpp"
#include "render.hpp"
#include "schema.hpp"

namespace sinkhub::fake::google {

namespace {

// A query parameter that must name a value of `enum_name`; `fallback` when absent.
std::string enum_param(const Incoming& in, const std::string& name, const std::string& enum_name,
                       const std::string& fallback) {
  if (!in.has_param(name)) return fallback;
  const std::string v = in.param(name);
  const auto* values = schema::enum_values(enum_name);
  if (values && std::find(values->begin(), values->end(), v) != values->end()) return v;
  throw ApiException{errors::invalid_argument("Invalid value at '" + schema::snake_case(name) + "' (" +
                                              schema::type_url(enum_name) + "), \"" + v + "\"")};
}

bool bool_param(const Incoming& in, const std::string& name) {
  if (!in.has_param(name)) return false;
  const std::string v = in.param(name);
  if (v == "true" || v == "false") return v == "true";
  throw ApiException{errors::invalid_argument("Invalid value at '" + schema::snake_case(name) + "' (TYPE_BOOL), \"" + v + "\"")};
}

json::Obj parse_body(const Incoming& in, const std::string& message) {
  json::Var raw;
  try {
    raw = in.body.empty() ? json::Var(json::object()) : json::parse(in.body);
  } catch (const json::ParseError& e) {
    throw ApiException{errors::invalid_payload({{"", std::string("Invalid JSON payload received. Unexpected token. ") + e.what()}})};
  }
  schema::Violations v;
  json::Obj body = json::as_object(schema::normalize(raw, message, v));
  if (!v.empty()) throw ApiException{errors::invalid_payload(v)};
  return body;
}

render::ValueRender render_of(const std::string& s) {
  if (s == "UNFORMATTED_VALUE") return render::ValueRender::Unformatted;
  if (s == "FORMULA") return render::ValueRender::Formula;
  return render::ValueRender::Formatted;
}

// One line of values (a row, or a column with by_column) trimmed of trailing empties.
json::Arr line(const Sheet& s, const render::GridWindow& w, int fixed, bool by_column, render::ValueRender how) {
  json::Arr out = json::array();
  const int from = by_column ? w.start_row : w.start_col, to = by_column ? w.end_row : w.end_col;
  int last = -1;
  std::vector<json::Var> cells;
  for (int i = from; i < to; ++i) {
    const Cell* c = by_column ? s.cell(i, fixed) : s.cell(fixed, i);
    json::Var v = render::cell_value(c, how);
    if (!v.isEmpty() && !(v.isString() && v.extract<std::string>().empty())) last = i - from;
    cells.push_back(v.isEmpty() ? json::Var(std::string()) : v);
  }
  for (int i = 0; i <= last; ++i) out->add(cells[static_cast<std::size_t>(i)]);
  return out;
}

json::Obj value_range(const Resolved& r, render::ValueRender how, bool by_column) {
  const Sheet& s = *r.sheet;
  const render::GridWindow& w = r.window;
  auto o = json::object();
  o->set("range", a1::format(s.props.title, w.start_row, w.start_col, w.end_row, w.end_col));
  o->set("majorDimension", by_column ? "COLUMNS" : "ROWS");
  json::Arr lines = json::array();
  int last = -1;
  const int from = by_column ? w.start_col : w.start_row, to = by_column ? w.end_col : w.end_row;
  const int stored_to = by_column ? to : std::min(to, static_cast<int>(s.rows.size()));
  std::vector<json::Arr> all;
  for (int i = from; i < stored_to; ++i) {
    all.push_back(line(s, w, i, by_column, how));
    if (all.back()->size() > 0) last = i - from;
  }
  for (int i = 0; i <= last; ++i) lines->add(all[static_cast<std::size_t>(i)]);
  if (lines->size() > 0) o->set("values", lines);
  return o;
}

}  // namespace

json::Obj get_spreadsheet(MethodCall& call, const Spreadsheet& ss) {
  const bool grid_param = bool_param(call.in, "includeGridData");
  std::vector<render::GridRequest> ranges;
  for (const auto& text : call.in.params_named("ranges")) {
    const Resolved r = resolve_a1(ss, text);
    ranges.push_back({r.sheet->props.sheet_id, r.window});
  }
  const bool include_grid = call.fields ? call.fields->touches("sheets.data") : grid_param;
  return render::spreadsheet(ss, call.who.project_number, include_grid, ranges.empty() ? nullptr : &ranges);
}

json::Obj batch_update(MethodCall& call, Spreadsheet& ss, bool& applied) {
  const json::Obj body = parse_body(call.in, "BatchUpdateSpreadsheetRequest");
  Spreadsheet work = ss;  // rows are shared; written rows are copied
  BatchContext ctx{work, call.st.options.limits, call.who.project_number, call.st.rng};
  const json::Arr replies = apply_batch(ctx, json::list(body, "requests"));
  ss = std::move(work);
  applied = true;
  auto out = json::object();
  out->set("spreadsheetId", ss.id);
  out->set("replies", replies);
  if (json::boolean(body, "includeSpreadsheetInResponse")) {
    std::vector<render::GridRequest> ranges;
    const json::Arr wanted = json::list(body, "responseRanges");
    for (std::size_t i = 0; wanted && i < wanted->size(); ++i) {
      const Resolved r = resolve_a1(ss, wanted->get(i).convert<std::string>());
      ranges.push_back({r.sheet->props.sheet_id, r.window});
    }
    out->set("updatedSpreadsheet", render::spreadsheet(ss, call.who.project_number,
                                                       json::boolean(body, "responseIncludeGridData"),
                                                       ranges.empty() ? nullptr : &ranges));
  }
  return out;
}

json::Obj values_get(MethodCall& call, const Spreadsheet& ss, const std::string& range) {
  const auto how = render_of(enum_param(call.in, "valueRenderOption", "ValueRenderOption", "FORMATTED_VALUE"));
  const std::string major = enum_param(call.in, "majorDimension", "Dimension", "ROWS");
  enum_param(call.in, "dateTimeRenderOption", "DateTimeRenderOption", "SERIAL_NUMBER");
  return value_range(resolve_a1(ss, range), how, major == "COLUMNS");
}

json::Obj values_batch_get(MethodCall& call, const Spreadsheet& ss) {
  const auto how = render_of(enum_param(call.in, "valueRenderOption", "ValueRenderOption", "FORMATTED_VALUE"));
  const std::string major = enum_param(call.in, "majorDimension", "Dimension", "ROWS");
  enum_param(call.in, "dateTimeRenderOption", "DateTimeRenderOption", "SERIAL_NUMBER");
  auto out = json::object();
  out->set("spreadsheetId", ss.id);
  auto list = json::array();
  for (const auto& text : call.in.params_named("ranges")) list->add(value_range(resolve_a1(ss, text), how, major == "COLUMNS"));
  if (list->size() > 0) out->set("valueRanges", list);
  return out;
}

json::Obj metadata_search(MethodCall& call, const Spreadsheet& ss) {
  const json::Obj body = parse_body(call.in, "SearchDeveloperMetadataRequest");
  const json::Arr filters = json::list(body, "dataFilters");
  if (!filters || filters->size() == 0) throw RequestError("Must specify at least one dataFilter.");
  std::map<std::int32_t, std::vector<std::size_t>> hits;  // metadata id -> matching filters
  for (std::size_t i = 0; i < filters->size(); ++i)
    for (const Metadata* m : select_metadata(ss, json::as_object(filters->get(i)), call.who.project_number))
      hits[m->id].push_back(i);
  auto out = json::object();
  if (hits.empty()) return out;  // Google answers {} when nothing matched
  auto list = json::array();
  for (const auto& [id, which] : hits) {
    auto matched = json::object();
    matched->set("developerMetadata", render::metadata(ss.metadata.at(id)));
    auto echoed = json::array();
    for (std::size_t i : which) echoed->add(filters->get(i));
    matched->set("dataFilters", echoed);
    list->add(matched);
  }
  out->set("matchedDeveloperMetadata", list);
  return out;
}

json::Obj metadata_get(MethodCall& call, const Spreadsheet& ss, const std::string& id) {
  std::int32_t n = 0;
  try {
    std::size_t used = 0;
    n = static_cast<std::int32_t>(std::stol(id, &used));
    if (used != id.size()) throw std::invalid_argument(id);
  } catch (const std::exception&) {
    throw ApiException{errors::invalid_argument("Invalid value at 'metadata_id' (TYPE_INT32), \"" + id + "\"")};
  }
  const auto it = ss.metadata.find(n);
  if (it == ss.metadata.end() || !render::visible(it->second, call.who.project_number)) throw ApiException{errors::not_found()};
  return render::metadata(it->second);
}

}  // namespace sinkhub::fake::google
